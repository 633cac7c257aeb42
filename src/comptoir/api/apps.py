from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "comptoir.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        # Registers the token scheme with the OpenAPI generator.
        from . import auth  # noqa: F401
