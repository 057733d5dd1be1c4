"""/requeue: an admin sends again what a run left unknown or failed (bot/delivery.py's rule).

Rows are named by id, range, date (a day's run) or `all`; unknown rows go with the resend
marker, failed rows as they were; chats that blocked the bot or left are skipped. The sender
is woken so they go at once (digest/outbox.py `requeue`).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import hooks, render
from bot.auth import admin_only
from bot.handlers.common import argument, reply, services
from digest import outbox

log = logging.getLogger(__name__)

USAGE = ("用法：/requeue 编号 … 或 /requeue 12-20、/requeue 2026-11-20（当天全部结果不明和放弃发送的消息）、"
         "/requeue all。结果不明的消息补发时带“补发”标记。")


@admin_only
async def requeue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-queue unknown or failed outbox rows by id, range, date or all."""
    s = services(context)
    words = argument(update).split()
    waiting = outbox.delivery_stats(s.db)
    if not words:
        await reply(update, f"{USAGE}\n现在：结果不明 {waiting['unknown']} 条，放弃发送 {waiting['failed']} 条。")
        return
    try:
        chosen = outbox.select(s.db, words)
    except outbox.SelectionError as exc:
        await reply(update, f"{render.esc(exc)}\n{USAGE}")
        return
    done = outbox.requeue(s.db, chosen, s.now())
    user = update.effective_user
    log.warning("admin %s re-queued %d outbox rows: %s", user.id if user else None, len(done), done[:50])
    if done and hooks.delivers_outbox(context.application):
        hooks.outbox_queued(context.application)
    shown = "、".join(f"#{i}" for i in done[:30]) + ("……" if len(done) > 30 else "")
    text = f"已重新排队 {len(done)} 条{('：' + shown) if done else ''}。"
    if len(chosen) > len(done):
        text += f"\n另有 {len(chosen) - len(done)} 个编号不是结果不明或放弃发送的消息（或订阅者已退订、屏蔽），没有动。"
    await reply(update, text)
