"""Admins' commands through the real Application; non-admins are refused and change nothing."""

from __future__ import annotations

import logging

import pytest
from bot_fixtures import ADMIN, READER, SAMPLES, STRANGER, TOKEN, snapshot
from offline_request import OfflineRequest

from bot import hooks
from bot.app import build_application
from bot.auth import REFUSAL
from bot.commands import ADMIN_COMMANDS
from bot.services import Services
from digest import store, subscriptions
from digest.topic_admin import stored_taxonomy

PAGE = SAMPLES / "2026-11-20_01.txt"


def taxonomy(bot):
    return bot.services.pipeline.tagger.taxonomy


async def test_admin_lists_the_admin_commands(bot):
    [text] = await bot.send("/admin", user=ADMIN)
    for name, _ in ADMIN_COMMANDS:
        assert f"/{name} — " in text
    assert "栏目：项目建设、" in text


async def test_topic_add_is_kept_and_used_for_tagging(bot):
    [text] = await bot.send("/topic_add 冬季供暖 供暖:10 供热：8 暖气", user=ADMIN)
    assert text == "已新增栏目：\n<b>冬季供暖</b>：供暖:10、供热:8、暖气"
    assert taxonomy(bot).get("冬季供暖").weights == {"供暖": 10.0, "供热": 8.0, "暖气": 1.0}
    assert stored_taxonomy(bot.db) == taxonomy(bot)
    assert (await bot.send("/topic_add 冬季供暖", user=ADMIN))[0] == "栏目“冬季供暖”已经存在。"
    assert (await bot.send("/topic_add 新栏目 词:abc", user=ADMIN))[0] == "关键词“词:abc”的权重应是数字，例如 词:2。"
    assert "新栏目" not in taxonomy(bot).names


async def test_edited_taxonomy_survives_a_restart(bot, pipeline):
    await bot.send("/topic_add 冬季供暖 供暖:10", user=ADMIN)
    assert "冬季供暖" not in pipeline.tagger.taxonomy.names, "config/topics.toml is only the seed"
    restarted = Services(bot.services.settings, bot.db, pipeline, bot.services.clock)
    build_application(restarted, token=TOKEN, request=OfflineRequest())
    assert restarted.pipeline.tagger.taxonomy == stored_taxonomy(bot.db)
    assert "冬季供暖" in restarted.pipeline.tagger.taxonomy.names


async def test_topic_keywords_added_reweighted_and_removed(bot):
    before = taxonomy(bot).get("教育").weights
    removable = next(iter(before))
    [text] = await bot.send(f"/topic_kw 教育 +研学:2 {removable}:5 -{removable}", user=ADMIN)
    after = taxonomy(bot).get("教育").weights
    assert after["研学"] == 2 and removable not in after
    assert text.startswith("已更新：\n<b>教育</b>：")
    [missing] = await bot.send("/topic_kw 教育 -没有这个词", user=ADMIN)
    assert missing == "栏目“教育”没有关键词：没有这个词。"
    assert await bot.send("/topic_kw 教育", user=ADMIN) == ["用法：/topic_kw 栏目名 +关键词 -关键词 关键词:权重"]


async def test_topic_delete_updates_subscribers_filters(bot):
    await bot.send("/subscribe")
    subscriptions.set_topics(bot.db, READER, ("时政", "教育"))
    [text] = await bot.send("/topic_del 时政", user=ADMIN)
    assert text == "已删除栏目“时政”。1 位订阅者的栏目筛选随之更新。"
    assert "时政" not in taxonomy(bot).names
    assert subscriptions.get(bot.db, READER).topics == ("教育",)
    assert (await bot.send("/topic_del 社会民生", user=ADMIN))[0].endswith("不能删除。")


async def test_topic_preview_shows_what_a_rule_takes_and_loses(bot):
    [unchanged] = await bot.send("/topic_preview 社会民生", user=ADMIN)
    assert "按这条规则重新标注 2026-11-21 的文章：" in unchanged
    assert "<b>保持（1）</b>\n• 多措并举保障群众温暖过冬 /a" in unchanged
    assert "<b>新增（0）</b>" in unchanged and "<b>失去（0）</b>" in unchanged
    await bot.send("/topic_add 冬季供暖 供暖:10 供热:10", user=ADMIN)
    [gained] = await bot.send("/topic_preview 冬季供暖", user=ADMIN)
    assert "<b>新增（1）</b>\n• 多措并举保障群众温暖过冬 /a18（原为社会民生）" in gained
    [lost] = await bot.send("/topic_preview 社会民生", user=ADMIN)
    assert "<b>失去（1）</b>\n• 多措并举保障群众温暖过冬 /a18（将归入冬季供暖）" in lost
    assert (await bot.send("/topic_preview 不存在", user=ADMIN))[0].startswith("没有栏目“不存在”。现有：项目建设")


async def test_ingest_a_page_sent_as_a_document(bot):
    seen: list[list[int]] = []

    async def after(application, ids):
        seen.append(list(ids))

    hooks.on_after_ingest(bot.application, after)
    assert await bot.send("/ingest 2026-11-22", user=ADMIN) == [
        "请把 2026-11-22 的版面文件（PDF 或 .txt）作为文件发给我。文件名里的版次（如 _03）会被采用。"]
    [text] = await bot.upload(PAGE.read_bytes(), PAGE.name)
    assert text.startswith("✅ 2026-11-20_01.txt：2026-11-22 第 1 版，已入库，6 篇（")
    assert len(text.splitlines()) == 7, "one line per county"
    stored = store.articles_on(bot.db, "2026-11-22")
    assert len(stored) == 6
    assert seen == [[a.id for a in stored]]
    assert [c.params["file_id"] for c in bot.api.of("getFile")] == ["file1"]
    [again] = await bot.upload(PAGE.read_bytes(), PAGE.name, caption="/ingest 2026-11-22")
    assert "内容未变，无需更新" in again
    assert len(seen) == 1, "nothing new, no alerts"


async def test_ingest_date_defaults_to_today_in_shanghai(bot):
    [text] = await bot.upload(PAGE.read_bytes(), "page_03.txt", caption="/ingest")
    assert text.startswith("✅ page_03.txt：2026-11-21 第 3 版，已入库")


async def test_a_file_without_a_page_number_never_replaces_a_stored_page(bot):
    other = SAMPLES / "2026-11-20_02.txt"
    [first] = await bot.upload(PAGE.read_bytes(), "头版.txt", caption="/ingest 2026-11-22")
    assert first.startswith("✅ 头版.txt：2026-11-22 第 1 版，已入库")
    before = snapshot(bot.db)
    [refused] = await bot.upload(other.read_bytes(), "二版.txt", caption="/ingest 2026-11-22")
    assert refused.startswith("❌ 二版.txt：没有入库。2026-11-22 第 1 版已经入库，内容不同，没有替换。文件名里写上版次")
    assert snapshot(bot.db) == before
    [again] = await bot.upload(PAGE.read_bytes(), "头版.txt", caption="/ingest 2026-11-22")
    assert "内容未变，无需更新" in again
    [numbered] = await bot.upload(other.read_bytes(), "二版_01.txt", caption="/ingest 2026-11-22")
    assert "第 1 版，已更新（替换旧版）" in numbered  # a page number says it is meant: a correction


async def test_ingest_refusals(bot):
    assert (await bot.upload(PAGE.read_bytes(), PAGE.name))[0].startswith("要入库版面，请先发送 /ingest")
    assert await bot.send("/ingest 22/11/2026", user=ADMIN) == ["日期格式应为 YYYY-MM-DD，例如 /ingest 2026-11-20。"]
    before = snapshot(bot.db)
    await bot.send("/ingest", user=ADMIN)
    [bad] = await bot.upload("这不是版面。".encode("gbk"), "notes.txt")
    assert bad.startswith("❌ notes.txt：没有入库。")
    assert snapshot(bot.db) == before
    await bot.send("/ingest", user=ADMIN)
    update = bot.updates.document(chat_id=ADMIN, file_id="huge", file_name="huge.txt", file_size=50_000_000)
    [huge] = await bot.feed(update, ADMIN)
    assert huge == "文件太大（50000000 字节），版面文件不应超过 8000000 字节。"
    assert len(bot.api.of("getFile")) == 1, "a file too big is never downloaded"


@pytest.mark.parametrize(("name", "shown"), [
    ("..", "page.txt"), ("../../etc/2026-11-20_04.txt", "2026-11-20_04.txt"), (".hidden_02.txt", "hidden_02.txt"),
    ("C:\\pages\\p_05.txt", "p_05.txt"), ("版" * 120 + "_06.txt", "版" * 64 + "_06.txt"),
])
async def test_an_uploaded_file_name_cannot_leave_the_temporary_folder(bot, name, shown):
    [text] = await bot.upload(PAGE.read_bytes(), name, caption="/ingest 2026-11-22")
    assert text.startswith(f"✅ {shown}：2026-11-22 第 ")


async def test_schedule_shows_and_sets_times(bot):
    [shown] = await bot.send("/schedule", user=ADMIN)
    assert shown.startswith("默认推送时间：<b>07:30</b>（新订阅者使用）\n自动入库时间：<b>05:30、06:30</b>")
    changes = []
    hooks.on_schedule_changed(bot.application, changes.append)
    await bot.send("/schedule digest 6:50", user=ADMIN)
    [text] = await bot.send("/schedule ingest 06:00 05:00 06:00", user=ADMIN)
    assert text.startswith("默认推送时间：<b>06:50</b>（新订阅者使用）\n自动入库时间：<b>05:00、06:00</b>")
    assert subscriptions.get_setting(bot.db, "default_time") == "06:50"
    assert subscriptions.get_setting(bot.db, "ingest_times") == ["05:00", "06:00"]
    assert len(changes) == 2
    assert (await bot.send("/schedule digest 7点", user=ADMIN))[0].startswith("时间格式应为 HH:MM")
    assert (await bot.send("/schedule nonsense", user=ADMIN))[0].startswith("用法：/schedule")


async def test_stats_count_subscribers_articles_and_deliveries(bot):
    await bot.send("/subscribe")
    await bot.send("/subscribe", user=STRANGER)
    await bot.send("/unsubscribe", user=STRANGER)
    [text] = await bot.send("/stats", user=ADMIN)
    assert "订阅者：1 位在订（共 2 位），关注词 0 个" in text
    assert "文章：35 篇，最新一期 2026-11-21" in text
    assert "推送：成功 0，失败 0，待发 0，结果不明 0" in text
    stamp = "2026-11-21T07:30:00+08:00"
    bot.db["outbox"].insert_all([
        {"chat_id": 2000 + i, "date": "2026-11-21", "part": 0, "text": "…", "state": state, "scheduled_at": stamp,
         "next_attempt_at": stamp, "created_at": stamp, "updated_at": stamp}
        for i, state in enumerate(("sent", "sent", "failed", "pending", "sending", "unknown"))
    ])
    [text] = await bot.send("/stats", user=ADMIN)
    assert "推送：成功 2，失败 1，待发 2，结果不明 1" in text


async def test_broadcast_reaches_active_subscribers_escaped(bot):
    blocked = 1003
    for chat in (READER, STRANGER, blocked):
        subscriptions.subscribe(bot.db, chat, "07:30")
    subscriptions.deactivate(bot.db, STRANGER)
    bot.api.fail_for(blocked)
    [text] = await bot.send("/broadcast 今晚 <维护> & 升级", user=ADMIN)
    assert text == "已发送给 1 位订阅者，1 位失败。"
    assert bot.api.texts(READER) == ["今晚 &lt;维护&gt; &amp; 升级"]
    assert bot.api.texts(STRANGER) == []
    assert not subscriptions.get(bot.db, blocked).active


# Every admin command, as a non-admin would try it. The set is checked against the menu below.
ATTEMPTS = [
    "/admin", "/ingest", "/ingest 2026-11-22", "/topic_add 冬季供暖 供暖:10", "/topic_kw 教育 +研学:2",
    "/topic_del 时政", "/topic_preview 教育", "/schedule", "/schedule digest 06:00", "/schedule ingest 05:00",
    "/stats", "/broadcast 大家好", "/sources", "/fetch", "/fetch lcrb 2026-11-21", "/requeue 1",
]


def test_every_admin_command_is_tried_by_a_non_admin():
    assert {a.split()[0][1:] for a in ATTEMPTS} == {name for name, _ in ADMIN_COMMANDS}


@pytest.mark.parametrize("attempt", [*ATTEMPTS, "document"])
async def test_a_non_admin_is_refused_and_nothing_changes(bot, caplog, attempt):
    await bot.send("/subscribe")
    await bot.send("/subscribe", user=STRANGER)
    names = taxonomy(bot).names
    before = snapshot(bot.db)
    calls_before = len(bot.api.calls)
    with caplog.at_level(logging.WARNING, logger="bot.auth"):
        if attempt == "document":
            replies = await bot.upload(PAGE.read_bytes(), PAGE.name, user=STRANGER, caption="/ingest 2026-11-22")
        else:
            replies = await bot.send(attempt, user=STRANGER)
    assert replies == [REFUSAL]
    assert snapshot(bot.db) == before
    assert taxonomy(bot).names == names
    assert [c.params.get("chat_id") for c in bot.api.calls[calls_before:]] == [STRANGER], "nobody else hears"
    assert not bot.api.of("getFile")
    assert f"(user {STRANGER}, chat {STRANGER})" in caplog.text
