"""Admins' view of the sources: /sources (each source and its last fetch), /fetch (fetch now)."""

from __future__ import annotations

import html
from datetime import date as Date

from telegram import Update
from telegram.ext import ContextTypes

from bot import background, fetching
from bot.auth import admin_only
from bot.handlers.common import argument, reply, services
from digest import fetch
from digest.settings import ConfigError


@admin_only
async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the configured sources, their times and what their last fetch did."""
    config = fetching.sources_of(context.application)
    runs = fetch.last_runs(services(context).db)
    await reply(update, fetching.render_sources(config, runs))


@admin_only
async def fetch_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fetch now: /fetch [source ...] [YYYY-MM-DD]; the work runs off the event loop."""
    words = argument(update).split()
    day = None
    if words and words[-1][:1].isdigit():
        try:
            day = Date.fromisoformat(words.pop())
        except ValueError:
            await reply(update, "日期格式应为 YYYY-MM-DD，例如 /fetch 2026-11-20。")
            return
    config = fetching.sources_of(context.application)
    if not config.enabled and not words:
        await reply(update, fetching.render_sources(config, {}))
        return
    try:
        for name in words:
            config.get(name)
    except ConfigError as exc:
        await reply(update, html.escape(str(exc), quote=False))
        return
    # In the background: a fetch takes seconds, and PTB handles updates one at a time (bot/background.py).
    background.start(context.application, _fetch_and_report(update, context, words, day), update=update,
                     name="paperdigest:fetch-command")


async def _fetch_and_report(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str],
                            day: Date | None) -> None:
    reports = await fetching.fetch_now(context.application, words or None, day)
    await reply(update, fetching.render_reports(reports))
