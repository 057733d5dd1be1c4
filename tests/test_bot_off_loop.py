"""Issue 14.8 (heavy work): ingest, watch matching and composing run off the event loop.

Each test holds the heavy work inside its worker thread on a threading.Event and sends another
user's /start meanwhile: it must be answered before the work is let go. Event order, not time;
the only timeout is how long a broken build may hang before the test says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bot_fixtures import ADMIN, READER, SAMPLES, TOKEN, BotDriver
from offline_request import OfflineRequest

from bot import background, daily, jobs
from bot.app import build_application, scheduling
from bot.services import Services
from digest import ingest, subscriptions

PAGE = SAMPLES / "2026-11-20_01.txt"
HANG = 20  # seconds a broken build may hold the loop before the test fails


class Held:
    """Wraps a function so that each call waits, in whatever thread runs it, until released."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.entered = threading.Event()
        self.released = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread())
        self.entered.set()
        self.released.wait(HANG)
        return self.function(*args, **kwargs)

    async def until_entered(self) -> None:
        for _ in range(HANG * 100):
            if self.entered.is_set():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the work never started")

    def ran_off_the_loop(self) -> bool:
        return bool(self.threads) and all(t is not threading.main_thread() for t in self.threads)


async def start_is_answered(bot: BotDriver) -> bool:
    """Another user's /start, answered without waiting for any background work."""
    [text] = await bot.feed(bot.updates.message("/start", chat_id=READER), READER, settle=False)
    return text.startswith("你好")


async def test_an_upload_is_ingested_while_others_are_answered(bot: BotDriver, monkeypatch) -> None:
    held = Held(ingest.ingest_file)
    monkeypatch.setattr(ingest, "ingest_file", held)
    file = bot.api.add_file(PAGE.read_bytes(), PAGE.name)
    update = bot.updates.document(chat_id=ADMIN, user_id=ADMIN, file_id=file.file_id, file_name=PAGE.name,
                                  file_size=len(file.data), caption="/ingest 2026-11-22")
    assert await bot.feed(update, ADMIN, settle=False) == [], "the handler returned at once"
    await held.until_entered()
    assert await start_is_answered(bot)
    assert bot.api.texts(ADMIN) == [], "the ingest was still going"
    held.released.set()
    await asyncio.wait_for(background.settle(bot.application), HANG)
    assert bot.api.texts(ADMIN)[0].startswith(f"✅ {PAGE.name}：2026-11-22 第 1 版，已入库")
    assert held.ran_off_the_loop()


@pytest.fixture
async def scheduled(bot_services: Services, tmp_path: Path) -> Any:
    """The bot as `paperdigest run` builds it (jobs, sender), not started: jobs are called by the test."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ingest_settings = dataclasses.replace(bot_services.settings.ingest, inbox=str(inbox))
    bot_services.settings = dataclasses.replace(bot_services.settings, ingest=ingest_settings)
    api = OfflineRequest()
    application = build_application(bot_services, token=TOKEN, request=api, extensions=(scheduling,))
    async with application:
        yield BotDriver(application, api, bot_services), inbox


async def test_the_inbox_is_ingested_while_others_are_answered(scheduled: Any, monkeypatch) -> None:
    bot, inbox = scheduled
    shutil.copy(PAGE, inbox / "2026-11-21_05.txt")
    held = Held(jobs.ingest_inbox_file)
    monkeypatch.setattr(jobs, "ingest_inbox_file", held)
    job = asyncio.create_task(jobs.ingest_now(bot.application))
    await held.until_entered()
    assert await start_is_answered(bot)
    assert not job.done()
    held.released.set()
    [result] = await asyncio.wait_for(job, HANG)
    assert result.outcome.ok and held.ran_off_the_loop()


async def test_watches_are_matched_and_digests_composed_while_others_are_answered(
    scheduled: Any, monkeypatch
) -> None:
    bot, _ = scheduled
    subscriptions.subscribe(bot.db, 1003, "07:30")  # due: the pinned clock says 08:00 on 2026-11-21
    subscriptions.add_watch(bot.db, 1003, "光伏")
    held = Held(daily.matches_for_watches)
    monkeypatch.setattr(daily, "matches_for_watches", held)
    compose = asyncio.create_task(daily.compose_due(bot.services))
    await held.until_entered()
    assert await start_is_answered(bot)
    assert not compose.done()
    held.released.set()
    assert await asyncio.wait_for(compose, HANG) >= 2, "a digest and its watch alert were queued"
    assert held.ran_off_the_loop()
    kinds = [r[0] for r in bot.db.execute("SELECT kind FROM outbox WHERE chat_id = 1003 ORDER BY part")]
    assert "watch" in kinds
