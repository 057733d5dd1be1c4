"""Issue 14.8 (flood): per-user rate limits on commands, through the real Application.

A token bucket per user ([limits] commands_burst, commands_per_minute): over it, one "slow
down", then silence until refilled; the bot's admins are exempt. The clock is pinned: refilling
is a moved clock. The flood test counts messages, not seconds: how many of the flooder's
answers went out before another user's /start was answered.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bot_fixtures import ADMIN, GROUP, NOW, READER, STRANGER, TOKEN, BotDriver
from offline_request import OfflineRequest
from telegram import Update

from bot.app import build_application
from bot.flood import SLOW_DOWN, FloodGuard, Verdict
from bot.services import Services
from bot.updates import UpdateFactory, chat, user

ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot
BURST = 10  # config/settings.toml [limits] commands_burst
EVERY = timedelta(seconds=3)  # 20 a minute


async def test_one_users_flood_does_not_hold_another_users_start(bot_services: Services) -> None:
    api = OfflineRequest()
    application = build_application(bot_services, token=TOKEN, request=api)
    updates = UpdateFactory(clock=lambda: NOW.timestamp())
    async with application:
        await application.start()  # updates taken from the queue one at a time, as under polling
        try:
            for n in range(200):
                data = updates.message(f"/search 光伏 {n % 7}", chat_id=STRANGER)
                await application.update_queue.put(Update.de_json(data, application.bot))
            await application.update_queue.put(Update.de_json(updates.message("/start", chat_id=READER),
                                                              application.bot))
            deadline = time.monotonic() + 300  # only reached if nothing holds the flood back
            while not api.texts(READER) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        finally:
            await application.stop()
    sent_to = [int(c.params["chat_id"]) for c in api.of("sendMessage")]
    assert READER in sent_to
    assert sent_to.index(READER) == BURST + 1, "ten answers and one 'slow down' went out before it"
    flooder = api.texts(STRANGER)
    assert flooder.count(SLOW_DOWN) == 1 and flooder[-1] == SLOW_DOWN
    assert len(flooder) == BURST + 1


async def test_slow_down_once_then_silence_until_refilled(bot: BotDriver) -> None:
    for _ in range(BURST):
        assert len(await bot.send("/help", user=STRANGER)) == 1
    assert await bot.send("/help", user=STRANGER) == [SLOW_DOWN]
    for _ in range(20):
        assert await bot.send("/help", user=STRANGER) == []
    assert (await bot.send("/start", user=READER))[0].startswith("你好"), "others are not slowed"
    bot.services.clock = lambda: NOW + EVERY
    assert len(await bot.send("/help", user=STRANGER)) == 1, "one token refilled"
    assert await bot.send("/help", user=STRANGER) == [SLOW_DOWN], "told again after a new burst"
    assert await bot.send("/help", user=STRANGER) == []


async def test_admins_are_exempt(bot: BotDriver) -> None:
    for _ in range(3 * BURST):
        assert len(await bot.send("/help", user=ADMIN)) == 1


async def test_group_talk_costs_nothing_commands_do(bot: BotDriver) -> None:
    for _ in range(3 * BURST):
        assert await bot.send("大家早上好", user=STRANGER, chat=GROUP) == []
        assert await bot.send("/start@another_bot", user=STRANGER, chat=GROUP) == []
    for _ in range(BURST):
        assert len(await bot.send("/help", user=STRANGER, chat=GROUP)) == 1
    assert await bot.send("/help", user=STRANGER, chat=GROUP) == [SLOW_DOWN]


async def test_button_taps_count_and_are_dropped_silently(bot: BotDriver) -> None:
    await bot.send("/subscribe", user=STRANGER)
    await bot.send("/topics", user=STRANGER)
    for _ in range(BURST - 2):  # with /subscribe and /topics: the whole burst
        await bot.press("全部 ✓", user=STRANGER)
    answers = len(bot.api.of("answerCallbackQuery"))
    await bot.press("全部 ✓", user=STRANGER)
    assert bot.api.of("answerCallbackQuery")[-1].params["text"] == SLOW_DOWN
    await bot.press("全部 ✓", user=STRANGER)
    assert len(bot.api.of("answerCallbackQuery")) == answers + 1, "nothing more, not even an answer"


async def test_anonymous_admins_of_different_groups_have_their_own_buckets(bot: BotDriver) -> None:
    """Telegram shows every anonymous group admin as one account: the bucket is the group's."""
    def anonymous(group: int) -> dict:
        data = bot.updates.message("/help", chat_id=group, user_id=ANONYMOUS_ADMIN)
        data["message"]["from"] = user(ANONYMOUS_ADMIN, "Group")
        data["message"]["sender_chat"] = chat(group)
        return data

    for _ in range(BURST):
        assert len(await bot.feed(anonymous(GROUP), GROUP)) == 1
    assert await bot.feed(anonymous(GROUP), GROUP) == [SLOW_DOWN]
    other = GROUP - 1
    assert len(await bot.feed(anonymous(other), other)) == 1


def test_the_bucket() -> None:
    guard = FloodGuard(burst=2, per_minute=6)  # one every 10 s
    assert [guard.admit(1, 0.0) for _ in range(4)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert guard.admit(1, 9.9) is Verdict.DROP
    assert guard.admit(1, 10.0) is Verdict.ALLOW
    assert guard.admit(2, 10.0) is Verdict.ALLOW, "per user"
    assert guard.admit(1, 1000.0) is Verdict.ALLOW and guard.admit(1, 1000.0) is Verdict.ALLOW
    assert guard.admit(1, 1000.0) is Verdict.WARN, "never more than the burst, however long idle"
    assert guard.admit(1, 5.0) is Verdict.DROP, "a clock going back refills nothing"
