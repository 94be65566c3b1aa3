from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self) -> None:
        from deliberation import demo, extras
        from pbudget import registry
        from pbudget.registry import Link

        registry.add_nav_link(Link(label=_("Forum"), url_name="deliberation:forum_index", order=40))
        registry.add_staff_link(
            Link(
                label=_("Moderation queue"),
                url_name="deliberation:moderation_queue",
                permission="deliberation.moderate",
                description=_(
                    "Reported comments, topics, proposals and statements, most reported first; "
                    "hide, restore, warn and suspend."
                ),
                order=30,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Moderation log"),
                url_name="deliberation:moderation_log",
                permission="deliberation.view_moderationlog",
                description=_("Every moderation action: who, when, what and why."),
                order=31,
            )
        )
        registry.add_staff_link(
            Link(
                label=_("Open a common ground activity"),
                url_name="deliberation:commonground_create",
                permission="deliberation.add_commonground",
                description=_("Let residents write and vote on short statements, Polis-style."),
                order=32,
            )
        )
        registry.add_demo_loader(demo.load, order=30)
        registry.add_proposal_extra(extras.comment_count_extra)
        registry.add_proposal_section(extras.discussion_section)
