from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = _("Ballots")

    def ready(self) -> None:
        from ballots import demo
        from pbudget import registry
        from pbudget.registry import Link

        registry.add_nav_link(Link(label=_("Vote"), url_name="ballots:vote_home", order=40))
        registry.add_staff_link(
            Link(
                label=_("Census"),
                url_name="ballots:census_home",
                permission="ballots.import_census",
                description=_("Import the census, follow imports, resolve double claims."),
                order=40,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Booth"),
                url_name="ballots:booth_list",
                permission="ballots.operate_booth",
                description=_(
                    "Verify voters in person, mark them as voted, enter paper ballots, "
                    "reconcile each booth."
                ),
                order=41,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Turnout"),
                url_name="ballots:turnout_list",
                permission="ballots.view_turnout",
                description=_("Voters per district and per day, online and on paper."),
                order=42,
            )
        )
        registry.add_demo_loader(demo.load, order=40)
        self._forget_sections_on_change()

        from ballots.counting.setup import ready as counting_ready

        counting_ready()

        from ballots.hooks import ready as hooks_ready

        hooks_ready()

    @staticmethod
    def _forget_sections_on_change() -> None:
        """Kept ballot sections (``selectors.ballot_sections_for_casting``) are dropped
        whenever a project, budget, cycle or district is saved or deleted here."""
        from django.db.models.signals import post_delete, post_save

        from ballots.selectors import forget_casting_sections
        from pbudget.models import Cycle, District, DistrictBudget
        from proposals.models import Proposal

        for model in (Proposal, DistrictBudget, Cycle, District):
            uid = f"ballot-sections-{model.__name__}"
            post_save.connect(forget_casting_sections, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(forget_casting_sections, sender=model, dispatch_uid=f"{uid}-delete")
