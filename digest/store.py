"""The SQLite file behind everything: issues, pages, articles and a full-text index.

The FTS5 index holds jieba-segmented text (tokens separated by spaces, unicode61 tokenizer):
the trigram tokenizer cannot match two-character words such as 光伏, which most Chinese words
are (benchmarks/search.py measures both). A page is identified by (paper, date, page number);
storing the same text twice changes nothing, a corrected page replaces its articles in one
transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from digest import outbox, subscriptions
from digest.models import Article, Page, StoredArticle

SCHEMA_VERSION = 1
INDEX_FINGERPRINT_KEY = "index_dictionary"  # meta: the tokenizer that built the index (digest.reindex)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    `atomic()` in sqlite-utils opens a deferred transaction: one that reads before it writes
    (queue a digest unless one exists) holds a read snapshot, and if another connection commits
    meanwhile, the upgrade to writing fails at once with `database is locked`, whatever the
    busy timeout. BEGIN IMMEDIATE waits (up to the busy timeout) for the lock instead. Readers
    are not blocked: in WAL mode they never wait for the writer.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():  # a savepoint inside the transaction already open
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Several SELECTs that must see one state of the database (a search's ids, then its rows),
    even while an ingest replaces a page between them."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")


class Indexer(Protocol):
    """What the store needs from a segmenter to index text (digest.segment.Segmenter fits)."""

    def terms(self, text: str) -> list[str]: ...
    def parts(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class StoreResult:
    """What storing one page did: 'stored' (new), 'replaced' (corrected) or 'unchanged'."""

    status: str
    article_ids: tuple[int, ...]


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database, in WAL mode so readers never wait for the ingest."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: PTB runs handlers on one event loop but jobs may hop threads.
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    ensure_schema(db)
    subscriptions.ensure_schema(db)
    outbox.ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the tables this module owns; safe to call on every start."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS issues (
            id INTEGER PRIMARY KEY,
            paper TEXT NOT NULL,
            date TEXT NOT NULL,
            UNIQUE (paper, date)
        );
        CREATE TABLE IF NOT EXISTS pages (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues(id),
            page INTEGER NOT NULL,
            file TEXT NOT NULL,
            encoding TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            article_count INTEGER NOT NULL,
            skipped TEXT NOT NULL DEFAULT '[]',
            ingested_at TEXT NOT NULL,
            UNIQUE (issue_id, page)
        );
        CREATE TABLE IF NOT EXISTS articles (
            id INTEGER PRIMARY KEY,
            page_id INTEGER NOT NULL REFERENCES pages(id),
            paper TEXT NOT NULL,
            date TEXT NOT NULL,
            page INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            kicker TEXT NOT NULL,
            title TEXT NOT NULL,
            subtitle TEXT NOT NULL,
            reporters TEXT NOT NULL,
            body TEXT NOT NULL,
            summary TEXT NOT NULL,
            county TEXT NOT NULL,
            counties TEXT NOT NULL,
            topic TEXT NOT NULL,
            topics TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS articles_by_date ON articles (paper, date, page, seq);
        CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (title, body, parts, tokenize = 'unicode61');
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )
    # Read first: even an INSERT that ignores its row waits for the write lock, and every
    # connect() (a CLI search, the bot's start) would wait for a running ingest to finish.
    if db.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is None:
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    db.conn.commit()


def page_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _issue_id(db: sqlite_utils.Database, paper: str, date: str) -> int:
    db.execute("INSERT OR IGNORE INTO issues (paper, date) VALUES (?, ?)", [paper, date])
    return db.execute("SELECT id FROM issues WHERE paper = ? AND date = ?", [paper, date]).fetchone()[0]


def store_page(
    db: sqlite_utils.Database, page: Page, *, paper: str, date: str, page_no: int, indexer: Indexer,
    now: datetime | None = None,
) -> StoreResult:
    """Store a page's articles, replacing an earlier version of the same page in one transaction."""
    digest = page_hash(page.text)
    with db.atomic():
        issue_id = _issue_id(db, paper, date)
        old = db.execute("SELECT id, sha256 FROM pages WHERE issue_id = ? AND page = ?", [issue_id, page_no]).fetchone()
        if old and old[1] == digest:
            ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE page_id = ? ORDER BY seq", [old[0]])]
            return StoreResult("unchanged", tuple(ids))
        if old:
            _delete_page(db, old[0])
        _note_indexer(db, indexer)
        db.execute(
            "INSERT INTO pages (issue_id, page, file, encoding, sha256, article_count, skipped, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [issue_id, page_no, page.file, page.encoding, digest, len(page.articles),
             json.dumps([s.text for s in page.skipped], ensure_ascii=False),
             (now or datetime.now(UTC)).isoformat(timespec="seconds")],
        )
        page_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        ids = [_insert_article(db, a, page_id=page_id, paper=paper, date=date, page_no=page_no, seq=i, indexer=indexer)
               for i, a in enumerate(page.articles)]
    return StoreResult("replaced" if old else "stored", tuple(ids))


def _note_indexer(db: sqlite_utils.Database, indexer: Indexer) -> None:
    """The first articles indexed record which tokenizer cut them (digest.reindex compares it at open)."""
    fingerprint = getattr(indexer, "fingerprint", None)
    if (fingerprint and db.execute("SELECT 1 FROM meta WHERE key = ?", [INDEX_FINGERPRINT_KEY]).fetchone() is None
            and db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None):
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [INDEX_FINGERPRINT_KEY, fingerprint])


def _delete_page(db: sqlite_utils.Database, page_id: int) -> None:
    db.execute("DELETE FROM articles_fts WHERE rowid IN (SELECT id FROM articles WHERE page_id = ?)", [page_id])
    db.execute("DELETE FROM articles WHERE page_id = ?", [page_id])
    db.execute("DELETE FROM pages WHERE id = ?", [page_id])


def _insert_article(
    db: sqlite_utils.Database, a: Article, *, page_id: int, paper: str, date: str, page_no: int, seq: int,
    indexer: Indexer,
) -> int:
    cursor = db.execute(
        "INSERT INTO articles (page_id, paper, date, page, seq, kind, kicker, title, subtitle, reporters, body,"
        " summary, county, counties, topic, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [page_id, paper, date, page_no, seq, a.kind, a.kicker, a.title, a.subtitle, _dump(a.reporters), a.body,
         a.summary, a.county, _dump(a.counties), a.topic, _dump(a.topics)],
    )
    article_id = cursor.lastrowid
    title = a.headline or a.display_title
    db.execute(
        "INSERT INTO articles_fts (rowid, title, body, parts) VALUES (?, ?, ?, ?)",
        [article_id, " ".join(indexer.terms(title)), " ".join(indexer.terms(a.body)),
         " ".join(indexer.parts(title + "\n" + a.body))],
    )
    return int(article_id)


def rebuild_index(db: sqlite_utils.Database, indexer: Indexer) -> int:
    """Index every stored article again, in one transaction; returns the articles indexed.

    For a changed tokenizer: new dictionary words must be cut the same way in index and queries
    (digest.reindex decides when). Readers keep the old index until the transaction commits.
    """
    done = 0
    with db.atomic():
        db.execute("DELETE FROM articles_fts")
        for article_id, kicker, title, subtitle, body in db.execute(
                "SELECT id, kicker, title, subtitle, body FROM articles ORDER BY id").fetchall():
            a = Article(kind="", kicker=kicker, title=title, subtitle=subtitle, reporters=(),
                        paragraphs=tuple(body.split("\n")))
            headline = a.headline or a.display_title
            db.execute("INSERT INTO articles_fts (rowid, title, body, parts) VALUES (?, ?, ?, ?)",
                       [article_id, " ".join(indexer.terms(headline)), " ".join(indexer.terms(a.body)),
                        " ".join(indexer.parts(headline + "\n" + a.body))])
            done += 1
    return done


def _dump(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


ARTICLE_COLUMNS = (
    "a.id, a.paper, a.date, a.page, a.kind, a.kicker, a.title, a.subtitle, a.reporters, a.body, a.summary,"
    " a.county, a.counties, a.topic, a.topics"
)


def row_to_stored(row: dict[str, Any], rank: float = 0.0) -> StoredArticle:
    article = Article(
        kind=row["kind"], kicker=row["kicker"], title=row["title"], subtitle=row["subtitle"],
        reporters=tuple(json.loads(row["reporters"])), paragraphs=tuple(row["body"].split("\n")),
        summary=row["summary"], county=row["county"], counties=tuple(json.loads(row["counties"])),
        topic=row["topic"], topics=tuple(json.loads(row["topics"])),
    )
    return StoredArticle(id=row["id"], paper=row["paper"], date=row["date"], page=row["page"], article=article,
                         rank=rank)


def articles_on(db: sqlite_utils.Database, date: str, paper: str | None = None) -> list[StoredArticle]:
    """A day's articles in page order; all papers unless one is named."""
    sql = f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.date = ?"
    params: list[Any] = [date]
    if paper:
        sql += " AND a.paper = ?"
        params.append(paper)
    return [row_to_stored(r) for r in db.query(sql + " ORDER BY a.page, a.seq", params)]


def get_article(db: sqlite_utils.Database, article_id: int) -> StoredArticle | None:
    if not 0 < article_id < 2**63:
        return None  # `/a99999999999999999999`: no such article, and too big for SQLite to look up
    rows = list(db.query(f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", [article_id]))
    return row_to_stored(rows[0]) if rows else None


def article_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def last_ingest(db: sqlite_utils.Database) -> str | None:
    return db.execute("SELECT max(ingested_at) FROM pages").fetchone()[0]


def latest_date(db: sqlite_utils.Database, paper: str | None = None) -> str | None:
    if paper:
        return db.execute("SELECT max(date) FROM articles WHERE paper = ?", [paper]).fetchone()[0]
    return db.execute("SELECT max(date) FROM articles").fetchone()[0]
