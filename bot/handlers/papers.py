"""/papers: a subscriber picks which papers their digest covers, when the bot follows several.

The options are the default paper ([paper] name) and the papers of the enabled sources
(config/sources.toml). Buttons toggle (`ppr:<i>`); the last paper cannot be dropped, so a
digest always has one; "完成" closes the keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import fetching, render
from bot.handlers.common import chat_id, reply, services
from digest import papers, subscriptions

PREFIX = "ppr"
DONE = "."
NOT_SUBSCRIBED = "你还没有订阅：先发送 /subscribe。"


def paper_options(context: ContextTypes.DEFAULT_TYPE) -> tuple[str, ...]:
    default = services(context).settings.paper
    return tuple(dict.fromkeys((default, *fetching.sources_of(context.application).papers)))


def _keyboard(options: Sequence[str], chosen: Sequence[str]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"{name} ✓" if name in chosen else name, callback_data=f"{PREFIX}:{i}")]
            for i, name in enumerate(options)]
    rows.append([InlineKeyboardButton("完成", callback_data=f"{PREFIX}:{DONE}")])
    return InlineKeyboardMarkup(rows)


def _text(chosen: Sequence[str]) -> str:
    return f"选择摘要包含的报纸（点按切换，可多选）。\n当前：{render.choice_text(chosen)}"


async def papers_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the paper keyboard, or say there is only one paper."""
    s = services(context)
    options = paper_options(context)
    if len(options) < 2:
        await reply(update, f"目前只有一份报纸：{render.esc(options[0])}。")
        return
    if subscriptions.get(s.db, chat_id(update)) is None:
        await reply(update, NOT_SUBSCRIBED)
        return
    chosen = papers.chosen(s.db, chat_id(update), s.settings.paper)
    await reply(update, _text(chosen), _keyboard(options, chosen))


async def paper_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle the tapped paper and redraw the keyboard."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    s = services(context)
    options = paper_options(context)
    chat = query.message.chat.id
    if subscriptions.get(s.db, chat) is None:
        await query.answer(NOT_SUBSCRIBED)
        return
    current = papers.chosen(s.db, chat, s.settings.paper)
    rest = query.data[len(PREFIX) + 1:]
    if rest == DONE:
        await query.answer()
        await query.edit_message_text(f"已保存。报纸：{render.choice_text(current)}")
        return
    index = int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 4 else -1
    if not 0 <= index < len(options):
        await query.answer("这个按钮已过期，请重新发送 /papers。")
        return
    chosen = papers.set_chosen(s.db, chat, papers.toggle(current, options[index], options, s.settings.paper))
    await query.answer(f"报纸：{'、'.join(chosen)}")
    if chosen != current:
        await query.edit_message_text(_text(chosen), reply_markup=_keyboard(options, chosen))
