"""Thin handlers, one per intent: parse, call digest/, render, reply. `register` wires them all."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot import flood
from bot.handlers import admin, errors, papers, reading, requeue, sources, subscriber, watching

COMMANDS = {
    "start": subscriber.start,
    "help": subscriber.help_command,
    "subscribe": subscriber.subscribe,
    "unsubscribe": subscriber.unsubscribe,
    "time": subscriber.set_time,
    "counties": subscriber.counties,
    "topics": subscriber.topics,
    "papers": papers.papers_command,
    "settings": subscriber.show_settings,
    "digest": reading.digest,
    "article": reading.article,
    "search": reading.search_command,
    "watch": watching.watch,
    "watches": watching.list_watches,
    "unwatch": watching.unwatch,
    "alerts": watching.alerts,
    "admin": admin.admin_help,
    "ingest": admin.ingest_command,
    "topic_add": admin.topic_add,
    "topic_kw": admin.topic_keywords,
    "topic_del": admin.topic_delete,
    "topic_preview": admin.topic_preview,
    "schedule": admin.schedule,
    "stats": admin.stats,
    "broadcast": admin.broadcast,
    "sources": sources.sources,
    "fetch": sources.fetch_command,
    "requeue": requeue.requeue,
}


# Only new messages run anything. PTB's CommandHandler and MessageHandler also take edits
# (`edited_message`) by default: an admin correcting a typo in /broadcast would send it twice.
NEW = filters.UpdateType.MESSAGE


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler; order matters only for the catch-alls at the end."""
    application.add_handler(TypeHandler(Update, flood.check), group=flood.GROUP)  # per-user rate limit first
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=NEW))
    application.add_handler(MessageHandler(NEW & filters.Regex(reading.ARTICLE_SHORTCUT), reading.article_shortcut))
    application.add_handler(CallbackQueryHandler(subscriber.filter_pressed, pattern=r"^(cty|top)[:#]"))
    application.add_handler(CallbackQueryHandler(reading.more_pressed, pattern=r"^s[qk]:\d+:"))
    application.add_handler(CallbackQueryHandler(papers.paper_pressed, pattern=r"^ppr:"))
    application.add_handler(MessageHandler(NEW & filters.Document.ALL, admin.receive_page))
    application.add_handler(MessageHandler(NEW & filters.COMMAND, errors.unknown_command))
    application.add_handler(MessageHandler(NEW & filters.TEXT & filters.ChatType.PRIVATE, reading.search_text))


on_error = errors.on_error
