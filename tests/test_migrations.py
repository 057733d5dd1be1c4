"""Schema steps: a database made by release 0.1.0 opens, keeps its data and searches like a new one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from digest import ingest, migrations, store, subscriptions, watching
from digest.migrations import Migration, SchemaError
from digest.models import Article
from digest.search import search

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the file release 0.1.0 wrote (the three sample pages, one subscriber watching 光伏)."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "release-0.1.0.db", path)
    return path


@pytest.fixture
def new_db(tmp_path: Path, pipeline) -> store.Database:
    db = store.connect(tmp_path / "new.db")
    for page in sorted(SAMPLES.glob("*.txt")):
        ingest.ingest_files(db, pipeline, [page], paper="聊城日报", date=page.name[:10])
    yield db
    db.close()


def release_rows(path: Path) -> list[tuple]:
    """The articles as release 0.1.0 stored them, read with its own column names."""
    raw = sqlite3.connect(path)
    try:
        rows = raw.execute("SELECT id, date, page, kind, kicker, title, subtitle, reporters, body, summary, county,"
                           " counties, topic, topics FROM articles ORDER BY date, page, seq").fetchall()
    finally:
        raw.close()
    return [(i, d, p, Article(kind=k, kicker=kk, title=t, subtitle=st, reporters=tuple(json.loads(r)),
                              paragraphs=tuple(b.split("\n")), summary=su, county=c, counties=tuple(json.loads(cs)),
                              topic=tp, topics=tuple(json.loads(tps))))
            for i, d, p, k, kk, t, st, r, b, su, c, cs, tp, tps in rows]


def articles(db) -> list[tuple]:
    out = []
    for date in ("2026-11-20", "2026-11-21"):
        out += [(s.id, s.date, s.page, s.article) for s in store.articles_on(db, date)]
    return out


def test_release_0_1_0_database_is_migrated_with_its_data(old_db: Path) -> None:
    stored_before = release_rows(old_db)
    raw = sqlite3.connect(old_db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    raw.close()
    db = store.connect(old_db)
    try:
        assert migrations.schema_version(db.conn) == migrations.LATEST == store.SCHEMA_VERSION
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "3"
        # Every field of every article survives, ids included (links in sent messages stay valid).
        assert len(articles(db)) == 18
        assert articles(db) == stored_before
        assert store.indexed_count(db) == 18
        assert "articles_fts" not in db.table_names()
        assert subscriptions.get(db, 1001) is not None
        assert [w.query for w in subscriptions.watches(db, 1001)] == ["光伏"]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


@pytest.mark.parametrize("query", ["光伏", "聊城", '"数字孪生"', "光伏 -电站", "时风", "冬日"])
def test_migrated_index_searches_like_a_new_one(old_db: Path, new_db, segmenter, query: str) -> None:
    db = store.connect(old_db)
    try:
        old = [(r.id, r.article.title) for r in search(db, segmenter, query, limit=20)]
        assert old == [(r.id, r.article.title) for r in search(new_db, segmenter, query, limit=20)]
    finally:
        db.close()
    if query in ("光伏", "聊城"):
        assert old


def test_migrated_database_takes_new_pages_and_corrections(old_db: Path, pipeline, segmenter, tmp_path) -> None:
    db = store.connect(old_db)
    try:
        before = store.article_count(db)
        page = SAMPLES / "2026-11-20_01.txt"
        corrected = tmp_path / page.name
        text = page.read_text(encoding="utf-8")
        corrected.write_text(text[:text.rindex("本报讯")], encoding="utf-8")
        [outcome] = ingest.ingest_files(db, pipeline, [corrected], paper="聊城日报", date="2026-11-20")
        assert outcome.status == "replaced"
        new_ids = [s.id for s in store.articles_on(db, "2026-11-20") if s.page == 1]
        assert min(new_ids) > 18  # ids of the replaced articles never come back
        assert store.article_count(db) == before - 1 == store.indexed_count(db)
        hits = {r.id for r in search(db, segmenter, "聊城", limit=50)}
        assert hits and hits <= {s.id for d in ("2026-11-20", "2026-11-21") for s in store.articles_on(db, d)}
        matched = watching.matches_for_watches(db, segmenter, new_ids)
        assert all(s.id in new_ids for found in matched.values() for s in found)
    finally:
        db.close()


def test_opening_again_changes_nothing(old_db: Path) -> None:
    store.connect(old_db).close()
    before = old_db.read_bytes()
    db = store.connect(old_db)
    assert migrations.migrate(db.conn) == []
    db.close()
    assert old_db.read_bytes() == before


def test_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    store.connect(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    raw.close()
    with pytest.raises(SchemaError, match=f"schema version {migrations.LATEST + 1} is newer"):
        store.connect(path)


def test_a_failing_step_rolls_back_whole(tmp_path: Path) -> None:
    def good(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE kept (x)")

    def bad(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x)")
        conn.execute("INSERT INTO half VALUES (1)")
        conn.execute("SELECT * FROM no_such_table")

    conn = sqlite3.connect(tmp_path / "steps.db")
    steps = (Migration(1, "good", good), Migration(2, "bad", bad))
    with pytest.raises(SchemaError, match=r"schema step 2 \(bad\) failed: no such table: no_such_table"):
        migrations.migrate(conn, steps)
    assert migrations.schema_version(conn) == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"kept"}
    conn.close()


def test_rebuilt_index_drops_replaced_entries_and_searches_the_same(old_db: Path, pipeline, segmenter,
                                                                    tmp_path: Path) -> None:
    db = store.connect(old_db)
    try:
        page = SAMPLES / "2026-11-20_01.txt"
        corrected = tmp_path / page.name
        corrected.write_text(page.read_text(encoding="utf-8").replace("冬日工地热潮涌", "冬日工地建设热潮涌"),
                             encoding="utf-8")
        ingest.ingest_files(db, pipeline, [corrected], paper="聊城日报", date="2026-11-20")
        assert db.execute("SELECT count(*) FROM fts_dead").fetchone()[0] == 6
        before = {q: [r.id for r in search(db, segmenter, q, limit=20)] for q in ("聊城", "光伏", "建设热潮")}
        assert store.rebuild_index(db, segmenter) == 18
        assert db.execute("SELECT count(*) FROM fts_dead").fetchone()[0] == 0
        assert store.indexed_count(db) == 18
        assert {q: [r.id for r in search(db, segmenter, q, limit=20)] for q in before} == before
        assert before["建设热潮"]
    finally:
        db.close()
