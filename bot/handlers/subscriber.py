"""Subscribers' own commands: subscribe, time, county and topic filters, settings."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import hooks, keyboards, render
from bot.auth import is_admin
from bot.commands import SUBSCRIBER_COMMANDS
from bot.group_admins import group_admins_only
from bot.handlers.common import (
    argument,
    chat_id,
    county_options,
    default_time,
    display_name,
    reply,
    services,
    topic_options,
)
from digest import subscriptions
from digest.subscriptions import SubscriptionError

log = logging.getLogger(__name__)

NOT_SUBSCRIBED = "你还没有订阅：先发送 /subscribe。"
LABELS = {keyboards.COUNTY: "县市区", keyboards.TOPIC: "栏目"}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does and how to subscribe."""
    s = services(context)
    await reply(update, render.render_start(s.settings.paper, default_time(s)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands (admins are pointed to /admin too)."""
    text = render.render_help(SUBSCRIBER_COMMANDS, "命令一览")
    user = update.effective_user
    if is_admin(services(context).settings, user.id if user else None):
        text += "\n\n管理命令：/admin"
    await reply(update, text)


@group_admins_only
async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Subscribe this chat at the given time, or the default time."""
    s = services(context)
    try:
        sub = subscriptions.subscribe(s.db, chat_id(update), argument(update) or default_time(s), display_name(update))
    except SubscriptionError as exc:
        await reply(update, render.esc(exc))
        return
    log.info("chat %s subscribed at %s", sub.chat_id, sub.time)
    hooks.schedule_changed(context.application)
    await reply(update, f"已订阅：每天 <b>{sub.time}</b> 推送{render.esc(s.settings.paper)}摘要。\n"
                        "用 /counties、/topics 只看关心的内容，/time 修改时间，/digest 现在就看。")


@group_admins_only
async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop this chat's subscription, keeping its filters and watches for a comeback."""
    if subscriptions.deactivate(services(context).db, chat_id(update)):
        hooks.schedule_changed(context.application)
        await reply(update, "已退订。你的筛选和关注词都保留着，随时 /subscribe 回来。")
    else:
        await reply(update, "你目前没有订阅。")


@group_admins_only
async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Change the time this chat's digest arrives."""
    text = argument(update)
    if not text:
        await reply(update, "请给出时间，例如 /time 07:00。")
        return
    try:
        sub = subscriptions.set_time(services(context).db, chat_id(update), text)
    except SubscriptionError as exc:
        await reply(update, render.esc(exc))
        return
    hooks.schedule_changed(context.application)
    await reply(update, f"好的，以后每天 <b>{sub.time}</b> 推送。")


@group_admins_only
async def counties(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the county keyboard: tap to follow or drop each county."""
    await _show_filter(update, context, keyboards.COUNTY)


@group_admins_only
async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the topic keyboard: tap to follow or drop each topic."""
    await _show_filter(update, context, keyboards.TOPIC)


def _options(context: ContextTypes.DEFAULT_TYPE, kind: str) -> tuple[str, ...]:
    s = services(context)
    return county_options(s) if kind == keyboards.COUNTY else topic_options(s)


def _selected(sub: subscriptions.Subscriber, kind: str) -> tuple[str, ...]:
    return sub.counties if kind == keyboards.COUNTY else sub.topics


async def _show_filter(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str) -> None:
    sub = subscriptions.get(services(context).db, chat_id(update))
    if sub is None:
        await reply(update, NOT_SUBSCRIBED)
        return
    selected = _selected(sub, kind)
    await reply(update, render.render_filter(LABELS[kind], selected),
                keyboards.filter_keyboard(kind, _options(context, kind), selected))


@group_admins_only
async def filter_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle the tapped county or topic (or all of them) and redraw the keyboard."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    kind = query.data[:3]
    options = _options(context, kind)
    press = keyboards.parse_filter_press(query.data, options)
    db = services(context).db
    sub = subscriptions.get(db, query.message.chat.id)
    if sub is None:
        await query.answer(NOT_SUBSCRIBED)
        return
    if press is None:
        await query.answer(f"这个按钮已过期，请重新发送 /{'counties' if kind == keyboards.COUNTY else 'topics'}。")
        return
    current = _selected(sub, kind)
    if press.name == keyboards.DONE:
        await query.answer()
        await query.edit_message_text(f"已保存。{LABELS[kind]}：{render.choice_text(current)}")
        return
    chosen = () if press.name == keyboards.ALL else keyboards.toggle(current, press.name, options)
    save = subscriptions.set_counties if kind == keyboards.COUNTY else subscriptions.set_topics
    save(db, sub.chat_id, chosen)
    await query.answer(f"{LABELS[kind]}：{'、'.join(chosen) or '全部'}")
    if chosen != current:
        try:
            await query.edit_message_text(render.render_filter(LABELS[kind], chosen),
                                          reply_markup=keyboards.filter_keyboard(kind, options, chosen))
        except BadRequest as exc:  # two quick taps can race to the same state
            if "not modified" not in str(exc):
                raise


async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show what this chat follows and when its digest comes."""
    s = services(context)
    chat = chat_id(update)
    await reply(update, render.render_settings(subscriptions.get(s.db, chat), subscriptions.watches(s.db, chat),
                                               default_time(s)))
