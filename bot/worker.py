"""Heavy work off the event loop: a thread with its own SQLite connection, one job at a time.

Ingesting a page (jieba, summaries: seconds), matching 10,000 watches after an ingest and
composing 10,000 digests all ran on the event loop, where they held every user's /start for
as long as they took. They run here instead: `await off_loop(services, work)` calls
`work(services')` in a thread, where `services'` is `services` with a connection of its own
(an SQLite connection must not be shared by two threads mid-transaction). One such job runs at
a time per database, since they all write; the event loop keeps answering meanwhile, reading
through its own connection (WAL: readers never wait for the writer).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from typing import TypeVar

import sqlite_utils

from bot.services import Services
from digest import store

T = TypeVar("T")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def database_file(db: sqlite_utils.Database) -> str | None:
    """The file behind `db`'s main database, or None for an in-memory one (no second connection sees it)."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


def _lock(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def _run(services: Services, path: str, work: Callable[[Services], T]) -> T:
    with _lock(path):
        db = store.connect(path)
        try:
            return work(dataclasses.replace(services, db=db))
        finally:
            db.close()


async def off_loop(services: Services, work: Callable[[Services], T]) -> T:
    """`work(services)` in a worker thread with its own connection; inline for an in-memory database."""
    path = database_file(services.db)
    if path is None:
        return work(services)
    return await asyncio.to_thread(_run, services, path, work)


def call_soon(callback: Callable[[], None] | None) -> Callable[[], None] | None:
    """`callback` made safe to call from the worker thread: it runs on the event loop, soon."""
    if callback is None:
        return None
    loop = asyncio.get_running_loop()

    def from_worker() -> None:
        loop.call_soon_threadsafe(callback)

    return from_worker
