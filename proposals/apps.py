from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        from pbudget import registry
        from pbudget.registry import Link
        from proposals import demo, pending, rules  # noqa: F401  (binds the permission names)

        registry.add_nav_link(Link(label=_("Proposals"), url_name="proposals:list", order=20))
        registry.add_nav_link(
            Link(label=_("Projects"), url_name="proposals:project_list", order=60)
        )
        registry.add_staff_link(
            Link(
                label=_("Review queue"),
                url_name="proposals:review_queue",
                permission="proposals.review_proposal",
                description=_(
                    "Check feasibility, set the official cost and merge duplicate proposals."
                ),
                order=20,
            )
        )
        registry.add_demo_loader(demo.load, order=20)
        registry.add_cleanup("held proposal images", pending.purge_stale)
