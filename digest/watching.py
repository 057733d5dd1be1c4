"""Keyword watches meet new articles: which subscriber should hear about which article.

A watch is a saved search (`光伏 -招聘`, `"数字孪生"`) in the same query language as
`digest.search`. After an ingest, and when a digest is composed, the new articles are matched
against every watch with the full-text index, restricted to those articles' ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable

import sqlite_utils

from digest import store
from digest.models import StoredArticle
from digest.search import QueryError, parse_query
from digest.segment import Segmenter
from digest.store import ARTICLE_COLUMNS, row_to_stored

log = logging.getLogger(__name__)


def matches_for_watches(
    db: sqlite_utils.Database,
    segmenter: Segmenter,
    article_ids: Iterable[int],
    *,
    chat_ids: Collection[int] | None = None,
    active_only: bool = True,
    instant_only: bool = False,
) -> dict[int, list[StoredArticle]]:
    """For each chat, the given articles matching any of its watches, once each, in page order.

    Only chats with an active subscription unless `active_only` is False; only those that asked
    for alerts right after ingest (/alerts on) if `instant_only`; only `chat_ids` when given.
    A watch that no longer parses (the query language changed) is skipped and logged.
    """
    ids = json.dumps(sorted(set(article_ids)))
    if ids == "[]":
        return {}
    sql = "SELECT w.chat_id, w.query FROM watches w"
    if active_only or instant_only:
        sql += " JOIN subscribers s ON s.chat_id = w.chat_id"
        sql += " AND s.active = 1" if active_only else ""
        sql += " AND s.instant_alerts = 1" if instant_only else ""
    sql += " ORDER BY w.chat_id, w.id"
    wanted = set(chat_ids) if chat_ids is not None else None
    found: dict[int, dict[int, StoredArticle]] = {}
    cache: dict[str, list[StoredArticle]] = {}
    for chat_id, query in db.execute(sql).fetchall():
        if wanted is not None and chat_id not in wanted:
            continue
        if query not in cache:
            cache[query] = _matching(db, segmenter, query, ids)
        for stored in cache[query]:
            found.setdefault(chat_id, {})[stored.id] = stored
    return {
        chat: sorted(by_id.values(), key=lambda s: (s.date, s.page, s.id))
        for chat, by_id in found.items() if by_id
    }


def _matching(db: sqlite_utils.Database, segmenter: Segmenter, query: str, ids: str) -> list[StoredArticle]:
    try:
        expr = parse_query(query, segmenter).to_fts()
    except QueryError as exc:
        log.warning("watch %r skipped: %s", query, exc)
        return []
    found = store.matching_ids(db, expr, json.loads(ids))
    if not found:
        return []
    marks = ", ".join("?" * len(found))
    return [row_to_stored(row) for row in db.query(f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id IN ({marks})",
                                                   found)]


def article_ids_on_page(db: sqlite_utils.Database, *, paper: str, date: str, page: int) -> list[int]:
    """The ids of one stored page's articles, in page order (what an ingest just added)."""
    rows = db.execute("SELECT id FROM articles WHERE paper = ? AND date = ? AND page = ? ORDER BY seq",
                      [paper, date, page]).fetchall()
    return [row[0] for row in rows]
