"""Issue 14.7: every reply fits Telegram, and a chat's watches are capped.

Telegram refuses a message over 4,096 characters; OfflineRequest refuses it too. The bot's
own count includes its HTML tags, so every message is checked against 4,096 with them.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from bot_fixtures import READER, BotDriver, snapshot

from bot.handlers.errors import SORRY
from bot.render import MAX_MESSAGE, tg_len
from digest import subscriptions


def assert_all_fit(texts: list[str]) -> None:
    assert texts, "something was sent"
    assert SORRY not in texts
    for text in texts:
        assert tg_len(text) <= MAX_MESSAGE, tg_len(text)


def many_watches(bot: BotDriver, count: int, chars: int) -> list[subscriptions.Watch]:
    """Watches as an older release let anyone keep (no cap), each `chars` long and distinct."""
    return [subscriptions.add_watch(bot.db, READER, f"{n:04d}" + "光伏电站<招聘>&" * ((chars - 4) // 10))
            for n in range(count)]


async def test_watches_are_split_between_items_into_messages_that_fit(bot: BotDriver) -> None:
    await bot.send("/subscribe")
    kept = many_watches(bot, 400, 196)  # ~290,000 characters as one message before
    texts = await bot.send("/watches")
    assert_all_fit(texts)
    assert len(texts) > 20
    assert texts[0].startswith("<b>我的关注词</b>\n1. 0000光伏电站&lt;招聘&gt;&amp;")
    assert all(t.startswith("<b>我的关注词（续）</b>\n") for t in texts[1:])
    assert texts[-1].endswith("\n取消关注：/unwatch 编号")
    lines = [line for t in texts for line in t.split("\n")[1:]][:-1]
    assert [int(line.split(".")[0]) for line in lines] == [w.id for w in kept], "each once, in order, whole"


async def test_settings_are_split_between_watched_words(bot: BotDriver) -> None:
    await bot.send("/subscribe 07:10")
    kept = many_watches(bot, 400, 196)
    texts = await bot.send("/settings")
    assert_all_fit(texts)
    assert texts[0].startswith("每天 <b>07:10</b> 推送摘要。\n县市区：全部\n栏目：全部\n入库即时提醒：关\n关注词：0000")
    assert all(t.startswith("关注词（续）：") for t in texts[1:])
    words = [w for t in texts for w in re.sub(r"^.*关注词(（续）)?：", "", t, flags=re.S).split("、")]
    assert len(words) == len(kept)
    assert all(w.startswith(f"{n:04d}") for n, w in enumerate(words))


async def test_twenty_long_watches_no_longer_one_message(bot: BotDriver) -> None:
    many_watches(bot, 20, 196)
    assert_all_fit(await bot.send("/watches"))
    assert_all_fit(await bot.send("/settings"))


async def test_at_most_fifty_watches_with_a_clear_message_at_the_cap(bot: BotDriver) -> None:
    for n in range(49):
        subscriptions.add_watch(bot.db, READER, f"光伏{n}")
    [ok] = await bot.send("/watch 电站")
    assert ok.startswith("已关注“电站”")
    before = snapshot(bot.db)
    assert await bot.send("/watch 招聘") == [
        "关注词已达上限（50 个）。请先用 /unwatch 编号 取消一些，发送 /watches 查看编号。"]
    assert snapshot(bot.db) == before
    [again] = await bot.send("/watch 电站")
    assert again.startswith("已关注“电站”"), "a watch already kept is no new one"
    await bot.send(f"/unwatch {subscriptions.watches(bot.db, READER)[0].id}")
    [room] = await bot.send("/watch 招聘")
    assert room.startswith("已关注“招聘”")


async def test_watch_length_and_count_caps_come_from_settings(bot: BotDriver) -> None:
    limits = dataclasses.replace(bot.services.settings.limits, max_watches=2, max_watch_chars=5)
    bot.services.settings = dataclasses.replace(bot.services.settings, limits=limits)
    assert await bot.send("/watch 光伏电站项目") == ["关注词太长了（6 个字符），请控制在 5 个字符以内。"]
    await bot.send("/watch 光伏")
    await bot.send("/watch 电站")
    assert (await bot.send("/watch 招聘"))[0].startswith("关注词已达上限（2 个）")


@pytest.mark.parametrize("text", ["/time " + "<" * 4000, "/subscribe " + "&" * 4000, "/unwatch " + "9" * 4000,
                                  "/digest " + "<>" * 2000, "/search " + "<" * 4000, "<" * 4000])
async def test_long_hostile_input_gets_answers_that_fit(bot: BotDriver, text: str) -> None:
    await bot.send("/subscribe")
    assert_all_fit(await bot.send(text))
