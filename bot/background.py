"""Work a handler starts and does not wait for, so the next update is handled meanwhile.

PTB handles updates one at a time: a handler awaiting a five-second ingest holds every other
user's /start for five seconds, even with the ingest itself in a worker thread (bot/worker.py).
A handler starts such work here and returns. A running application awaits it when it stops;
errors go to the error handler like any handler's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

TASKS_KEY = "paperdigest.background"
App = Application[Any, Any, Any, Any, Any, Any]


async def _reporting(application: App, work: Coroutine[Any, Any, Any], update: object | None) -> None:
    try:
        await work
    except Exception as exc:  # what PTB does with a handler's exception: to the error handler
        await application.process_error(update, exc)


def start(application: App, work: Coroutine[Any, Any, Any], *, update: object | None = None,
          name: str = "paperdigest:background") -> asyncio.Task[None]:
    """Run `work` in the background; a running application awaits it on stop."""
    coroutine = _reporting(application, work, update)
    if application.running:
        task = application.create_task(coroutine, name=name)
    else:  # updates fed to process_update directly (the terminal chat, tests): `settle` waits for it
        task = asyncio.create_task(coroutine, name=name)
    tasks: set[asyncio.Task[None]] = application.bot_data.setdefault(TASKS_KEY, set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


async def settle(application: App) -> None:
    """Wait until the background work started so far (and any it started) is done."""
    while tasks := set(application.bot_data.get(TASKS_KEY, ())):
        await asyncio.gather(*tasks, return_exceptions=True)
