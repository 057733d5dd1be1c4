"""Reading: the digest on demand, an article's full text, and keyword search with paging."""

from __future__ import annotations

import logging
import re
from datetime import date as Date

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, render
from bot.handlers.common import argument, chat_id, number, query_store, reply, services, topic_options
from digest import search, store, subscriptions
from digest.personal import personal_digest
from digest.watching import matches_for_watches

log = logging.getLogger(__name__)

PAGE_SIZE = 5
ARTICLE_SHORTCUT = re.compile(r"^/a([0-9]{1,12})(?:@(\w+))?\s*$")
SEARCH_USAGE = "发送 /search 加关键词，例如 /search 光伏 -招聘；也可以直接发关键词。\n用引号搜索短语：\"数字孪生\"。"


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a day's digest (default: the latest stored) through this chat's filters."""
    s = services(context)
    day: str | None = argument(update)
    if day:
        try:
            day = Date.fromisoformat(day).isoformat()
        except ValueError:
            await reply(update, f"日期格式应为 YYYY-MM-DD，例如 /digest {s.now().date().isoformat()}。")
            return
    day = day or store.latest_date(s.db, s.settings.paper)
    if day is None:
        await reply(update, "还没有任何文章入库。")
        return
    chat = chat_id(update)
    sub = subscriptions.get(s.db, chat)
    result = personal_digest(s.db, paper=s.settings.paper, date=day, subscriber=sub,
                             county_order=s.settings.county_order, topic_order=topic_options(s))
    await reply(update, render.render_digest(result))
    day_ids = [a.id for a in store.articles_on(s.db, day, s.settings.paper)]
    matches = matches_for_watches(s.db, s.pipeline.segmenter, day_ids, chat_ids=[chat], active_only=False)
    if matches.get(chat):
        await reply(update, render.render_watch_matches(matches[chat]))


async def article(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send an article's full text: /article 123."""
    article_id = number(argument(update))
    if article_id is None:
        await reply(update, "请给出文章编号，例如 /article 123（摘要里每篇后面的 /a123 也可以直接点）。")
        return
    await _send_article(update, context, article_id)


async def article_shortcut(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send an article's full text for the /a123 links in digests and results."""
    message = update.effective_message
    match = ARTICLE_SHORTCUT.match(message.text or "") if message else None
    if match is None:
        return
    addressed_to = match.group(2)
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return  # /a123@another_bot in a group: not ours
    await _send_article(update, context, int(match.group(1)))


async def _send_article(update: Update, context: ContextTypes.DEFAULT_TYPE, article_id: int) -> None:
    stored = store.get_article(services(context).db, article_id)
    if stored is None:
        await reply(update, f"没有编号为 {article_id} 的文章。")
        return
    await reply(update, render.render_article(stored))


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Search the archive for the words after /search."""
    words = argument(update)
    if not words:
        await reply(update, render.esc(SEARCH_USAGE))
        return
    await _search(update, context, words, 0)


async def search_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Search the archive for a plain text message."""
    message = update.effective_message
    if message and message.text:
        await _search(update, context, message.text.strip(), 0)


async def more_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the next page of a search and take the button off the page before."""
    query = update.callback_query
    assert query is not None and query.data is not None
    words, offset = keyboards.parse_more(query.data, query_store(context))
    if words is None:
        await query.answer("这次搜索已过期，请重新搜索。")
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # the page is too old to edit, or was already stripped: page on anyway
        log.info("could not remove the 'more' button: %s", exc)
    await _search(update, context, words, offset)


async def _search(update: Update, context: ContextTypes.DEFAULT_TYPE, words: str, offset: int) -> None:
    s = services(context)
    try:
        results = search.search(s.db, s.pipeline.segmenter, words, today=s.now().date(),
                                limit=PAGE_SIZE + 1, offset=offset)
    except search.QueryError as exc:
        await reply(update, render.esc(exc))
        return
    page = results[:PAGE_SIZE]
    markup = (keyboards.more_keyboard(words, offset + PAGE_SIZE, query_store(context))
              if len(results) > PAGE_SIZE else None)
    await reply(update, render.render_search_results(page, words, offset), markup)
