from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbudgetConfig(AppConfig):
    name = "pbudget"
    verbose_name = _("Participatory budget")

    def ready(self) -> None:
        from pbudget import registry, signals  # noqa: F401  (connects allauth signals)
        from pbudget.tasks import clear_expired_sessions

        registry.add_cleanup("expired sessions", clear_expired_sessions)
