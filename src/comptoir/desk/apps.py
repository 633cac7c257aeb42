from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "comptoir.desk"
    label = "desk"
    verbose_name = _("Agent desk")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Macro
        from .reference import MODELS, forget_reference

        for model in (*MODELS, Macro):
            post_save.connect(forget_reference, sender=model, dispatch_uid=f"desk-ref-{model}")
            post_delete.connect(forget_reference, sender=model, dispatch_uid=f"desk-ref-d-{model}")
