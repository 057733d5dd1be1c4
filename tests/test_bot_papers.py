"""Subscribers choose papers like counties when the bot follows more than one; one stays the default."""

from __future__ import annotations

from bot_fixtures import LATEST, NOW, READER, SAMPLES, bot, bot_db, bot_services, bot_settings, seeded_db_file  # noqa: F401

from bot import fetching
from bot.daily import compose_due
from digest import ingest, papers
from digest.sources.config import SourcesConfig, make_source

FEED = "聊城新闻网"


def _follow_a_feed(bot) -> None:  # noqa: F811
    feed = make_source({"name": "lcxw", "paper": FEED, "kind": "feed", "url": "http://127.0.0.1:9/rss.xml"})
    bot.application.bot_data[fetching.SOURCES_KEY] = SourcesConfig(sources=(feed,))
    ingest.ingest_file(bot.db, bot.services.pipeline, SAMPLES / "2026-11-20_02.txt", paper=FEED, date=LATEST,
                       page_no=1)


def _digest_headers(bot, chat: int) -> list[str]:  # noqa: F811
    rows = bot.db.execute("SELECT text FROM outbox WHERE chat_id = ? AND kind = 'digest' ORDER BY part", [chat])
    firsts = [r[0].split("\n")[0] for r in rows]
    return [line.removeprefix("<b>").split(" · ")[0] for line in firsts if line.endswith(f" · {LATEST}</b>")]


async def test_one_paper_means_no_choice(bot):  # noqa: F811
    assert await bot.send("/papers") == ["目前只有一份报纸：聊城日报。"]


async def test_a_reader_adds_a_paper_and_gets_both_digests(bot):  # noqa: F811
    _follow_a_feed(bot)
    await bot.send(f"/subscribe {NOW:%H:%M}")
    [shown] = await bot.send("/papers")
    assert "当前：聊城日报" in shown
    assert (await bot.press(FEED))[-1].endswith(f"当前：聊城日报、{FEED}")
    assert (await bot.press("完成"))[-1] == f"已保存。报纸：聊城日报、{FEED}"
    await compose_due(bot.services, now=NOW)
    assert _digest_headers(bot, READER) == ["聊城日报", FEED]


async def test_a_reader_who_drops_the_default_gets_only_the_other_and_never_none(bot):  # noqa: F811
    _follow_a_feed(bot)
    await bot.send(f"/subscribe {NOW:%H:%M}")
    await bot.send("/papers")
    await bot.press(FEED)
    await bot.press("聊城日报 ✓")
    assert papers.chosen(bot.db, READER, "聊城日报") == (FEED,)
    assert (await bot.press(f"{FEED} ✓"))[-1].endswith("当前：聊城日报")  # the last one cannot go: the default
    await bot.press(FEED)
    await bot.press("聊城日报 ✓")
    await compose_due(bot.services, now=NOW)
    assert _digest_headers(bot, READER) == [FEED]


async def test_others_keep_the_default_paper(bot):  # noqa: F811
    _follow_a_feed(bot)
    await bot.send(f"/subscribe {NOW:%H:%M}", user=READER)
    await compose_due(bot.services, now=NOW)
    assert _digest_headers(bot, READER) == ["聊城日报"]
