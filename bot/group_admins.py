"""Who may change a group's subscription: the group's own admins, as Telegram says, asked briefly.

In a group the subscription, its time, filters and watches belong to the whole group, so only
its admins change them; anyone may still read (/digest, /settings, /watches, search). Telegram
is the authority (getChatMember); its answer is kept for `[limits] group_admin_cache_seconds`
so a busy group does not ask on every tap. Private chats are their owner's own business.

Also allowed: an anonymous group admin (the message comes "from" the group itself, which only
its admins can do) and the bot's own admins (`[bot] admins`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.auth import is_admin
from bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)

REFUSAL = "只有本群管理员可以修改群的订阅设置。"
CACHE_KEY = "paperdigest.group_admins"
GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


class AdminCache:
    """Telegram's answers "is user U an admin of chat C", each trusted for `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._answers: dict[tuple[int, int], tuple[bool, float]] = {}

    def get(self, chat_id: int, user_id: int, now: float) -> bool | None:
        answer = self._answers.get((chat_id, user_id))
        if answer is None or now - answer[1] >= self.ttl:
            return None
        return answer[0]

    def put(self, chat_id: int, user_id: int, is_chat_admin: bool, now: float) -> None:
        if len(self._answers) > 10_000:  # a long-running bot in many groups: drop what has expired
            self._answers = {k: v for k, v in self._answers.items() if now - v[1] < self.ttl}
        self._answers[(chat_id, user_id)] = (is_chat_admin, now)


def _cache(context: ContextTypes.DEFAULT_TYPE, services: Services) -> AdminCache:
    cache = context.application.bot_data.get(CACHE_KEY)
    if cache is None:
        cache = context.application.bot_data[CACHE_KEY] = AdminCache(services.settings.limits.group_admin_cache_seconds)
    return cache


async def may_change_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender of `update` may change its chat's subscription (always, outside groups)."""
    chat = update.effective_chat
    if chat is None or chat.type not in GROUPS:
        return True
    message = update.effective_message if update.callback_query is None else None
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin of this very group
    user = update.effective_user
    if user is None:
        return False
    services: Services = context.application.bot_data[SERVICES_KEY]
    if is_admin(services.settings, user.id):
        return True
    cache = _cache(context, services)
    now = services.now().timestamp()
    known = cache.get(chat.id, user.id, now)
    if known is not None:
        return known
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:  # not answered now: refuse, and ask again next time
        log.warning("could not ask Telegram whether user %s is an admin of chat %s: %s", user.id, chat.id, exc)
        return False
    allowed = member.status in ADMIN_STATUSES
    cache.put(chat.id, user.id, allowed, now)
    return allowed


async def refuse(update: Update) -> None:
    """Tell the sender, briefly, that only the group's admins may do this."""
    query = update.callback_query
    if query is not None:
        await query.answer(REFUSAL, show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await message.reply_text(REFUSAL)


def group_admins_only(handler: Handler) -> Handler:
    """Run `handler` in groups only for the group's admins; others get a short refusal, nothing changes."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        if await may_change_chat(update, context):
            return await handler(update, context)
        user = update.effective_user
        log.info("refused %s in chat %s to user %s (not a group admin)", handler.__name__,
                 update.effective_chat.id if update.effective_chat else None, user.id if user else None)
        await refuse(update)
        return None

    guarded.group_admins_only = True  # type: ignore[attr-defined]
    return guarded
