"""Keyword watches: saved searches whose new matches come with the digest or right after ingest."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import render
from bot.group_admins import group_admins_only, may_change_chat, refuse
from bot.handlers.common import argument, chat_id, number, reply, services
from digest import subscriptions
from digest.search import QueryError, parse_query
from digest.subscriptions import SubscriptionError

ON, OFF = {"on", "开", "开启", "1", "yes"}, {"off", "关", "关闭", "0", "no"}


@group_admins_only
async def watch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep a keyword alert for the words after /watch."""
    s = services(context)
    words = argument(update)
    if not words:
        await reply(update, "请给出要关注的关键词，例如 /watch 光伏 或 /watch \"数字孪生\" -招聘。")
        return
    try:
        parse_query(words, s.pipeline.segmenter)
        added = subscriptions.add_watch(s.db, chat_id(update), words, max_chars=s.settings.limits.max_watch_chars,
                                        max_watches=s.settings.limits.max_watches)
    except (QueryError, SubscriptionError) as exc:
        await reply(update, render.esc(exc))
        return
    sub = subscriptions.get(s.db, added.chat_id)
    text = (f"已关注“{render.esc(added.query)}”（编号 {added.id}）。新文章会随每日摘要发给你；"
            "发送 /alerts on 可在入库后立即收到。")
    if sub is None or not sub.active:
        text += "\n注意：你还没有订阅，订阅后才会收到提醒：/subscribe"
    await reply(update, text)


async def list_watches(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List this chat's watched words with their numbers."""
    await reply(update, render.render_watches(subscriptions.watches(services(context).db, chat_id(update))))


@group_admins_only
async def unwatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove a watched word by its number."""
    watch_id = number(argument(update))
    if watch_id is None:
        await reply(update, "请给出关注词编号，例如 /unwatch 3（/watches 可查看编号）。")
        return
    try:
        subscriptions.remove_watch(services(context).db, chat_id(update), watch_id)
    except SubscriptionError as exc:
        await reply(update, render.esc(exc))
        return
    await reply(update, f"已取消关注 {watch_id}。")


async def alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn instant alerts after each ingest on or off, or say which it is."""
    db = services(context).db
    choice = argument(update).lower()
    if choice not in ON | OFF:
        sub = subscriptions.get(db, chat_id(update))
        state = "开" if sub and sub.instant_alerts else "关"
        await reply(update, f"入库即时提醒现在是<b>{state}</b>。用 /alerts on 或 /alerts off 切换。")
        return
    if not await may_change_chat(update, context):
        await refuse(update)
        return
    try:
        sub = subscriptions.set_instant_alerts(db, chat_id(update), choice in ON)
    except SubscriptionError as exc:
        await reply(update, render.esc(exc))
        return
    await reply(update, "好的：新文章一入库，命中关注词就立即提醒你。" if sub.instant_alerts
                else "好的：命中关注词的新文章随每日摘要一起发送。")
