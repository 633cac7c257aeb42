from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from comptoir.contracts import api as contract_api

from .errors import not_found
from .views import attachments, directory, kb, pages, search, tickets

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("attachments", attachments.AttachmentViewSet, basename="attachment")
router.register("contacts", directory.ContactViewSet, basename="contact")
router.register("agents", directory.AgentViewSet, basename="agent")
router.register("organisations", directory.OrganisationViewSet, basename="organisation")
router.register("groups", directory.GroupViewSet, basename="group")
router.register("kb/categories", kb.CategoryViewSet, basename="kb-category")
router.register("kb/articles", kb.ArticleViewSet, basename="kb-article")

v1 = [
    path("me/", directory.MeView.as_view(), name="me"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("hours/<int:organisation>/", contract_api.HoursView.as_view(), name="hours"),
    path(
        "tickets/<int:number>/time-entries/",
        contract_api.TicketTimeEntriesView.as_view(),
        name="ticket-time-entries",
    ),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    # Anything else under /api/ answers in the API's error format.
    re_path(r"^v1/.*$", not_found),
]
