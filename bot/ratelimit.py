"""Pacing for Telegram's flood limits, as arithmetic on timestamps (the sender does the waiting).

Two limits apply to a broadcast: about 30 messages a second overall, and one message a second
to any one chat. PTB's AIORateLimiter covers the overall and per-group limits but not private
chats, and it waits inside the request, where the sender cannot pick another chat meanwhile;
so the sender paces itself with these two small classes and never sleeps inside a send.
Times are plain seconds (the sender's clock as a POSIX timestamp), which keeps the pacing
testable with a virtual clock.
"""

from __future__ import annotations

from collections import deque


class Pacer:
    """One send every 1/rate seconds overall, and a full stop while Telegram says retry_after.

    Spacing rather than a bucket with a burst: a burst of `rate` messages in the first instant
    is exactly what a one-second sliding window (Telegram's, or the fake's) punishes.
    """

    def __init__(self, rate_per_second: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.max_rate = rate_per_second
        self.rate = rate_per_second
        self.interval = 1.0 / rate_per_second
        self.ceiling: float | None = None  # the most Telegram let through when it last said 429
        self._answered: deque[float] = deque()  # when sends were answered, over the last second
        self._next = 0.0
        self._paused_until = 0.0

    # A 429 means Telegram's window is full: the configured rate is above what it allows now (set
    # too high, or other traffic on the token). What got through in the last second is what it
    # allows, so the rate drops at once to a little under that (MARGIN leaves room for the jitter
    # between our start times and Telegram's arrival times) and remembers it as the ceiling.
    # Below the ceiling the rate climbs back fast; above it only by a little with each success,
    # so a limit that was lifted is found again without paying a retry_after stop every few
    # seconds, which is what plain AIMD (a tenth off, then creep back up) kept doing.
    MARGIN = 0.97
    NUDGE = 0.98  # a 429 though we were already that far under: a little more room for jitter
    SLOW_DOWN = 0.9  # when nothing got through in the last second to measure the limit by
    SPEED_UP = 0.02  # messages/s per success below the ceiling: a 10% cut won back in ~150 sends
    PROBE_UP = 0.0002  # messages/s per success above it: one message/s more per ~5,000 sends
    MIN_RATE = 1.0

    def delivered(self, now: float) -> None:
        """A send was answered with a message: count it for the limit, and speed up."""
        self._answered.append(now)
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()
        if self.rate < self.max_rate:
            below = self.ceiling is None or self.rate < self.ceiling * self.MARGIN
            self._set_rate(min(self.max_rate, self.rate + (self.SPEED_UP if below else self.PROBE_UP)))

    def slow_down(self, now: float) -> None:
        """Telegram said 429 at `now`: settle just under what it let through in the last second."""
        got_through = sum(1 for t in self._answered if t > now - 1.0)
        if got_through >= self.MIN_RATE:
            self.ceiling = float(got_through)
            # At least a nudge down; but a rate already near 97% of the limit met the jitter's stop,
            # and climbs straight back (below the ceiling): no ratchet down by 3% a stop.
            rate = min(self.ceiling * self.MARGIN, self.rate * self.NUDGE)
        else:
            rate = self.rate * self.SLOW_DOWN
        self._set_rate(max(min(self.MIN_RATE, self.max_rate), rate))

    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        self.interval = 1.0 / rate

    def ready_at(self) -> float:
        """The earliest time the next send may start."""
        return max(self._next, self._paused_until)

    def take(self, now: float) -> None:
        """Record a send starting at `now` (call only when `now >= ready_at()`).

        Slots follow the ideal schedule: a send that starts a few milliseconds late (the event
        loop woke late) does not push every later slot back, or those milliseconds would add up
        to a rate a few percent short. Late by a whole interval or more (idle), it starts afresh.
        The price: one send more than the rate in some one-second windows, never a burst.
        """
        start = self._next if 0 <= now - self._next < self.interval else max(now, self._next)
        self._next = start + self.interval

    def refund(self, now: float) -> None:
        """Give a slot back: the call delivered nothing (5xx, or it never left), so it used no quota."""
        self._next = max(now, self._next - self.interval)

    def pause_until(self, moment: float) -> None:
        """Telegram's 429 retry_after: every chat waits, as AIORateLimiter also does."""
        self._paused_until = max(self._paused_until, moment)

    @property
    def paused_until(self) -> float:
        return self._paused_until


class ChatSpacing:
    """At least `interval` seconds between the end of one message to a chat and the next one."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._free_at: dict[int, float] = {}

    def free_at(self, chat_id: int) -> float:
        return self._free_at.get(chat_id, 0.0)

    def done(self, chat_id: int, now: float) -> None:
        """Measured from the answer, not the request: Telegram counts from when it received it."""
        self._free_at[chat_id] = now + self.interval

    def forget(self, chat_id: int) -> None:
        self._free_at.pop(chat_id, None)
