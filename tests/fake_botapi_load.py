"""Fakes of the Bot API for the delivery tests and benchmark (the shared tests/fake_botapi.py is
the bot's; these add what delivery needs: faults scripted per chat and call, a virtual clock,
and an HTTP server fast enough for 10,000 messages).

- `VirtualClock`: an aware clock that only moves when the sender sleeps, so hours of back-off
  and retry_after take no real time.
- `ScriptedBotApi`: a `BaseRequest` answering getMe and sendMessage, each chat's successive
  sendMessage calls following a script of outcomes (see `OUTCOMES`); it records every call
  with the virtual time it was made and every message that Telegram would have delivered.
- `LoadServer`: an asyncio HTTP/1.1 server with keep-alive answering sendMessage, with a
  messages-per-second limit (429 retry_after=1 above it) and a share of 500s; `python
  tests/fake_botapi_load.py --rate 30 --fail 0.05` runs it in its own process and prints its port.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7_000_000_002, "is_bot": True, "first_name": "digest", "username": "digest_test_bot"}

# What one sendMessage call does. "delivered" outcomes put the message in the chat, then fail.
OUTCOMES = (
    "ok",
    "429",                      # Too Many Requests, retry_after = `retry_after` seconds
    "500", "502",               # server errors: nothing delivered
    "403",                      # Forbidden: bot was blocked by the user
    "400",                      # Bad Request (permanent)
    "401",                      # Unauthorized: the token is bad
    "connect_timeout",          # never reached Telegram
    "pool_timeout",             # never left the client
    "read_timeout_delivered",   # Telegram delivered it, the answer never came back
    "read_timeout_lost",        # Telegram never acted on it, and no answer came back either
    "disconnect_delivered",     # delivered, then the connection dropped before the answer
)


class VirtualClock:
    """Aware 'now' that jumps forward whenever the sender sleeps.

    With `runs=True` it also runs on in real time between sleeps, for tests where real work
    (HTTP calls) happens concurrently and should let time pass; sleeps still cost nothing.
    """

    def __init__(self, start: datetime, *, runs: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock must be timezone-aware")
        self.start = start
        self.skipped = timedelta(0)
        self._runs = runs
        self._t0 = time.monotonic()

    @property
    def now(self) -> datetime:
        real = timedelta(seconds=time.monotonic() - self._t0) if self._runs else timedelta(0)
        return self.start + self.skipped + real

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.skipped += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(max(1e-6, seconds))  # at least a microsecond: datetime's resolution
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Call:
    chat_id: int
    text: str
    at: datetime
    outcome: str


@dataclass(frozen=True)
class Delivered:
    chat_id: int
    text: str
    message_id: int


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _error(status: int, description: str, **parameters: Any) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return _json(status, body)


class ScriptedBotApi(BaseRequest):
    """sendMessage per a script: {chat_id: ["500", "ok"]}; unscripted calls use `default`.

    `delay` is real seconds each sendMessage takes, to catch sends in flight. `outage` =
    (start, end, outcome): every sendMessage made in [start, end) on the clock meets `outcome`
    (say "502" or "connect_timeout"), whatever the script says.
    """

    def __init__(self, clock: Any = None, script: dict[int, list[str]] | None = None, *, default: str = "ok",
                 retry_after: int = 3, delay: float = 0.0,
                 outage: tuple[datetime, datetime, str] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.script = {chat: list(steps) for chat, steps in (script or {}).items()}
        self.default = default
        self.retry_after = retry_after
        self.delay = delay
        self.outage = outage
        self.calls: list[Call] = []
        self.delivered: list[Delivered] = []
        self._ids: dict[int, itertools.count] = {}

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def texts(self, chat_id: int) -> list[str]:
        return [d.text for d in self.delivered if d.chat_id == chat_id]

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name == "getMe":
            return _json(200, {"ok": True, "result": BOT_USER})
        if name != "sendMessage":
            return _json(200, {"ok": True, "result": True})
        chat_id, text = int(params["chat_id"]), str(params["text"])
        steps = self.script.get(chat_id)
        outcome = steps.pop(0) if steps else self.default
        if self.outage and self.outage[0] <= self.clock() < self.outage[1]:
            outcome = self.outage[2]
        self.calls.append(Call(chat_id, text, self.clock(), outcome))
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._answer(outcome, chat_id, text)

    def _deliver(self, chat_id: int, text: str) -> dict[str, Any]:
        message_id = next(self._ids.setdefault(chat_id, itertools.count(1)))
        self.delivered.append(Delivered(chat_id, text, message_id))
        return {"message_id": message_id, "date": int(self.clock().timestamp()),
                "chat": {"id": chat_id, "type": "private"}, "text": text}

    def _answer(self, outcome: str, chat_id: int, text: str) -> tuple[int, bytes]:
        if outcome == "ok":
            return _json(200, {"ok": True, "result": self._deliver(chat_id, text)})
        if outcome == "429":
            return _error(429, f"Too Many Requests: retry after {self.retry_after}", retry_after=self.retry_after)
        if outcome in ("500", "502"):
            return _error(int(outcome), "Internal Server Error" if outcome == "500" else "Bad Gateway")
        if outcome == "403":
            return _error(403, "Forbidden: bot was blocked by the user")
        if outcome == "400":
            return _error(400, "Bad Request: can't parse entities")
        if outcome == "401":
            return _error(401, "Unauthorized")
        if outcome == "connect_timeout":
            raise TimedOut() from httpx.ConnectTimeout("connect timed out")
        if outcome == "pool_timeout":
            raise TimedOut("Pool timeout") from httpx.PoolTimeout("pool timed out")
        if outcome in ("read_timeout_delivered", "disconnect_delivered"):
            self._deliver(chat_id, text)
        if outcome in ("read_timeout_delivered", "read_timeout_lost"):
            raise TimedOut() from httpx.ReadTimeout("read timed out")
        if outcome == "disconnect_delivered":
            raise NetworkError("httpx.RemoteProtocolError") from httpx.RemoteProtocolError("disconnected")
        raise ValueError(f"unknown outcome {outcome!r}")


# --- the HTTP server for load ------------------------------------------------------------------

class LoadServer:
    """Bot API over HTTP/1.1 keep-alive: sendMessage within `rate` messages a second, `fail` share of 500s.

    The limit is a sliding one-second window over delivered messages, like Telegram's broadcast
    limit; above it the answer is 429 with retry_after=1. A 500 delivers nothing and uses no quota.

    Faults that can cause duplicates or losses, for benchmarks/delivery.py:
    - `slow`: share of sends delivered, then answered `slow_seconds` late (past the client's read timeout);
    - `drop`: share of sends read in full, delivered (half of them) or not, then the connection
      closed without an answer;
    - `outage`: (start, seconds) after the first send: every send answered 502, nothing delivered.
    """

    def __init__(self, rate: float = 30, fail: float = 0.05, seed: int = 5, delay: float = 0.0, *,
                 slow: float = 0.0, slow_seconds: float = 0.0, drop: float = 0.0,
                 outage: tuple[float, float] | None = None) -> None:
        self.rate = rate
        self.fail = fail
        self.delay = delay  # seconds between storing a message and answering: a window to be killed in
        self.slow, self.slow_seconds, self.drop, self.outage = slow, slow_seconds, drop, outage
        self._random = random.Random(seed)
        self._window: collections.deque[float] = collections.deque()
        self._ids: dict[int, int] = {}
        self._first_send: float | None = None
        self.delivered: list[tuple[int, str, float]] = []
        self.counts = collections.Counter[str]()
        self.action: str | None = None  # what to do after answer(): "slow" or "drop"

    def answer(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.action = None
        name = path.split("?")[0].rsplit("/", 1)[-1]
        if name == "stats":
            return _json(200, {"counts": dict(self.counts), "delivered": self.delivered,
                               "outage": self._outage_window()})
        params = dict(parse_qsl(body.decode("utf-8"))) if body else {}
        if name == "getMe":
            return _json(200, {"ok": True, "result": BOT_USER})
        if name != "sendMessage":
            return _json(200, {"ok": True, "result": True})
        self.counts["calls"] += 1
        now = time.time()
        if self._first_send is None:
            self._first_send = now
        window = self._outage_window()
        if window and window[0] <= now < window[1]:
            self.counts["outage_502"] += 1
            return _error(502, "Bad Gateway")
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate:
            self.counts["429"] += 1
            return _error(429, "Too Many Requests: retry after 1", retry_after=1)
        roll = self._random.random()
        if roll < self.fail:
            self.counts["500"] += 1
            return _error(500, "Internal Server Error")
        if roll < self.fail + self.drop:
            self.action = "drop"
            self.counts["dropped"] += 1
            if self._random.random() < 0.5:
                return 0, b""  # read, not acted on, connection closed
        elif roll < self.fail + self.drop + self.slow:
            self.action = "slow"
            self.counts["slow"] += 1
        self._window.append(now)
        chat_id = int(params["chat_id"])
        self._ids[chat_id] = self._ids.get(chat_id, 0) + 1
        self.delivered.append((chat_id, params["text"], now))
        self.counts["delivered"] += 1
        return _json(200, {"ok": True, "result": {"message_id": self._ids[chat_id], "date": int(now),
                                                  "chat": {"id": chat_id, "type": "private"},
                                                  "text": params["text"]}})

    def _outage_window(self) -> tuple[float, float] | None:
        if self.outage is None or self._first_send is None:
            return None
        return self._first_send + self.outage[0], self._first_send + self.outage[0] + self.outage[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                _method, path, _version = line.decode("latin-1").split(" ", 2)
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = header.decode("latin-1").partition(":")
                    if key.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                status, payload = self.answer(path, body)
                action = self.action
                if action == "drop":
                    break  # the request was read in full; no answer, connection closed
                if action == "slow":
                    await asyncio.sleep(self.slow_seconds)
                if self.delay and "sendMessage" in path:
                    await asyncio.sleep(self.delay)
                writer.write(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                             b"Connection: keep-alive\r\n\r\n%s" % (status, len(payload), payload))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve(self, port: int = 0, ready: asyncio.Future[int] | None = None) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", port)
        bound = server.sockets[0].getsockname()[1]
        if ready is not None:
            ready.set_result(bound)
        else:
            print(bound, flush=True)
        async with server:
            await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--fail", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--slow", type=float, default=0.0, help="share of sends answered after --slow-seconds")
    parser.add_argument("--slow-seconds", type=float, default=0.0)
    parser.add_argument("--drop", type=float, default=0.0, help="share of sends whose connection is dropped")
    parser.add_argument("--outage-at", type=float, default=0.0, help="seconds after the first send")
    parser.add_argument("--outage", type=float, default=0.0, help="seconds of 502 for every send")
    args = parser.parse_args()
    outage = (args.outage_at, args.outage) if args.outage else None
    try:
        asyncio.run(LoadServer(args.rate, args.fail, args.seed, slow=args.slow, slow_seconds=args.slow_seconds,
                               drop=args.drop, outage=outage).serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
