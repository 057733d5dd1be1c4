"""The Telegram Application, built in one place, and `run_bot` for `paperdigest run`.

Configuration: the token only from $TELEGRAM_BOT_TOKEN (never logged: see bot.redact); the Bot
API server from $TELEGRAM_API_BASE_URL (default Telegram's), either a server root such as
`http://127.0.0.1:8081` or PTB's form ending in `/bot`, so a self-hosted Bot API server or a
test server works the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot import handlers, hooks, lifecycle, notices, redact
from bot.commands import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS
from bot.handlers.common import QUERIES_KEY
from bot.keyboards import QueryStore
from bot.schedule import parse_duration
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
GUARD_KEY = "paperdigest.refusal_guard"

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
    Every call goes through a `lifecycle.GuardedRequest`, which notes Telegram refusing the
    token; `run_bot` makes that stop the process (bot/lifecycle.py).
    """
    redact.protect(token)  # before PTB logs its base URL, which contains the token
    api, files = api_urls(base_url)
    guard = lifecycle.RefusalGuard()
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
    # PTB's own defaults: a pool for concurrent sends, one connection for the long poll.
    requests = (request, request) if request is not None else (HTTPXRequest(connection_pool_size=256),
                                                               HTTPXRequest(connection_pool_size=1))
    builder = (builder.request(lifecycle.GuardedRequest(requests[0], guard))
               .get_updates_request(lifecycle.GuardedRequest(requests[1], guard)))
    application = builder.build()
    application.bot_data[GUARD_KEY] = guard  # records a refusal; run_bot makes it stop the process
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
    from bot import fetching, jobs

    jobs.install_jobs(application)
    fetching.install(application)  # the sources' fetch times and deadlines (config/sources.toml)
    hooks.on_schedule_changed(application, jobs.reschedule)


def run_bot(settings: Settings, db_path: Path | str, *, extensions: Sequence[Extension] | None = None) -> None:
    """Run the bot with long polling until interrupted; the token comes from $TELEGRAM_BOT_TOKEN.

    `extensions` default to `scheduling`: a bot that answers commands and delivers digests.
    Raises `lifecycle.BotStopped` (one line, an exit status) when Telegram refuses the token, at
    start or later, or cannot be reached at start within `[bot] start_retry_for`.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"{TOKEN_ENV} is not set: get a token from @BotFather and export it.")
    redact.protect(token)
    redact.protect_handlers()
    redact.protect_excepthooks()
    redact.quiet_http_logging()
    try:
        retry_for = parse_duration(settings.bot.start_retry_for, "bot.start_retry_for")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    base_url = os.environ.get(BASE_URL_ENV) or None
    api = api_urls(base_url)[0]
    log.info("bot starting: %s, database %s, API %s", settings.paper, db_path, lifecycle.server_name(api))
    asyncio.run(_reach(token, api, retry_for))
    services = make_services(settings, db_path)
    application = build_application(services, token=token, base_url=base_url,
                                    extensions=(scheduling,) if extensions is None else extensions)
    guard: lifecycle.RefusalGuard = application.bot_data[GUARD_KEY]
    lifecycle.stop_on_refusal(application, guard, settings.bot.admins, notices.notify_admins)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    except TelegramError as exc:  # at initialize, after the check above (the token revoked meanwhile)
        raise _stopped(exc, api) from None
    finally:
        services.db.close()
    refusal = guard.refusal
    if refusal is not None:
        raise lifecycle.BotStopped(refusal.describe(), refusal.exit_code)


async def _reach(token: str, api: str, retry_for: float) -> None:
    """Before anything else: does Telegram answer, and does it take the token? (bot/lifecycle.py)"""
    request = HTTPXRequest()
    bot = Bot(token, base_url=api, request=request)  # not `async with`: its initialize() calls getMe unguarded
    await request.initialize()
    try:
        await lifecycle.reach_telegram(bot, api, retry_for=retry_for)
    finally:
        await request.shutdown()


def _stopped(exc: TelegramError, api: str) -> lifecycle.BotStopped:
    if isinstance(exc, InvalidToken):
        return lifecycle.BotStopped(f"token rejected by Telegram ({lifecycle.refusal_reason(exc)})",
                                    lifecycle.EXIT_TOKEN_REJECTED)
    return lifecycle.BotStopped(f"cannot reach {lifecycle.server_name(api)}: {lifecycle.network_cause(exc)}",
                                lifecycle.EXIT_UNREACHABLE)
