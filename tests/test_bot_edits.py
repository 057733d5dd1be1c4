"""Issue 14.5: only new messages run commands; an edit of one never runs it again.

Telegram sends an edit as an `edited_message` update carrying the whole text again. PTB's
CommandHandler and MessageHandler accept edits by default, so an admin who corrected a typo
in /broadcast sent it to every subscriber twice.
"""

from __future__ import annotations

import pytest
from bot_fixtures import ADMIN, READER, SAMPLES, BotDriver, snapshot

from bot import handlers
from digest import subscriptions

PAGE_BYTES = (SAMPLES / "2026-11-20_01.txt").read_bytes()

# One edit per handler: every command, the /a123 shortcut, plain-text search, a document.
EDITS = [f"/{name}" for name in handlers.COMMANDS] + ["/broadcast 大家好", "/time 05:00", "/watch 光伏", "/a1",
                                                      "光伏", "/nonsense"]


async def test_an_edited_broadcast_is_not_sent_again(bot: BotDriver) -> None:
    for chat in (READER, 1003):
        subscriptions.subscribe(bot.db, chat, "07:30")
    original = bot.updates.message("/broadcast 今晚维护", chat_id=ADMIN, user_id=ADMIN)
    assert await bot.feed(original, ADMIN) == ["已发送给 2 位订阅者。"]
    sends = len(bot.api.of("sendMessage"))
    replies = await bot.feed(bot.updates.edited(original, text="/broadcast 今晚十点维护"), ADMIN)
    assert replies == []
    assert len(bot.api.of("sendMessage")) == sends, "nobody hears of the edit"
    assert bot.api.texts(READER) == ["今晚维护"]


@pytest.mark.parametrize("text", EDITS)
@pytest.mark.parametrize("who", [READER, ADMIN])
async def test_no_edit_runs_anything(bot: BotDriver, text: str, who: int) -> None:
    await bot.send("/subscribe", user=READER)
    before = snapshot(bot.db)
    calls = len(bot.api.calls)
    original = bot.updates.message(text, chat_id=who, user_id=who)
    await bot.feed(bot.updates.edited(original), who)
    assert [c.method for c in bot.api.calls[calls:]] == [], "no reply, no call of any kind"
    assert snapshot(bot.db) == before


async def test_an_edited_upload_caption_stores_nothing(bot: BotDriver) -> None:
    file = bot.api.add_file(PAGE_BYTES, "2026-11-22_01.txt")
    update = bot.updates.document(chat_id=ADMIN, user_id=ADMIN, file_id=file.file_id, file_name=file.name,
                                  file_size=len(PAGE_BYTES), caption="/ingest 2026-11-22")
    before = snapshot(bot.db)
    update["edited_message"] = {**update.pop("message"), "edit_date": 1}
    assert await bot.feed(update, ADMIN) == []
    assert not bot.api.of("getFile")
    assert snapshot(bot.db) == before
