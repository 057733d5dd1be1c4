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

import sqlite_utils

from digest.models import Page
from digest.pipeline import Pipeline
from digest.sources.textfile import PageError, printable_name, read_page
from digest.store import PageToStore, StoreResult, store_page, store_pages

log = logging.getLogger(__name__)


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

    @property
    def ok(self) -> bool:
        return self.status != "error"


def page_number(path: Path | str, default: int) -> int:
    """The page number in a file's name (`2026-11-20_03.txt`, `004_x.txt`), else `default`."""
    stem = Path(path).stem
    match = re.search(r"[_-](\d{1,3})$", stem) or re.match(r"(\d{1,3})[_-]", stem)
    return int(match.group(1)) if match else default


def prepare_file(pipeline: Pipeline, path: Path | str, *, page_no: int) -> Page | FileOutcome:
    """Read, split, tag and summarise one file: its Page, or an error outcome saying why not."""
    name = printable_name(Path(path).name)
    try:
        text = read_page(path, max_bytes=pipeline.settings.ingest.max_file_bytes)
        return pipeline.process(text)
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
    db: sqlite_utils.Database, pipeline: Pipeline, path: Path | str, *, paper: str, date: str, page_no: int
) -> FileOutcome:
    page = prepare_file(pipeline, path, page_no=page_no)
    if isinstance(page, FileOutcome):
        return page
    # Outside the try: a database error (disk full, locked past the timeout) is not the page's
    # fault and must stop the run loudly; the transaction has been rolled back by then.
    result = store_page(db, page, paper=paper, date=date, page_no=page_no, indexer=pipeline.segmenter)
    return _stored(path, page, result, page_no)


@dataclass(frozen=True)
class FileJob:
    """One file to ingest as one page of one issue."""

    path: Path
    paper: str
    date: str
    page_no: int


def ingest_batch(db: sqlite_utils.Database, pipeline: Pipeline, jobs: Sequence[FileJob]) -> list[FileOutcome]:
    """Ingest several files with one write transaction (a bulk ingest syncs once a batch, not once a page).

    Each file is prepared first; a refused file is reported and costs nobody else. A database
    error rolls the whole batch back and is raised: nothing of it is stored, nothing half.
    """
    prepared = [(job, prepare_file(pipeline, job.path, page_no=job.page_no)) for job in jobs]
    good = [(job, page) for job, page in prepared if isinstance(page, Page)]
    results = iter(store_pages(db, [PageToStore(page, job.paper, job.date, job.page_no) for job, page in good],
                               indexer=pipeline.segmenter))
    return [page if isinstance(page, FileOutcome) else _stored(job.path, page, next(results), job.page_no)
            for job, page in prepared]


def ingest_files(
    db: sqlite_utils.Database,
    pipeline: Pipeline,
    paths: Sequence[Path | str],
    *,
    paper: str,
    date: str,
    page: int | None = None,
    on_done: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Ingest each file as its own page; `page` fixes the number when a single file is given."""
    outcomes = []
    for i, path in enumerate(paths, start=1):
        number = page if page is not None and len(paths) == 1 else page_number(path, default=i)
        outcome = ingest_file(db, pipeline, path, paper=paper, date=date, page_no=number)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
