"""What `paperdigest info` shows: which files are in use and what they hold.

It reads the database with plain sqlite3, read-only, so it never creates or migrates a file, and
never imports sqlite-utils (0.3 s with numpy) or jieba: it must answer at once.
"""

from __future__ import annotations

import contextlib
import platform
import sqlite3
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from digest.configfiles import SettingsSource
from digest.settings import Settings
from digest.timefmt import local_time


def package_version() -> str:
    try:
        return version("paperdigest")
    except PackageNotFoundError:
        return "unknown (not installed)"


def describe(settings: Settings, source: SettingsSource, db_path: Path, db_origin: str
             ) -> Iterator[tuple[str, str]]:
    """(label, value) lines: version, config files, database and its counts, inbox."""
    yield "paperdigest", f"{package_version()} (Python {platform.python_version()})"
    yield "config", f"{source.path} ({source.origin})"
    yield "region", str(settings.region_path)
    yield "topics", str(settings.topics_path)
    yield "paper", f"{settings.paper}, times in {settings.timezone}"
    inbox = settings.ingest.inbox
    yield "inbox", (f"{inbox}" + ("" if Path(inbox).is_dir() else " (does not exist)")) if inbox else \
        "not set ([ingest] inbox)"
    yield "database", f"{db_path} ({db_origin})"
    if not db_path.is_file():
        yield "", "not created yet: the first ingest creates it"
        return
    yield from _counts(db_path, settings.timezone)


def _counts(db_path: Path, timezone: str) -> Iterator[tuple[str, str]]:
    uri = f"{db_path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            def one(sql: str) -> tuple[Any, ...]:
                return tuple(conn.execute(sql).fetchone() or ())

            # PRAGMA user_version once migrations number the schema; the meta row before that.
            schema = one("PRAGMA user_version") if one("PRAGMA user_version")[0] else \
                one("SELECT value FROM meta WHERE key = 'schema_version'")
            issues, first, last = one("SELECT count(*), min(date), max(date) FROM issues")
            pages, ingested = one("SELECT count(*), max(ingested_at) FROM pages")
            articles = one("SELECT count(*) FROM articles")[0]
            people, active = one("SELECT count(*), coalesce(sum(active), 0) FROM subscribers")
    except sqlite3.Error as exc:
        yield "", f"cannot read it: {exc}"
        return
    size = db_path.stat().st_size
    yield "", f"{size / 1e6:.1f} MB, schema version {schema[0] if schema else '?'}"
    span = f", {first} to {last}" if last else ""
    yield "stored", f"{articles} articles on {pages} pages of {issues} issues{span}"
    yield "last ingest", local_time(ingested, timezone) if ingested else "never"
    yield "subscribers", f"{active} active of {people}"
