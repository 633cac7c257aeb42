"""Forms of the knowledge base editor. They parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from comptoir.tickets.models import Product, Theme, TicketType

from .models import LANGUAGE_CHOICES, Article, ArticleStatus, KbCategory, Visibility

# What the editor offers; the server-side allowlist (richtext.py) matches it.
EDITOR_EXTENSIONS: dict[str, Any] = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Code": True,
    "CodeBlock": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Image": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
}


def _body_widget() -> forms.Widget:
    """The ProseMirror editor when its app is installed (it serves the assets), else
    a plain textarea: the HTML typed there is sanitised all the same."""
    if apps.is_installed("django_prose_editor"):
        from django_prose_editor.widgets import ProseEditorWidget

        return ProseEditorWidget(config={"extensions": EDITOR_EXTENSIONS}, preset="configurable")
    return forms.Textarea(attrs={"rows": 20})


class LabelledChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "label", obj))


class LabelledMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "label", obj))


class ArticleMetaForm(forms.Form):
    category = LabelledChoiceField(label=_("Category"), queryset=KbCategory.objects.all())
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    visibility = forms.ChoiceField(label=_("Who can read it"), choices=Visibility.choices)
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=LANGUAGE_CHOICES,
        help_text=_("Shown to readers whose language has no translation."),
    )
    slug = forms.SlugField(
        label=_("Address"),
        required=False,
        max_length=120,
        help_text=_("The end of the article's address. Left empty, it comes from the title."),
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.filter(active=True), required=False
    )
    ticket_types = LabelledMultipleChoiceField(
        label=_("Ticket types"),
        queryset=TicketType.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Suggested first on new tickets of these types."),
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related articles"),
        queryset=Article.objects.order_by("slug"),
        required=False,
        help_text=_("Shown first under “Related articles”."),
    )

    def __init__(self, *args: Any, exclude_pk: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if exclude_pk is not None:
            field = self.fields["related"]
            field.queryset = field.queryset.exclude(pk=exclude_pk)  # type: ignore[attr-defined]


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One sentence shown in lists and search results."),
    )
    body = forms.CharField(label=_("Content"), widget=forms.Textarea, max_length=2_000_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget = _body_widget()
        self.fields["body"].widget.attrs["data-kb-editor"] = "1"


class NewArticleForm(ArticleMetaForm, TranslationForm):
    language = forms.ChoiceField(label=_("Language of this text"), choices=LANGUAGE_CHOICES)
