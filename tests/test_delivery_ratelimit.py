"""Pacing arithmetic: spaced sends, no drift when the loop wakes late, refunds, retry_after pauses."""

from __future__ import annotations

import pytest

from bot.ratelimit import ChatSpacing, Pacer


def test_sends_are_spaced_at_the_rate():
    pacer = Pacer(4)
    assert pacer.ready_at() == 0.0
    pacer.take(100.0)
    assert pacer.ready_at() == 100.25


def test_a_slightly_late_send_does_not_push_later_slots_back():
    pacer = Pacer(4)
    pacer.take(100.0)
    pacer.take(100.26)  # woke 10 ms late
    assert pacer.ready_at() == pytest.approx(100.5)  # still the ideal schedule: no drift


def test_after_an_idle_spell_there_is_no_burst_to_catch_up():
    pacer = Pacer(4)
    pacer.take(100.0)
    pacer.take(160.0)
    assert pacer.ready_at() == pytest.approx(160.25)


def test_a_refund_gives_the_slot_back_but_not_into_the_past():
    pacer = Pacer(4)
    pacer.take(100.0)
    pacer.refund(100.01)  # that call was answered 500: nothing was sent
    assert pacer.ready_at() == pytest.approx(100.01)


def test_retry_after_pauses_everything():
    pacer = Pacer(25)
    pacer.take(100.0)
    pacer.pause_until(103.0)
    assert pacer.ready_at() == 103.0
    pacer.take(103.0)
    assert pacer.ready_at() == pytest.approx(103.04)


def answered(pacer: Pacer, start: float, count: int, rate: float) -> float:
    """`count` sends answered at `rate` a second from `start`; returns the time of the last."""
    for i in range(count):
        pacer.delivered(start + i / rate)
    return start + (count - 1) / rate


def test_a_429_settles_the_rate_just_under_what_got_through_and_remembers_it():
    pacer = Pacer(35)
    now = answered(pacer, 100.0, 60, 30.0)  # set to 35 a second, Telegram let 30 through
    pacer.slow_down(now + 0.01)
    assert pacer.ceiling == 30
    assert pacer.rate == pytest.approx(30 * Pacer.MARGIN) and pacer.interval == pytest.approx(1 / pacer.rate)
    settled = pacer.rate
    answered(pacer, now + 1.0, 1000, settled)
    assert settled < pacer.rate < 30  # probing upwards, slowly: no new 429 every few seconds
    answered(pacer, now + 40.0, 100_000, settled)
    assert pacer.rate == 35  # a lifted limit is found again; never above the configured rate


def test_a_429_already_under_the_ceiling_nudges_but_does_not_ratchet_down():
    pacer = Pacer(35)
    now = answered(pacer, 100.0, 60, 30.0)
    pacer.slow_down(now + 0.01)
    settled = pacer.rate
    now = answered(pacer, now + 2.0, 60, 30.0)  # 30 got through again: the stop was jitter
    pacer.slow_down(now + 0.01)
    assert pacer.ceiling == 30 and pacer.rate == pytest.approx(settled * Pacer.NUDGE, rel=0.01)
    answered(pacer, now + 2.0, 100, settled)
    assert pacer.rate == pytest.approx(settled, abs=0.05)  # back at 97% of the limit at once, not 3% lower


def test_after_a_cut_below_the_ceiling_the_rate_climbs_back_fast():
    pacer = Pacer(35)
    now = answered(pacer, 100.0, 60, 30.0)
    pacer.slow_down(now + 0.01)
    for _ in range(3):
        pacer.slow_down(now + 5.0)  # other traffic on the token: nothing got through for a while
    assert pacer.ceiling == 30 and pacer.rate < 22
    answered(pacer, now + 6.0, 1000, 25.0)  # 40 seconds
    assert 30 * Pacer.MARGIN <= pacer.rate < 30  # back under the ceiling within ~20 s, then only probing


def test_a_429_with_nothing_through_to_measure_cuts_a_tenth_but_not_below_one_a_second():
    pacer = Pacer(35)
    pacer.slow_down(100.0)
    assert pacer.rate == pytest.approx(31.5) and pacer.ceiling is None
    for _ in range(100):
        pacer.slow_down(100.0)
    assert pacer.rate == 1.0


def test_rate_must_be_positive():
    with pytest.raises(ValueError):
        Pacer(0)


def test_chat_spacing_counts_from_the_answer():
    spacing = ChatSpacing(1.0)
    assert spacing.free_at(7) == 0.0
    spacing.done(7, 50.3)
    assert spacing.free_at(7) == 51.3 and spacing.free_at(8) == 0.0
    spacing.forget(7)
    assert spacing.free_at(7) == 0.0
