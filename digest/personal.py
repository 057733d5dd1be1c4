"""One reader's digest: a day's articles through that reader's county and topic filters."""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from digest import store
from digest.compose import compose_digest
from digest.models import Digest
from digest.subscriptions import Subscriber


def personal_digest(
    db: sqlite_utils.Database,
    *,
    paper: str,
    date: str,
    subscriber: Subscriber | None,
    county_order: Sequence[str] = (),
    topic_order: Sequence[str] = (),
) -> Digest:
    """The digest for `date` as `subscriber` chose it; everything when there is no subscriber."""
    return compose_digest(
        store.articles_on(db, date, paper),
        paper=paper,
        date=date,
        county_order=county_order,
        topic_order=topic_order,
        counties=set(subscriber.counties) if subscriber else set(),
        topics=set(subscriber.topics) if subscriber else set(),
    )
