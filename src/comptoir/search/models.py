"""The search index: one row per searchable text (an article translation, a ticket).

The full-text machinery hangs off this table and differs per database
(see ``backends``): on PostgreSQL a generated ``tsvector`` column with GIN
indexes and a trigram index on ``title_plain``; on SQLite an FTS5 table whose
rowid is this row's id. Only ``search.index`` writes here.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    ARTICLE = "article", "article"
    TICKET = "ticket", "ticket"


class SearchDocument(models.Model):
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.BigIntegerField()
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=250)
    # Lower case, accents removed: trigram matching for prefixes and typos.
    title_plain = models.CharField(max_length=250)
    body = models.TextField()
    updated_at = models.DateTimeField()
    # Small ranking nudge (helpful votes); recency is computed at query time.
    boost = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "language"], name="search_document_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="search_document_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}:{self.language}"
