from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbudgetConfig(AppConfig):
    name = "pbudget"
    verbose_name = _("Participatory budget")

    def ready(self) -> None:
        from pbudget import signals  # noqa: F401  (connects allauth signals)
