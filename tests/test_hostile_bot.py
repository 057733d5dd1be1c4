"""Hostile use of the bot, through the real Application and an OfflineRequest.

- Admin commands from non-admins, in private chats, in groups, and in disguise (an anonymous group admin, a
  forwarded admin message, an edit, a channel post): refused or ignored, logged, nothing changed.
- The token never appears in a log record (at DEBUG, tracebacks included) or a message sent,
  even when an error's text holds it or a stranger pastes it.
- Hostile text to every reader command, and forged button data: an answer or a refusal in
  well-formed Telegram HTML, never the error handler's apology.
- Bad page files uploaded by an admin: one clear refusal each, the database unchanged.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

import pytest
from badinput.generate import corpus
from bot_fixtures import ADMIN, GROUP, READER, STRANGER, TOKEN, BotDriver, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from offline_request import OfflineRequest
from telegram import Update

from bot import handlers
from bot.app import build_application
from bot.auth import REFUSAL
from bot.commands import ADMIN_COMMANDS
from bot.handlers.errors import SORRY
from bot.services import Services
from bot.updates import chat, command_entities, user
from digest import search

BOT_NAME = "paperdigest_bot"
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot, the sender of an anonymous group admin
ATTEMPTS = {
    "admin": "", "ingest": "2026-11-22", "topic_add": "冬季供暖 供暖:10", "topic_kw": "教育 +研学:2",
    "topic_del": "时政", "topic_preview": "教育", "schedule": "digest 06:00", "stats": "", "broadcast": "大家好",
    "sources": "", "fetch": "lcrb 2026-11-21", "requeue": "1",
}

# --- Telegram HTML: what the Bot API accepts with parse_mode=HTML ----------------------------------------------
_TAG = re.compile(r"<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote|tg-spoiler|a|span)"
                  r"((?: (?:href|class|expandable)(?:=\"[^\"<>]*\")?)*)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def telegram_html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` as HTML (unknown tag, unbalanced, a bare < > &), or None."""
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag = match.group(1), match.group(2)
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return f"unbalanced </{tag}>"
    if stack:
        return f"unclosed <{stack[-1]}>"
    bare = re.search(r"[<>&]", _ENTITY.sub("", _TAG.sub("", text)))
    return f"bare {bare.group(0)!r}" if bare else None


def test_the_html_check_itself() -> None:
    assert telegram_html_problem("<b>标题 &lt;重要&gt;</b>\n<a href=\"x\">链接</a>") is None
    assert telegram_html_problem("<b>x</i>") == "unbalanced </i>"
    assert telegram_html_problem("<script>") == "bare '<'"
    assert telegram_html_problem("A & B") == "bare '&'"


def sent_since(bot: BotDriver, start: int) -> list[dict[str, Any]]:
    return [c.params for c in bot.api.calls[start:] if c.method in ("sendMessage", "editMessageText")]


def assert_answered_well(bot: BotDriver, start: int, caplog: pytest.LogCaptureFixture) -> None:
    """Every message sent since call `start` is well-formed HTML, none is the apology, nothing logged an error."""
    for params in sent_since(bot, start):
        assert params["text"] != SORRY, "a handler raised"
        assert telegram_html_problem(params["text"]) is None, (telegram_html_problem(params["text"]), params["text"])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --- admin commands from non-admins ---------------------------------------------------------------------------

def test_every_admin_command_is_attempted() -> None:
    assert set(ATTEMPTS) == {name for name, _ in ADMIN_COMMANDS}


@pytest.mark.parametrize(("where", "addressed"), [(STRANGER, ""), (GROUP, ""), (GROUP, f"@{BOT_NAME}")],
                         ids=["private", "group", "group-addressed"])
@pytest.mark.parametrize("command", ATTEMPTS)
async def test_non_admin_is_refused_logged_and_nothing_changes(
    bot: BotDriver, caplog: pytest.LogCaptureFixture, command: str, where: int, addressed: str
) -> None:
    await bot.send("/subscribe", user=READER)
    before, names = snapshot(bot.db), bot.services.pipeline.tagger.taxonomy.names
    start = len(bot.api.calls)
    with caplog.at_level(logging.WARNING, logger="bot.auth"):
        replies = await bot.send(f"/{command}{addressed} {ATTEMPTS[command]}".strip(), user=STRANGER, chat=where)
    assert replies == [REFUSAL]
    assert [p["chat_id"] for p in sent_since(bot, start)] == [where], "nobody else hears of it"
    assert snapshot(bot.db) == before
    assert bot.services.pipeline.tagger.taxonomy.names == names
    assert f"refused {handlers.COMMANDS[command].__name__}: /{command}" in caplog.text
    assert f"(user {STRANGER}, chat {where})" in caplog.text


async def test_command_for_another_bot_in_a_group_is_ignored(bot: BotDriver) -> None:
    before = snapshot(bot.db)
    assert await bot.send("/broadcast@other_bot 大家好", user=STRANGER, chat=GROUP) == []
    assert snapshot(bot.db) == before


def disguised(bot: BotDriver, kind: str, text: str) -> tuple[dict[str, Any], int]:
    """An update carrying an admin command from someone who is not an admin, however it is dressed."""
    data = bot.updates.message(text, chat_id=GROUP, user_id=STRANGER)
    message = data["message"]
    if kind == "anonymous group admin":
        message["from"] = user(ANONYMOUS_ADMIN, "Group")
        message["sender_chat"] = chat(GROUP)
    elif kind == "forwarded from an admin":
        message["chat"], message["from"] = chat(STRANGER), user(STRANGER)
        message["forward_origin"] = {"type": "user", "date": message["date"], "sender_user": user(ADMIN)}
        return data, STRANGER
    elif kind == "edited":
        message["edit_date"] = message["date"] + 5
        data["edited_message"] = data.pop("message")
    elif kind == "channel post":
        channel = {"id": -1009876543210, "type": "channel", "title": "频道"}
        message.pop("from")
        message["chat"] = message["sender_chat"] = channel
        data["channel_post"] = data.pop("message")
        return data, channel["id"]
    return data, GROUP


@pytest.mark.parametrize("kind", ["anonymous group admin", "forwarded from an admin", "edited", "channel post"])
@pytest.mark.parametrize("text", ["/broadcast 大家好", "/topic_del 时政", "/schedule digest 05:00"])
async def test_admin_command_in_disguise_changes_nothing(bot: BotDriver, kind: str, text: str) -> None:
    for chat_id in (READER, STRANGER):
        await bot.send("/subscribe", user=chat_id)
    before, names = snapshot(bot.db), bot.services.pipeline.tagger.taxonomy.names
    start = len(bot.api.calls)
    data, where = disguised(bot, kind, text)
    replies = await bot.feed(data, where)
    assert replies in ([], [REFUSAL], ["我不认识这个命令。发送 /help 查看全部命令。"])
    assert {p["chat_id"] for p in sent_since(bot, start)} <= {where}
    assert snapshot(bot.db) == before
    assert bot.services.pipeline.tagger.taxonomy.names == names


async def test_upload_by_a_non_admin_in_a_group_is_never_downloaded(bot: BotDriver) -> None:
    before = snapshot(bot.db)
    file = bot.api.add_file(corpus()["ok_utf8.txt"], "2026-11-22_01.txt")
    update = bot.updates.document(chat_id=GROUP, user_id=STRANGER, file_id=file.file_id, file_name=file.name,
                                  file_size=len(file.data), caption="/ingest 2026-11-22")
    assert await bot.feed(update, GROUP) == [REFUSAL]
    assert not bot.api.of("getFile")
    assert snapshot(bot.db) == before


# --- the token ----------------------------------------------------------------------------------------------

def assert_no_token(caplog: pytest.LogCaptureFixture, api: OfflineRequest) -> None:
    for record in caplog.records:
        assert TOKEN not in record.getMessage(), record.getMessage()
        assert TOKEN not in (record.exc_text or "")
    assert TOKEN not in caplog.text
    for call in api.calls:
        if call.method in ("sendMessage", "editMessageText"):
            assert TOKEN not in call.params["text"]


async def test_token_never_logged_from_start_to_errors_to_shutdown(
    bot_services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    api = OfflineRequest()
    application = build_application(bot_services, token=TOKEN, request=api)
    driver = BotDriver(application, api, bot_services)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        # A stranger pastes the token into an admin command; the refusal is logged with the text.
        assert await driver.send(f"/broadcast {TOKEN}", user=STRANGER) == [REFUSAL]

        # A handler fails with the API URL, token and all, in the exception's text.
        def leaky(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage: connection reset")

        monkeypatch.setattr(search, "search", leaky)
        assert await driver.send("/search 光伏") == [SORRY]
        monkeypatch.undo()

        # Telegram itself answers with an error whose description holds the token.
        api.fail_for(READER, 500, f"Internal Server Error: bot{TOKEN} is overloaded")
        assert await driver.send("/help") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR], "the errors were logged"
    assert_no_token(caplog, api)


# --- hostile text to reader commands --------------------------------------------------------------------------

HOSTILE_TEXT = [
    "<b>", "</b>", "<script>alert(1)</script>", "&", "&amp;", "&#0;", '"', "'", "“", "\\", "光伏\"", "((", "*",
    "NEAR(光伏 电站)", "'; DROP TABLE articles; --", "光伏 OR 1=1", "\u202e反转", "\u200b", "🌞", "👨‍👩‍👧",
    "光" * 201, "a" * 4000, "²", "١٢٣", "99999999999999999999999", "-1", "0", "2026-02-30", "25:61", "全部",
    "/start", "@paperdigest_bot",
]
READER_COMMANDS = ["/search", "", "/watch", "/unwatch", "/article", "/digest", "/time", "/subscribe",
                   "/counties", "/topics", "/alerts", "/help", "/a"]


def hostile_cases() -> list[Any]:
    return [pytest.param(command, text, id=f"{command or 'plain'}-{text[:12]!r}")
            for command in READER_COMMANDS for text in HOSTILE_TEXT]


@pytest.mark.parametrize(("command", "text"), hostile_cases())
async def test_reader_command_with_hostile_text_answers_in_valid_html(
    bot: BotDriver, caplog: pytest.LogCaptureFixture, command: str, text: str
) -> None:
    await bot.send("/subscribe")
    await bot.send("/watch 光伏")
    start = len(bot.api.calls)
    message = f"{command}{text}" if command == "/a" else f"{command} {text}".strip()
    await bot.send(message)
    await bot.send(message, user=STRANGER, chat=GROUP)
    assert_answered_well(bot, start, caplog)


@pytest.mark.parametrize("data", [
    "sq:0:" + "光" * 20, "sq:99999999999999999999999:光伏", "sq:٣:光伏", "sk:5:nonexistent", "sk:0:",
    "cty:" + "x" * 60, "cty:999", "cty#-1", "top:<b>", "top#99999999999999999999", "cty:", "top#",
])
async def test_forged_button_data_answered_without_error(
    bot: BotDriver, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    await bot.send("/subscribe")
    [message_text] = await bot.send("/topics")
    message, _ = bot.find_button("完成", READER)
    start = len(bot.api.calls)
    await bot.feed(bot.updates.callback(message, data, user_id=READER), READER)
    assert_answered_well(bot, start, caplog)
    assert telegram_html_problem(message_text) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["/search", "", "/watch", "/time", "/digest", "/article"]), text=st.text(max_size=80))
def test_any_text_to_a_reader_command(bot_services: Services, command: str, text: str) -> None:
    """Hypothesis's text through the real Application (built per example: Hypothesis runs sync tests)."""
    message = f"{command} {text}" if command else text
    if not message.strip():
        return
    api = OfflineRequest()

    async def converse() -> None:
        application = build_application(bot_services, token=TOKEN, request=api)
        async with application:
            data = {"update_id": 1, "message": {
                "message_id": 1, "date": 0, "chat": chat(READER), "from": user(READER), "text": message,
                "entities": command_entities(message)}}
            await application.process_update(Update.de_json(data, application.bot))

    asyncio.run(converse())
    assert api.of("sendMessage") or not command, "a command went unanswered"
    for call in api.of("sendMessage"):
        assert call.params["text"] != SORRY
        assert telegram_html_problem(call.params["text"]) is None, call.params["text"]


# --- bad page files uploaded by an admin ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "upload_as", "expected"), [
    ("empty.txt", "empty.txt", "❌ empty.txt：没有入库。empty file"),
    ("png_renamed.txt", "photo.txt", "❌ photo.txt：没有入库。binary file: looks like a PNG image, not page text"),
    ("broken_utf8.txt", "<b>02&<i>.txt",
     "❌ &lt;b&gt;02&amp;&lt;i&gt;.txt：没有入库。broken UTF-8 text: 3 undecodable places, the first at byte 100"),
    ("headlines_only.txt", "a\nb.txt", "❌ a?b.txt：没有入库。no article body found (only headlines or bylines)"),
    ("latin.txt", "../../etc/passwd", "❌ passwd：没有入库。not Chinese page text (decoded as utf-8, too few Chinese "
                                      "characters)"),
])
async def test_bad_upload_refused_in_one_message_and_nothing_stored(
    bot: BotDriver, caplog: pytest.LogCaptureFixture, name: str, upload_as: str, expected: str
) -> None:
    before = snapshot(bot.db)
    start = len(bot.api.calls)
    assert await upload(bot, corpus()[name], upload_as) == [expected]
    assert snapshot(bot.db) == before
    assert_answered_well(bot, start, caplog)


async def upload(bot: BotDriver, data: bytes, name: str) -> list[str]:
    """An admin's upload named `name` (Telegram's own file path never holds the sender's file name)."""
    file = bot.api.add_file(data, "upload.txt")
    update = bot.updates.document(chat_id=ADMIN, user_id=ADMIN, file_id=file.file_id, file_name=name,
                                  file_size=len(data), caption="/ingest 2026-11-22")
    return await bot.feed(update, ADMIN)


async def test_upload_named_dot_dot(bot: BotDriver, caplog: pytest.LogCaptureFixture) -> None:
    start = len(bot.api.calls)
    [reply] = await upload(bot, corpus()["ok_utf8.txt"], "..")
    assert reply.startswith("✅")
    assert_answered_well(bot, start, caplog)


async def test_repeated_page_upload_stores_each_article_once(bot: BotDriver) -> None:
    [reply] = await upload(bot, corpus()["repeated_twice.txt"], "2026-11-22_05.txt")
    assert reply.startswith("✅ 2026-11-22_05.txt：2026-11-22 第 5 版，已入库，3 篇（utf-8）")
    assert html.unescape(reply).count("\n") == 3  # one line per county
