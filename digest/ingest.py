"""Ingest page files into the store, one file at a time: a bad file never stops the others.

Each file is read, checked, split, tagged and summarised completely before its one write
transaction, so a file that fails at any step leaves the database exactly as it was.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from digest.dates import without_date
from digest.models import Page
from digest.pipeline import Pipeline
from digest.sources.pdf import ENCODING as PDF
from digest.sources.pdf import PdfIssue, is_pdf, read_pdf
from digest.sources.textfile import PageError, printable_name, read_page
from digest.store import PageToStore, StoreResult, page_hash, store_page, store_pages

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: stored, replaced, unchanged, or error (with the reason)."""

    file: str
    status: str
    page: int = 0
    encoding: str = ""
    articles: int = 0
    counties: dict[str, int] = field(default_factory=dict)
    error: str = ""
    pages: tuple[int, ...] = ()  # a PDF issue: every page stored
    date: str = ""  # the date stored under (a PDF's header date when none was given)

    @property
    def ok(self) -> bool:
        return self.status != "error"


def page_number(path: Path | str, default: int) -> int:
    """The page number in a file's name (`2026-11-20_03.txt`, `004_x.txt`), else `default`.

    The date is taken out first (`2024-11-06.txt` is not page 6), and 0 is not a page number
    (`000_x.txt` is a file's place in a list; pages start at 1).
    """
    stem = without_date(Path(path).stem)
    match = re.search(r"[_-](\d{1,3})$", stem) or re.match(r"(\d{1,3})[_-]", stem) or re.fullmatch(r"(\d{1,3})", stem)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else default


def stored_page(db: sqlite_utils.Database, paper: str, date: str, page_no: int) -> tuple[str, str] | None:
    """(file, sha256) of the page already stored under this paper, date and number, if any."""
    row = db.execute("SELECT p.file, p.sha256 FROM pages p JOIN issues i ON i.id = p.issue_id"
                     " WHERE i.paper = ? AND i.date = ? AND p.page = ?", [paper, date, page_no]).fetchone()
    return (row[0], row[1]) if row else None


def prepare_file(pipeline: Pipeline, path: Path | str, *, page_no: int) -> Page | FileOutcome:
    """Read, split, tag and summarise one file: its Page, or an error outcome saying why not."""
    max_bytes = pipeline.settings.ingest.max_file_bytes
    return _guarded(path, page_no, lambda: pipeline.process(read_page(path, max_bytes=max_bytes)))


def _guarded(path: Path | str, page_no: int, work: Callable[[], T]) -> T | FileOutcome:
    """What `work` makes of a file, or an error outcome: a bad file never costs more than itself."""
    name = printable_name(Path(path).name)
    try:
        return work()
    except PageError as exc:
        # Info, not warning: the outcome carries the reason and every caller reports it (the CLI
        # prints `error: FILE: reason`, the bot tells the admins); a warning here said it twice.
        log.info("%s: refused: %s", exc.file, exc.reason)
        return FileOutcome(file=name, status="error", page=page_no, error=exc.reason)
    except Exception as exc:
        # A bug meeting an odd page must cost that page only, never the run or what is stored.
        log.exception("%s: could not be split", name)
        return FileOutcome(file=name, status="error", page=page_no, error=f"could not be split: {exc!r}")


def _stored(path: Path | str, page: Page, result: StoreResult, page_no: int) -> FileOutcome:
    name = printable_name(Path(path).name)
    log.info("%s: %s, %d articles (%s)", name, result.status, len(page.articles), page.encoding)
    return FileOutcome(file=name, status=result.status, page=page_no, encoding=page.encoding,
                       articles=len(page.articles), counties=dict(Counter(a.county for a in page.articles)))


def ingest_file(
    db: sqlite_utils.Database, pipeline: Pipeline, path: Path | str, *, paper: str, date: str, page_no: int,
    date_from_header: bool = False, replace: bool = True,
) -> FileOutcome:
    """Read, split, enrich and store one file. `date_from_header`: `date` is only a default, a PDF's
    printed date wins. With `replace=False` a page already stored with other text is refused (the
    command line asks for --replace); the same text is still a no-op."""
    if is_pdf(path):
        return ingest_pdf(db, pipeline, path, paper=paper, date=date, page_no=page_no,
                          date_from_header=date_from_header, replace=replace)
    page = prepare_file(pipeline, path, page_no=page_no)
    if isinstance(page, FileOutcome):
        return page
    if not replace and (refusal := _replacing(db, page, paper, date, page_no)):
        return FileOutcome(file=printable_name(Path(path).name), status="error", page=page_no, error=refusal)
    # Outside the try: a database error (disk full, locked past the timeout) is not the page's
    # fault and must stop the run loudly; the transaction has been rolled back by then.
    result = store_page(db, page, paper=paper, date=date, page_no=page_no, indexer=pipeline.segmenter)
    return _stored(path, page, result, page_no)


def _replacing(db: sqlite_utils.Database, page: Page, paper: str, date: str, page_no: int) -> str:
    """Why storing `page` needs --replace (another text is stored under its date and number), or ""."""
    before = stored_page(db, paper, date, page_no)
    if before and before[1] != page_hash(page.text):
        return (f"page {page_no} of {date} is already stored (from {before[0]}) with other text;"
                " give --replace to replace it")
    return ""


@dataclass(frozen=True)
class FileJob:
    """One file to ingest as one page of one issue."""

    path: Path
    paper: str
    date: str
    page_no: int
    date_from_header: bool = False


def ingest_batch(db: sqlite_utils.Database, pipeline: Pipeline, jobs: Sequence[FileJob]) -> list[FileOutcome]:
    """Ingest several files with one write transaction (a bulk ingest syncs once a batch, not once a page).

    Each file is prepared first; a refused file is reported and costs nobody else. A database
    error rolls the whole batch back and is raised: nothing of it is stored, nothing half.
    """
    prepared = [(job, _prepared(db, pipeline, job)) for job in jobs]
    good = [(job, page) for job, page in prepared if isinstance(page, Page)]
    results = iter(store_pages(db, [PageToStore(page, job.paper, job.date, job.page_no) for job, page in good],
                               indexer=pipeline.segmenter))
    return [page if isinstance(page, FileOutcome) else _stored(job.path, page, next(results), job.page_no)
            for job, page in prepared]


def _prepared(db: sqlite_utils.Database, pipeline: Pipeline, job: FileJob) -> Page | FileOutcome:
    """A text page ready for the batch's transaction; a PDF, a whole issue, is stored on its own now."""
    if is_pdf(job.path):
        return ingest_pdf(db, pipeline, job.path, paper=job.paper, date=job.date, page_no=job.page_no,
                          date_from_header=job.date_from_header)
    return prepare_file(pipeline, job.path, page_no=job.page_no)


def pdf_pages(pipeline: Pipeline, issue: PdfIssue) -> list[tuple[int, Page]]:
    """Each PDF page split and enriched; a page with no article (an advertisement) is left out,
    but a PDF with none at all is refused."""
    out, errors = [], []
    for page in issue.pages:
        try:
            out.append((page.number, pipeline.finish(issue.file, PDF, page.text, page.articles, page.skipped)))
        except PageError as exc:
            errors.append(f"page {page.meta.label or page.number}: {exc.reason}")
    if not out:
        raise PageError(issue.file, "; ".join(errors) or "no page with text")
    return out


def checked_date(issue: PdfIssue, date: str, date_from_header: bool) -> str:
    """The date to store under: the one given, checked against the date printed in the page headers."""
    printed = sorted({p.meta.date for p in issue.pages if p.meta.date})
    if not printed and not date:
        raise PageError(issue.file, "no date: none is printed in its headers; give --date YYYY-MM-DD "
                                    "or put it in the name (2024-11-06_01.pdf)")
    if len(printed) > 1:
        raise PageError(issue.file, f"its pages are dated {', '.join(printed)} in their headers: one issue per PDF")
    if printed and printed[0] != date:
        if date_from_header:
            return printed[0]
        raise PageError(issue.file, f"its header is dated {printed[0]}, not {date} as given; "
                                    f"ingest it with --date {printed[0]} if that is right")
    return date


def ingest_pdf(
    db: sqlite_utils.Database, pipeline: Pipeline, path: Path | str, *, paper: str, date: str, page_no: int,
    date_from_header: bool = False, replace: bool = True,
) -> FileOutcome:
    """Store every page of a PDF (an issue, or one page) in one transaction, or nothing of it when
    any check fails."""
    name = printable_name(Path(path).name)

    def read_issue() -> tuple[str, list[tuple[int, Page]]]:
        issue = read_pdf(path, pipeline.settings.ingest, first_page=page_no)
        return checked_date(issue, date, date_from_header), pdf_pages(pipeline, issue)

    read = _guarded(path, page_no, read_issue)
    if isinstance(read, FileOutcome):
        return read
    date, pages = read
    if not replace and (refusals := [r for number, page in pages if (r := _replacing(db, page, paper, date, number))]):
        return FileOutcome(file=name, status="error", page=page_no, error="; ".join(refusals))
    statuses = [result.status for result in store_pages(
        db, [PageToStore(page, paper, date, number) for number, page in pages], indexer=pipeline.segmenter)]
    status = "unchanged" if set(statuses) == {"unchanged"} else "replaced" if "replaced" in statuses else "stored"
    articles = [a for _, page in pages for a in page.articles]
    log.info("%s: %s, %d pages, %d articles", name, status, len(pages), len(articles))
    encoding = PDF if len(pages) == 1 else f"{PDF}, {len(pages)} pages"
    return FileOutcome(file=name, status=status, page=pages[0][0], encoding=encoding, articles=len(articles),
                       counties=dict(Counter(a.county for a in articles)), pages=tuple(n for n, _ in pages),
                       date=date)


def ingest_files(
    db: sqlite_utils.Database,
    pipeline: Pipeline,
    paths: Sequence[Path | str],
    *,
    paper: str,
    date: str,
    page: int | None = None,
    on_done: Callable[[FileOutcome], None] | None = None,
    date_from_header: bool = False,
    replace: bool = True,
) -> list[FileOutcome]:
    """Ingest each file as its own page; `page` fixes the number of a single file (more is an error)."""
    if page is not None and len(paths) != 1:
        raise ValueError(f"a page number fits one file, not {len(paths)}")
    outcomes = []
    for i, path in enumerate(paths, start=1):
        number = page if page is not None else page_number(path, default=i)
        outcome = ingest_file(db, pipeline, path, paper=paper, date=date, page_no=number,
                              date_from_header=date_from_header, replace=replace)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
