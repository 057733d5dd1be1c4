"""The one error handler, and the answer to commands the bot does not know."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import reply

log = logging.getLogger(__name__)

SORRY = "抱歉，出了点问题，已经记下了。请稍后再试。"


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help for a command the bot does not know (ignoring ones addressed to other bots)."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    _, _, addressed_to = command.partition("@")
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return
    await reply(update, "我不认识这个命令。发送 /help 查看全部命令。")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its update, and tell the person something went wrong."""
    # With no update, PTB reports a failed getUpdates: Telegram's answer (a 409 Conflict, a 5xx)
    # is the whole story, and bot.lifecycle acts on the ones that matter; a traceback per poll
    # would only bury the log.
    if update is None and isinstance(context.error, TelegramError):
        log.warning("polling failed: %s", context.error)
        return
    log.error("error while handling %s", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, SORRY)
        except TelegramError:
            log.warning("could not tell chat %s about the error", update.effective_chat.id)
