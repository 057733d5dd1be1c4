"""The sender against a scripted Bot API on a virtual clock: limits, retries, blocks, timeouts, restarts.

PTB's real Bot does the HTTP-level work (status codes to exceptions); `ScriptedBotApi` decides
what each sendMessage call meets. Times asserted are the virtual clock's, so back-off and
retry_after cost no real time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import httpx
import pytest
from fake_botapi_load import ScriptedBotApi, VirtualClock
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.delivery import DeliveryConfig, DeliveryHalted, Sender, Verdict, classify
from digest import outbox, subscriptions
from digest.outbox import Part

# PTB 22 warns when a RetryAfter is built (retry_after will become a timedelta); the sender reads both.
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning")

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 7, 30, tzinfo=SH)
DAY = "2026-11-20"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


@pytest.fixture
def box(db):
    outbox.ensure_schema(db)
    return db


def seed(db, chats: dict[int, int]) -> dict[int, list[str]]:
    """Subscribe each chat and compose `n` parts for it; returns the texts each chat is owed."""
    owed = {}
    for chat, n in chats.items():
        subscriptions.subscribe(db, chat, "07:30")
        owed[chat] = [f"chat {chat} part {i}" for i in range(n)]
        outbox.enqueue(db, chat, DAY, [Part("digest", t) for t in owed[chat]], scheduled_at=T0, now=T0)
    return owed


async def deliver(db, api: ScriptedBotApi, clock: VirtualClock, **config: float) -> tuple[Sender, object]:
    bot = Bot("123:TEST", request=api, get_updates_request=api)
    sender = Sender(bot, db, DeliveryConfig(**config), clock=clock, sleep=clock.sleep)
    report = await sender.run_until_idle()
    return sender, report


def calls_of(api: ScriptedBotApi, chat: int) -> list[float]:
    return [(c.at - T0).total_seconds() for c in api.calls if c.chat_id == chat]


def row(db, chat: int, part: int = 0) -> dict:
    return next(db.query("SELECT * FROM outbox WHERE chat_id = ? AND date = ? AND part = ?", [chat, DAY, part]))


async def test_every_part_once_in_order_within_both_limits(box, clock):
    owed = seed(box, {chat: 3 for chat in range(1, 7)})
    api = ScriptedBotApi(clock)
    _, report = await deliver(box, api, clock, rate_per_second=4, per_chat_interval=1.0)
    assert {chat: api.texts(chat) for chat in owed} == owed
    assert report.sent == 18 and outbox.delivery_stats(box) == {"sent": 18, "failed": 0, "pending": 0, "unknown": 0}
    starts = [(c.at - T0).total_seconds() for c in api.calls]
    # 4 a second overall; a send that started late may be followed closely by an on-time one.
    assert max(sum(1 for t in starts if s <= t < s + 1) for s in starts) <= 4 + 1
    for chat in owed:
        assert all(b - a >= 1.0 - 1e-6 for a, b in pairwise(calls_of(api, chat)))  # 1 s per chat
    # Other chats fill the gaps; only the tail, with few chats left, may wait out a chat's interval.
    assert starts[-1] <= 17 * 0.25 + 1.0


async def test_a_readers_later_parts_go_before_other_readers_first_parts(box, clock):
    owed = seed(box, {chat: 2 for chat in range(1, 11)})
    api = ScriptedBotApi(clock)
    await deliver(box, api, clock, rate_per_second=4, per_chat_interval=1.0)
    for chat in owed:
        first, second = calls_of(api, chat)
        assert 1.0 <= second - first <= 1.25  # not after all ten readers' first parts (2.5 s)


async def test_429_stops_every_chat_for_retry_after_and_is_not_an_attempt(box, clock):
    seed(box, {1: 1, 2: 1, 3: 1})
    api = ScriptedBotApi(clock, {1: ["429", "ok"]}, retry_after=3)
    _, report = await deliver(box, api, clock, rate_per_second=10)
    assert api.calls[0].outcome == "429"
    resumed = [(c.at - T0).total_seconds() for c in api.calls[1:]]
    assert min(resumed) >= 3.0  # nobody was sent anything during the pause
    assert api.texts(1) == ["chat 1 part 0"]
    assert row(box, 1)["attempts"] == 1 and report.rate_limited == 1


async def test_5xx_is_retried_with_exponential_backoff(box, clock):
    seed(box, {1: 1})
    api = ScriptedBotApi(clock, {1: ["500", "502", "ok"]})
    _, report = await deliver(box, api, clock)
    assert calls_of(api, 1) == [0.0, 1.0, 3.0]  # 1 s, then 2 s
    assert api.texts(1) == ["chat 1 part 0"]
    assert row(box, 1)["state"] == "sent" and row(box, 1)["attempts"] == 3 and report.retries == 2


async def test_a_row_back_from_a_retry_keeps_its_place_in_line(box, clock):
    seed(box, {chat: 1 for chat in range(1, 21)})
    api = ScriptedBotApi(clock, {1: ["500", "ok"]})
    await deliver(box, api, clock, rate_per_second=4)
    first, again = calls_of(api, 1)
    assert first == 0.0 and 1.0 <= again <= 1.25  # after its 1 s back-off, not after the 19 others (5 s)


async def test_5xx_keeps_a_row_pending_for_retry_for_then_fails_it_visibly_and_sends_the_next_part(box, clock):
    seed(box, {1: 2})
    api = ScriptedBotApi(clock, {1: ["500"] * 16})  # then "ok": part 1 goes through
    _, report = await deliver(box, api, clock, retry_for=600, backoff_max=60)
    tries = [(c.at - T0).total_seconds() for c in api.calls if c.text == "chat 1 part 0"]
    assert tries[:8] == [0, 1, 3, 7, 15, 31, 63, 123]  # 1, 2, 4 ... s, then at most 60 s apart
    assert tries[8:] == [183, 243, 303, 363, 423, 483, 543, 603]  # the first try past 600 s is the last
    assert row(box, 1, 0)["state"] == "failed" and row(box, 1, 0)["last_error"].startswith("given up after 600 s")
    assert api.texts(1) == ["chat 1 part 1"]
    assert outbox.delivery_stats(box) == {"sent": 1, "failed": 1, "pending": 0, "unknown": 0}
    assert report.failed == [row(box, 1, 0)["id"]]


@pytest.mark.parametrize("outcome", ["502", "connect_timeout"])
async def test_an_outage_of_45_s_loses_no_digest(box, clock, outcome):
    """The issue's case: 50 subscribers, 45 s of 502s (or refused connections) from the first send."""
    owed = seed(box, {chat: 1 for chat in range(1, 51)})
    api = ScriptedBotApi(clock, outage=(T0, T0 + timedelta(seconds=45), outcome))
    _, report = await deliver(box, api, clock, rate_per_second=25)
    assert {chat: api.texts(chat) for chat in owed} == owed  # every digest, once
    assert outbox.delivery_stats(box) == {"sent": 50, "failed": 0, "pending": 0, "unknown": 0}
    assert report.failed == [] and report.unknown == []
    failed_calls = [c for c in api.calls if c.outcome == outcome]
    first_ok = min(c.at for c in api.calls if c.outcome == "ok")
    assert (first_ok - T0).total_seconds() <= 45 + 2  # resumed within one probe pause of the end
    assert len(failed_calls) <= 50  # probes, not the whole queue again and again


async def test_rows_that_met_an_outage_go_as_soon_as_it_ends_not_after_their_back_off(box, clock):
    owed = seed(box, {chat: 1 for chat in range(1, 6)})
    api = ScriptedBotApi(clock, outage=(T0, T0 + timedelta(seconds=100), "502"))
    await deliver(box, api, clock, rate_per_second=25, backoff_max=60)
    assert {chat: api.texts(chat) for chat in owed} == owed
    sent = sorted((c.at - T0).total_seconds() for c in api.calls if c.outcome == "ok")
    assert sent[0] <= 100 + 2  # within one probe pause of the end, not a row's back-off of up to 60 s
    assert sent[-1] - sent[0] <= 5 / 25 + 0.01  # the others followed at the rate


async def test_an_hour_long_outage_within_retry_for_loses_nothing_and_probes_sparingly(box, clock):
    owed = seed(box, {chat: 2 for chat in range(1, 21)})
    api = ScriptedBotApi(clock, outage=(T0, T0 + timedelta(minutes=50), "502"))
    await deliver(box, api, clock, rate_per_second=25, retry_for=3600)
    assert {chat: api.texts(chat) for chat in owed} == owed
    assert len([c for c in api.calls if c.outcome == "502"]) < 50 * 60 / 2 + 40  # about one probe per 2 s


async def test_a_single_5xx_among_successes_does_not_pause_everyone(box, clock):
    seed(box, {chat: 1 for chat in range(1, 11)})
    api = ScriptedBotApi(clock, {1: ["502", "ok"], 2: ["502", "ok"]})
    await deliver(box, api, clock, rate_per_second=10)
    starts = sorted((c.at - T0).total_seconds() for c in api.calls)
    assert starts[-1] < 2.0  # no outage pause: the two 502s were retried after their own 1 s


async def test_blocked_deactivates_the_subscriber_and_drops_their_rows(box, clock):
    seed(box, {1: 3, 2: 2})
    api = ScriptedBotApi(clock, {1: ["403"]})
    _, report = await deliver(box, api, clock)
    assert api.texts(1) == [] and len(calls_of(api, 1)) == 1
    sub = subscriptions.get(box, 1)
    assert not sub.active
    assert box.execute("SELECT inactive_reason FROM subscribers WHERE chat_id = 1").fetchone()[0] == "blocked"
    assert [r["state"] for r in box.query("SELECT state FROM outbox WHERE chat_id = 1")] == ["failed"]
    assert api.texts(2) == ["chat 2 part 0", "chat 2 part 1"]
    assert report.blocked == [1]


async def test_bad_request_fails_at_once(box, clock):
    seed(box, {1: 2})
    api = ScriptedBotApi(clock, {1: ["400"]})
    await deliver(box, api, clock)
    assert row(box, 1, 0)["state"] == "failed" and row(box, 1, 0)["attempts"] == 1
    assert api.texts(1) == ["chat 1 part 1"]


@pytest.mark.parametrize("outcome", ["read_timeout_delivered", "read_timeout_lost", "disconnect_delivered"])
async def test_a_send_that_may_have_arrived_is_unknown_and_never_resent(box, clock, outcome):
    """The rule: whether Telegram delivered it or not, the sender behaves the same way."""
    seed(box, {1: 2})
    api = ScriptedBotApi(clock, {1: [outcome]})
    _, report = await deliver(box, api, clock)
    assert [c.text for c in api.calls] == ["chat 1 part 0", "chat 1 part 1"]  # no second try
    assert row(box, 1, 0)["state"] == "unknown"
    assert row(box, 1, 1)["state"] == "sent"
    assert report.unknown == [row(box, 1, 0)["id"]]
    delivered = api.texts(1).count("chat 1 part 0")
    assert delivered == (0 if outcome == "read_timeout_lost" else 1)  # a gap or nothing, never two
    assert outbox.delivery_stats(box)["unknown"] == 1


@pytest.mark.parametrize("outcome", ["connect_timeout", "pool_timeout"])
async def test_a_timeout_before_the_request_left_is_retried(box, clock, outcome):
    seed(box, {1: 1})
    api = ScriptedBotApi(clock, {1: [outcome]})
    await deliver(box, api, clock)
    assert api.texts(1) == ["chat 1 part 0"]
    assert row(box, 1)["state"] == "sent" and row(box, 1)["attempts"] == 2


async def test_a_bad_token_halts_delivery_and_keeps_the_row(box, clock):
    seed(box, {1: 1})
    api = ScriptedBotApi(clock, {1: ["401"]})
    with pytest.raises(DeliveryHalted):
        await deliver(box, api, clock)
    assert row(box, 1)["state"] == "pending" and row(box, 1)["attempts"] == 0


async def test_cancelled_mid_run_then_restarted_every_part_exactly_once_in_order(box, clock):
    owed = seed(box, {chat: 3 for chat in range(1, 21)})
    api = ScriptedBotApi(clock, delay=0.005)
    bot = Bot("123:TEST", request=api, get_updates_request=api)
    config = DeliveryConfig(rate_per_second=1000, per_chat_interval=1.0, max_in_flight=8)
    first = asyncio.create_task(Sender(bot, box, config, clock=clock, sleep=clock.sleep).run_until_idle())
    while len(api.delivered) < 15:
        await asyncio.sleep(0.005)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert box.execute("SELECT count(*) FROM outbox WHERE state = 'sending'").fetchone()[0] == 0
    stopped_at = len(api.delivered)
    assert 15 <= stopped_at < 60
    await Sender(bot, box, config, clock=clock, sleep=clock.sleep).run_until_idle()
    assert {chat: api.texts(chat) for chat in owed} == owed  # exactly once each, in part order
    assert outbox.delivery_stats(box) == {"sent": 60, "failed": 0, "pending": 0, "unknown": 0}


async def test_a_restart_still_spaces_a_chats_parts(box, clock):
    seed(box, {1: 2})
    first = outbox.sendable(box, T0)[0]
    outbox.claim(box, first.id, T0)
    outbox.mark_sent(box, first.id, 1, T0)
    clock.advance(0.2)
    api = ScriptedBotApi(clock)
    await deliver(box, api, clock, per_chat_interval=1.0)
    assert calls_of(api, 1) == [pytest.approx(1.0)]


async def test_a_row_dropped_while_sending_is_not_sent(box, clock):
    seed(box, {1: 2, 2: 1})
    api = ScriptedBotApi(clock, delay=0.05)
    bot = Bot("123:TEST", request=api, get_updates_request=api)
    task = asyncio.create_task(Sender(bot, box, DeliveryConfig(), clock=clock, sleep=clock.sleep).run_until_idle())
    while not any(c.chat_id == 1 for c in api.calls):
        await asyncio.sleep(0.005)
    subscriptions.deactivate(box, 1)
    outbox.drop_pending_inactive(box)
    await task
    assert api.texts(1) == ["chat 1 part 0"] and api.texts(2) == ["chat 2 part 0"]


def _with_cause(exc: Exception, cause: BaseException | None) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(("exc", "verdict"), [
    (Forbidden("Forbidden: bot was blocked by the user"), Verdict.BLOCKED),
    (BadRequest("Bad Request: chat not found"), Verdict.FAILED),
    (InvalidToken("Unauthorized"), Verdict.FATAL),
    (NetworkError("Internal Server Error (500)"), Verdict.RETRY),
    (_with_cause(TimedOut(), httpx.ConnectTimeout("x")), Verdict.RETRY),
    (_with_cause(TimedOut(), httpx.PoolTimeout("x")), Verdict.RETRY),
    (_with_cause(TimedOut(), httpx.WriteTimeout("x")), Verdict.RETRY),
    (_with_cause(NetworkError("httpx.ConnectError"), httpx.ConnectError("x")), Verdict.RETRY),
    (_with_cause(TimedOut(), httpx.ReadTimeout("x")), Verdict.UNKNOWN),
    (TimedOut(), Verdict.UNKNOWN),
    (_with_cause(NetworkError("httpx.ReadError"), httpx.ReadError("x")), Verdict.UNKNOWN),
    (_with_cause(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("x")), Verdict.UNKNOWN),
    (RuntimeError("a bug"), Verdict.UNKNOWN),
])
def test_classify(exc: Exception, verdict: Verdict):
    assert classify(exc).verdict is verdict


def test_retry_after_is_read_as_seconds_from_an_int_or_a_timedelta():
    assert classify(RetryAfter(7)).verdict is Verdict.RATE_LIMITED
    assert classify(RetryAfter(7)).retry_after == 7.0
    assert classify(RetryAfter(timedelta(seconds=2))).retry_after == 2.0


class GatedBotApi(ScriptedBotApi):
    """sendMessage waits for the test to open the gate: a send held in flight."""

    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        if url.endswith("/sendMessage"):
            self.entered.set()
            await self.gate.wait()
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.mark.parametrize("ticks", range(12))
async def test_a_cancel_that_lands_as_a_send_finishes_is_never_swallowed(box, clock, ticks):
    """The cause of the flaky cancel test: asyncio.wait_for (Python 3.11) returns the inner
    result instead of raising when the task is cancelled just as the awaited event is set (a send
    finishing). Every moment after the send ends is tried; each must raise CancelledError."""
    seed(box, {1: 1, 2: 1})
    later = outbox.sendable(box, T0)[1]
    outbox.mark_retry(box, later.id, "502", next_attempt_at=T0 + timedelta(seconds=30), now=T0)  # a deadline
    api = GatedBotApi(clock)
    bot = Bot("123:TEST", request=api, get_updates_request=api)
    # Real waiting (no virtual sleep): the dispatcher waits on its event for up to 30 s.
    run = asyncio.create_task(Sender(bot, box, DeliveryConfig(), clock=clock).run_until_idle())
    await api.entered.wait()
    for _ in range(3):
        await asyncio.sleep(0)  # the dispatcher is now waiting, with a send in flight and a deadline
    api.gate.set()
    for _ in range(ticks):
        await asyncio.sleep(0)
    assert not run.done()
    run.cancel()
    await asyncio.wait({run}, timeout=2)  # a swallowed cancel leaves it waiting out its 30 s
    stopped = run.done()
    if not stopped:
        run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert stopped, "the cancel was swallowed: the run went on"
    assert row(box, 1)["state"] == "sent" and row(box, 2)["state"] == "pending"
