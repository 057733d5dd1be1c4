"""Per-user flood control: a token bucket per user, checked before any handler runs.

Each user may send `[limits] commands_burst` commands at once, then `commands_per_minute`.
Over that, the bot says "slow down" once, then drops that user's commands silently until the
bucket has refilled enough for one; dropping costs microseconds, so one user's thousand
searches no longer queue ahead of everyone else's /start. The bot's admins are exempt.

What counts: commands, private-chat text (a search), uploads and button taps; ordinary talk in
a group, edits and commands addressed to another bot do not (the bot would not answer them).
Time is the services' clock, so tests pin it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.auth import is_admin
from bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)

SLOW_DOWN = "你发得太快了，请稍等片刻再试。"
GUARD_KEY = "paperdigest.flood"
GROUP = -1  # PTB handler group: before every handler


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once
    DROP = "drop"  # over the limit, already told


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class FloodGuard:
    """Token buckets per user: `burst` at once, refilled at `per_minute`."""

    def __init__(self, burst: int, per_minute: float) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("commands_burst must be at least 1 and commands_per_minute positive")
        self.burst = burst
        self.rate = per_minute / 60.0
        self._buckets: dict[int, _Bucket] = {}

    def admit(self, user_id: int, now: float) -> Verdict:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + max(0.0, now - bucket.at) * self.rate)
        bucket.at = max(bucket.at, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _forget_full(self, now: float) -> None:
        """Users whose bucket has refilled are as good as new: keep memory bounded."""
        self._buckets = {user: b for user, b in self._buckets.items()
                         if b.tokens + (now - b.at) * self.rate < self.burst}


def counts(update: Update, bot_username: str | None) -> bool:
    """Whether the bot would act on this update, so that it costs the sender a token."""
    if update.callback_query is not None:
        return True
    message = update.message  # new messages only: edits run nothing (bot/handlers/__init__.py)
    if message is None or message.from_user is None:
        return False
    text = message.text or message.caption or ""
    if text.startswith("/"):
        _, _, addressed_to = text.split(maxsplit=1)[0].partition("@") if text.strip() else ("", "", "")
        return not addressed_to or addressed_to.lower() == (bot_username or "").lower()
    return message.chat.type == ChatType.PRIVATE


def _sender(update: Update) -> int:
    """Whose bucket: the user's, or for a message sent as a chat (an anonymous group admin, a linked
    channel) that chat's, since Telegram shows one shared bot account as the sender of all of them."""
    message = update.message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    assert update.effective_user is not None
    return update.effective_user.id


def _guard(services: Services, context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    guard = context.application.bot_data.get(GUARD_KEY)
    if guard is None:
        limits = services.settings.limits
        guard = context.application.bot_data[GUARD_KEY] = FloodGuard(limits.commands_burst, limits.commands_per_minute)
    return guard


async def check(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let the update on to the handlers, or stop it here (saying "slow down" the first time)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    services: Services = context.application.bot_data[SERVICES_KEY]
    user_id = update.effective_user.id
    if is_admin(services.settings, user_id) or not counts(update, context.bot.username):
        return
    verdict = _guard(services, context).admit(_sender(update), services.now().timestamp())
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.WARN:
        log.info("user %s is over the command rate: slowed down", user_id)
        if update.callback_query is not None:
            await update.callback_query.answer(SLOW_DOWN)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(SLOW_DOWN)
    raise ApplicationHandlerStop  # dropped: not even an answer, which would be one more call per press
