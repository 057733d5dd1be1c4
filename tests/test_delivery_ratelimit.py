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


def test_a_429_slows_the_rate_and_successes_bring_it_back():
    pacer = Pacer(35)
    pacer.slow_down()
    assert pacer.rate == pytest.approx(31.5) and pacer.interval == pytest.approx(1 / 31.5)
    for _ in range(100):
        pacer.speed_up()
    assert pacer.rate == pytest.approx(32.0)
    for _ in range(10_000):
        pacer.speed_up()
    assert pacer.rate == 35  # never above the configured rate
    for _ in range(100):
        pacer.slow_down()
    assert pacer.rate == 1.0  # nor below one a second


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
