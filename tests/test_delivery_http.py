"""The sender over real HTTP: PTB's Bot and HTTPXRequest against the shared fake Bot API server.

The faults are the server's (tests/fake_botapi.py): 429 with retry_after, 500, 403 and a slow
answer that outlasts the client's read timeout after the message was stored. The clock is
virtual, so retry_after and back-off cost no real time; the HTTP calls themselves are real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fake_botapi import FakeBotApi, Fault
from fake_botapi_load import VirtualClock
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery import DeliveryConfig, Sender
from digest import outbox, subscriptions
from digest.outbox import Part

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning")

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 7, 30, tzinfo=SH)
TOKEN = "123456:HTTP-TEST"
READ_TIMEOUT = 0.2


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as api:
        yield api


def seed(db, chats: int, parts: int) -> dict[int, list[str]]:
    outbox.ensure_schema(db)
    owed = {}
    for chat in range(1, chats + 1):
        subscriptions.subscribe(db, chat, "07:30")
        owed[chat] = [f"<b>chat {chat}</b> part {i}" for i in range(parts)]
        outbox.enqueue(db, chat, "2026-11-20", [Part("digest", t) for t in owed[chat]], scheduled_at=T0, now=T0)
    return owed


def http_bot(server: FakeBotApi) -> Bot:
    request = HTTPXRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT)
    return Bot(TOKEN, base_url=server.base_url + "/bot", request=request)


def states(db, chat: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT state FROM outbox WHERE chat_id = ? ORDER BY part", [chat])]


async def test_429_500_403_and_a_timeout_over_http(db, server):
    owed = seed(db, chats=5, parts=2)
    server.fail("sendMessage", Fault.flood(retry_after=2), chat_id=1)
    server.fail("sendMessage", Fault.server_error(), chat_id=2, times=2)
    server.fail("sendMessage", Fault.blocked(), chat_id=3)
    server.fail("sendMessage", Fault.slow(READ_TIMEOUT + 0.15), chat_id=4)  # stored, answer too late
    clock = VirtualClock(T0)
    async with http_bot(server) as bot:
        report = await Sender(bot, db, DeliveryConfig(), clock=clock, sleep=clock.sleep).run_until_idle()

    assert server.sent(1) == owed[1] and states(db, 1) == ["sent", "sent"]  # waited out the 429
    assert server.sent(2) == owed[2] and len(server.of("sendMessage", 2, ok=False)) == 4  # 2 × 500, then 2 sent
    assert server.sent(3) == [] and not subscriptions.get(db, 3).active and states(db, 3) == ["failed"]
    assert server.sent(4) == owed[4]  # the slow one reached the chat once and was not sent again
    assert states(db, 4) == ["unknown", "sent"]
    assert server.sent(5) == owed[5]
    assert report.rate_limited == 1 and report.retries == 2 and report.blocked == [3]
    assert len(report.unknown) == 1
    assert outbox.delivery_stats(db) == {"sent": 7, "failed": 1, "pending": 0, "unknown": 1}


async def test_cancelled_over_http_then_restarted_every_part_once_in_order(db, server):
    owed = seed(db, chats=20, parts=2)
    server.fail("sendMessage", Fault.slow(0.03), times=1000)  # keep a few sends in flight
    clock = VirtualClock(T0, runs=True)  # real time passes while sends are in flight
    # 40 messages at 60 a second take at least 0.65 s: the cancel after 8 lands mid-run.
    config = DeliveryConfig(rate_per_second=60, per_chat_interval=0.01, max_in_flight=6)
    async with http_bot(server) as bot:
        first = asyncio.create_task(Sender(bot, db, config, clock=clock, sleep=clock.sleep).run_until_idle())
        await server.until("sendMessage", count=8)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert db.execute("SELECT count(*) FROM outbox WHERE state = 'sending'").fetchone()[0] == 0
        assert len(server.sent()) < 40
        await Sender(bot, db, config, clock=clock, sleep=clock.sleep).run_until_idle()
    assert {chat: server.sent(chat) for chat in owed} == owed
