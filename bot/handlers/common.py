"""What every handler uses: the services, the words after a command, replying in parts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot import render
from bot.keyboards import QueryStore
from bot.services import SERVICES_KEY, Services
from digest import subscriptions

QUERIES_KEY = "search_queries"
_NUMBER = re.compile(r"[0-9]+")


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def query_store(context: ContextTypes.DEFAULT_TYPE) -> QueryStore:
    return context.application.bot_data.setdefault(QUERIES_KEY, QueryStore())


def argument(update: Update) -> str:
    """Everything after the command word, spacing and line breaks kept (`/search "a b" -c` -> `"a b" -c`)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def number(text: str, digits: int = 12) -> int | None:
    """An id typed by a person: ASCII digits only (`²` and `١٢٣` are not ids), small enough for SQLite."""
    return int(text) if _NUMBER.fullmatch(text) and len(text) <= digits else None


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def display_name(update: Update) -> str:
    chat = update.effective_chat
    if chat is not None and chat.title:
        return chat.title
    user = update.effective_user
    return user.full_name if user else ""


def default_time(s: Services) -> str:
    return subscriptions.default_time(s.db, s.settings.bot.default_time)


def county_options(s: Services) -> tuple[str, ...]:
    return s.pipeline.region.counties


def topic_options(s: Services) -> tuple[str, ...]:
    return s.pipeline.tagger.taxonomy.names


async def reply(update: Update, parts: str | Sequence[str], markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send one message or several in order to the update's chat; a keyboard goes on the last one.

    Whatever the text, nothing sent exceeds Telegram's 4,096 characters (see render.fit).
    """
    message = update.effective_message
    thread = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
    texts = [piece for text in ([parts] if isinstance(parts, str) else parts) for piece in render.fit(text)]
    sent: Message | None = None
    for i, text in enumerate(texts):
        sent = await update.get_bot().send_message(chat_id(update), text, message_thread_id=thread,
                                                   reply_markup=markup if i == len(texts) - 1 else None)
    assert sent is not None
    return sent
