"""The search index: one row per indexed document of any kind, plus the full-text structure of the
database vendor (SQLite: the FTS5 table ``search_fts``, rowid ``backends.fts_key(date, id)``;
PostgreSQL: the ``tsv`` column of this table with a GIN index), both created by migration 0001 (the
SQLite keys by 0002) and written only by ``search.backends``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Entry(models.Model):
    """What search shows and filters on for one document; its id is the full-text row id."""

    kind = models.CharField(max_length=20)
    doc_id = models.BigIntegerField()
    number_symbol = models.CharField(max_length=60, blank=True)
    symbol_key = models.CharField(max_length=60, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    issuer = models.CharField(max_length=255, blank=True)
    issuer_key = models.CharField(max_length=255, blank=True)  # folded, for the issuer filter
    doc_type = models.CharField(max_length=12, blank=True)  # DocType.code
    doc_type_name = models.CharField(max_length=100, blank=True)
    date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=30, blank=True)
    secrecy = models.CharField(max_length=20, blank=True)
    body = models.TextField(blank=True)  # the files' text as extracted (diacritics kept), for snippets
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mục chỉ mục tìm kiếm"
        verbose_name_plural = "chỉ mục tìm kiếm"
        constraints = [models.UniqueConstraint(fields=["kind", "doc_id"], name="uniq_search_entry")]
        indexes = [
            models.Index(fields=["symbol_key"], name="search_symbol_key"),
            models.Index(fields=["kind", "date"], name="search_kind_date"),
            # results by date (filters only, and PostgreSQL's walk for common words)
            models.Index(fields=["-date", "-id"], name="search_date_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.doc_id}"


class FileText(models.Model):
    """The text of one stored file (content-addressed, so extracted once for every document holding it)."""

    stored = models.OneToOneField(
        "core.StoredFile", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(blank=True)
    source = models.CharField(max_length=40, blank=True)  # "pdf", "docx", or the name of a text source
    extracted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "nội dung tệp"
        verbose_name_plural = "nội dung tệp"

    def __str__(self) -> str:
        return f"text of file {self.stored_id}"


class RebuildCheckpoint(models.Model):
    """Where ``search_rebuild`` is in one kind: the last document id indexed (committed with the batch)."""

    kind = models.CharField(max_length=20, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} ≤ {self.last_id}"


class SavedSearch(models.Model):
    """A search a user named and keeps (the query string of the search page)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField("tên", max_length=100)
    query = models.CharField("điều kiện", max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tìm kiếm đã lưu"
        verbose_name_plural = "tìm kiếm đã lưu"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="uniq_saved_search_name")]

    def __str__(self) -> str:
        return self.name
