"""Plug the count and results into pbudget: links, permissions and the demo loader."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """Called from ``BallotsConfig.ready``."""
    from ballots.counting import demo
    from ballots.counting import rules as _rules  # noqa: F401  (binds the permission names)
    from pbudget import registry
    from pbudget.registry import Link

    registry.add_nav_link(Link(label=_("Results"), url_name="ballots:results_index", order=45))
    registry.add_staff_link(
        Link(
            label=_("Count"),
            url_name="ballots:count_home",
            permission="ballots.run_count",
            description=_(
                "Count the ballots after voting closes, watch the count, publish results, "
                "import Pabulib files."
            ),
            order=43,
        )
    )
    registry.add_demo_loader(demo.load, order=70)
