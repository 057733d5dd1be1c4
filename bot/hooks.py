"""Extension points other parts of the bot plug into, kept in `application.bot_data`.

- after ingest: `async def hook(application, article_ids)`, run after an admin's upload stores
  new articles (instant watch alerts go out from here).
- schedule changed: `def hook(application)`, run after /subscribe, /unsubscribe, /time and
  /schedule change when something is due (the scheduler rebuilds its jobs from here).
- outbox queued: `def hook(application)`, run after a handler queues messages in the outbox
  (the sender wakes from here). No hook means nobody delivers the outbox, as in the terminal chat.

The handlers only announce; whoever schedules and delivers registers, in a build extension
(see `bot.app.build_application(extensions=...)`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

AFTER_INGEST_KEY = "paperdigest.after_ingest"
SCHEDULE_CHANGED_KEY = "paperdigest.schedule_changed"
OUTBOX_QUEUED_KEY = "paperdigest.outbox_queued"
App = Application[Any, Any, Any, Any, Any, Any]
AfterIngest = Callable[[App, Sequence[int]], Awaitable[None]]
ScheduleChanged = Callable[[App], None]


def on_after_ingest(application: App, hook: AfterIngest) -> None:
    """Register `hook` to run after every ingest through the bot."""
    application.bot_data.setdefault(AFTER_INGEST_KEY, []).append(hook)


def on_schedule_changed(application: App, hook: ScheduleChanged) -> None:
    """Register `hook` to run whenever a subscriber's or the admins' times change."""
    application.bot_data.setdefault(SCHEDULE_CHANGED_KEY, []).append(hook)


def on_outbox_queued(application: App, hook: ScheduleChanged) -> None:
    """Register `hook` to run when a handler has queued messages in the outbox."""
    application.bot_data.setdefault(OUTBOX_QUEUED_KEY, []).append(hook)


def delivers_outbox(application: App) -> bool:
    """Whether something sends what is queued in the outbox (the scheduling extension)."""
    return bool(application.bot_data.get(OUTBOX_QUEUED_KEY))


def outbox_queued(application: App) -> None:
    """Run the outbox-queued hooks; one failing is logged and does not stop the others."""
    _run_each(application, OUTBOX_QUEUED_KEY)


async def after_ingest(application: App, article_ids: Sequence[int]) -> None:
    """Run the after-ingest hooks; one failing is logged and does not stop the others."""
    for hook in application.bot_data.get(AFTER_INGEST_KEY, []):
        try:
            await hook(application, article_ids)
        except Exception:
            log.exception("after-ingest hook %r failed", hook)


def schedule_changed(application: App) -> None:
    """Run the schedule-changed hooks; one failing is logged and does not stop the others."""
    _run_each(application, SCHEDULE_CHANGED_KEY)


def _run_each(application: App, key: str) -> None:
    for hook in application.bot_data.get(key, []):
        try:
            hook(application)
        except Exception:
            log.exception("%s hook %r failed", key, hook)
