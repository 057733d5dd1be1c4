"""The numbers an admin asks for: subscribers, articles, deliveries, the last ingest."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from digest import store, subscriptions


@dataclass(frozen=True)
class Stats:
    subscribers: int
    active: int
    watches: int
    articles: int
    sent: int
    failed: int
    pending: int
    last_ingest: str | None
    latest_date: str | None


def collect_stats(db: sqlite_utils.Database) -> Stats:
    """Count what is in the database; deliveries come from the `outbox` table when it exists."""
    people = subscriptions.count_subscribers(db)
    states = _outbox_states(db)
    return Stats(
        subscribers=people["total"],
        active=people["active"],
        watches=db.execute("SELECT count(*) FROM watches").fetchone()[0],
        articles=store.article_count(db),
        sent=states.get("sent", 0),
        failed=states.get("failed", 0),
        pending=states.get("pending", 0),
        last_ingest=store.last_ingest(db),
        latest_date=store.latest_date(db),
    )


def _outbox_states(db: sqlite_utils.Database) -> dict[str, int]:
    # The outbox belongs to the delivery side and may not exist yet (or ever, in a terminal chat).
    if not db["outbox"].exists() or "state" not in db["outbox"].columns_dict:
        return {}
    return {state: n for state, n in db.execute("SELECT state, count(*) FROM outbox GROUP BY state")}
