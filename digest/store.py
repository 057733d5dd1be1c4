"""The SQLite file behind everything: issues, pages, articles and a full-text index.

The FTS5 index holds jieba-segmented text (tokens separated by spaces, unicode61 tokenizer):
the trigram tokenizer cannot match two-character words such as 光伏, which most Chinese words
are (benchmarks/search.py measures both). It is one contentless table a year (`fts_2026`):
the index without a second copy of the text, and a query's ranking counts only one year's
matches (digest.search). An article's body and summary are stored packed in one zlib stream.
A page is identified by (paper, date, page number); storing the same text twice changes
nothing, a corrected page replaces its articles in one transaction. The schema is made and
upgraded by digest.migrations; sizes and limits are in docs/scaling.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import sqlite_utils

from digest import migrations, outbox, subscriptions
from digest.migrations import create_partition, fts_table, pack_text, unpack_text
from digest.models import Article, Page, StoredArticle

SCHEMA_VERSION = migrations.LATEST
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
    """Open (creating if needed) the database, in WAL mode so readers never wait for the ingest,
    and bring its schema up to date (digest.migrations)."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: PTB runs handlers on one event loop but jobs may hop threads.
    # cached_statements: a search prepares one statement per year of the index.
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, cached_statements=512)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    try:
        if str(path) != ":memory:":
            db.enable_wal()
        ensure_schema(db)
        subscriptions.ensure_schema(db)
        outbox.ensure_schema(db)
    except BaseException:
        conn.close()
        raise
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Apply the schema steps this file lacks; on an up-to-date file, only reads its version."""
    migrations.migrate(db.conn)


def page_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _issue_id(db: sqlite_utils.Database, paper: str, date: str) -> int:
    db.execute("INSERT OR IGNORE INTO issues (paper, date) VALUES (?, ?)", [paper, date])
    return db.execute("SELECT id FROM issues WHERE paper = ? AND date = ?", [paper, date]).fetchone()[0]


@dataclass(frozen=True)
class PageToStore:
    """One page and where it goes, for store_pages (many pages, one transaction)."""

    page: Page
    paper: str
    date: str
    page_no: int


def store_page(
    db: sqlite_utils.Database, page: Page, *, paper: str, date: str, page_no: int, indexer: Indexer,
    now: datetime | None = None,
) -> StoreResult:
    """Store a page's articles, replacing an earlier version of the same page in one transaction."""
    return store_pages(db, [PageToStore(page, paper, date, page_no)], indexer=indexer, now=now)[0]


def store_pages(
    db: sqlite_utils.Database, pages: Iterable[PageToStore], *, indexer: Indexer, now: datetime | None = None,
) -> list[StoreResult]:
    """Store many pages in one transaction: a bulk ingest commits (and syncs) once a batch, not once a page.

    All or nothing: if one page cannot be written, none of the batch is. The text is cut for
    the index before the transaction begins: jieba takes most of the time, and the write lock
    (which the bot's subscriptions and outbox wait for) is held only while rows are written.
    """
    when = now or datetime.now(UTC)
    prepared = [_prepare(db, item, indexer) for item in pages]
    with db.atomic():
        return [_store_page(db, p, indexer, when) for p in prepared]


IndexRow = tuple[str, str, str]  # the title, body and parts columns of an article's index entry


@dataclass(frozen=True)
class _Prepared:
    item: PageToStore
    digest: str
    index_rows: tuple[IndexRow, ...] | None  # None: the page looked unchanged, nothing was cut


def index_row(article: Article, indexer: Indexer) -> IndexRow:
    title = article.headline or article.display_title
    return (" ".join(indexer.terms(title)), " ".join(indexer.terms(article.body)),
            " ".join(indexer.parts(title + "\n" + article.body)))


def _prepare(db: sqlite_utils.Database, item: PageToStore, indexer: Indexer) -> _Prepared:
    """Hash the page and, unless the same text is stored already, cut its articles for the index."""
    digest = page_hash(item.page.text)
    stored = db.execute("SELECT p.sha256 FROM pages p JOIN issues i ON i.id = p.issue_id"
                        " WHERE i.paper = ? AND i.date = ? AND p.page = ?",
                        [item.paper, item.date, item.page_no]).fetchone()
    if stored and stored[0] == digest:
        return _Prepared(item, digest, None)
    return _Prepared(item, digest, tuple(index_row(a, indexer) for a in item.page.articles))


def _store_page(db: sqlite_utils.Database, prepared: _Prepared, indexer: Indexer, now: datetime) -> StoreResult:
    item, digest = prepared.item, prepared.digest
    page, paper, date, page_no = item.page, item.paper, item.date, item.page_no
    issue_id = _issue_id(db, paper, date)
    old = db.execute("SELECT id, sha256 FROM pages WHERE issue_id = ? AND page = ?", [issue_id, page_no]).fetchone()
    if old and old[1] == digest:
        ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE page_id = ? ORDER BY seq", [old[0]])]
        return StoreResult("unchanged", tuple(ids))
    replaced = _articles_of_page(db, old[0]) if old else []
    if old:
        _delete_page(db, old[0])
    _note_indexer(db, indexer)
    db.execute(
        "INSERT INTO pages (issue_id, page, file, encoding, sha256, article_count, skipped, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [issue_id, page_no, page.file, page.encoding, digest, len(page.articles),
         json.dumps([s.text for s in page.skipped], ensure_ascii=False), now.isoformat(timespec="seconds")],
    )
    page_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    create_partition(db.conn, _year(date))
    # Cut before the transaction, unless the page looked unchanged then and is not now (a race).
    rows = prepared.index_rows or tuple(index_row(a, indexer) for a in page.articles)
    ids = [_insert_article(db, a, page_id=page_id, paper=paper, date=date, page_no=page_no, seq=i, index=rows[i])
           for i, a in enumerate(page.articles)]
    if replaced:
        now_stored = [Version(i, a.title, a.body[:OPENING]) for i, a in zip(ids, page.articles, strict=True)]
        _record_moves(db, replaced, now_stored)
    return StoreResult("replaced" if old else "stored", tuple(ids))


class Version(NamedTuple):
    """An article as far as following it through a correction needs: id, title, first lines."""

    id: int
    title: str
    opening: str


OPENING = 200  # characters of the body compared when a correction changed the title
SAME_STORY = 0.6  # difflib ratio of the openings above which a retitled article is the same story


def _articles_of_page(db: sqlite_utils.Database, page_id: int) -> list[Version]:
    return [Version(r[0], r[1], unpack_text(r[2])[0][:OPENING])
            for r in db.execute("SELECT id, title, text FROM articles WHERE page_id = ? ORDER BY seq", [page_id])]


def moves(old: Sequence[Version], new: Sequence[Version]) -> dict[int, int]:
    """Which new article each replaced one became: the one with the same title, else (a corrected
    title) the one whose opening reads most alike, if alike enough. An article the correction
    dropped goes nowhere, rather than to some other story."""
    by_title: dict[str, int] = {}
    for version in new:
        if version.title:  # photos may have none: those go by their caption
            by_title.setdefault(version.title, version.id)
    found = {v.id: by_title[v.title] for v in old if v.title in by_title}
    taken = set(found.values())
    pairs = sorted(((SequenceMatcher(None, o.opening, n.opening, autojunk=False).ratio(), o.id, n.id)
                    for o in old if o.id not in found for n in new if n.id not in taken), reverse=True)
    for ratio, old_id, new_id in pairs:
        if ratio >= SAME_STORY and old_id not in found and new_id not in taken:
            found[old_id] = new_id
            taken.add(new_id)
    return found


def _record_moves(db: sqlite_utils.Database, old: Sequence[Version], new: Sequence[Version]) -> None:
    """Links to the replaced articles (and to what they had replaced) lead to the new ones."""
    for old_id, new_id in moves(old, new).items():
        db.execute("UPDATE article_moves SET new_id = ? WHERE new_id = ?", [new_id, old_id])
        db.execute("INSERT OR REPLACE INTO article_moves (old_id, new_id) VALUES (?, ?)", [old_id, new_id])


def _note_indexer(db: sqlite_utils.Database, indexer: Indexer) -> None:
    """The first articles indexed record which tokenizer cut them (digest.reindex compares it at open)."""
    fingerprint = getattr(indexer, "fingerprint", None)
    if (fingerprint and db.execute("SELECT 1 FROM meta WHERE key = ?", [INDEX_FINGERPRINT_KEY]).fetchone() is None
            and db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None):
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [INDEX_FINGERPRINT_KEY, fingerprint])


def _year(date: str) -> int:
    return int(date[:4])


def _delete_page(db: sqlite_utils.Database, page_id: int) -> None:
    """Remove a page's articles. Their index entries stay (a contentless FTS5 table cannot drop a
    row without its original tokens) and are masked by fts_dead; AUTOINCREMENT ids never return."""
    db.execute("INSERT OR IGNORE INTO fts_dead (id) SELECT id FROM articles WHERE page_id = ?", [page_id])
    db.execute("DELETE FROM articles WHERE page_id = ?", [page_id])
    db.execute("DELETE FROM pages WHERE id = ?", [page_id])


def _insert_article(
    db: sqlite_utils.Database, a: Article, *, page_id: int, paper: str, date: str, page_no: int, seq: int,
    index: IndexRow,
) -> int:
    cursor = db.execute(
        "INSERT INTO articles (page_id, paper, date, page, seq, kind, kicker, title, subtitle, reporters,"
        " county, counties, topic, topics, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [page_id, paper, date, page_no, seq, a.kind, a.kicker, a.title, a.subtitle, _dump(a.reporters),
         a.county, _dump(a.counties), a.topic, _dump(a.topics), pack_text(a.body, a.summary)],
    )
    article_id = cursor.lastrowid
    assert article_id is not None  # sqlite3 sets it after every INSERT
    db.execute(f"INSERT INTO {fts_table(_year(date))} (rowid, title, body, parts) VALUES (?, ?, ?, ?)",
               [article_id, *index])
    return int(article_id)


def index_years(db: sqlite_utils.Database) -> list[int]:
    """The years that have an index partition, newest first."""
    return [r[0] for r in db.execute("SELECT year FROM fts_years ORDER BY year DESC")]


def indexed_count(db: sqlite_utils.Database) -> int:
    """Articles the index answers for (entries of replaced articles, masked by fts_dead, not counted)."""
    total = sum(db.execute(f"SELECT count(*) FROM {fts_table(y)}_docsize").fetchone()[0] for y in index_years(db))
    return total - db.execute("SELECT count(*) FROM fts_dead").fetchone()[0]


def matching_ids(db: sqlite_utils.Database, expr: str, ids: Iterable[int]) -> list[int]:
    """Which of these articles match an FTS5 expression (a watch against a page just stored)."""
    wanted = json.dumps(sorted(set(ids)))
    years = [r[0] for r in db.execute(
        "SELECT DISTINCT CAST(substr(date, 1, 4) AS INTEGER) FROM articles"
        " WHERE id IN (SELECT value FROM json_each(?))", [wanted])]
    found: list[int] = []
    for year in years:
        name = fts_table(year)
        found += [r[0] for r in db.execute(
            f"SELECT rowid FROM {name} WHERE {name} MATCH ? AND rowid IN (SELECT value FROM json_each(?))"
            " AND rowid NOT IN (SELECT id FROM fts_dead)", [expr, wanted])]
    return sorted(found)


def rebuild_index(db: sqlite_utils.Database, indexer: Indexer, years: Iterable[int] | None = None) -> int:
    """Index every stored article again, a year a transaction; returns the articles indexed.

    For a changed tokenizer (new dictionary words must be cut the same way in index and
    queries) and to purge the entries of replaced articles (fts_dead). A year's text is cut
    before its transaction; readers keep the old table until the new one is committed.
    """
    done = 0
    all_years = {int(r[0]) for r in db.execute("SELECT DISTINCT substr(date, 1, 4) FROM articles")}
    select = "SELECT id, kicker, title, subtitle, text FROM articles WHERE date >= ? AND date < ? ORDER BY id"
    for year in sorted(all_years | set(index_years(db)) if years is None else set(years)):
        name = fts_table(year)
        span = [f"{year:04d}", f"{year + 1:04d}"]
        cut = {row[0]: index_row(_indexed_article(row), indexer) for row in db.execute(select, span).fetchall()}
        with db.atomic():
            if year in index_years(db):  # the masked entries of replaced articles go with the old table
                db.execute(f"DELETE FROM fts_dead WHERE id IN (SELECT id FROM {name}_docsize)")
            db.execute(f"DROP TABLE IF EXISTS {name}")
            db.execute("DELETE FROM fts_years WHERE year = ?", [year])
            rows = db.execute(select, span).fetchall()  # again: a page may have been replaced meanwhile
            if rows:
                create_partition(db.conn, year)
            for row in rows:
                entry = cut.get(row[0]) or index_row(_indexed_article(row), indexer)
                db.execute(f"INSERT INTO {name} (rowid, title, body, parts) VALUES (?, ?, ?, ?)", [row[0], *entry])
        done += len(rows)
    return done


def _indexed_article(row: tuple[Any, ...]) -> Article:
    """The fields of a stored article that its index entry is made from."""
    _, kicker, title, subtitle, text = row
    body, _ = unpack_text(text)
    return Article(kind="", kicker=kicker, title=title, subtitle=subtitle, reporters=(),
                   paragraphs=tuple(body.split("\n")))


def optimize_index(db: sqlite_utils.Database, years: Iterable[int] | None = None) -> None:
    """Merge each partition's segments into one (after a bulk ingest): fewer b-trees per query."""
    for year in index_years(db) if years is None else years:
        name = fts_table(year)
        with db.atomic():
            db.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")


def _dump(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


ARTICLE_COLUMNS = (
    "a.id, a.paper, a.date, a.page, a.kind, a.kicker, a.title, a.subtitle, a.reporters, a.text,"
    " a.county, a.counties, a.topic, a.topics"
)


def row_to_stored(row: dict[str, Any], rank: float = 0.0) -> StoredArticle:
    body, summary = unpack_text(row["text"])
    article = Article(
        kind=row["kind"], kicker=row["kicker"], title=row["title"], subtitle=row["subtitle"],
        reporters=tuple(json.loads(row["reporters"])), paragraphs=tuple(body.split("\n")),
        summary=summary, county=row["county"], counties=tuple(json.loads(row["counties"])),
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
    if not rows:  # replaced by a corrected page: the link in a sent digest opens the new version
        rows = list(db.query(f"SELECT {ARTICLE_COLUMNS} FROM articles a JOIN article_moves m ON a.id = m.new_id"
                             " WHERE m.old_id = ?", [article_id]))
    return row_to_stored(rows[0]) if rows else None


def article_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def last_ingest(db: sqlite_utils.Database) -> str | None:
    return db.execute("SELECT max(ingested_at) FROM pages").fetchone()[0]


def latest_date(db: sqlite_utils.Database, paper: str | None = None) -> str | None:
    if paper:
        return db.execute("SELECT max(date) FROM articles WHERE paper = ?", [paper]).fetchone()[0]
    return db.execute("SELECT max(date) FROM articles").fetchone()[0]
