"""The inbox folder: page files dropped there are ingested at the scheduled times, then filed away.

A file's date is its name's `YYYY-MM-DD_` prefix when it has one (a late upload of yesterday's
page keeps yesterday's date), else today; its page number comes from the name as for
`paperdigest ingest`. Ingested files move to `done/`; refused ones to `failed/`, with a
`<name>.reason.txt` beside them saying why, so the folder only ever holds work still to do.
Uploaders should write under a temporary name (`.part`, `.tmp`, or a leading dot) and rename
when complete: those names are left alone.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path

import sqlite_utils

from digest.ingest import FileJob, FileOutcome, ingest_batch, ingest_file, page_number
from digest.pipeline import Pipeline

log = logging.getLogger(__name__)

_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_")
_INCOMPLETE = (".part", ".tmp", ".crdownload", ".partial")
DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class InboxResult:
    """One file's fate: the ingest outcome, the date it was filed under, where it went."""

    outcome: FileOutcome
    date: str
    moved_to: Path | None


def pending_files(inbox: Path) -> list[Path]:
    """Complete files waiting in the inbox, oldest name first (sub-folders are not looked into)."""
    if not inbox.is_dir():
        return []
    return sorted(
        p for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(_INCOMPLETE)
    )


def file_date(path: Path, today: str) -> str:
    """The date in the name's `YYYY-MM-DD_` prefix, if it is a real date; else `today`."""
    match = _DATE_PREFIX.match(path.name)
    if match:
        try:
            return Date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    return today


def _next_page(db: sqlite_utils.Database, paper: str, date: str) -> int:
    row = db.execute("SELECT max(p.page) FROM pages p JOIN issues i ON i.id = p.issue_id"
                     " WHERE i.paper = ? AND i.date = ?", [paper, date]).fetchone()
    return (row[0] or 0) + 1


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `stem-2.ext`, `stem-3.ext` ... if taken: never overwrite an earlier file."""
    target = folder / name
    n = 2
    while target.exists():
        target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return target


def file_away(path: Path, inbox: Path, outcome: FileOutcome) -> Path | None:
    """Move an ingested file to done/ or failed/ (with its reason beside it); None if it cannot move."""
    folder = inbox / (DONE if outcome.ok else FAILED)
    try:
        folder.mkdir(exist_ok=True)
        target = _free_name(folder, path.name)
        shutil.move(str(path), target)
        if not outcome.ok:
            target.with_name(target.name + ".reason.txt").write_text(outcome.error + "\n", encoding="utf-8")
    except OSError:
        # Left in place it is tried again next time; storing the same page twice changes nothing.
        log.exception("%s: could not be moved to %s/", path.name, folder.name)
        return None
    return target


def ingest_inbox_file(
    db: sqlite_utils.Database, pipeline: Pipeline, path: Path, inbox: Path, *, paper: str, today: str
) -> InboxResult:
    """Ingest one inbox file and file it away."""
    date = file_date(path, today)
    page = page_number(path, default=_next_page(db, paper, date))
    outcome = ingest_file(db, pipeline, path, paper=paper, date=date, page_no=page,
                          date_from_header=not _DATE_PREFIX.match(path.name))  # a PDF's printed date wins
    return InboxResult(outcome=outcome, date=outcome.date or date, moved_to=file_away(path, inbox, outcome))


def ingest_inbox(
    db: sqlite_utils.Database, pipeline: Pipeline, inbox: Path, *, paper: str, today: str, batch: int = 1,
    on_done: Callable[[InboxResult], None] | None = None,
) -> list[InboxResult]:
    """Ingest every complete file waiting in `inbox`; a bad file never stops the others.

    `batch` files share one write transaction (a year of pages: 2,920 commits become 59); files
    are filed away only after their batch is committed, so a crash leaves them waiting.
    """
    files = pending_files(inbox)
    if batch <= 1:
        results = []
        for path in files:
            results.append(ingest_inbox_file(db, pipeline, path, inbox, paper=paper, today=today))
            if on_done:
                on_done(results[-1])
        return results
    results = []
    for start in range(0, len(files), batch):
        jobs = _numbered(db, files[start:start + batch], paper=paper, today=today)
        for job, outcome in zip(jobs, ingest_batch(db, pipeline, jobs), strict=True):
            results.append(InboxResult(outcome=outcome, date=outcome.date or job.date,
                                       moved_to=file_away(job.path, inbox, outcome)))
            if on_done:
                on_done(results[-1])
    return results


def _numbered(db: sqlite_utils.Database, files: list[Path], *, paper: str, today: str) -> list[FileJob]:
    """Date and page of each file of a batch; files with no page number in their name follow on,
    counting those before them in the batch (none of which is stored yet)."""
    taken: dict[str, int] = {}
    jobs = []
    for path in files:
        date = file_date(path, today)
        if date not in taken:
            taken[date] = _next_page(db, paper, date) - 1
        page = page_number(path, default=-1)
        if page < 0:
            page = taken[date] + 1
        taken[date] = max(taken[date], page)
        jobs.append(FileJob(path, paper, date, page, date_from_header=not _DATE_PREFIX.match(path.name)))
    return jobs
