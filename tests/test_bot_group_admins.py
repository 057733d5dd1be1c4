"""Issue 14.6: in a group, only the group's admins change the group's subscription.

Telegram is asked (getChatMember) and its answer kept for a few minutes; the clock is pinned,
so "a few minutes later" is a moved clock, not a wait.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from bot_fixtures import ADMIN, GROUP, NOW, READER, STRANGER, BotDriver, snapshot

from bot.group_admins import REFUSAL
from bot.updates import chat, user
from digest import subscriptions

ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot
CHANGES = ["/subscribe 07:00", "/time 03:00", "/unsubscribe", "/counties", "/topics", "/watch 光伏", "/unwatch 1",
           "/alerts on", "/alerts off"]
READS = ["/settings", "/watches", "/digest", "/alerts", "/start", "/help"]


@pytest.fixture
async def group(bot: BotDriver) -> BotDriver:
    """A group subscribed by its admin READER, with one watch; STRANGER is a plain member."""
    bot.api.group_admins[GROUP] = {READER}
    assert (await bot.send("/subscribe 07:00", user=READER, chat=GROUP))[0].startswith("已订阅")
    assert (await bot.send("/watch 光伏", user=READER, chat=GROUP))[0].startswith("已关注")
    return bot


def asked(bot: BotDriver) -> int:
    return len(bot.api.of("getChatMember"))


@pytest.mark.parametrize("text", CHANGES)
async def test_a_member_is_refused_and_nothing_changes(group: BotDriver, text: str) -> None:
    before = snapshot(group.db)
    assert await group.send(text, user=STRANGER, chat=GROUP) == [REFUSAL]
    assert snapshot(group.db) == before
    assert subscriptions.get(group.db, GROUP).time == "07:00"


@pytest.mark.parametrize("text", CHANGES)
async def test_the_groups_admin_may(group: BotDriver, text: str) -> None:
    replies = await group.send(text, user=READER, chat=GROUP)
    assert replies and REFUSAL not in replies


@pytest.mark.parametrize("text", READS)
async def test_anyone_may_read(group: BotDriver, text: str) -> None:
    replies = await group.send(text, user=STRANGER, chat=GROUP)
    assert replies and REFUSAL not in replies


async def test_a_member_cannot_toggle_the_admins_keyboard(group: BotDriver) -> None:
    await group.send("/topics", user=READER, chat=GROUP)
    before = snapshot(group.db)
    await group.press("教育", user=STRANGER, chat=GROUP)
    assert group.api.of("answerCallbackQuery")[-1].params["text"] == REFUSAL
    assert snapshot(group.db) == before
    await group.press("教育", user=READER, chat=GROUP)
    assert subscriptions.get(group.db, GROUP).topics == ("教育",)


async def test_private_chats_never_ask_telegram(bot: BotDriver) -> None:
    await bot.send("/subscribe")
    await bot.send("/time 06:00")
    assert asked(bot) == 0
    assert subscriptions.get(bot.db, READER).time == "06:00"


async def test_the_answer_is_kept_five_minutes_then_asked_again(group: BotDriver) -> None:
    start = asked(group)
    assert await group.send("/time 03:00", user=STRANGER, chat=GROUP) == [REFUSAL]
    assert await group.send("/unsubscribe", user=STRANGER, chat=GROUP) == [REFUSAL]
    assert asked(group) == start + 1, "asked once for both"
    group.api.group_admins[GROUP].add(STRANGER)  # promoted meanwhile
    group.services.clock = lambda: NOW + timedelta(minutes=4, seconds=59)
    assert await group.send("/time 03:00", user=STRANGER, chat=GROUP) == [REFUSAL]
    group.services.clock = lambda: NOW + timedelta(minutes=5)
    assert await group.send("/time 03:00", user=STRANGER, chat=GROUP) == ["好的，以后每天 <b>03:00</b> 推送。"]
    assert asked(group) == start + 2


async def test_an_anonymous_admin_and_the_bots_admins_may(group: BotDriver) -> None:
    data = group.updates.message("/time 05:00", chat_id=GROUP, user_id=ANONYMOUS_ADMIN)
    data["message"]["from"] = user(ANONYMOUS_ADMIN, "Group")
    data["message"]["sender_chat"] = chat(GROUP)
    assert await group.feed(data, GROUP) == ["好的，以后每天 <b>05:00</b> 推送。"]
    assert await group.send("/time 05:30", user=ADMIN, chat=GROUP) == ["好的，以后每天 <b>05:30</b> 推送。"]


async def test_no_answer_from_telegram_means_no(group: BotDriver) -> None:
    def broken(params: dict) -> dict:
        from bot.localapi import ApiError

        raise ApiError(400, "Bad Request: chat not found")

    group.api.api_getChatMember = broken  # type: ignore[method-assign]
    before = snapshot(group.db)
    assert await group.send("/unsubscribe", user=STRANGER, chat=GROUP) == [REFUSAL]
    assert snapshot(group.db) == before
