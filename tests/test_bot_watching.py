"""Keyword watches: the commands, and digest.watching.matches_for_watches that delivery calls."""

from __future__ import annotations

import pytest
from bot_fixtures import LATEST, READER, STRANGER

from digest import store, subscriptions
from digest.watching import article_ids_on_page, matches_for_watches


def title_id(db, title: str) -> int:
    return db.execute("SELECT id FROM articles WHERE title = ?", [title]).fetchone()[0]


async def test_watch_list_and_unwatch(bot):
    [text] = await bot.send("/watch 光伏")
    assert text.startswith("已关注“光伏”（编号 1）。")
    assert text.endswith("注意：你还没有订阅，订阅后才会收到提醒：/subscribe")
    await bot.send("/subscribe")
    [second] = await bot.send('/watch "数字孪生" -招聘')
    assert "注意" not in second
    assert [w.query for w in subscriptions.watches(bot.db, READER)] == ["光伏", '"数字孪生" -招聘']
    assert await bot.send("/watches") == [
        '<b>我的关注词</b>\n1. 光伏\n2. &quot;数字孪生&quot; -招聘\n取消关注：/unwatch 编号']
    assert await bot.send("/unwatch 1") == ["已取消关注 1。"]
    assert await bot.send("/unwatch 1") == ["没有编号为 1 的关注词：发送 /watches 查看。"]
    assert [w.id for w in subscriptions.watches(bot.db, READER)] == [2]


async def test_watches_are_per_chat(bot):
    await bot.send("/watch 光伏")
    assert await bot.send("/unwatch 1", user=STRANGER) == ["没有编号为 1 的关注词：发送 /watches 查看。"]
    assert await bot.send("/watches", user=STRANGER) == ["你还没有关注词。发送 /watch 光伏 试试。"]


@pytest.mark.parametrize(("text", "reply"), [
    ("/watch", "请给出要关注的关键词，例如 /watch 光伏 或 /watch \"数字孪生\" -招聘。"),
    ("/watch -光伏", "没有可搜索的关键词：请至少给出一个不带“-”的词。"),
    ("/unwatch abc", "请给出关注词编号，例如 /unwatch 3（/watches 可查看编号）。"),
    ("/unwatch ²", "请给出关注词编号，例如 /unwatch 3（/watches 可查看编号）。"),
    ("/unwatch 99999999999999999999999", "请给出关注词编号，例如 /unwatch 3（/watches 可查看编号）。"),
])
async def test_watch_refusals_change_nothing(bot, text, reply):
    assert await bot.send(text) == [reply]
    assert subscriptions.watches(bot.db) == []


async def test_instant_alerts_on_and_off(bot):
    assert await bot.send("/alerts on") == ["你还没有订阅：先发送 /subscribe。"]
    await bot.send("/subscribe")
    assert (await bot.send("/alerts on"))[0].startswith("好的：新文章一入库")
    assert subscriptions.get(bot.db, READER).instant_alerts
    assert await bot.send("/alerts") == ["入库即时提醒现在是<b>开</b>。用 /alerts on 或 /alerts off 切换。"]
    await bot.send("/alerts 关")
    assert not subscriptions.get(bot.db, READER).instant_alerts


def test_matches_for_watches_per_chat_once_each_in_page_order(bot_db, segmenter):
    db = bot_db
    for chat in (1, 2, 3):
        subscriptions.subscribe(db, chat, "07:30")
    subscriptions.add_watch(db, 1, "光伏")
    subscriptions.add_watch(db, 1, "分布式")  # the same article again: listed once
    subscriptions.add_watch(db, 1, "运动会")
    subscriptions.add_watch(db, 2, "光伏 -莘县")
    subscriptions.add_watch(db, 3, "供暖")
    subscriptions.deactivate(db, 3)
    day = [a.id for a in store.articles_on(db, LATEST)]
    solar, games = title_id(db, "莘县分布式光伏点亮乡村振兴路"), title_id(db, "我市第六届全民健身运动会圆满闭幕")
    matches = matches_for_watches(db, segmenter, day)
    assert {chat: [a.id for a in found] for chat, found in matches.items()} == {1: [solar, games]}
    everyone = matches_for_watches(db, segmenter, day, active_only=False)
    assert set(everyone) == {1, 3}
    assert matches_for_watches(db, segmenter, day, chat_ids=[2, 3], active_only=False).keys() == {3}
    assert matches_for_watches(db, segmenter, []) == {}


def test_only_the_given_articles_and_instant_alerts_when_asked(bot_db, segmenter):
    db = bot_db
    subscriptions.subscribe(db, 1, "07:30")
    subscriptions.subscribe(db, 2, "07:30")
    subscriptions.set_instant_alerts(db, 2, True)
    for chat in (1, 2):
        subscriptions.add_watch(db, chat, "光伏")
    older = [a.id for a in store.articles_on(db, "2024-11-06")]
    assert [a.article.title for a in matches_for_watches(db, segmenter, older)[1]] == ["高唐：可再生能源产业跑出加速度"]
    assert matches_for_watches(db, segmenter, older, instant_only=True).keys() == {2}


def test_a_watch_that_no_longer_parses_is_skipped(bot_db, segmenter):
    subscriptions.subscribe(bot_db, 1, "07:30")
    bot_db.execute("INSERT INTO watches (chat_id, query, created_at) VALUES (1, '-光伏', 'now')")
    subscriptions.add_watch(bot_db, 1, "光伏")
    day = [a.id for a in store.articles_on(bot_db, LATEST)]
    assert len(matches_for_watches(bot_db, segmenter, day)[1]) == 1


def test_article_ids_on_page(bot_db):
    ids = article_ids_on_page(bot_db, paper="聊城日报", date="2026-11-20", page=2)
    assert ids == [a.id for a in store.articles_on(bot_db, "2026-11-20") if a.page == 2]
    assert len(ids) == 6
