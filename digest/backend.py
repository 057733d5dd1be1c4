"""The seam where another archive engine plugs in: what the bot and the CLI need from storage.

Today one implementation, SQLite (digest.store + digest.search). Beyond one SQLite file
(docs/scaling.md) a PostgreSQL store with a Chinese full-text extension (zhparser, pg_jieba)
or an OpenSearch index with a Chinese analyzer (IK, smartcn) implements the same Protocol;
callers keep their code. The query language stays ours: `Query` (parsed, every token already
separated) is what an implementation receives, never the raw text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date
from typing import Protocol, runtime_checkable

import sqlite_utils

from digest import search as sqlite_search
from digest import store
from digest.models import StoredArticle
from digest.segment import Segmenter
from digest.store import Indexer, PageToStore, StoreResult


@runtime_checkable
class ArticleStore(Protocol):
    """Pages in, articles out: the archive's whole contract."""

    def store_pages(self, pages: Sequence[PageToStore], *, indexer: Indexer) -> list[StoreResult]: ...
    def articles_on(self, date: str, paper: str | None = None) -> list[StoredArticle]: ...
    def get_article(self, article_id: int) -> StoredArticle | None: ...
    def search(self, segmenter: Segmenter, text: str, *, days: int | None = None, today: Date | None = None,
               limit: int = 10, offset: int = 0) -> list[StoredArticle]: ...
    def matching_ids(self, fts_expression: str, ids: Iterable[int]) -> list[int]: ...


@dataclass
class SqliteArticleStore:
    """The SQLite file: pages, packed articles, FTS5 a year (digest.store, digest.search)."""

    db: sqlite_utils.Database

    def store_pages(self, pages: Sequence[PageToStore], *, indexer: Indexer) -> list[StoreResult]:
        return store.store_pages(self.db, pages, indexer=indexer)

    def articles_on(self, date: str, paper: str | None = None) -> list[StoredArticle]:
        return store.articles_on(self.db, date, paper)

    def get_article(self, article_id: int) -> StoredArticle | None:
        return store.get_article(self.db, article_id)

    def search(self, segmenter: Segmenter, text: str, *, days: int | None = None, today: Date | None = None,
               limit: int = 10, offset: int = 0) -> list[StoredArticle]:
        return sqlite_search.search(self.db, segmenter, text, days=days, today=today, limit=limit, offset=offset)

    def matching_ids(self, fts_expression: str, ids: Iterable[int]) -> list[int]:
        return store.matching_ids(self.db, fts_expression, ids)
