"""The Application as built: defaults, rate limiter, handlers, command menus, token kept out of logs."""

from __future__ import annotations

import inspect
import logging
from zoneinfo import ZoneInfo

import pytest
from bot_fixtures import ADMIN, TOKEN, BotDriver
from offline_request import OfflineRequest
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, CallbackQueryHandler, CommandHandler, MessageHandler

from bot import app as bot_app
from bot import handlers
from bot.app import api_urls, build_application, post_init, run_bot
from bot.commands import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS
from bot.handlers.errors import SORRY
from bot.localapi import ApiError
from bot.redact import REDACTED
from bot.services import SERVICES_KEY
from digest import store, topic_admin
from digest.settings import ConfigError
from digest.topics import add_topic


def test_built_with_html_shanghai_time_rate_limiter_and_one_error_handler(bot_services):
    application = build_application(bot_services, token=TOKEN, request=OfflineRequest())
    defaults = application.bot.defaults
    assert defaults.parse_mode == ParseMode.HTML
    assert defaults.tzinfo == ZoneInfo("Asia/Shanghai")
    assert isinstance(application.bot.rate_limiter, AIORateLimiter)
    assert list(application.error_handlers) == [handlers.on_error]
    assert application.bot_data[SERVICES_KEY] is bot_services
    assert application.bot.base_url == f"https://api.telegram.org/bot{TOKEN}"
    assert application.bot.base_file_url == f"https://api.telegram.org/file/bot{TOKEN}"


@pytest.mark.parametrize(("given", "expected"), [
    (None, ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")),
    ("http://127.0.0.1:8081", ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")),
    ("http://127.0.0.1:8081/bot/", ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")),
])
def test_api_urls_from_a_root_or_the_bot_form(given, expected):
    assert api_urls(given) == expected


def registered(application) -> list:
    return [h for group in application.handlers.values() for h in group]


def test_every_command_is_in_the_menus_and_every_menu_entry_answered(bot_services):
    application = build_application(bot_services, token=TOKEN, request=OfflineRequest())
    commands = {c for h in registered(application) if isinstance(h, CommandHandler) for c in h.commands}
    assert commands == {name for name, _ in SUBSCRIBER_COMMANDS + ADMIN_COMMANDS}


def test_every_handler_has_a_one_line_docstring(bot_services):
    application = build_application(bot_services, token=TOKEN, request=OfflineRequest())
    callbacks = [h.callback for h in registered(application)
                 if isinstance(h, CommandHandler | MessageHandler | CallbackQueryHandler)]
    callbacks += list(application.error_handlers)
    for callback in callbacks:
        doc = inspect.getdoc(callback) or ""
        assert doc and "\n" not in doc and doc.endswith("."), callback.__qualname__


def test_admin_commands_are_guarded(bot_services):
    application = build_application(bot_services, token=TOKEN, request=OfflineRequest())
    callbacks = {c: h.callback for h in registered(application) if isinstance(h, CommandHandler) for c in h.commands}
    for name, _ in ADMIN_COMMANDS:
        assert hasattr(callbacks[name], "__wrapped__"), f"/{name} is not admin_only"
    for name, _ in SUBSCRIBER_COMMANDS:
        # Open to all; in groups, those that change the group's subscription only to its admins.
        callback = callbacks[name]
        assert not hasattr(callback, "__wrapped__") or getattr(callback, "group_admins_only", False), \
            f"/{name} should be open to all"


async def test_menus_are_set_per_scope(bot_services):
    api = OfflineRequest()
    async with build_application(bot_services, token=TOKEN, request=api) as application:
        await post_init(application)
    default, admin = api.of("setMyCommands")
    assert default.params["scope"] == {"type": "default"}
    assert [c["command"] for c in default.params["commands"]] == [n for n, _ in SUBSCRIBER_COMMANDS]
    assert admin.params["scope"] == {"type": "chat", "chat_id": ADMIN}
    assert [c["command"] for c in admin.params["commands"]] == [n for n, _ in SUBSCRIBER_COMMANDS + ADMIN_COMMANDS]


async def test_an_admin_who_never_started_the_bot_does_not_stop_it(bot_services, caplog):
    class NoChat(OfflineRequest):
        def api_setMyCommands(self, params):
            if params["scope"]["type"] == "chat":
                raise ApiError(400, "Bad Request: chat not found")
            return True

    async with build_application(bot_services, token=TOKEN, request=NoChat()) as application:
        await post_init(application)
    assert f"admin menu for {ADMIN} not set: Chat not found" in caplog.text


async def test_the_error_handler_logs_and_apologises(bot, monkeypatch, caplog):
    def broken(db, article_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "get_article", broken)
    assert await bot.send("/article 1") == [SORRY]
    assert "disk on fire" in caplog.text


async def test_the_token_never_reaches_a_log(bot_services, caplog):
    caplog.set_level(logging.DEBUG)
    api = OfflineRequest()
    application = build_application(bot_services, token=TOKEN, request=api)
    async with application:
        await BotDriver(application, api, bot_services).send("/start")
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
    try:
        raise ValueError(f"could not reach {url}")
    except ValueError:
        logging.getLogger("telegram.ext.Updater").exception("network loop failed")
    assert "Set Bot API URL" in caplog.text, "PTB's own debug line, which holds the token, was emitted"
    assert f"POST https://api.telegram.org/bot{REDACTED}/getMe" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() and TOKEN not in (r.exc_text or "") for r in caplog.records)


def test_run_bot_needs_a_token_from_the_environment(bot_settings, tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        run_bot(bot_settings, tmp_path / "x.db")


def test_run_bot_polls_the_configured_server_with_the_stored_taxonomy(bot_settings, pipeline, db, tmp_path,
                                                                      monkeypatch):
    edited = add_topic(pipeline.tagger.taxonomy, "冬季供暖", topic_admin.parse_keywords(["供暖:10"]))
    topic_admin.save_taxonomy(db, edited)
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    built_with = []
    monkeypatch.setattr(bot_app.Pipeline, "build",
                        classmethod(lambda cls, settings, taxonomy=None: built_with.append(taxonomy) or pipeline))
    ran = []
    monkeypatch.setattr(bot_app.Application, "run_polling", lambda self, **kw: ran.append((self, kw)))
    reached = []

    async def reach(token, api, retry_for):
        reached.append((api, retry_for))

    monkeypatch.setattr(bot_app, "_reach", reach)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081")
    run_bot(bot_settings, db_path, extensions=())
    [(application, kwargs)] = ran
    assert application.bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert kwargs == {"allowed_updates": Update.ALL_TYPES}
    assert reached == [("http://127.0.0.1:8081/bot", 300.0)]  # Telegram checked first, [bot] start_retry_for
    assert "冬季供暖" in built_with[0].names
    application.bot_data[SERVICES_KEY].db.close()
