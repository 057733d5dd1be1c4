"""How `paperdigest run` starts and ends: reach Telegram first, stop for good when it refuses the bot.

Two ways out, each one line on stderr and its own exit status (README, "The Telegram bot"):

- The token is rejected (401/404 at start, or a 401 on any call mid-run, or a 403 on the bot's own
  getUpdates/getMe): `token rejected by Telegram`, status 3. Nothing would work until someone
  fixes the token, so the process ends and a supervisor's restart retries with what is set then.
- Telegram cannot be reached at start (closed port, DNS, TLS, 5xx) for `[bot] start_retry_for`
  seconds of back-off: `cannot reach https://host: connection refused`, status 4.
- Another process already polls with the token (409 Conflict on getUpdates, again and again, from
  this process's first minutes of polling): `another process is polling with this token`,
  status 5. The two would take turns cutting each other's long poll, each getting some of the
  updates; the one started second yields, so starting a second copy by mistake (a manual run
  beside the service) leaves the running bot alone. The one that was there first keeps going
  and logs a warning now and then.

The token never appears: the messages are ours, built from the API's scheme and host, and
exception text is scrubbed by bot.redact before anything prints it.

Mid-run, PTB's Updater ends its polling task on InvalidToken without telling anyone, and keeps
retrying a 403 forever, so the process would stay up, deaf. `RefusalGuard` sits in the HTTP
layer (a BaseRequest wrapper), sees every answer of every call, and on a refusal tells the
admins (if Telegram still lets it) and stops the Application; `run_bot` then exits with status 3.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import BaseRequest, RequestData

from bot import redact

log = logging.getLogger(__name__)

EXIT_TOKEN_REJECTED = 3
EXIT_UNREACHABLE = 4
EXIT_CONFLICT = 5

# Calls about the bot itself: a 403 here is Telegram refusing the bot, not a chat refusing a message.
OWN_METHODS = frozenset({"getMe", "getUpdates", "deleteWebhook", "logOut", "close"})
NOTIFY_TIMEOUT = 10.0  # seconds to try telling the admins before stopping anyway
# 409s on getUpdates: this many within CONFLICT_WINDOW seconds is another poller, not a restart's
# leftover long poll; met within NEWCOMER_SECONDS of our first poll, we are the second process.
CONFLICTS = 3
CONFLICT_WINDOW = 60.0
NEWCOMER_SECONDS = 120.0
CONFLICT_WARN_EVERY = 600.0
NO_UPDATES = b'{"ok": true, "result": []}'


class BotStopped(Exception):
    """The bot cannot run (or go on running); `str()` is the one line to print, never the token."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def server_name(base_url: str) -> str:
    """`https://api.telegram.org` from any API URL: scheme and host only, never a path with a token."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def network_cause(exc: BaseException) -> str:
    """Why a call did not get an answer, in a few words: `connection refused`, `host not found` ..."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "host not found (DNS)"
        if isinstance(current, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(current, httpx.ConnectTimeout | TimeoutError):
            return "connection timed out"
        if isinstance(current, httpx.ReadTimeout):
            return "no answer in time"
        if isinstance(current, ConnectionResetError | httpx.RemoteProtocolError):
            return "connection dropped"
        current = current.__cause__ or current.__context__
    if isinstance(exc, NetworkError) and exc.__cause__ is None:  # Telegram's own error answer (5xx)
        return f"server error: {redact.scrub(exc.message)}"
    return redact.scrub(f"{type(exc).__name__}: {exc}")


def refusal_reason(exc: TelegramError) -> str:
    """What Telegram said when it refused the token (Unauthorized, Not Found), never the token."""
    cause = exc.__cause__ if isinstance(exc.__cause__, TelegramError) else exc
    return redact.scrub(cause.message)


async def reach_telegram(bot: Bot, base_url: str, *, retry_for: float, backoff_max: float = 30.0,
                         sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                         clock: Callable[[], float] = time.monotonic) -> None:
    """Call getMe until Telegram answers: network errors and 5xx are retried with back-off
    (1, 2, 4 ... s) for `retry_for` seconds; a refused token ends it at once. Raises BotStopped."""
    server = server_name(base_url)
    started = clock()
    delay = 1.0
    while True:
        try:
            await bot.get_me()
            return
        except InvalidToken as exc:
            raise BotStopped(f"token rejected by Telegram ({refusal_reason(exc)} from {server}):"
                             " check TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL", EXIT_TOKEN_REJECTED) from None
        except RetryAfter as exc:
            cause, wait = "flood control", max(delay, _seconds(exc.retry_after))
        except NetworkError as exc:  # connect errors, timeouts, 5xx (PTB maps all of them here)
            cause, wait = network_cause(exc), delay
        except TelegramError as exc:
            cause, wait = redact.scrub(exc.message), delay
        left = retry_for - (clock() - started)
        if left <= 0:
            raise BotStopped(f"cannot reach {server}: {cause}", EXIT_UNREACHABLE) from None
        wait = min(wait, left)
        log.warning("cannot reach %s: %s; trying again in %.0f s", server, cause, wait)
        await sleep(wait)
        delay = min(backoff_max, delay * 2)


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


@dataclass(frozen=True)
class Refusal:
    method: str
    status: int

    @property
    def conflict(self) -> bool:
        return self.status == 409

    @property
    def exit_code(self) -> int:
        return EXIT_CONFLICT if self.conflict else EXIT_TOKEN_REJECTED

    def describe(self) -> str:
        if self.conflict:
            return f"another process is polling with this token ({self.status} Conflict on {self.method})"
        return f"token rejected by Telegram ({self.status} on {self.method})"

    def notice(self) -> str:
        """What the admins are told, in Chinese, before the process ends."""
        if self.conflict:
            return ("⛔ 已有另一个进程在用同一个机器人令牌接收消息（409 Conflict）：后启动的本进程即将退出，"
                    "原来的进程照常运行。请确认只运行一个机器人。")
        return (f"⛔ Telegram 拒绝了机器人（{self.status}，{self.method}）：进程即将退出，"
                "请检查 TELEGRAM_BOT_TOKEN。")


class RefusalGuard:
    """Notices Telegram refusing the bot itself, once, and runs `on_refusal` (stop the application).

    Fed by `GuardedRequest` with every answer; 401 on any call, or 403/404 on the bot's own
    calls, is a refusal. A 403 on sendMessage is one chat blocking the bot, and is not.
    Repeated 409s on getUpdates are another poller: a refusal if we are the newcomer (module
    docstring), a warning if we were polling first.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.refusal: Refusal | None = None
        self.on_refusal: Callable[[Refusal], None] | None = None
        self._clock = clock
        self._first_poll: float | None = None
        self._conflicts: deque[float] = deque()
        self._warned_at = float("-inf")

    def answered(self, api_method: str, status: int) -> None:
        if self.refusal is not None:
            return
        if api_method == "getUpdates":
            if self._first_poll is None:
                self._first_poll = self._clock()
            if status == 409:
                self._conflict(self._first_poll)
                return
        if status == 401 or (status in (403, 404) and api_method in OWN_METHODS):
            self._refuse(Refusal(api_method, status))

    def _conflict(self, first_poll: float) -> None:
        now = self._clock()
        self._conflicts.append(now)
        while self._conflicts[0] < now - CONFLICT_WINDOW:
            self._conflicts.popleft()
        if len(self._conflicts) < CONFLICTS:
            return
        if self._conflicts[0] - first_poll <= NEWCOMER_SECONDS:
            self._refuse(Refusal("getUpdates", 409))
        elif now - self._warned_at >= CONFLICT_WARN_EVERY:
            self._warned_at = now
            log.warning("another process is polling with this token (409 Conflict on getUpdates): "
                        "it started after this one and should stop itself; if it does not, stop one of them")

    def _refuse(self, refusal: Refusal) -> None:
        self.refusal = refusal
        log.critical("%s: stopping", refusal.describe())
        if self.on_refusal is not None:
            self.on_refusal(refusal)


class GuardedRequest(BaseRequest):
    """A BaseRequest that passes every call to `inner` and shows each answer's status to the guard."""

    def __init__(self, inner: BaseRequest, guard: RefusalGuard) -> None:
        self.inner = inner
        self.guard = guard

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        if api_method == "getUpdates" and self.guard.refusal is not None and self.guard.refusal.conflict:
            # We yielded to the other poller: another getUpdates (PTB's last one on the way out
            # confirms what was fetched) would cut its long poll and could take its updates.
            return 200, NO_UPDATES
        status, payload = await self.inner.do_request(url, method, request_data, read_timeout, write_timeout,
                                                      connect_timeout, pool_timeout)
        if method == "POST":  # file downloads (GET) are not the bot's calls
            self.guard.answered(api_method, status)
        return status, payload


def stop_on_refusal(application: Any, guard: RefusalGuard, admins: Sequence[int],
                    notify: Callable[[Any, Sequence[int], str], Awaitable[object]]) -> None:
    """Wire the guard: on a refusal, tell the admins if Telegram still lets us, then stop polling
    and the Application, so `run_polling` returns and `run_bot` exits non-zero."""

    async def stop(refusal: Refusal) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(NOTIFY_TIMEOUT):
                await notify(application.bot, admins, refusal.notice())
        updater = application.updater
        if updater is not None and updater.running:
            # The polling task may have died of InvalidToken already; stopping re-raises it: expected.
            with contextlib.suppress(Exception):
                await updater.stop()
        if application.running:
            application.stop_running()

    def on_refusal(refusal: Refusal) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if not application.running:  # refused at start, before polling: run_bot reports the error
            return
        task = loop.create_task(stop(refusal), name="paperdigest:stop-on-refusal")
        application.bot_data["paperdigest.stop_task"] = task  # keep a reference until it is done

    guard.on_refusal = on_refusal
