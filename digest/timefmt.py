"""Times are stored in UTC and shown in the paper's time zone: an admin in 聊城 reads 05:31, not 21:31+00:00."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local_time(stored: str, timezone: str) -> str:
    """`2026-11-20T21:31:05+00:00` as `2026-11-21 05:31` in `timezone`; text that is no time is left as is."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
