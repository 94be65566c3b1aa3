from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoproductionConfig(AppConfig):
    name = "coproduction"
    verbose_name = _("Coproduction")

    def ready(self) -> None:
        from coproduction import demo, extras
        from coproduction.finance.services import export_purge_expired
        from pbudget import registry
        from pbudget.registry import Link

        registry.add_nav_link(
            Link(label=_("Coproduction"), url_name="coproduction:dashboard", order=60)
        )
        registry.add_staff_link(
            Link(
                label=_("Pledges to review"),
                url_name="coproduction:pledge_review_list",
                permission="coproduction.review_pledge",
                description=_("Accept or decline residents' pledges of time and materials."),
                order=60,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Ledger to verify"),
                url_name="coproduction:ledger_queue",
                permission="coproduction.verify_ledger",
                description=_("Verify the hours and goods residents delivered to projects."),
                order=61,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Valuation rates"),
                url_name="coproduction:rate_list",
                permission="coproduction.manage_rates",
                description=_("The hourly rates contributions are valued at, and revaluation."),
                order=62,
            )
        )
        registry.add_proposal_extra(extras.inkind_extra)
        registry.add_demo_loader(demo.load, order=60)
        registry.add_cleanup("expired export files", export_purge_expired)
        # Finance: budget lines and exports (coproduction/finance/).
        import coproduction.finance.rules
        import coproduction.tasks_finance  # noqa: F401

        registry.add_staff_link(
            Link(
                label=_("Finance"),
                url_name="coproduction:finance",
                permission="coproduction.view_finance",
                description=_("Budget lines of funded projects, budget codes and exports."),
                order=63,
            )
        )
