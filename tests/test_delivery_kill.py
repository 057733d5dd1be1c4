"""A sending process killed with SIGKILL mid-run, then restarted: nothing twice, nothing silently lost.

Unlike a cancelled task, a killed process cannot finish the sends it has in flight. The rule
(bot/delivery.py) says those rows, still 'sending' at the next start, become 'unknown' and are
not sent again. This test holds the whole outbox to it: every message reaches its chat at most
once and in part order, every row ends 'sent' (delivered exactly once) or 'unknown' (one of the
rows in flight at the kill, delivered at most once), and nothing else is left behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fake_botapi_load import LoadServer
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery import DeliveryConfig, Sender
from digest import outbox, store, subscriptions
from digest.outbox import Part

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:KILL-TEST"
IN_FLIGHT = 4
CONFIG = DeliveryConfig(rate_per_second=100, per_chat_interval=0.02, max_in_flight=IN_FLIGHT)

# The child: the sender as the bot runs it, configured from argv.
CHILD = """
import asyncio, sys
from datetime import datetime
from zoneinfo import ZoneInfo
from telegram import Bot
from telegram.request import HTTPXRequest
from bot.delivery import DeliveryConfig, Sender
from digest import store

async def main(db_path, port, token, rate, interval, in_flight):
    db = store.connect(db_path)
    bot = Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest(connection_pool_size=8))
    config = DeliveryConfig(rate_per_second=float(rate), per_chat_interval=float(interval),
                            max_in_flight=int(in_flight))
    async with bot:
        await Sender(bot, db, config, clock=lambda: datetime.now(ZoneInfo("Asia/Shanghai"))).run_until_idle()

asyncio.run(main(*sys.argv[1:]))
"""


async def test_killed_mid_run_then_restarted_nothing_twice_nothing_silently_lost(tmp_path):
    db_path = tmp_path / "kill.db"
    db = store.connect(db_path)
    outbox.ensure_schema(db)
    now = datetime.now(SH)
    owed = {}
    for chat in range(1, 41):
        subscriptions.subscribe(db, chat, "07:30")
        owed[chat] = [f"chat {chat} part {p}" for p in range(2)]
        outbox.enqueue(db, chat, now.date().isoformat(), [Part("digest", t) for t in owed[chat]],
                       scheduled_at=now, now=now)

    server = LoadServer(rate=1000, fail=0, delay=0.03)  # stores each message 30 ms before answering
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    serving = asyncio.create_task(server.serve(0, ready))
    port = await ready
    args = [str(db_path), str(port), TOKEN, str(CONFIG.rate_per_second), str(CONFIG.per_chat_interval), str(IN_FLIGHT)]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 20
        while len(server.delivered) < 20:
            assert child.poll() is None, "the sender exited before it could be killed"
            assert time.monotonic() < deadline, "the sender did not start sending"
            await asyncio.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert len(server.delivered) < 80

        interrupted = outbox.recover_interrupted(db, datetime.now(SH))  # what install_jobs does at start
        async with Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest()) as bot:
            await Sender(bot, db, CONFIG, clock=lambda: datetime.now(SH)).run_until_idle()
    finally:
        if child.poll() is None:
            child.kill()
        serving.cancel()

    times = Counter((chat, text) for chat, text, _ in server.delivered)
    assert max(times.values()) == 1  # nothing twice
    for chat, texts in owed.items():
        got = [text for c, text, _ in server.delivered if c == chat]
        assert got == [t for t in texts if t in got]  # in part order
    rows = {(r["chat_id"], r["text"]): r["state"] for r in db.query("SELECT chat_id, text, state FROM outbox")}
    unknown = {key for key, state in rows.items() if state == "unknown"}
    assert unknown == {(r.chat_id, owed[r.chat_id][r.part]) for r in interrupted}
    assert 1 <= len(unknown) <= IN_FLIGHT  # killed with sends in flight, as intended
    assert all(times[key] == 1 for key, state in rows.items() if state == "sent")
    assert set(rows.values()) <= {"sent", "unknown"}  # nothing pending, failed or stuck in 'sending'
    db.close()
