"""Reading through the bot: the digest on demand, full text, search with paging."""

from __future__ import annotations

import re

import pytest
from bot_fixtures import GROUP, LATEST, READER, TOKEN, BotDriver
from offline_request import OfflineRequest

from bot.app import build_application
from bot.handlers.common import QUERIES_KEY
from bot.keyboards import QueryStore
from bot.services import Services
from digest import search, store, subscriptions


def ids_in(texts: list[str]) -> list[int]:
    return [int(m) for t in texts for m in re.findall(r"/a(\d+)", t)]


def title_id(db, title: str) -> int:
    return db.execute("SELECT id FROM articles WHERE title = ?", [title]).fetchone()[0]


async def test_digest_defaults_to_the_latest_date_with_every_article_once(bot):
    texts = await bot.send("/digest")
    assert texts[0].startswith(f"<b>聊城日报 · {LATEST}</b>\n共 6 篇\n\n<b>【全市】</b>")
    assert sorted(ids_in(texts)) == sorted(a.id for a in store.articles_on(bot.db, LATEST))


async def test_digest_for_a_given_date(bot):
    texts = await bot.send("/digest 2026-11-20")
    assert texts[0].startswith("<b>聊城日报 · 2026-11-20</b>\n共 12 篇")
    assert len(ids_in(texts)) == 12


async def test_digest_follows_my_filters(bot):
    await bot.send("/subscribe")
    subscriptions.set_counties(bot.db, READER, ("莘县", "临清市"))
    [text] = await bot.send("/digest")
    assert "<b>【临清市】</b>1 篇" in text and "<b>【莘县】</b>1 篇" in text
    assert "【全市】" not in text
    assert text.index("【临清市】") < text.index("【莘县】"), "sections in the configured county order"


async def test_digest_dates_refused_or_empty(bot):
    assert await bot.send("/digest 20-11-2026") == ["日期格式应为 YYYY-MM-DD，例如 /digest 2026-11-21。"]
    assert await bot.send("/digest 2030-01-01") == ["<b>聊城日报 · 2030-01-01</b>\n这一天没有符合条件的文章。"]


async def test_digest_on_an_empty_archive(bot_services: Services, db):
    empty = Services(bot_services.settings, db, bot_services.pipeline, bot_services.clock)
    api = OfflineRequest()
    async with build_application(empty, token=TOKEN, request=api) as application:
        driver = BotDriver(application, api, empty)
        assert await driver.send("/digest") == ["还没有任何文章入库。"]
        assert (await driver.send("光伏"))[0].startswith("没有找到与“光伏”匹配的文章。")


async def test_digest_adds_my_watched_words(bot):
    subscriptions.add_watch(bot.db, READER, "光伏")
    texts = await bot.send("/digest")
    assert texts[-1].startswith("🔔 关注词提醒：1 篇\n\n<b>莘县分布式光伏点亮乡村振兴路</b>")


async def test_article_by_command_and_by_shortcut(bot):
    article_id = title_id(bot.db, "莘县分布式光伏点亮乡村振兴路")
    by_command = await bot.send(f"/article {article_id}")
    assert by_command[0].startswith("<b>莘县分布式光伏点亮乡村振兴路</b>\n<i>聊城日报 · 2026-11-21 · 第 1 版 · 莘县")
    assert await bot.send(f"/a{article_id}") == by_command
    assert await bot.send(f"/a{article_id}@paperdigest_bot", chat=GROUP) == by_command
    assert await bot.send(f"/a{article_id}@another_bot", chat=GROUP) == []


@pytest.mark.parametrize("text", ["/article abc", "/article ²", "/article ١٢٣", "/article 99999999999999999999999",
                                  "/article -1"])
async def test_article_ids_are_plain_digits(bot, text):
    assert (await bot.send(text))[0].startswith("请给出文章编号")


async def test_article_refusals(bot):
    assert await bot.send("/a999999") == ["没有编号为 999999 的文章。"]


async def test_search_by_command_and_by_plain_text(bot):
    [by_command] = await bot.send("/search 光伏")
    assert by_command.startswith(
        "🔎 “光伏”：第 1–3 条\n\n1. <b>莘县分布式光伏点亮乡村振兴路</b>\n2026-11-21 · 莘县 · /a")
    assert await bot.send("光伏") == [by_command]
    assert "/search 光伏 -招聘" in (await bot.send("/search"))[0]


async def test_phrases_and_exclusions(bot):
    [phrase] = await bot.send('"数字孪生"')
    assert phrase.startswith("🔎 “&quot;数字孪生&quot;”：第 1–1 条") and "数字孪生“智”水有方" in phrase
    [excluded] = await bot.send("光伏 -时风")
    assert "时风集团" not in excluded and "第 1–2 条" in excluded


async def test_nothing_found_and_refused_queries(bot):
    [nothing] = await bot.send("量子计算机")
    assert nothing == "没有找到与“量子计算机”匹配的文章。\n试试更少或更宽泛的关键词，或去掉用“-”排除的词。"
    assert await bot.send("-光伏") == ["没有可搜索的关键词：请至少给出一个不带“-”的词。"]


async def test_more_pages_through_results(bot):
    expected = [r.id for r in search.search(bot.db, bot.services.pipeline.segmenter, "聊城", limit=50)]
    [first] = await bot.send("聊城")
    assert first.startswith("🔎 “聊城”：第 1–5 条") and ids_in([first]) == expected[:5]
    [second] = await bot.press("更多结果 ›")
    assert second.startswith("🔎 “聊城”：第 6–10 条") and ids_in([second]) == expected[5:10]
    [removed] = bot.api.of("editMessageReplyMarkup")
    assert "reply_markup" not in removed.params, "the used button is taken away"
    pages = [first, second]
    for _ in range(-(-len(expected) // 5) - 2):
        pages += await bot.press("更多结果 ›")
    assert ids_in(pages) == expected
    with pytest.raises(AssertionError, match="no message with a keyboard"):
        bot.find_button("更多结果 ›", READER)


async def test_a_long_query_pages_by_a_stored_key(bot):
    query = "聊城 " + " ".join(f"-不相干词{i}" for i in range(8))
    assert len(query.encode()) > 64
    await bot.send(query)
    _, button = bot.find_button("更多结果 ›", READER)
    assert button["callback_data"].startswith("sk:5:")
    [second] = await bot.press("更多结果 ›")
    assert "第 6–10 条" in second
    await bot.send(query)
    bot.application.bot_data[QUERIES_KEY] = QueryStore()  # as after a restart
    assert await bot.press("更多结果 ›") == []
    assert bot.api.of("answerCallbackQuery")[-1].params["text"] == "这次搜索已过期，请重新搜索。"


@pytest.mark.parametrize("query", ['"', "NEAR(光伏 电站)", "'; DROP TABLE articles; --", "光伏" * 120, "🌞"])
async def test_hostile_queries_get_an_answer(bot, query):
    [text] = await bot.send(query)
    assert text
    assert store.article_count(bot.db) == 35
