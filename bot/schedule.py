"""When things happen: the schedule's settings (SQLite first, TOML defaults) and the catch-up window.

Admins change the default time and the ingest times at run time; those edits live in
`admin_settings` so they survive restarts, and the TOML values are only the defaults. Every
time built here is timezone-aware: PTB's JobQueue reads a naive `time` as UTC, which would move
a 07:30 Shanghai digest to 15:30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from digest import subscriptions
from digest.settings import Settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    """The times the bot works to, as stored (HH:MM strings, local to `tz`)."""

    tz: ZoneInfo
    default_time: str
    ingest_times: tuple[str, ...]
    deadline: str


def load_schedule(db: sqlite_utils.Database, settings: Settings) -> Schedule:
    """The admins' stored choices, falling back to settings.toml for anything never set."""
    default_time = subscriptions.default_time(db, settings.bot.default_time)
    ingest_times = subscriptions.ingest_times(db, settings.ingest.times)
    return Schedule(
        tz=ZoneInfo(settings.timezone),
        default_time=subscriptions.parse_time(default_time),
        ingest_times=tuple(sorted({subscriptions.parse_time(t) for t in ingest_times})),
        deadline=subscriptions.parse_time(settings.ingest.deadline),
    )


def clock_time(hhmm: str, tz: ZoneInfo) -> time:
    """`07:30` as an aware `time` for JobQueue.run_daily (a naive one would be read as UTC)."""
    hour, minute = (int(x) for x in subscriptions.parse_time(hhmm).split(":"))
    return time(hour, minute, tzinfo=tz)


def local_at(day: Date | str, hhmm: str, tz: ZoneInfo) -> datetime:
    """The aware instant `hhmm` on `day` in `tz` (what a subscriber's `time` means on that day)."""
    if isinstance(day, str):
        day = Date.fromisoformat(day)
    hour, minute = (int(x) for x in subscriptions.parse_time(hhmm).split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def parse_catch_up(value: str) -> str | timedelta:
    """`same_day` or a positive duration such as `90m` / `2h`; anything else is a config error."""
    text = (value or "").strip().lower()
    if text == "same_day":
        return text
    match = _DURATION.match(text)
    window = timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)]) if match else timedelta(0)
    if window <= timedelta(0):
        raise ValueError(f"bot.catch_up must be 'same_day' or a duration like '2h', not {value!r}")
    return window


def parse_duration(value: str | float, key: str) -> float:
    """Seconds from `90` / `"90s"` / `"30m"` / `"1h"`; `key` names the setting in the error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value).strip().lower())
        seconds = float(match.group(1)) * _UNITS[match.group(2)] if match else -1.0
    if seconds < 0:
        raise ValueError(f"{key} must be a duration like '90s', '30m' or '1h', not {value!r}")
    return seconds


def catch_up_cutoff(now: datetime, catch_up: str, tz: ZoneInfo) -> datetime:
    """The earliest scheduled time still worth sending at `now`; anything older is expired.

    `same_day` (the default) keeps today's digests until local midnight and drops yesterday's:
    a morning digest read the next day is noise. A duration keeps what was due at most that long ago.
    """
    policy = parse_catch_up(catch_up)
    local = now.astimezone(tz)
    if isinstance(policy, timedelta):
        return local - policy
    return datetime(local.year, local.month, local.day, tzinfo=tz)
