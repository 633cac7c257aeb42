from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "comptoir.sla"
    label = "sla"
    verbose_name = _("SLAs and automations")

    def ready(self) -> None:
        from . import retries

        # Failed background tasks of every app are retried with backoff.
        retries.connect()
