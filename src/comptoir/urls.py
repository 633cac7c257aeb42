from django.contrib import admin
from django.urls import include, path

from comptoir.portal import views as portal_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("attachments/<str:key>/", portal_views.attachment_download, name="attachment"),
    path("", include("comptoir.portal.urls")),
]
