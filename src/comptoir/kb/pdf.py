"""Articles as PDF with WeasyPrint, looking like the page (kb/article-pdf.css).

Images are read from storage through the same permission check as the page;
nothing is fetched over the network.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

from . import queries
from .services import file_prefix


def _stylesheet() -> str:
    path = finders.find("kb/article-pdf.css")
    if not path:
        return ""
    with open(path if isinstance(path, str) else path[0], encoding="utf-8") as handle:
        return handle.read()


def article_pdf_bytes(request: HttpRequest, context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = request.build_absolute_uri(file_prefix())

    class StorageFetcher(URLFetcher):  # type: ignore[misc]
        """Our own files from storage; anything else is refused."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if not url.startswith(prefix):
                raise ValueError(f"Not fetched: {url}")
            stored = queries.access_kb_file(request.user, url[len(prefix) :].strip("/"))
            with stored.file.open("rb") as handle:
                data = handle.read()
            return URLFetcherResponse(url, body=data, headers={"Content-Type": stored.content_type})

    html = render_to_string("kb/article_pdf.html", context, request=request)
    document = HTML(
        string=html, base_url=request.build_absolute_uri("/"), url_fetcher=StorageFetcher()
    )
    return bytes(document.write_pdf(stylesheets=[CSS(string=_stylesheet())]))
