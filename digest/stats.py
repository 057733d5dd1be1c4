"""The numbers an admin asks for: subscribers, articles, deliveries, the last ingest."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from digest import outbox, store, subscriptions
from digest.timefmt import local_time


@dataclass(frozen=True)
class Stats:
    subscribers: int
    active: int
    watches: int
    articles: int
    sent: int
    failed: int
    pending: int
    unknown: int
    last_ingest: str | None
    latest_date: str | None


def collect_stats(db: sqlite_utils.Database, timezone: str = "UTC") -> Stats:
    """Count what is in the database, deliveries included; times in `timezone` (the paper's)."""
    last = store.last_ingest(db)
    people = subscriptions.count_subscribers(db)
    states = outbox.delivery_stats(db)
    return Stats(
        subscribers=people["total"],
        active=people["active"],
        watches=db.execute("SELECT count(*) FROM watches").fetchone()[0],
        articles=store.article_count(db),
        sent=states["sent"],
        failed=states["failed"],
        pending=states["pending"],
        unknown=states["unknown"],
        last_ingest=local_time(last, timezone) if last else None,
        latest_date=store.latest_date(db),
    )
