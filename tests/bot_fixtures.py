"""Fixtures for the bot's tests: a seeded database, Services with a pinned clock, and a driver.

The driver feeds updates to the real Application (built by bot.app.build_application) with an
OfflineRequest, and returns what the bot sent back. The seeded database is built once per
session (the sample pages and the two seed pages, ingested) and copied for each test.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from offline_request import OfflineRequest
from telegram import Update

from bot import background
from bot.app import App, build_application
from bot.services import Services
from bot.updates import UpdateFactory
from digest import ingest, store
from digest.pipeline import Pipeline
from digest.settings import Settings

ADMIN = 9001
READER = 1001
STRANGER = 1002
GROUP = -1001234567890
TOKEN = "123456:TEST-token-never-in-logs"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LATEST = "2026-11-21"


def snapshot(db: Any) -> list[str]:
    """Every row of every table, as SQL: two equal snapshots mean nothing changed."""
    return list(db.conn.iterdump())


class BotDriver:
    """Talk to the Application as Telegram would, and read back what it sent."""

    def __init__(self, application: App, api: OfflineRequest, services: Services) -> None:
        self.application = application
        self.api = api
        self.services = services
        self.updates = UpdateFactory(clock=lambda: NOW.timestamp())

    @property
    def db(self) -> Any:
        return self.services.db

    async def feed(self, data: dict[str, Any], chat: int, *, settle: bool = True) -> list[str]:
        """Process one update; with `settle`, also wait for the work it started in the background."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        if settle:
            await background.settle(self.application)
        return self.api.texts(chat, since=before)

    async def send(self, text: str, *, user: int = READER, chat: int | None = None) -> list[str]:
        """Send `text` as `user` (in their private chat unless `chat`); the HTML the bot sent back."""
        chat = user if chat is None else chat
        return await self.feed(self.updates.message(text, chat_id=chat, user_id=user), chat)

    async def press(self, label: str, *, user: int = READER, chat: int | None = None) -> list[str]:
        """Tap the button labelled `label` on the latest message in the chat that has a keyboard."""
        chat = user if chat is None else chat
        message, button = self.find_button(label, chat)
        return await self.feed(self.updates.callback(message, button["callback_data"], user_id=user), chat)

    def find_button(self, label: str, chat: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """The button and its message, on the newest message of the chat that has a keyboard now."""
        seen: set[int] = set()
        for call in reversed(self.api.calls):
            result = call.result
            if call.status != 200 or not isinstance(result, dict) or result.get("chat", {}).get("id") != chat:
                continue
            if call.result["message_id"] in seen:
                continue  # an older state of a message edited since
            seen.add(call.result["message_id"])
            rows = (call.result.get("reply_markup") or {}).get("inline_keyboard", [])
            if rows:
                for row in rows:
                    for button in row:
                        if button["text"] == label:
                            return call.result, button
                raise AssertionError(f"no button {label!r} in {[b['text'] for r in rows for b in r]}")
        raise AssertionError("no message with a keyboard")

    async def upload(self, data: bytes, name: str, *, user: int = ADMIN, caption: str = "") -> list[str]:
        """Send a file as `user`, as Telegram delivers a document message."""
        file = self.api.add_file(data, name)
        update = self.updates.document(chat_id=user, user_id=user, file_id=file.file_id, file_name=name,
                                       file_size=len(data), caption=caption)
        return await self.feed(update, user)


@pytest.fixture(scope="session")
def bot_settings(settings: Settings) -> Settings:
    """The project's settings with one admin, and no admins from the environment."""
    return dataclasses.replace(settings, bot=dataclasses.replace(settings.bot, admins=(ADMIN,)))


@pytest.fixture(scope="session")
def seeded_db_file(tmp_path_factory: pytest.TempPathFactory, pipeline: Pipeline, seed_files: list[Path]) -> Path:
    """A database holding the three sample pages and the two seed pages, built once."""
    path = tmp_path_factory.mktemp("bot") / "seeded.db"
    db = store.connect(path)
    for page in sorted(SAMPLES.glob("*.txt")):
        ingest.ingest_file(db, pipeline, page, paper="聊城日报", date=page.name[:10],
                           page_no=ingest.page_number(page, 1))
    # The seed's name (000_…) holds no page number; page 3 leaves pages 1-2 of that day to the
    # fetch tests' fake e-paper site.
    ingest.ingest_files(db, pipeline, seed_files[:1], paper="聊城日报", date="2024-11-06", page=3)
    ingest.ingest_files(db, pipeline, seed_files[1:], paper="聊城日报", date="2024-08-28")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def bot_db(seeded_db_file: Path, tmp_path: Path) -> Any:
    """A fresh copy of the seeded database for one test."""
    db = store.connect(tmp_path / "bot.db")
    source = sqlite3.connect(seeded_db_file)
    source.backup(db.conn)
    source.close()
    yield db
    db.close()


@pytest.fixture
def bot_services(bot_settings: Settings, bot_db: Any, pipeline: Pipeline) -> Services:
    return Services(bot_settings, bot_db, pipeline, clock=lambda: NOW)


@pytest.fixture
async def bot(bot_services: Services) -> AsyncIterator[BotDriver]:
    """The real Application with an OfflineRequest, initialised (getMe answered), ready for updates."""
    api = OfflineRequest()
    application = build_application(bot_services, token=TOKEN, request=api)
    async with application:
        yield BotDriver(application, api, bot_services)
