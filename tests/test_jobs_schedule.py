"""Schedule arithmetic: aware times for the JobQueue, the catch-up window, stored settings first."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import catch_up_cutoff, clock_time, load_schedule, local_at, parse_catch_up
from digest import subscriptions

SH = ZoneInfo("Asia/Shanghai")


def test_clock_time_is_aware_so_the_jobqueue_does_not_read_it_as_utc():
    assert clock_time("7:30", SH) == time(7, 30, tzinfo=SH)
    assert clock_time("07:30", SH).tzinfo is SH


def test_local_at_is_the_instant_on_that_day():
    assert local_at("2026-11-20", "07:30", SH) == datetime(2026, 11, 20, 7, 30, tzinfo=SH)
    assert local_at("2026-11-20", "07:30", SH).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(("value", "expected"), [
    ("same_day", "same_day"), (" SAME_DAY ", "same_day"), ("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)),
    ("1.5h", timedelta(minutes=90)), ("1d", timedelta(days=1)),
])
def test_catch_up_accepts_same_day_or_a_duration(value, expected):
    assert parse_catch_up(value) == expected


@pytest.mark.parametrize("value", ["", "0h", "never", "2 hours", "-1h"])
def test_catch_up_refuses_anything_else(value):
    with pytest.raises(ValueError, match="catch_up"):
        parse_catch_up(value)


def test_same_day_cutoff_is_local_midnight_even_when_utc_is_yesterday():
    now = datetime(2026, 11, 21, 1, 0, tzinfo=SH)  # 2026-11-20 17:00 UTC
    assert catch_up_cutoff(now.astimezone(ZoneInfo("UTC")), "same_day", SH) == datetime(2026, 11, 21, tzinfo=SH)
    assert catch_up_cutoff(now, "3h", SH) == datetime(2026, 11, 20, 22, 0, tzinfo=SH)


def test_stored_times_win_over_settings(db, settings):
    schedule = load_schedule(db, settings)
    assert (schedule.default_time, schedule.ingest_times, schedule.deadline) == ("07:30", ("05:30", "06:30"), "07:00")
    subscriptions.set_default_time(db, "6:45")
    subscriptions.set_ingest_times(db, ["06:00", "05:00"])
    schedule = load_schedule(db, settings)
    assert (schedule.default_time, schedule.ingest_times) == ("06:45", ("05:00", "06:00"))
