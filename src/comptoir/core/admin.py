from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Comptoir administration")
admin.site.site_title = _("Comptoir administration")
admin.site.index_title = _("Helpdesk configuration")
