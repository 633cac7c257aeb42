"""Cursor pagination: stable pages while tickets keep arriving, and a cost that
does not grow with the page number (no OFFSET over the whole table)."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class ApiCursorPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering: Any = ("-pk",)

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        # Each list says its order (tickets take it from the ``ordering`` parameter).
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return tuple(ordering)
