"""Subscribers' commands through the real Application and an OfflineRequest."""

from __future__ import annotations

import pytest
from bot_fixtures import ADMIN, GROUP, READER

from bot import hooks
from bot.commands import SUBSCRIBER_COMMANDS
from digest import subscriptions


async def test_start_says_what_the_bot_does_and_how_to_subscribe(bot):
    [text] = await bot.send("/start")
    assert "<b>聊城日报</b>" in text
    assert "/subscribe 订阅（默认每天 07:30" in text


async def test_help_lists_every_subscriber_command(bot):
    [text] = await bot.send("/help")
    for name, _ in SUBSCRIBER_COMMANDS:
        assert f"/{name} — " in text
    assert "/admin" not in text
    [admin_text] = await bot.send("/help", user=ADMIN)
    assert admin_text.endswith("管理命令：/admin")


async def test_subscribe_at_the_default_time_then_at_a_chosen_one(bot):
    [text] = await bot.send("/subscribe")
    assert text.startswith("已订阅：每天 <b>07:30</b> 推送聊城日报摘要。")
    assert subscriptions.get(bot.db, READER).time == "07:30"
    await bot.send("/subscribe 6:05")
    assert subscriptions.get(bot.db, READER).time == "06:05"


async def test_subscribe_uses_the_admins_default_time(bot):
    subscriptions.set_default_time(bot.db, "06:45")
    await bot.send("/subscribe")
    assert subscriptions.get(bot.db, READER).time == "06:45"
    [start] = await bot.send("/start")
    assert "默认每天 06:45" in start


async def test_a_bad_time_is_refused_and_nothing_stored(bot):
    [text] = await bot.send("/subscribe 25:00")
    assert text == "时间格式应为 HH:MM（例如 07:30），收到的是“25:00”。"
    assert subscriptions.get(bot.db, READER) is None


async def test_time_changes_and_needs_a_subscription(bot):
    assert await bot.send("/time 08:15") == ["你还没有订阅：先发送 /subscribe。"]
    await bot.send("/subscribe")
    assert await bot.send("/time 08:15") == ["好的，以后每天 <b>08:15</b> 推送。"]
    assert subscriptions.get(bot.db, READER).time == "08:15"
    assert await bot.send("/time") == ["请给出时间，例如 /time 07:00。"]


async def test_unsubscribe_keeps_filters_for_a_comeback(bot):
    await bot.send("/subscribe")
    subscriptions.set_counties(bot.db, READER, ("冠县",))
    assert (await bot.send("/unsubscribe"))[0].startswith("已退订。")
    assert not subscriptions.get(bot.db, READER).active
    assert await bot.send("/unsubscribe") == ["你目前没有订阅。"]
    await bot.send("/subscribe")
    assert subscriptions.get(bot.db, READER).counties == ("冠县",)


async def test_schedule_changes_are_announced_to_the_scheduler(bot):
    seen = []
    hooks.on_schedule_changed(bot.application, lambda app: seen.append(app))
    await bot.send("/subscribe")
    await bot.send("/time 09:00")
    await bot.send("/time 99:00")
    await bot.send("/unsubscribe")
    assert len(seen) == 3


async def test_county_keyboard_toggles_and_redraws(bot):
    assert await bot.send("/counties") == ["你还没有订阅：先发送 /subscribe。"]
    await bot.send("/subscribe")
    [text] = await bot.send("/counties")
    assert text == "选择要看的县市区（点按切换，可多选）。\n当前：全部"
    [edited] = await bot.press("全市")
    assert edited.endswith("当前：全市")
    assert subscriptions.get(bot.db, READER).counties == ("全市",)
    await bot.press("冠县")
    assert subscriptions.get(bot.db, READER).counties == ("全市", "冠县")
    message, _ = bot.find_button("冠县 ✓", READER)
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "全部"
    await bot.press("全部")
    assert subscriptions.get(bot.db, READER).counties == ()
    assert await bot.press("全部 ✓") == [], "nothing changed: no edit (Telegram would refuse it)"
    [done] = await bot.press("完成")
    assert done == "已保存。县市区：全部"
    answers = bot.api.of("answerCallbackQuery")
    assert len(answers) == 5 and answers[1].params["text"] == "县市区：全市、冠县"
    assert all(call.status == 200 for call in bot.api.calls)


async def test_topic_keyboard_lists_the_taxonomy(bot):
    await bot.send("/subscribe")
    await bot.send("/topics")
    message, _ = bot.find_button("教育", READER)
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[1:-1] == list(bot.services.pipeline.tagger.taxonomy.names)
    await bot.press("教育")
    await bot.press("时政")
    assert subscriptions.get(bot.db, READER).topics == ("教育", "时政")


async def test_settings_show_what_i_follow_and_when(bot):
    [text] = await bot.send("/settings")
    assert text.startswith("你还没有订阅。发送 /subscribe 即可每天 07:30 收到摘要。")
    await bot.send("/subscribe 07:10")
    subscriptions.set_topics(bot.db, READER, ("教育", "时政"))
    subscriptions.add_watch(bot.db, READER, "光伏")
    [text] = await bot.send("/settings")
    assert text == ("每天 <b>07:10</b> 推送摘要。\n县市区：全部\n栏目：教育、时政\n入库即时提醒：关\n关注词：光伏")


async def test_commands_addressed_to_the_bot_in_a_group(bot):
    bot.api.group_admins[GROUP] = {READER}  # the group's settings are its admins' (tests/test_bot_group_admins.py)
    [text] = await bot.send("/subscribe@paperdigest_bot 07:00", chat=GROUP)
    assert text.startswith("已订阅")
    group = subscriptions.get(bot.db, GROUP)
    assert (group.time, group.name) == ("07:00", "读报群")
    assert await bot.send("/start@another_bot", chat=GROUP) == []
    assert await bot.send("/nonsense@another_bot", chat=GROUP) == []
    assert await bot.send("光伏", chat=GROUP) == [], "plain text in a group is conversation, not a search"


@pytest.mark.parametrize("text", ["/nonsense", "/a12x"])
async def test_unknown_commands_point_to_help(bot, text):
    assert await bot.send(text) == ["我不认识这个命令。发送 /help 查看全部命令。"]
