from django.contrib import admin
from django.urls import include, path

from comptoir.portal import views as portal_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # Ours first: activation, profile, members, import; then allauth's pages.
    path("accounts/", include("comptoir.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("tickets/", include("comptoir.accounts.people_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("attachments/<str:key>/", portal_views.attachment_download, name="attachment"),
    path("kb/", include("comptoir.kb.urls")),
    path("search/", include("comptoir.search.urls")),
    path("mail/", include("comptoir.mail.urls")),
    path("sla/", include("comptoir.sla.urls")),
    path("desk/", include("comptoir.desk.urls")),
    path("reports/", include("comptoir.reports.urls")),
    path("api/", include("comptoir.api.urls")),
    path("hours/", include("comptoir.contracts.urls")),
    path("integrations/", include("comptoir.integrations.urls")),
    path("", include("comptoir.portal.urls")),
]
