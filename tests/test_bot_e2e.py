"""End to end: the real Application over HTTP to a fake Bot API on 127.0.0.1, real long polling.

Also checks the fake server's fault injection, which the delivery tests rely on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from bot_fixtures import ADMIN, GROUP, NOW, READER, SAMPLES, TOKEN
from fake_botapi import FakeBotApi, Fault
from telegram import Bot
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.app import build_application, polling
from bot.auth import REFUSAL
from bot.commands import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS
from bot.services import Services
from bot.updates import UpdateFactory
from digest import store


@dataclass
class Conversation:
    """Users talking to the bot through the fake server: push an update, wait for the replies."""

    server: FakeBotApi
    updates: UpdateFactory

    async def say(self, text: str, *, user: int = READER, chat: int | None = None, replies: int = 1) -> list[str]:
        chat = user if chat is None else chat
        before = len(self.server.sent(chat))
        self.server.push(self.updates.message(text, chat_id=chat, user_id=user))
        return (await self.server.until_sent(chat, before + replies))[before:]

    async def press(self, label: str, *, user: int = READER, replies: int = 1) -> list[str]:
        message = self.server.keyboard_message(user)
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        [button] = [b for b in buttons if b["text"] == label]
        answered = len(self.server.of("answerCallbackQuery"))
        before = len(self.server.sent(user))
        self.server.push(self.updates.callback(message, button["callback_data"], user_id=user))
        await self.server.until("answerCallbackQuery", count=answered + 1)
        return (await self.server.until_sent(user, before + replies))[before:]

    async def upload(self, data: bytes, name: str, *, user: int = ADMIN, caption: str = "") -> list[str]:
        file_id = self.server.add_file(data, name)
        before = len(self.server.sent(user))
        self.server.push(self.updates.document(chat_id=user, user_id=user, file_id=file_id, file_name=name,
                                               file_size=len(data), caption=caption))
        return (await self.server.until_sent(user, before + 1))[before:]


@pytest.fixture
async def live(bot_services: Services) -> AsyncIterator[Conversation]:
    """The bot polling the fake server, as `paperdigest run` would with TELEGRAM_API_BASE_URL set.

    One reader tries every command at one pinned instant: more than the flood limit allows a
    person (tests/test_bot_flood.py tests that limit), so it is raised here.
    """
    limits = dataclasses.replace(bot_services.settings.limits, commands_burst=1000)
    bot_services.settings = dataclasses.replace(bot_services.settings, limits=limits)
    with FakeBotApi(token=TOKEN) as server:
        application = build_application(bot_services, token=TOKEN, base_url=server.base_url)
        async with polling(application, timeout=1):
            yield Conversation(server, UpdateFactory(clock=NOW.timestamp))


def title_id(db, title: str) -> int:
    return db.execute("SELECT id FROM articles WHERE title = ?", [title]).fetchone()[0]


async def test_every_command_end_to_end(live, bot_services, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="httpx")  # `paperdigest run` quiets it; here it must speak
    say, press, server = live.say, live.press, live.server
    solar = title_id(bot_services.db, "莘县分布式光伏点亮乡村振兴路")
    tried = set()

    async def command(text: str, expected: str, **kwargs) -> list[str]:
        tried.add(text.split()[0][1:].split("@")[0])
        replies = await say(text, **kwargs)
        assert expected in replies[-1], (text, replies)
        return replies

    await command("/start", "/subscribe 订阅")
    await command("/help", "命令一览")
    await command("/subscribe 07:00", "已订阅：每天 <b>07:00</b>")
    await command("/time 07:15", "以后每天 <b>07:15</b> 推送")
    await command("/counties", "当前：全部")
    assert (await press("全市"))[-1].endswith("当前：全市")
    await command("/topics", "当前：全部")
    assert (await press("教育"))[-1].endswith("当前：教育")
    assert (await press("全部"))[-1].endswith("当前：全部")
    assert (await press("完成"))[-1] == "已保存。栏目：全部"
    await command("/digest", "<b>【全市】</b>2 篇")
    await command(f"/article {solar}", "<b>莘县分布式光伏点亮乡村振兴路</b>")
    assert (await say(f"/a{solar}"))[-1].startswith("<b>莘县分布式光伏点亮乡村振兴路</b>")
    await command("/search 聊城", "第 1–5 条")
    assert "第 6–10 条" in (await press("更多结果 ›"))[-1]
    assert "第 1–3 条" in (await say("光伏"))[-1]
    await command("/watch 光伏", "已关注“光伏”（编号 1）")
    await command("/watches", "1. 光伏")
    await command("/alerts on", "立即提醒你")
    await command("/settings", "每天 <b>07:15</b>")
    await command("/unwatch 1", "已取消关注 1。")
    await command("/papers", "目前只有一份报纸：聊城日报")
    await command("/start@fake_digest_bot", "/subscribe 订阅", chat=GROUP)

    await command("/admin", "管理命令", user=ADMIN)
    await command("/topic_add 冬季供暖 供暖:10", "已新增栏目", user=ADMIN)
    await command("/topic_kw 冬季供暖 +供热:8", "供暖:10、供热:8", user=ADMIN)
    await command("/topic_preview 冬季供暖", "<b>新增（1）</b>", user=ADMIN)
    await command("/topic_del 冬季供暖", "已删除栏目“冬季供暖”", user=ADMIN)
    await command("/ingest 2026-11-22", "请把 2026-11-22 的版面文件", user=ADMIN)
    page = SAMPLES / "2026-11-21_01.txt"
    [ingested] = await live.upload(page.read_bytes(), page.name)
    assert ingested.startswith("✅ 2026-11-21_01.txt：2026-11-22 第 1 版，已入库，6 篇")
    assert len(store.articles_on(bot_services.db, "2026-11-22")) == 6
    await command("/schedule digest 06:40", "默认推送时间：<b>06:40</b>", user=ADMIN)
    await command("/stats", "订阅者：1 位在订", user=ADMIN)
    await command("/broadcast 今晚维护", "已发送给 1 位订阅者。", user=ADMIN)
    await command("/sources", "没有配置来源", user=ADMIN)
    await command("/fetch", "没有配置来源", user=ADMIN)  # nothing configured: nothing fetched
    await command("/requeue", "现在：结果不明 0 条", user=ADMIN)
    assert server.sent(READER)[-1] == "今晚维护"
    await command("/requeue", "结果不明 0 条，放弃发送 0 条", user=ADMIN)
    assert (await say("/stats"))[-1] == REFUSAL
    await command("/unsubscribe", "已退订")
    await command("/nonsense", "我不认识这个命令")

    assert tried >= {name for name, _ in SUBSCRIBER_COMMANDS + ADMIN_COMMANDS}
    assert [c.status for c in server.calls if c.status != 200] == [], "no call the server refused"
    default, admin = server.of("setMyCommands")
    assert default.params["scope"] == {"type": "default"}
    assert admin.params["scope"] == {"type": "chat", "chat_id": ADMIN}
    polls = server.of("getUpdates")
    assert polls and all(c.params.get("timeout") == 1 for c in polls if c.params.get("offset"))
    assert server.files and server.of("getFile")
    assert "HTTP Request: POST http://127.0.0.1:" in caplog.text, "httpx logged its requests..."
    assert TOKEN not in caplog.text, "...with the token redacted"


async def test_updates_are_confirmed_and_not_handled_twice(live):
    await live.say("/subscribe")
    await live.say("/start")
    server = live.server
    confirmed = lambda: any(c.params.get("offset") == 3 for c in server.of("getUpdates"))  # noqa: E731
    await asyncio.to_thread(server.wait_until, confirmed, timeout=5, what="a poll confirming both updates")
    assert max(c.params.get("offset") or 0 for c in server.of("getUpdates")) == 3
    assert len(server.sent(READER)) == 2


# --- the fake server itself ----------------------------------------------------------------------

@pytest.fixture
async def raw_bot(monkeypatch) -> AsyncIterator[tuple[Bot, FakeBotApi]]:
    """A bare PTB Bot on the fake server, with retry_after as a timedelta (PTB 22 warns otherwise)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    with FakeBotApi(token=TOKEN) as server:
        bot = Bot(TOKEN, base_url=f"{server.base_url}/bot", base_file_url=f"{server.base_url}/file/bot",
                  request=HTTPXRequest(read_timeout=0.3, connect_timeout=1))
        async with bot:
            yield bot, server


async def test_queued_faults_come_in_order_then_calls_succeed(raw_bot):
    bot, server = raw_bot
    server.fail("sendMessage", Fault.flood(retry_after=3), Fault.server_error(), Fault.blocked())
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(1, "a")
    assert flood.value.retry_after == timedelta(seconds=3)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(1, "b")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1, "c")
    await bot.send_message(1, "d")
    assert [c.status for c in server.calls if c.method == "sendMessage"] == [429, 500, 403, 200]
    assert server.sent(1) == ["d"]


async def test_faults_for_one_chat_and_repeated(raw_bot):
    bot, server = raw_bot
    server.fail("sendMessage", Fault.blocked(), chat_id=42, times=2)
    await bot.send_message(7, "to someone else")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(42, "x")
    await bot.send_message(42, "y")
    assert server.sent(42) == ["y"] and server.sent(7) == ["to someone else"]


async def test_a_slow_answer_times_the_client_out(raw_bot):
    bot, server = raw_bot
    server.fail("sendMessage", Fault.slow(0.6))
    with pytest.raises(TimedOut):
        await bot.send_message(1, "late")
    await server.until("sendMessage", chat_id=1), "the server still delivered it: a send of unknown outcome"
    assert server.sent(1) == ["late"]


async def test_a_rate_limit_answers_429_above_it(raw_bot):
    bot, server = raw_bot
    server.limit_rate(3)
    for n in range(3):
        await bot.send_message(1, f"m{n}")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(1, "too many")
    assert flood.value.retry_after == timedelta(seconds=1)
    await bot.get_me()  # not a send: not limited
    server.clear_faults()
    await bot.send_message(1, "fine again")
    assert server.sent(1) == ["m0", "m1", "m2", "fine again"]


async def test_a_wrong_token_is_unauthorised():
    with FakeBotApi(token=TOKEN) as server:
        bot = Bot("999:wrong", base_url=f"{server.base_url}/bot")
        with pytest.raises(InvalidToken):
            await bot.initialize()
        await bot.shutdown()


async def test_files_are_served_for_download(raw_bot):
    bot, server = raw_bot
    file_id = server.add_file("版面".encode(), "page_01.txt")
    file = await bot.get_file(file_id)
    assert re.search(r"/file/bot.+/documents/file_1.txt$", file.file_path)
    assert bytes(await file.download_as_bytearray()) == "版面".encode()
