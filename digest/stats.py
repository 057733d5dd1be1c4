"""The numbers an admin asks for: subscribers, articles, deliveries, the last ingest."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from digest import outbox, store, subscriptions


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


def collect_stats(db: sqlite_utils.Database) -> Stats:
    """Count what is in the database, deliveries included."""
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
        last_ingest=store.last_ingest(db),
        latest_date=store.latest_date(db),
    )
