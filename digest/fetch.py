"""Fetch a day of the paper from its sources and store it exactly as ingested pages are stored.

Each Founder page node is one stored page with its own number; each feed entry is one stored
page of the feed's paper, numbered 1, 2, 3 ... in the order entries first arrive (kept in
`source_pages`, so an entry keeps its number when the feed reorders). A page goes through
`Pipeline.finish` (tagging, summaries) and `store_page` in one transaction: the same page
again changes nothing, a corrected article replaces its page, a failed page stores nothing
(an earlier good version stays) and is tried again next time. Every run is kept in
`source_runs`, which the admins see in /sources.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import date as Date
from zoneinfo import ZoneInfo

import sqlite_utils

from digest.pipeline import Pipeline
from digest.settings import Settings
from digest.sources import feed, founder
from digest.sources.config import Source
from digest.sources.fetched import FetchedPage
from digest.sources.textfile import PageError
from digest.sources.webfetch import Fetcher, FetchError
from digest.store import articles_on, store_page

log = logging.getLogger(__name__)

PAGES_TABLE = "source_pages"
RUNS_TABLE = "source_runs"


def ensure_tables(db: sqlite_utils.Database) -> None:
    """This module's tables (what each page of each source did, each run); created here, beside store.py's."""
    db[PAGES_TABLE].create(  # type: ignore[union-attr]
        {"source": str, "date": str, "key": str, "page": int, "url": str, "status": str, "error": str,
         "articles": int, "updated_at": str},
        pk=("source", "date", "key"), if_not_exists=True,
    )
    db[RUNS_TABLE].create(  # type: ignore[union-attr]
        {"id": int, "source": str, "paper": str, "date": str, "at": str, "stored": int, "unchanged": int,
         "failed": int, "articles": int, "error": str},
        pk="id", if_not_exists=True,
    )
    db.conn.commit()


@dataclass(frozen=True)
class PageOutcome:
    """One page of one source: stored, replaced, unchanged, skipped (nothing to store; `error` says why) or error."""

    source: str
    date: str
    key: str
    url: str
    page: int
    status: str
    articles: int = 0
    encoding: str = ""
    counties: dict[str, int] = field(default_factory=dict)
    article_ids: tuple[int, ...] = ()  # the articles this run made new (not those it left as they were)
    error: str = ""
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status != "error"


@dataclass
class SourceReport:
    """A source's fetch of one day: its pages, or why the issue could not be had at all."""

    source: str
    paper: str
    date: str
    pages: list[PageOutcome] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> list[PageOutcome]:
        return [p for p in self.pages if not p.ok]

    @property
    def new_article_ids(self) -> list[int]:
        """Articles new or corrected by this run: what watches are matched against."""
        return [i for p in self.pages for i in p.article_ids]

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed


FetcherFactory = Callable[[Source], Fetcher]


def default_fetcher(db: sqlite_utils.Database) -> FetcherFactory:
    """Fetchers caching in `db` and pacing each host across all the sources they serve."""
    last_request: dict[str, float] = {}
    return lambda source: Fetcher(source.politeness, source.allowed_hosts, db=db, last_request=last_request)


def _read(source: Source, day: Date, fetcher: Fetcher, settings: Settings, url: str | None) -> Iterator[FetchedPage]:
    if source.kind == "founder":
        return founder.read_issue(source, day, fetcher, entry_url=url, pdf_limits=settings.ingest)
    return feed.read_feed(source, day, fetcher, ZoneInfo(settings.timezone), url=url)


def fetch_source(
    db: sqlite_utils.Database,
    pipeline: Pipeline,
    source: Source,
    day: Date,
    *,
    fetcher: Fetcher | None = None,
    url: str | None = None,
    on_page: Callable[[PageOutcome], None] | None = None,
) -> SourceReport:
    """Fetch and store one source's issue of `day`; one bad page never stops the others."""
    ensure_tables(db)
    report = SourceReport(source.name, source.paper, day.isoformat())
    own = fetcher is None
    fetcher = fetcher or default_fetcher(db)(source)
    try:
        for fetched in _read(source, day, fetcher, pipeline.settings, url):
            outcome = _store(db, pipeline, source, day.isoformat(), fetched)
            if outcome is None:
                continue
            report.pages.append(outcome)
            if on_page:
                on_page(outcome)
    except FetchError as exc:
        report.error = str(exc)
        log.info("%s %s: %s", source.name, day, exc)
    finally:
        if own:
            fetcher.close()
    _record_run(db, report)
    return report


def fetch_sources(
    db: sqlite_utils.Database,
    pipeline: Pipeline,
    sources: Iterable[Source],
    day: Date,
    *,
    fetcher_factory: FetcherFactory | None = None,
    on_page: Callable[[PageOutcome], None] | None = None,
) -> list[SourceReport]:
    """Fetch `day` from each source in turn (one at a time: one connection per host)."""
    make = fetcher_factory or default_fetcher(db)
    reports = []
    for source in sources:
        with make(source) as fetcher:
            reports.append(fetch_source(db, pipeline, source, day, fetcher=fetcher, on_page=on_page))
    return reports


def _store(db: sqlite_utils.Database, pipeline: Pipeline, source: Source, day: str,
           fetched: FetchedPage) -> PageOutcome | None:
    if fetched.skipped and fetched.number is None:
        log.info("%s %s: %s skipped: %s", source.name, day, fetched.key, fetched.skipped)
        return None  # a feed entry without a date: no page number to give it
    number = fetched.number if fetched.number is not None else _entry_number(db, source, day, fetched.key)
    if fetched.skipped:
        outcome = PageOutcome(source.name, day, fetched.key, fetched.url, number, "skipped", error=fetched.skipped,
                              notes=fetched.notes)
        _record_page(db, outcome)
        return outcome
    if not fetched.ok:
        outcome = PageOutcome(source.name, day, fetched.key, fetched.url, number, "error", error=fetched.error,
                              notes=fetched.notes)
        _record_page(db, outcome)
        return outcome
    try:
        page = pipeline.finish(fetched.url, fetched.encoding, fetched.text, fetched.articles)
    except PageError as exc:
        outcome = PageOutcome(source.name, day, fetched.key, fetched.url, number, "error", error=exc.reason,
                              notes=fetched.notes)
        _record_page(db, outcome)
        return outcome
    before = _texts_on_page(db, source.paper, day, number)
    result = store_page(db, page, paper=source.paper, date=day, page_no=number, indexer=pipeline.segmenter)
    # A corrected article replaces its whole page; only articles whose text is new count as new
    # (watches must not hear again of the page's other articles).
    new_ids = tuple(i for i, a in zip(result.article_ids, page.articles, strict=True)
                    if (a.title, a.body) not in before) if result.status != "unchanged" else ()
    outcome = PageOutcome(
        source.name, day, fetched.key, fetched.url, number, result.status, articles=len(page.articles),
        encoding=fetched.encoding, counties=dict(Counter(a.county for a in page.articles)),
        article_ids=new_ids, notes=fetched.notes,
    )
    _record_page(db, outcome)
    return outcome


def _texts_on_page(db: sqlite_utils.Database, paper: str, day: str, page: int) -> set[tuple[str, str]]:
    return {(s.article.title, s.article.body) for s in articles_on(db, day, paper) if s.page == page}


def _entry_number(db: sqlite_utils.Database, source: Source, day: str, key: str) -> int:
    """A feed entry's page number: the one it got when it first came, else the next free one."""
    row = db.execute(f"SELECT page FROM {PAGES_TABLE} WHERE source = ? AND date = ? AND key = ?",
                     [source.name, day, key]).fetchone()
    if row:
        return int(row[0])
    taken = db.execute(
        "SELECT max(page) FROM (SELECT page FROM pages p JOIN issues i ON i.id = p.issue_id"
        f" WHERE i.paper = ? AND i.date = ? UNION ALL SELECT page FROM {PAGES_TABLE} WHERE source = ? AND date = ?)",
        [source.paper, day, source.name, day]).fetchone()[0]
    number = (taken or 0) + 1
    # Claimed now, so a failed entry keeps its number for when it succeeds.
    with db.conn:
        db.execute(f"INSERT OR IGNORE INTO {PAGES_TABLE} (source, date, key, page, url, status, error, articles,"
                   " updated_at) VALUES (?, ?, ?, ?, '', 'claimed', '', 0, ?)", [source.name, day, key, number, _now()])
    return number


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record_page(db: sqlite_utils.Database, o: PageOutcome) -> None:
    with db.conn:
        db.execute(
            f"INSERT OR REPLACE INTO {PAGES_TABLE} (source, date, key, page, url, status, error, articles, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [o.source, o.date, o.key, o.page, o.url, o.status, o.error, o.articles, _now()],
        )


def _record_run(db: sqlite_utils.Database, r: SourceReport) -> None:
    stored = sum(p.status in ("stored", "replaced") for p in r.pages)
    with db.conn:
        db.execute(
            f"INSERT INTO {RUNS_TABLE} (source, paper, date, at, stored, unchanged, failed, articles, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.source, r.paper, r.date, _now(), stored, sum(p.status == "unchanged" for p in r.pages),
             len(r.failed), sum(p.articles for p in r.pages if p.ok), r.error],
        )


@dataclass(frozen=True)
class LastRun:
    source: str
    paper: str
    date: str
    at: str
    stored: int
    unchanged: int
    failed: int
    articles: int
    error: str


def last_runs(db: sqlite_utils.Database) -> dict[str, LastRun]:
    """Each source's latest run, for the admins' /sources."""
    ensure_tables(db)
    rows = db.execute(
        f"SELECT source, paper, date, at, stored, unchanged, failed, articles, error FROM {RUNS_TABLE}"
        f" WHERE id IN (SELECT max(id) FROM {RUNS_TABLE} GROUP BY source)").fetchall()
    return {row[0]: LastRun(*row) for row in rows}


def failed_pages(db: sqlite_utils.Database, source: str, day: str) -> list[tuple[int, str, str]]:
    """(page, key, error) of the pages of a day that failed at their last try."""
    ensure_tables(db)
    return [tuple(r) for r in db.execute(
        f"SELECT page, key, error FROM {PAGES_TABLE} WHERE source = ? AND date = ? AND status = 'error' ORDER BY page",
        [source, day]).fetchall()]


def describe(o: PageOutcome) -> str:
    """One line for a page, as `paperdigest ingest` prints one for a file."""
    where = f"{o.source} {o.date} page {o.page} {o.key}"
    if o.status == "skipped":
        return f"{where}: skipped, {o.error}"
    if not o.ok:
        return f"{where}: {o.error}"
    counties = "、".join(f"{c} {n}" for c, n in o.counties.items())
    return f"{where}: {o.status}, {o.articles} articles ({o.encoding}) {counties}".rstrip()


def total_line(reports: Sequence[SourceReport]) -> str:
    pages = [p for r in reports for p in r.pages]
    count = Counter(p.status for p in pages)
    articles = sum(p.articles for p in pages if p.status in ("stored", "replaced"))
    parts = [f"{count[s]} {s}" for s in ("stored", "replaced", "unchanged", "skipped") if count[s]]
    failed = count["error"] + sum(bool(r.error) for r in reports)
    return (f"total: {len(pages)} pages" + (f" ({', '.join(parts)})" if parts else "")
            + f", {articles} articles stored, {failed} failed")
