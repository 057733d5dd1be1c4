"""Delivery under load: N subscribers' digests through a local HTTP fake Bot API with limits and faults.

The fake (tests/fake_botapi_load.py, in its own process) allows `--server-rate` messages a
second over a sliding second (429 with retry_after=1 above it) and fails `--fail` of the calls
with a 500. The sender runs as in the bot (bot.delivery.Sender.run, PTB's Bot over HTTPXRequest
with keep-alive). Printed: achieved messages/s against the configured rate, duplicates and
losses as the fake saw them, the outbox's final states, and lateness against the scheduled time
(all digests are due at the same instant, as at a 07:30 default, so lateness is mostly the queue;
the ideal p95 at the configured rate is printed beside it).

    .venv/bin/python benchmarks/delivery.py                  # 10,000 subscribers, ~7 minutes
    .venv/bin/python benchmarks/delivery.py --subscribers 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import TELEGRAM_MAX_RATE  # noqa: E402
from bot.delivery import DeliveryConfig, Sender  # noqa: E402
from digest import outbox, store  # noqa: E402
from digest.outbox import Part  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:BENCHMARK"
FIRST_CHAT = 100_000


def start_fake(rate: float, fail: float) -> tuple[subprocess.Popen[str], int]:
    fake = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_botapi_load.py"), "--rate", str(rate), "--fail", str(fail)],
        stdout=subprocess.PIPE, text=True,
    )
    assert fake.stdout is not None
    return fake, int(fake.stdout.readline())


def seed(db_path: Path, subscribers: int, parts: int, due: datetime) -> None:
    db = store.connect(db_path)
    outbox.ensure_schema(db)
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO subscribers (chat_id, time, created_at, updated_at) VALUES (?, '07:30', ?, ?)",
            [(FIRST_CHAT + i, due.isoformat(), due.isoformat()) for i in range(subscribers)],
        )
    digests = [(FIRST_CHAT + i, [Part("digest", f"digest for {FIRST_CHAT + i} part {p}") for p in range(parts)])
               for i in range(subscribers)]
    outbox.enqueue_many(db, digests, date=due.date().isoformat(),
                        scheduled_at={chat: due for chat, _ in digests}, now=due)
    db.close()


async def deliver(db_path: Path, port: int, config: DeliveryConfig, total: int, stacked: bool) -> float:
    db = store.connect(db_path)
    request = HTTPXRequest(connection_pool_size=config.max_in_flight * 2, read_timeout=10)
    base = f"http://127.0.0.1:{port}/bot"
    bot: Bot = (ExtBot(TOKEN, base_url=base, request=request,
                       rate_limiter=AIORateLimiter(overall_max_rate=TELEGRAM_MAX_RATE, max_retries=0))
                if stacked else Bot(TOKEN, base_url=base, request=request))
    sender = Sender(bot, db, config, clock=lambda: datetime.now(SH))
    done = asyncio.Event()

    async def watch() -> None:
        shown = -1
        while True:
            left = db.execute("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')").fetchone()[0]
            tenth = (total - left) * 10 // total
            if tenth != shown:
                print(f"{total - left}/{total} finished after {time.monotonic() - started:.0f} s", file=sys.stderr)
                shown = tenth
            if not left:
                done.set()
                return
            await asyncio.sleep(1)

    async with bot:
        started = time.monotonic()
        watcher = asyncio.create_task(watch())
        await sender.run(keep_going=lambda: not done.is_set())
        await watcher
        elapsed = time.monotonic() - started
    db.close()
    return elapsed


def report(db_path: Path, port: int, subscribers: int, parts: int, due: datetime, elapsed: float,
           config: DeliveryConfig) -> dict[str, object]:
    seen = httpx.get(f"http://127.0.0.1:{port}/bot{TOKEN}/stats", timeout=30).json()
    delivered = seen["delivered"]
    counts = Counter((chat, text) for chat, text, _ in delivered)
    expected = {(FIRST_CHAT + i, f"digest for {FIRST_CHAT + i} part {p}") for i in range(subscribers)
                for p in range(parts)}
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    losses = len(expected - set(counts))
    order_ok = all(
        [int(text.rsplit(" ", 1)[1]) for c, text, _ in delivered if c == chat] == list(range(parts))
        for chat in {c for c, _, _ in delivered[:200]}
    )
    times = sorted(t for _, _, t in delivered)
    lateness = sorted(t - due.timestamp() for t in times)
    total = subscribers * parts
    ideal_p95 = 0.95 * total / config.rate_per_second
    db = store.connect(db_path)
    figures = {
        "messages": total,
        "configured_rate": config.rate_per_second,
        "achieved_msgs_per_s": round(len(delivered) / (times[-1] - times[0]), 2) if len(times) > 1 else 0.0,
        "achieved_share_of_rate": round(len(delivered) / (times[-1] - times[0]) / config.rate_per_second, 3)
        if len(times) > 1 else 0.0,
        "wall_seconds": round(elapsed, 1),
        "calls": seen["counts"].get("calls", 0),
        "answered_500": seen["counts"].get("500", 0),
        "answered_429": seen["counts"].get("429", 0),
        "duplicates": duplicates,
        "losses": losses,
        "parts_in_order_sampled": order_ok,
        "outbox": outbox.delivery_stats(db),
        "lateness_p50_s": round(statistics.median(lateness), 1),
        "lateness_p95_s": round(lateness[int(0.95 * (len(lateness) - 1))], 1),
        "lateness_max_s": round(lateness[-1], 1),
        "ideal_p95_at_rate_s": round(ideal_p95, 1),
    }
    db.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Delivery throughput, duplicates, losses and lateness.")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--parts", type=int, default=1, help="messages per digest")
    parser.add_argument("--rate", type=float, default=25, help="the sender's rate_per_second")
    parser.add_argument("--server-rate", type=float, default=30, help="the fake's messages/s limit")
    parser.add_argument("--fail", type=float, default=0.05, help="share of calls the fake answers with 500")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--ptb-limiter", action="store_true",
                        help="also stack PTB's AIORateLimiter at Telegram's 30/s, as bot/app.py builds the bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    config = DeliveryConfig(rate_per_second=args.rate, per_chat_interval=1.0, max_attempts=5,
                            max_in_flight=args.in_flight)
    fake, port = start_fake(args.server_rate, args.fail)
    try:
        with tempfile.TemporaryDirectory() as folder:
            db_path = Path(folder) / "bench.db"
            due = datetime.now(SH)
            seed(db_path, args.subscribers, args.parts, due)
            elapsed = asyncio.run(deliver(db_path, port, config, args.subscribers * args.parts, args.ptb_limiter))
            figures = report(db_path, port, args.subscribers, args.parts, due, elapsed, config)
    finally:
        fake.terminate()
        fake.wait()
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = (figures["duplicates"] == 0 and figures["losses"] == 0
          and float(figures["achieved_share_of_rate"]) >= 0.95)  # type: ignore[arg-type]
    print("goals (>= 95% of rate, 0 duplicates, 0 losses):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
