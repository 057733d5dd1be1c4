"""Who may run admin commands: the user ids in settings.bot.admins (config or $PAPERDIGEST_ADMINS)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.services import SERVICES_KEY, Services
from digest.settings import Settings

log = logging.getLogger(__name__)

REFUSAL = "抱歉，这个命令只有管理员可以使用。"

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


def is_admin(settings: Settings, user_id: int | None) -> bool:
    return user_id is not None and user_id in settings.bot.admins


def admin_only(handler: Handler) -> Handler:
    """Run `handler` for admins only; anyone else gets a short refusal, logged, and nothing changes."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        services: Services = context.application.bot_data[SERVICES_KEY]
        user = update.effective_user
        if is_admin(services.settings, user.id if user else None):
            return await handler(update, context)
        message = update.effective_message
        what = (message.text or message.caption or "a document") if message else "an update"
        log.warning("refused %s: %.40s (user %s, chat %s)", handler.__name__, what, user.id if user else None,
                    update.effective_chat.id if update.effective_chat else None)
        if message:
            await message.reply_text(REFUSAL)
        return None

    return guarded
