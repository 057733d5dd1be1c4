"""The Telegram Application, built in one place, and `run_bot` for `paperdigest run`.

Configuration: the token only from $TELEGRAM_BOT_TOKEN (never logged: see bot.redact); the Bot
API server from $TELEGRAM_API_BASE_URL (default Telegram's), either a server root such as
`http://127.0.0.1:8081` or PTB's form ending in `/bot`, so a self-hosted Bot API server or a
test server works the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot import handlers, hooks, redact
from bot.commands import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS
from bot.handlers.common import QUERIES_KEY
from bot.keyboards import QueryStore
from bot.services import SERVICES_KEY, Services
from digest import reindex, store
from digest.pipeline import Pipeline
from digest.settings import ConfigError, Settings
from digest.topic_admin import stored_taxonomy

log = logging.getLogger(__name__)
TELEGRAM_MAX_RATE = 30  # messages/s Telegram allows a bot overall

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
TELEGRAM_API = "https://api.telegram.org"

App = Application[Any, Any, Any, Any, Any, Any]
Extension = Callable[[App], None]


def api_urls(base_url: str | None) -> tuple[str, str]:
    """PTB's method and file URL prefixes (it appends the token) for a server root or a `…/bot` URL."""
    root = (base_url or TELEGRAM_API).rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def make_services(settings: Settings, db_path: Path | str, clock: Callable[[], datetime] | None = None) -> Services:
    """Open the database and build the pipeline once, tagging by the admins' taxonomy if they edited it."""
    db = store.connect(db_path)
    pipeline = Pipeline.build(settings, taxonomy=stored_taxonomy(db))
    reindex.ensure_index(db, pipeline.segmenter.fingerprint, lambda: pipeline.segmenter)  # before any search
    return Services(settings, db, pipeline) if clock is None else Services(settings, db, pipeline, clock)


def build_application(
    services: Services,
    *,
    token: str,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    extensions: Sequence[Extension] = (),
) -> App:
    """The bot: HTML and Shanghai time by default, rate-limited, every handler, one error handler last.

    `request` replaces the HTTP client (tests and the terminal chat pass an offline one);
    `extensions` are called with the application before the error handler is added (jobs, hooks).
    """
    redact.protect(token)  # before PTB logs its base URL, which contains the token
    api, files = api_urls(base_url)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(api)
        .base_file_url(files)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=services.tz,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # max_retries=0: a 429 reaches the caller; the delivery outbox owns retries, so none double up.
        # Our outbox paces digests at [bot] rate_per_second and retries itself; PTB's limiter is only
        # a safety net at Telegram's own 30/s (at our rate it would also count failed calls).
        .rate_limiter(AIORateLimiter(overall_max_rate=TELEGRAM_MAX_RATE, max_retries=0))
        .post_init(post_init)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    _use_stored_taxonomy(services)
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[QUERIES_KEY] = QueryStore()
    handlers.register(application)
    for extend in extensions:
        extend(application)
    application.add_error_handler(handlers.on_error)
    return application


def _use_stored_taxonomy(services: Services) -> None:
    taxonomy = stored_taxonomy(services.db)
    if taxonomy is not None and taxonomy != services.pipeline.tagger.taxonomy:
        services.pipeline = services.pipeline.with_taxonomy(taxonomy)
        log.info("tagging by the admins' taxonomy (%d topics)", len(taxonomy.topics))


def bot_commands(commands: Sequence[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in commands]


async def post_init(application: App) -> None:
    """Set the command menus: subscribers' commands for everyone, admin commands in each admin's chat."""
    services: Services = application.bot_data[SERVICES_KEY]
    bot = application.bot
    await bot.set_my_commands(bot_commands(SUBSCRIBER_COMMANDS), scope=BotCommandScopeDefault())
    for admin in services.settings.bot.admins:
        try:
            await bot.set_my_commands(bot_commands(SUBSCRIBER_COMMANDS + ADMIN_COMMANDS),
                                      scope=BotCommandScopeChat(admin))
        except TelegramError as exc:  # the admin has not started a chat with the bot yet
            log.warning("admin menu for %s not set: %s", admin, exc)


@contextlib.asynccontextmanager
async def polling(application: App, *, timeout: float = 10, poll_interval: float = 0.0) -> AsyncIterator[App]:
    """Run the application with long polling inside an event loop that is already running.

    What `Application.run_polling` does, minus the signal handling and the loop it owns: for
    tests and for embedding.
    """
    async with application:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(timeout=int(timeout), poll_interval=poll_interval,
                                                allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


def scheduling(application: App) -> None:
    """Digests at each subscriber's time, the inbox ingest and the outbox sender (bot/jobs.py)."""
    # Imported here: only `paperdigest run` schedules; tests and the terminal chat build without it.
    from bot import jobs

    jobs.install_jobs(application)
    hooks.on_schedule_changed(application, jobs.reschedule)


def run_bot(settings: Settings, db_path: Path | str, *, extensions: Sequence[Extension] | None = None) -> None:
    """Run the bot with long polling until interrupted; the token comes from $TELEGRAM_BOT_TOKEN.

    `extensions` default to `scheduling`: a bot that answers commands and delivers digests.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"{TOKEN_ENV} is not set: get a token from @BotFather and export it.")
    redact.protect(token)
    redact.quiet_http_logging()
    services = make_services(settings, db_path)
    base_url = os.environ.get(BASE_URL_ENV) or None
    application = build_application(services, token=token, base_url=base_url,
                                    extensions=(scheduling,) if extensions is None else extensions)
    log.info("bot starting: %s, database %s, API %s", settings.paper, db_path, api_urls(base_url)[0])
    application.run_polling(allowed_updates=Update.ALL_TYPES)
