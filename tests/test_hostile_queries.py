"""Search and watch queries nobody checked: FTS syntax, broken quotes, SQL, 10,000 characters.

Each is answered (a list of results, maybe empty) or refused with a message for the person who
typed it (QueryError, SubscriptionError); none raises anything else or changes stored articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest import ingest, store, subscriptions, watching
from digest.pipeline import Pipeline
from digest.search import MAX_QUERY_CHARS, QueryError, search
from digest.segment import Segmenter
from digest.subscriptions import SubscriptionError

CHAT = 1001
HOSTILE = [
    '"', '""', '"""', '"光伏', '光伏"', "“光伏", "光伏”", "'", "''", "`", "\\", "\\\"", "光伏*", "*", "^光伏", "(", ")",
    "((光伏", "光伏))", "NEAR(光伏 电站, 2)", "光伏 NEAR/2 电站", "光伏 OR 1=1", "光伏' OR '1'='1", "AND", "OR", "NOT",
    "光伏 AND", "NOT 光伏", "- 光伏", "-", "--", "---光伏", "光伏 -", '光伏 -"', "title:光伏", "body : 光伏",
    "{title body}: 光伏", "articles_fts", "rank MATCH 'bm25(1)'", "'; DROP TABLE articles; --",
    "光伏); DELETE FROM articles; --", "/* 光伏 */", "%光伏%", "_", "光伏\x00电站", "\x00", "\u200b光伏\u200b",
    "\u202e光伏", "🌞 光伏", "👨‍👩‍👧", "光伏\n电站", "\t", "\u3000光伏\u3000", "光" * MAX_QUERY_CHARS,
    "光伏 " * 40, "-光伏 " * 40 + "电站", "a" * 10_000, "光伏" * 5_000, '"' * 10_000,
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, pipeline: Pipeline, seed_files: list[Path]
           ) -> Iterator[sqlite_utils.Database]:
    db = store.connect(tmp_path_factory.mktemp("queries") / "q.db")
    ingest.ingest_files(db, pipeline, seed_files[:1], paper="聊城日报", date="2024-11-06")
    ingest.ingest_files(db, pipeline, seed_files[1:], paper="聊城日报", date="2024-08-28")
    subscriptions.subscribe(db, CHAT, "07:30")
    yield db
    db.close()


def articles_table(db: sqlite_utils.Database) -> list[tuple]:
    return db.execute("SELECT * FROM articles ORDER BY id").fetchall()


def answer_or_refuse(db: sqlite_utils.Database, segmenter: Segmenter, query: str) -> str:
    try:
        results = search(db, segmenter, query, limit=20)
    except QueryError as exc:
        assert str(exc).strip()
        return "refused"
    assert all(r.article.title or r.article.paragraphs for r in results)
    return "answered"


@pytest.mark.parametrize("query", HOSTILE)
def test_search_answers_or_refuses(seeded: sqlite_utils.Database, segmenter: Segmenter, query: str) -> None:
    before = articles_table(seeded)
    answer_or_refuse(seeded, segmenter, query)
    assert articles_table(seeded) == before


def test_ten_thousand_characters_refused_with_the_limit(seeded: sqlite_utils.Database, segmenter: Segmenter) -> None:
    with pytest.raises(QueryError, match=f"^关键词太长了（10000 个字符），请控制在 {MAX_QUERY_CHARS} 个字符以内。$"):
        search(seeded, segmenter, "光" * 10_000)


def test_injection_is_searched_as_text(seeded: sqlite_utils.Database, segmenter: Segmenter) -> None:
    assert search(seeded, segmenter, "'; DROP TABLE articles; --") == []
    assert [r.article.title for r in search(seeded, segmenter, "光伏 OR 1=1")] == []  # no article says 1=1
    assert search(seeded, segmenter, "光伏")  # the table is still there


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_answered_or_refused(seeded: sqlite_utils.Database, segmenter: Segmenter, query: str) -> None:
    answer_or_refuse(seeded, segmenter, query)


_SYNTAX = st.sampled_from(['"', "(", ")", "*", "^", ":", "-", "NEAR", "AND", "OR", "NOT", "{", "}", "'", ";", " ",
                           "光伏", "电站", "title", "+", ",", "/", "\\", "\x00"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_SYNTAX, max_size=30).map("".join))
def test_fts_syntax_soup_answered_or_refused(seeded: sqlite_utils.Database, segmenter: Segmenter, query: str) -> None:
    answer_or_refuse(seeded, segmenter, query)


@pytest.mark.parametrize("query", HOSTILE)
def test_watch_stored_or_refused_and_matching_never_raises(
    seeded: sqlite_utils.Database, segmenter: Segmenter, query: str
) -> None:
    before = articles_table(seeded)
    try:
        watch = subscriptions.add_watch(seeded, CHAT, query)
    except SubscriptionError as exc:
        assert str(exc).strip()
        assert not query.strip() or len(" ".join(query.split())) > subscriptions.MAX_WATCH_CHARS
        return
    try:
        assert watch.query == " ".join(query.split())
        assert watch in subscriptions.watches(seeded, CHAT)
        # Matching runs after every ingest: a watch that cannot be searched is skipped, not fatal.
        ids = [a.id for a in store.articles_on(seeded, "2024-11-06")]
        matched = watching.matches_for_watches(seeded, segmenter, ids)
        assert set(matched) <= {CHAT}
    finally:
        subscriptions.remove_watch(seeded, CHAT, watch.id)
    assert articles_table(seeded) == before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_watch_text_stored_or_refused(seeded: sqlite_utils.Database, query: str) -> None:
    try:
        watch = subscriptions.add_watch(seeded, CHAT, query)
    except SubscriptionError as exc:
        assert str(exc).strip()
    else:
        subscriptions.remove_watch(seeded, CHAT, watch.id)
