from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "comptoir.reports"
    label = "reports"
    verbose_name = _("Surveys, exports and reports")
