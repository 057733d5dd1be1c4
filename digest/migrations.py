"""Numbered schema steps, applied in order when a database is opened, each in its own transaction.

`PRAGMA user_version` holds the number of the last step applied (0: a database made before
migrations existed, release 0.1.0, or a new file). A step runs inside BEGIN IMMEDIATE and
re-reads the version first, so two processes opening an old file at once apply it once; a step
that fails rolls back whole and the file stays at the previous version. A database from a newer
release (a version we do not know) is refused rather than guessed at.

To change a table: append a step here (never edit one that has shipped) and a test that opens
tests/fixtures/release-*.db. Steps run on `sqlite3.Connection` with one statement per execute:
`executescript` would commit the transaction in the middle.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass


class SchemaError(RuntimeError):
    """The database cannot be opened by this release (newer schema, or a step failed)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(conn: sqlite3.Connection, sql: str) -> None:
    for statement in sql.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _v1_release_0_1_0(conn: sqlite3.Connection) -> None:
    """The tables of release 0.1.0 (before migrations); a no-op on a database it made."""
    _statements(conn, """
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
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """)


def pack_text(body: str, summary: str) -> bytes:
    """Body and summary in one zlib stream: the summary's sentences are the body's, so they
    cost a few bytes of back-references instead of a second copy (Chinese is 3 bytes a
    character in UTF-8; zlib brings an article to about half)."""
    return zlib.compress(f"{body}\x00{summary}".encode(), 9)


def unpack_text(blob: bytes) -> tuple[str, str]:
    body, _, summary = zlib.decompress(blob).decode().partition("\x00")
    return body, summary


def fts_table(year: int) -> str:
    """The index partition of one year's articles (an int, so a name never carries input)."""
    return f"fts_{int(year):04d}"


def create_partition(conn: sqlite3.Connection, year: int) -> str:
    """A contentless FTS5 table for one year: the index only, no copy of the segmented text."""
    name = fts_table(year)
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5"
                 " (title, body, parts, content = '', tokenize = 'unicode61')")
    conn.execute("INSERT OR IGNORE INTO fts_years (year) VALUES (?)", [int(year)])
    return name


def _v2_packed_text_and_yearly_index(conn: sqlite3.Connection) -> None:
    """8.7 KB an article to under 4: body and summary packed, FTS5 per year and contentless.

    The old index kept a second copy of the segmented text (FTS5 content) and one table for all
    years, whose bm25 counts every match of a common word in the archive on each query. Ids are
    kept (links in sent messages stay valid); AUTOINCREMENT from now on, because a contentless
    index cannot forget a row, so a replaced article's id must never come back (see fts_dead).
    """
    conn.create_function("pack_text", 2, pack_text, deterministic=True)
    _statements(conn, """
        CREATE TABLE articles_v2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
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
            county TEXT NOT NULL,
            counties TEXT NOT NULL,
            topic TEXT NOT NULL,
            topics TEXT NOT NULL,
            text BLOB NOT NULL
        );
        INSERT INTO articles_v2 SELECT id, page_id, paper, date, page, seq, kind, kicker, title, subtitle, reporters,
            county, counties, topic, topics, pack_text(body, summary) FROM articles ORDER BY id;
        DROP TABLE articles;
        ALTER TABLE articles_v2 RENAME TO articles;
        CREATE INDEX articles_by_paper ON articles (paper, date, page, seq);
        CREATE INDEX articles_by_day ON articles (date, page, seq);
        CREATE INDEX articles_by_page ON articles (page_id);
        CREATE TABLE fts_years (year INTEGER PRIMARY KEY);
        CREATE TABLE fts_dead (id INTEGER PRIMARY KEY)
    """)
    # The old index holds the segmented text: moving it needs no tokenizer (opening stays fast).
    for (year,) in conn.execute("SELECT DISTINCT CAST(substr(date, 1, 4) AS INTEGER) FROM articles").fetchall():
        create_partition(conn, year)
    # Streamed, not fetched: an archive's segmented text may not fit in memory.
    rows = conn.execute("SELECT f.rowid, f.title, f.body, f.parts, a.date FROM articles_fts f"
                        " JOIN articles a ON a.id = f.rowid ORDER BY f.rowid")
    for rowid, title, body, parts, date in rows:
        name = fts_table(int(date[:4]))
        conn.execute(f"INSERT INTO {name} (rowid, title, body, parts) VALUES (?, ?, ?, ?)", [rowid, title, body, parts])
    conn.execute("DROP TABLE articles_fts")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '2')")


def _v3_article_moves(conn: sqlite3.Connection) -> None:
    """Where a replaced article went: a corrected page gets new article ids (a contentless index
    cannot reuse one), and the `/a123` links in digests already sent must still open the article."""
    conn.execute("CREATE TABLE article_moves (old_id INTEGER PRIMARY KEY, new_id INTEGER NOT NULL)")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '3')")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "release 0.1.0 tables", _v1_release_0_1_0),
    Migration(2, "packed article text, contentless FTS5 per year", _v2_packed_text_and_yearly_index),
    Migration(3, "where replaced articles went", _v3_article_moves),
)
LATEST = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the steps this database lacks; returns the versions applied (usually none)."""
    latest = migrations[-1].version
    version = schema_version(conn)  # a read: an up-to-date file never waits for a running ingest
    if version > latest:
        raise SchemaError(f"database schema version {version} is newer than this paperdigest knows ({latest}):"
                          " upgrade paperdigest")
    applied: list[int] = []
    if version == latest:
        return applied
    if conn.in_transaction:
        conn.commit()
    for step in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < step.version:  # another process may have applied it meanwhile
                step.apply(conn)
                conn.execute(f"PRAGMA user_version = {int(step.version)}")
                applied.append(step.version)
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise SchemaError(f"schema step {step.version} ({step.name}) failed: {exc}") from exc
            raise
    return applied
