"""Delivery: send the outbox through PTB's Bot within Telegram's limits, each part at most once.

Rules, in the order a message meets them:

- Pacing: `rate_per_second` sends overall (spaced, no burst) and `per_chat_interval` seconds
  between the end of one message to a chat and the next; a chat's parts go strictly one after
  another, in part order, while other chats fill the gaps.
- 429 RetryAfter: every send stops for retry_after seconds and the message is tried again; it is
  Telegram pacing us, so it does not count as a failed attempt. The rate drops to a little under
  what got through in the last second and stays near it (bot.ratelimit.Pacer), so a rate set
  above Telegram's settles under it after one or two stops instead of meeting them again and again.
- 5xx answers and network errors that happened *before the request was written* (connect
  error or timeout, pool timeout, write timeout/error) delivered nothing: the row stays
  pending and is retried with exponential back-off (1, 2, 4 ... seconds, capped at
  `backoff_max`; during an outage only until the next probe), the rate slot given back, for
  `retry_for` (an hour by default: outages last minutes to an hour) after its first such
  failure; only then is it 'failed' (reported, and re-queueable). Rows due before the catch-up
  window still expire at start.
- An outage: `outage_after` such failures in a row, with no success between, pause every send
  (1, 2 ... up to `probe_max` seconds, doubling after each probe that fails too), so a dead
  Telegram gets a probe now and then instead of the whole queue at full rate; the first
  success ends the pause.
- 403 Forbidden (the user blocked the bot): the subscriber is deactivated (reason "blocked")
  and their other pending rows are dropped. 400 Bad Request is permanent: 'failed' at once.
  These are the only answers that fail a row at once.
- An unusable token (401/404) halts delivery: the row goes back to pending, nothing is lost,
  and bot.lifecycle stops the process.

The timed-out send (the rule): at most once, and never silently. A row is committed as
'sending' before the call. If the request may have reached Telegram but no answer came back
(read timeout, connection dropped after writing, the process killed mid-call), the message may
or may not have been delivered, and the Bot API offers no way to find out: there is no
idempotency key and a bot cannot read its own chat history. Such a row becomes 'unknown'. It is
not re-sent automatically, the digest's later parts still go out, /stats counts it, and the
admins get a list of unknown rows after each run. An admin who prefers a possible duplicate
to a possible gap re-queues them (`outbox.requeue_unknown`), and the re-sent copy carries a
visible "补发" marker so the reader knows why it may arrive twice. We chose this over
automatic resending because for a daily digest a silent duplicate of a several-part message is
worse for the reader than a rare gap that an admin is told about, and read timeouts on
sendMessage are rare, while "try again" for a whole broadcast would multiply any duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx
import sqlite_utils
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.ratelimit import ChatSpacing, Pacer
from digest import outbox, subscriptions
from digest.outbox import OutboxRow
from digest.settings import BotSettings

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

# Deadlines this close count as reached: float timestamps near 1.7e9 carry ~0.2 µs of noise, and a
# wait for less than a microsecond would spin (datetime cannot even express it).
_EPSILON = 1e-4
# httpx errors raised before the request was completely written: Telegram cannot have acted on it.
_NOT_WRITTEN = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout, httpx.WriteError)


class Verdict(enum.Enum):
    RATE_LIMITED = "rate_limited"
    RETRY = "retry"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNKNOWN = "unknown"
    FATAL = "fatal"


@dataclass(frozen=True)
class Classified:
    verdict: Verdict
    reason: str
    retry_after: float = 0.0


class DeliveryHalted(Exception):
    """Telegram refused the bot itself (bad token): sending more would fail the same way."""


def _retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns on reading retry_after as int (it will become a timedelta); accept either.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: BaseException) -> Classified:
    """What a failed send means for the row; see the module docstring for why."""
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RetryAfter):
        return Classified(Verdict.RATE_LIMITED, reason, _retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return Classified(Verdict.BLOCKED, reason)
    if isinstance(exc, BadRequest | ChatMigrated):
        return Classified(Verdict.FAILED, reason)
    if isinstance(exc, InvalidToken | Conflict):
        return Classified(Verdict.FATAL, reason)
    if isinstance(exc, NetworkError):
        cause = exc.__cause__
        if isinstance(cause, _NOT_WRITTEN):
            return Classified(Verdict.RETRY, f"{reason} (not sent: {type(cause).__name__})")
        # A NetworkError without an httpx cause is Telegram's own error answer (5xx): nothing sent.
        if not isinstance(exc, TimedOut) and (cause is None or isinstance(cause, TelegramError)):
            return Classified(Verdict.RETRY, reason)
        how = type(cause).__name__ if cause else "no cause"
        return Classified(Verdict.UNKNOWN, f"{reason} (maybe delivered: {how})")
    if isinstance(exc, TelegramError):
        return Classified(Verdict.RETRY, reason)
    return Classified(Verdict.UNKNOWN, f"{reason} (unexpected error during the call)")


@dataclass(frozen=True)
class DeliveryConfig:
    """How hard to push; from settings.toml's [bot] section, with internals tests may shrink."""

    rate_per_second: float = 25.0
    per_chat_interval: float = 1.0
    retry_for: float = 3600.0  # seconds a row keeps being retried after its first network error or 5xx
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    outage_after: int = 3  # failures in a row (no success between) that pause every send
    probe_max: float = 2.0  # longest pause between probes during an outage: resume soon after it ends
    # Concurrent requests: enough to hide Telegram's latency at the rate, within the connection pool.
    max_in_flight: int = 32
    refill_every: float = 5.0

    @classmethod
    def from_settings(cls, bot: BotSettings, **overrides: float) -> DeliveryConfig:
        from bot.schedule import parse_duration  # bot.schedule reads the database; keep this module light

        return cls(rate_per_second=bot.rate_per_second, per_chat_interval=bot.per_chat_interval,
                   retry_for=parse_duration(bot.retry_for, "bot.retry_for"),
                   backoff_max=float(bot.retry_backoff_max), **overrides)  # type: ignore[arg-type]

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: 1, 2, 4, 8 ... capped."""
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, min(attempts - 1, 30)))

    def probe_pause(self, probes: int) -> float:
        """Seconds every send waits after the `probes`-th failed probe of an outage: 1, 2, 4 ... capped."""
        return min(self.probe_max, self.backoff_base * 2 ** max(0, min(probes - 1, 30)))


@dataclass
class DeliveryReport:
    """What one run did; the admins hear about failed, unknown and blocked."""

    sent: int = 0
    retries: int = 0
    rate_limited: int = 0
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)

    @property
    def news(self) -> bool:
        return bool(self.failed or self.unknown or self.blocked)


async def _wait_event(event: asyncio.Event, timeout: float | None) -> None:
    """Wait until `event` is set or `timeout` passes; a cancel always propagates.

    Not `asyncio.wait_for`: on Python 3.11 it returns normally when the task is cancelled just
    as the awaited event is set (a send finishing), swallowing the cancel, so a stopped bot
    went on sending. `asyncio.timeout` tells its own timeout from an outside cancel.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


class Sender:
    """Drains the outbox: one dispatcher picks rows and paces; each send is its own task.

    Only the dispatcher waits (rate slots, back-off, retry_after are deadlines it computes), so
    with an injected `sleep` that advances a virtual clock, tests run hours of back-off in
    milliseconds. Cancelling a run stops new sends and lets the ones in flight finish and be
    recorded, so a cancelled run never leaves a 'sending' row behind.
    """

    def __init__(self, bot: Bot, db: sqlite_utils.Database, config: DeliveryConfig, *, clock: Clock,
                 sleep: Sleep | None = None) -> None:
        self._bot = bot
        self._db = db
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self._pacer = Pacer(config.rate_per_second)
        self._spacing = ChatSpacing(config.per_chat_interval)
        self._event = asyncio.Event()
        self._woken = False
        self._queues: dict[int, deque[OutboxRow]] = {}
        self._known: set[int] = set()
        self._tokens: dict[int, int] = {}
        self._seq = itertools.count()
        self._waiting: list[tuple[float, int, int, int]] = []  # (ready_at, seq, chat, token)
        self._ready: list[tuple[float, int, int, int, int]] = []  # (scheduled, -part, row id, chat, token)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._last_refill = float("-inf")
        self._halt: BaseException | None = None
        self._streak = 0  # transient failures since the last answer that proved Telegram up
        self._streak_rows: set[int] = set()  # the rows those failures were for
        self._outage_until = float("-inf")
        self.report = DeliveryReport()
        outbox.ensure_schema(db)

    def wake(self) -> None:
        """New rows were composed: look at the outbox again now rather than at the next refill."""
        self._woken = True
        self._event.set()

    def _now(self) -> float:
        return self._clock().timestamp()

    # --- the dispatcher -------------------------------------------------------------------

    async def run_until_idle(self, keep_going: Callable[[], bool] = lambda: True) -> DeliveryReport:
        """Send everything due now, waiting out back-off and retry_after; return when none is left."""
        self.report = DeliveryReport()
        self._refill()
        try:
            while not self._halt and keep_going():
                self._event.clear()
                now = self._now()
                if self._woken or now - self._last_refill >= self.config.refill_every:
                    self._woken = False
                    self._refill()
                self._promote(now + _EPSILON)
                has_ready = self._clean_ready()
                room = len(self._in_flight) < self.config.max_in_flight
                if has_ready and room and self._pacer.ready_at() <= now + _EPSILON:
                    self._start(max(now, self._pacer.ready_at()))
                    continue
                deadlines = [self._pacer.ready_at()] if has_ready and room else []
                if self._waiting:
                    deadlines.append(self._waiting[0][0])
                if not deadlines and not self._in_flight:
                    self._refill()
                    if not self._waiting and not self._clean_ready():
                        break
                    continue
                await self._wait(min(deadlines) if deadlines else None)
        except asyncio.CancelledError:
            await self._drain()
            raise
        await self._drain()
        if self._halt:
            raise DeliveryHalted(str(self._halt)) from self._halt
        return self.report

    async def run(self, keep_going: Callable[[], bool],
                  on_report: Callable[[DeliveryReport], Awaitable[None]] | None = None,
                  idle_check: float = 0.25) -> None:
        """The bot's long-running loop: drain, report, sleep until the next due row or a wake()."""
        while keep_going():
            report = await self.run_until_idle(keep_going)
            if on_report and report.news:
                await on_report(report)
            self._spacing = ChatSpacing(self.config.per_chat_interval)  # idle: forget old chats
            next_due = outbox.next_scheduled(self._db, self._clock())
            until = min(self._now() + self.config.refill_every * 12,
                        next_due.timestamp() if next_due else float("inf"))
            while keep_going() and not self._woken and self._now() < until:
                self._event.clear()
                await _wait_event(self._event, min(idle_check, max(0.0, until - self._now())))

    async def _wait(self, until: float | None) -> None:
        timeout = None if until is None else max(0.0, until - self._now())
        if self._sleep is not None and timeout is not None and not self._in_flight:
            await self._sleep(timeout)
            return
        await _wait_event(self._event, timeout)

    async def _drain(self) -> None:
        """Let sends in flight finish and be recorded; a second cancel abandons them as 'unknown'."""
        while self._in_flight:
            tasks = list(self._in_flight.values())
            try:
                await asyncio.wait(tasks)
            except asyncio.CancelledError:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise

    # --- the queue: one deque per chat, heads in two heaps ---------------------------------

    def _refill(self) -> None:
        now = self._clock()
        self._last_refill = now.timestamp()
        rows = [r for r in outbox.sendable(self._db, now) if r.id not in self._known]
        if not rows:
            return
        since = now - timedelta(seconds=self.config.per_chat_interval)
        for chat, at in outbox.recently_sent(self._db, since).items():
            if self._spacing.free_at(chat) < at.timestamp() + self.config.per_chat_interval:
                self._spacing.done(chat, at.timestamp())
        touched = set()
        for row in rows:
            self._known.add(row.id)
            queue = self._queues.setdefault(row.chat_id, deque())
            queue.append(row)
            touched.add(row.chat_id)
        for chat in touched:
            queue = self._queues[chat]
            if any((a.date, a.part) > (b.date, b.part) for a, b in itertools.pairwise(queue)):
                self._queues[chat] = deque(sorted(queue, key=lambda r: (r.date, r.part)))
            if chat not in self._in_flight:
                self._schedule(chat)

    def _schedule(self, chat: int) -> None:
        """(Re)place a chat's head row in the waiting heap, invalidating any older entry."""
        token = self._tokens.get(chat, 0) + 1
        self._tokens[chat] = token
        queue = self._queues.get(chat)
        if not queue:
            self._queues.pop(chat, None)
            return
        head = queue[0]
        ready = max(head.scheduled_at.timestamp(), head.next_attempt_at.timestamp(), self._spacing.free_at(chat))
        heapq.heappush(self._waiting, (ready, next(self._seq), chat, token))

    def _promote(self, now: float) -> None:
        """Heads whose time has come move to the ready heap: earliest digest first, then later parts
        before first parts, so a reader's digest arrives together rather than a part per round;
        then in outbox order, so a row back from a retry takes its old place, not the end of the
        line (its reader's whole digest would come last, a part a second after everyone else's)."""
        while self._waiting and self._waiting[0][0] <= now:
            _, _seq, chat, token = heapq.heappop(self._waiting)
            if self._tokens.get(chat) == token and self._queues.get(chat):
                head = self._queues[chat][0]
                heapq.heappush(self._ready, (head.scheduled_at.timestamp(), -head.part, head.id, chat, token))

    def _clean_ready(self) -> bool:
        while self._ready and self._tokens.get(self._ready[0][3]) != self._ready[0][4]:
            heapq.heappop(self._ready)
        return bool(self._ready)

    def _start(self, now: float) -> None:
        *_, chat, _token = heapq.heappop(self._ready)
        self._tokens[chat] += 1
        row = self._queues[chat][0]
        text = outbox.claim(self._db, row.id, self._clock())
        if text is None:  # dropped or finished elsewhere since it was read
            self._pop_head(chat)
            return
        self._pacer.take(now)
        self._in_flight[chat] = asyncio.create_task(self._send(row, text), name=f"send-{row.id}")

    def _pop_head(self, chat: int) -> None:
        row = self._queues[chat].popleft()
        self._known.discard(row.id)
        self._schedule(chat)

    def _forget_chat(self, chat: int) -> None:
        for row in self._queues.pop(chat, ()):
            self._known.discard(row.id)
        self._tokens[chat] = self._tokens.get(chat, 0) + 1
        self._spacing.forget(chat)

    # --- one send ---------------------------------------------------------------------------

    async def _send(self, row: OutboxRow, text: str) -> None:
        try:
            try:
                message = await self._bot.send_message(
                    chat_id=row.chat_id, text=text, parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except asyncio.CancelledError:
                # Abandoned mid-call (a second cancel): the request may have been written.
                outbox.mark_unknown(self._db, row.id, "cancelled while sending", self._clock())
                self.report.unknown.append(row.id)
                raise
            except Exception as exc:  # every failure is classified, none escapes
                self._failed(row, classify(exc))
            else:
                outbox.mark_sent(self._db, row.id, message.message_id, self._clock())
                self._telegram_up()
                self._pacer.delivered(self._now())
                self.report.sent += 1
                self._spacing.done(row.chat_id, self._now())
                self._pop_head(row.chat_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug of ours (say, the database): stop rather than guess
            log.exception("delivery of outbox row %s failed unexpectedly", row.id)
            self._halt = exc
        finally:
            self._in_flight.pop(row.chat_id, None)
            self._event.set()

    def _failed(self, row: OutboxRow, result: Classified) -> None:
        now_dt = self._clock()
        now = now_dt.timestamp()
        chat = row.chat_id
        verdict = result.verdict
        if verdict is Verdict.RATE_LIMITED:
            log.warning("429 for chat %s at %.1f/s: every send waits %.0f s", chat, self._pacer.rate,
                        result.retry_after)
            self.report.rate_limited += 1
            if now >= self._pacer.paused_until:  # once per flood, not once per send in flight
                self._pacer.slow_down(now)
            self._pacer.pause_until(now + result.retry_after)
            self._retry(row, result.reason, now_dt + timedelta(seconds=result.retry_after), count=False)
        elif verdict is Verdict.RETRY and self._still_retrying(row, now_dt):
            self.report.retries += 1
            self._pacer.refund(now)
            self._transient(now, row.id)
            delay = self.config.backoff(row.attempts + 1)
            if self._streak >= self.config.outage_after and len(self._streak_rows) > 1:
                # Other rows fail too: Telegram is down, not this row. It waits like every send, for
                # the next probe, so the first answer after the outage finds the rows ready rather
                # than backing off for up to a minute. (One row failing alone backs off on its own.)
                delay = min(delay, self.config.probe_max)
            log.info("row %s: %s; retry in %.0f s", row.id, result.reason, delay)
            self._retry(row, result.reason, now_dt + timedelta(seconds=delay), count=True)
        elif verdict is Verdict.RETRY:
            log.warning("row %s (chat %s): retried for %.0f s in vain, given up: %s", row.id, chat,
                        self.config.retry_for, result.reason)
            outbox.mark_failed(self._db, row.id, f"given up after {self.config.retry_for:.0f} s: {result.reason}",
                               now_dt)
            self.report.failed.append(row.id)
            self._pop_head(chat)
        elif verdict is Verdict.BLOCKED:
            self._telegram_up()
            log.info("chat %s blocked the bot: deactivated, pending rows dropped", chat)
            outbox.mark_failed(self._db, row.id, result.reason, now_dt)
            outbox.drop_pending(self._db, chat)
            subscriptions.deactivate(self._db, chat, reason="blocked")
            self.report.blocked.append(chat)
            self.report.failed.append(row.id)
            self._forget_chat(chat)
        elif verdict is Verdict.UNKNOWN:
            log.warning("row %s (chat %s) may or may not have been delivered: %s", row.id, chat, result.reason)
            outbox.mark_unknown(self._db, row.id, result.reason, now_dt)
            self._transient(now, row.id)
            self.report.unknown.append(row.id)
            self._spacing.done(chat, now)
            self._pop_head(chat)
        elif verdict is Verdict.FATAL:
            log.error("Telegram refused the bot: %s; delivery halted", result.reason)
            outbox.mark_retry(self._db, row.id, result.reason, next_attempt_at=now_dt, now=now_dt, count_attempt=False)
            self._halt = DeliveryHalted(result.reason)
        else:  # permanent: Telegram answered, and the answer will not change
            self._telegram_up()
            log.warning("row %s (chat %s) failed for good: %s", row.id, chat, result.reason)
            outbox.mark_failed(self._db, row.id, result.reason, now_dt)
            self.report.failed.append(row.id)
            self._pop_head(chat)

    def _still_retrying(self, row: OutboxRow, now: datetime) -> bool:
        """Within `retry_for` of the row's first network error or 5xx (or this is the first)."""
        since = row.failing_since or now
        return (now - since).total_seconds() < self.config.retry_for

    def _telegram_up(self) -> None:
        """An answer from Telegram itself (a message id, a 400, a 403): any outage is over."""
        if self._streak >= self.config.outage_after:
            log.warning("Telegram answers again after %d failed calls in a row: sending resumes", self._streak)
        self._streak = 0
        self._streak_rows.clear()

    def _transient(self, now: float, row_id: int) -> None:
        """One more call without an answer. After `outage_after` in a row, pause every send;
        a call that fails during a pause (sent before it) does not lengthen it, a probe after does."""
        self._streak_rows.add(row_id)
        if now < self._outage_until:
            return
        self._streak += 1
        probes = self._streak - self.config.outage_after + 1
        if probes >= 1:
            pause = self.config.probe_pause(probes)
            self._outage_until = now + pause
            self._pacer.pause_until(self._outage_until)
            log.warning("%d calls in a row got no answer from Telegram: every send waits %.0f s", self._streak, pause)

    def _retry(self, row: OutboxRow, reason: str, at: datetime, *, count: bool) -> None:
        now = self._clock()
        outbox.mark_retry(self._db, row.id, reason, next_attempt_at=at, now=now, count_attempt=count)
        queue = self._queues[row.chat_id]
        queue[0] = replace(row, attempts=row.attempts + int(count), next_attempt_at=at,
                           failing_since=(row.failing_since or now) if count else row.failing_since)
        self._schedule(row.chat_id)
