"""The knowledge base's reading pages: parse input, call queries and services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.search import services as search_services
from comptoir.search.text import MIN_SUGGEST, clean_query

from . import queries, services
from .models import ArticleVote, KbCategory, reader_language
from .pdf import article_pdf_bytes
from .related import related_for_ticket_form
from .richtext import anchor_headings


def _q(request: HttpRequest) -> str:
    return clean_query(request.GET.get("q", ""))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    q = _q(request)
    hits = (
        search_services.search(user=request.user, query=q, kinds=["article"], limit=30) if q else []
    )
    return render(
        request,
        "kb/home.html",
        {
            "q": q,
            "hits": hits,
            "categories": queries.categories_with_counts(request.user),
            "popular": [] if q else queries.cards(queries.popular_articles(request.user)),
            "min_letters": MIN_SUGGEST,
        },
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The search box's dropdown (an HTML fragment of listbox options)."""
    q = _q(request)
    too_short = len(q.replace(" ", "")) < MIN_SUGGEST
    hits = [] if too_short else search_services.suggest(user=request.user, query=q)
    return render(
        request,
        "kb/_suggestions.html",
        {"q": q, "hits": hits, "too_short": too_short, "min_letters": MIN_SUGGEST},
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    shelf = get_object_or_404(KbCategory, slug=slug, active=True)
    return render(
        request,
        "kb/category.html",
        {
            "category": shelf,
            "cards": queries.cards(queries.category_articles(request.user, shelf)),
            "categories": queries.categories_with_counts(request.user),
        },
    )


def _reading(request: HttpRequest, slug: str) -> dict[str, Any]:
    article = queries.access_article(request.user, slug)
    wanted = request.GET.get("lang") or reader_language()
    chosen = queries.pick_translation(
        article.translations.all(), language=wanted, default=article.default_language
    )
    if chosen is None:
        raise Http404
    body, toc = anchor_headings(chosen.body_html)
    return {
        "article": article,
        "translation": chosen,
        "body": body,
        "toc": toc,
        "article_languages": [t.language for t in article.translations.all()],
        "files": [f for f in article.files.all() if not f.inline],
    }


def _has_voted(request: HttpRequest, article: Any) -> bool:
    votes = ArticleVote.objects.filter(article=article)
    if request.user.is_authenticated:
        return votes.filter(user=request.user).exists()
    key = request.session.session_key
    return bool(key) and votes.filter(user__isnull=True, session_key=key).exists()


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    context = _reading(request, slug)
    services.article_record_view(article=context["article"])
    context["related"] = queries.cards(queries.related_articles(request.user, context["article"]))
    context["voted"] = _has_voted(request, context["article"])
    return render(request, "kb/article.html", context)


@require_GET
def article_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    context = _reading(request, slug)
    pdf = article_pdf_bytes(request, context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{context["article"].slug}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def article_vote(request: HttpRequest, slug: str) -> HttpResponse:
    found = queries.access_article(request.user, slug)
    if not request.session.session_key:
        request.session.save()
    counted = services.article_vote(
        article=found,
        helpful=request.POST.get("helpful") == "yes",
        user=request.user if request.user.is_authenticated else None,
        session_key=request.session.session_key or "",
    )
    if getattr(request, "htmx", False):
        return render(request, "kb/_vote.html", {"article": found, "voted": True})
    if counted:
        messages.success(request, _("Thank you for your feedback."))
    return redirect("kb:article", slug=found.slug)


@login_required
@require_GET
def related_to_ticket(request: HttpRequest) -> HttpResponse:
    """Articles (and the requester's own open tickets) like the ticket being written."""
    found = related_for_ticket_form(
        user=request.user,
        subject=request.GET.get("subject", ""),
        description=request.GET.get("description", ""),
        product_ids=request.GET.getlist("products"),
        theme_ids=request.GET.getlist("themes"),
        type_id=request.GET.get("type", ""),
    )
    return render(request, "kb/_related.html", {"related": found})


@require_GET
def file_download(request: HttpRequest, key: str) -> FileResponse:
    found = queries.access_kb_file(request.user, key)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not found.is_image,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
