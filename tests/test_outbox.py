"""The outbox table: composed once, claimed before sending, recovered and expired at start, counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest import outbox, subscriptions
from digest.outbox import Part

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 7, 30, tzinfo=SH)


@pytest.fixture
def box(db):
    outbox.ensure_schema(db)
    return db


def parts(*texts: str) -> list[Part]:
    return [Part("digest", t) for t in texts]


def states(db) -> dict[tuple[int, str, int], str]:
    return {(c, d, p): s for c, d, p, s in db.execute("SELECT chat_id, date, part, state FROM outbox")}


def test_a_digest_is_composed_once_per_chat_and_day(box):
    assert outbox.enqueue(box, 1, "2026-11-20", parts("a", "b"), scheduled_at=T0, now=T0) == 2
    assert outbox.enqueue(box, 1, "2026-11-20", parts("x", "y", "z"), scheduled_at=T0, now=T0) == 0
    assert outbox.enqueue(box, 1, "2026-11-21", parts("c"), scheduled_at=T0 + timedelta(days=1), now=T0) == 1
    assert [r[0] for r in box.execute("SELECT text FROM outbox WHERE date = '2026-11-20' ORDER BY part")] == ["a", "b"]
    assert outbox.composed_chats(box, "2026-11-20") == {1}


def test_times_are_stored_in_utc_and_must_be_aware(box):
    outbox.enqueue(box, 1, "2026-11-20", parts("a"), scheduled_at=T0, now=T0)
    assert box.execute("SELECT scheduled_at FROM outbox").fetchone()[0] == "2026-11-19T23:30:00.000+00:00"
    with pytest.raises(ValueError):
        outbox.ts(datetime(2026, 11, 20, 7, 30))


def test_sendable_is_due_pending_rows_in_chat_and_part_order(box):
    outbox.enqueue(box, 2, "2026-11-20", parts("a", "b"), scheduled_at=T0, now=T0)
    outbox.enqueue(box, 1, "2026-11-20", parts("c"), scheduled_at=T0 + timedelta(hours=1), now=T0)
    assert [(r.chat_id, r.part) for r in outbox.sendable(box, T0)] == [(2, 0), (2, 1)]
    assert [(r.chat_id, r.part) for r in outbox.sendable(box, T0 + timedelta(hours=1))] == [(1, 0), (2, 0), (2, 1)]
    assert outbox.next_scheduled(box, T0) == T0 + timedelta(hours=1)


def test_claim_commits_sending_once(box):
    outbox.enqueue(box, 1, "2026-11-20", parts("hello"), scheduled_at=T0, now=T0)
    row = outbox.sendable(box, T0)[0]
    assert outbox.claim(box, row.id, T0) == "hello"
    assert outbox.claim(box, row.id, T0) is None
    assert states(box) == {(1, "2026-11-20", 0): "sending"}


def test_rows_left_sending_become_unknown_at_start(box):
    outbox.enqueue(box, 1, "2026-11-20", parts("a", "b"), scheduled_at=T0, now=T0)
    first = outbox.sendable(box, T0)[0]
    outbox.claim(box, first.id, T0)
    recovered = outbox.recover_interrupted(box, T0)
    assert [r.id for r in recovered] == [first.id]
    assert states(box) == {(1, "2026-11-20", 0): "unknown", (1, "2026-11-20", 1): "pending"}
    assert outbox.delivery_stats(box) == {"sent": 0, "failed": 0, "pending": 1, "unknown": 1}


def test_expire_fails_rows_scheduled_before_the_cutoff(box):
    outbox.enqueue(box, 1, "2026-11-19", parts("old"), scheduled_at=T0 - timedelta(days=1), now=T0)
    outbox.enqueue(box, 1, "2026-11-20", parts("new"), scheduled_at=T0, now=T0)
    assert outbox.expire(box, datetime(2026, 11, 20, tzinfo=SH), T0) == 1
    assert states(box) == {(1, "2026-11-19", 0): "failed", (1, "2026-11-20", 0): "pending"}
    assert outbox.problems(box, ("failed",))[0]["last_error"].startswith("expired")


def test_stats_count_sending_as_pending(box):
    outbox.enqueue(box, 1, "2026-11-20", parts("a", "b", "c", "d"), scheduled_at=T0, now=T0)
    a, b, c, _ = outbox.sendable(box, T0)
    outbox.mark_sent(box, a.id, 11, T0)
    outbox.mark_failed(box, b.id, "Bad Request", T0)
    outbox.claim(box, c.id, T0)
    assert outbox.delivery_stats(box) == {"sent": 1, "failed": 1, "pending": 2, "unknown": 0}
    assert outbox.delivery_stats(box, "2026-11-21") == {"sent": 0, "failed": 0, "pending": 0, "unknown": 0}


def test_drop_pending_of_inactive_chats_only(box):
    for chat in (1, 2):
        subscriptions.subscribe(box, chat, "07:30")
        outbox.enqueue(box, chat, "2026-11-20", parts("a", "b"), scheduled_at=T0, now=T0)
    sent = outbox.sendable(box, T0)[0]
    outbox.mark_sent(box, sent.id, 1, T0)
    subscriptions.deactivate(box, 1)
    assert outbox.drop_pending_inactive(box) == 1
    assert states(box) == {(1, "2026-11-20", 0): "sent", (2, "2026-11-20", 0): "pending",
                           (2, "2026-11-20", 1): "pending"}


def test_requeue_unknown_adds_a_visible_marker_when_it_fits(box):
    outbox.enqueue(box, 1, "2026-11-20", parts("short", "x" * 4090), scheduled_at=T0, now=T0)
    short, long = outbox.sendable(box, T0)
    for row in (short, long):
        outbox.claim(box, row.id, T0)
        outbox.mark_unknown(box, row.id, "ReadTimeout", T0)
    assert outbox.requeue_unknown(box, [short.id, long.id], T0) == 2
    assert outbox.text_of(box, short.id) == outbox.RESEND_MARKER + "short"
    assert outbox.text_of(box, long.id) == "x" * 4090  # the marker would break the 4096 limit
    assert outbox.delivery_stats(box)["pending"] == 2
