"""Agents' pages to write and publish articles (simple server-rendered pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User

from . import queries, services
from .forms import ArticleMetaForm, NewArticleForm, TranslationForm
from .models import LANGUAGE_CHOICES, ArticleStatus


def agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_agent", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _agent(request: HttpRequest) -> User:
    """The signed-in agent (``agent_required`` has checked)."""
    assert isinstance(request.user, User)
    return request.user


@agent_required
def manage(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    articles = queries.with_translations(queries.visible_articles(request.user)).select_related(
        "author"
    )
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    return render(
        request,
        "kb/manage.html",
        {
            "cards": queries.cards(articles.order_by("-updated_at")[:200]),
            "status": status,
            "statuses": ArticleStatus.choices,
        },
    )


def _meta(form: Any) -> dict[str, Any]:
    return {
        name: form.cleaned_data[name]
        for name in (
            "category",
            "status",
            "visibility",
            "default_language",
            "products",
            "themes",
            "ticket_types",
        )
    }


@agent_required
def article_new(request: HttpRequest) -> HttpResponse:
    form = NewArticleForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                author=_agent(request),
                language=form.cleaned_data["language"],
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body_html=form.cleaned_data["body"],
                slug=form.cleaned_data["slug"],
                **_meta(form),
            )
            if form.cleaned_data["related"]:
                services.article_update(
                    article=article, actor=_agent(request), related=form.cleaned_data["related"]
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The article has been saved."))
            return redirect("kb:article_edit", pk=article.pk)
    return render(
        request, "kb/edit.html", {"form": form, "new": True}, status=400 if form.errors else 200
    )


@agent_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.visible_articles(request.user).filter(pk=pk).first()
    if article is None:
        raise Http404
    language = request.GET.get("lang") or article.default_language
    if language not in dict(LANGUAGE_CHOICES):
        raise Http404
    existing = article.translations.filter(language=language).first()
    meta_initial = {
        "category": article.category_id,
        "status": article.status,
        "visibility": article.visibility,
        "default_language": article.default_language,
        "slug": article.slug,
        "products": list(article.products.all()),
        "themes": list(article.themes.all()),
        "ticket_types": list(article.ticket_types.all()),
        "related": list(article.related.all()),
    }
    text_initial = (
        {"title": existing.title, "summary": existing.summary, "body": existing.body_html}
        if existing
        else {}
    )
    posted = request.POST if request.method == "POST" else None
    meta = ArticleMetaForm(posted, initial=meta_initial, exclude_pk=article.pk, prefix="meta")
    text = TranslationForm(posted, initial=text_initial, prefix="text")
    if posted is not None and meta.is_valid() and text.is_valid():
        try:
            services.article_update(
                article=article,
                actor=_agent(request),
                slug=meta.cleaned_data["slug"],
                related=meta.cleaned_data["related"],
                **_meta(meta),
            )
            services.article_translation_save(
                article=article,
                actor=_agent(request),
                language=language,
                title=text.cleaned_data["title"],
                summary=text.cleaned_data["summary"],
                body_html=text.cleaned_data["body"],
            )
        except ValidationError as error:
            text.add_error(None, error)
        else:
            messages.success(request, _("The article has been saved."))
            return redirect(f"{reverse('kb:article_edit', kwargs={'pk': pk})}?lang={language}")
    article.refresh_from_db()
    return render(
        request,
        "kb/edit.html",
        {
            "article": article,
            "meta": meta,
            "form": text,
            "language": language,
            "kb_languages": LANGUAGE_CHOICES,
            "existing": {t.language for t in article.translations.all()},
        },
        status=400 if posted is not None and (meta.errors or text.errors) else 200,
    )


@agent_required
@require_POST
def upload_image(request: HttpRequest) -> JsonResponse:
    """An image pasted, dropped or chosen in the editor: stored, then linked by URL."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("No file was sent.")}, status=400)
    try:
        stored = services.kb_file_store(
            file=upload, filename=upload.name or "image", user=_agent(request), image=True
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    url = reverse("kb:file", kwargs={"key": stored.key})
    return JsonResponse({"url": url, "alt": stored.filename})
