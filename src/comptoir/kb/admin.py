from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Article, KbCategory


@admin.register(KbCategory)
class KbCategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "icon", "label_fr", "label_en", "label_es", "order", "active"]
    list_editable = ["order", "active"]
    prepopulated_fields = {"slug": ["label_fr"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-only here: articles are written in the knowledge base editor, which
    sanitises the text and keeps search up to date."""

    list_display = ["slug", "category", "status", "visibility", "view_count", "updated_at", "edit"]
    list_filter = ["status", "visibility", "category"]
    search_fields = ["slug", "translations__title"]

    @admin.display(description=_("editor"))
    def edit(self, obj: Article) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("kb:article_edit", args=[obj.pk]), _("Open the editor")
        )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
