"""Compose the day's digests into the outbox: once per subscriber and day, when each falls due.

Composing at the subscriber's time, rather than right after the first ingest, means a page
that arrives at 06:30 is still in a 07:30 digest. `compose_due` is idempotent (a chat with any
row for the day is skipped), so every trigger may call it freely: the subscriber's time, the
end of an ingest (a late paper), a restart (catch-up), a changed time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.papers import PaperDigests
from bot.render import render_digest, render_watch_matches
from bot.schedule import catch_up_cutoff, local_at
from bot.services import Services
from bot.worker import call_soon, off_loop
from digest import outbox, store, subscriptions
from digest.compose import compose_digest
from digest.models import StoredArticle
from digest.outbox import Part
from digest.subscriptions import Subscriber
from digest.watching import matches_for_watches

log = logging.getLogger(__name__)

BATCH = 200  # subscribers composed between two wake-ups of the sender


def due_subscribers(services: Services, now: datetime) -> list[tuple[Subscriber, datetime]]:
    """Active subscribers due today by `now`, inside the catch-up window, with no digest yet."""
    tz = services.tz
    day = now.astimezone(tz).date().isoformat()
    cutoff = catch_up_cutoff(now, services.settings.bot.catch_up, tz)
    done = outbox.composed_chats(services.db, day)
    due = []
    for sub in subscriptions.active_subscribers(services.db):
        at = local_at(day, sub.time, tz)
        if sub.chat_id not in done and cutoff <= at <= now:
            due.append((sub, at))
    return due


def digest_parts(
    services: Services, sub: Subscriber, articles: list[StoredArticle], date: str,
    watched: list[StoredArticle] | None,
) -> list[Part]:
    """One reader's messages: the digest through their filters, then their watches' matches."""
    digest = compose_digest(
        articles, paper=services.settings.paper, date=date, county_order=services.settings.county_order,
        topic_order=services.pipeline.tagger.taxonomy.names, counties=set(sub.counties), topics=set(sub.topics),
    )
    parts = [Part("digest", text) for text in render_digest(digest)]
    if watched:
        parts += [Part("watch", text) for text in render_watch_matches(watched)]
    return parts


async def compose_due(services: Services, *, now: datetime | None = None,
                      on_batch: Callable[[], None] | None = None) -> int:
    """Compose every due digest into the outbox; returns rows added. Runs in the worker thread
    (bot/worker.py): 10,000 digests take seconds, and the event loop keeps answering meanwhile;
    `on_batch` (waking the sender) is called on the loop after each batch, so sending starts early."""
    wake = call_soon(on_batch)  # bound here, on the loop: the worker thread has none
    return await off_loop(services, lambda worker: compose_now(worker, now=now, on_batch=wake))


def compose_now(services: Services, *, now: datetime | None = None,
                on_batch: Callable[[], None] | None = None) -> int:
    """`compose_due`'s work, in the calling thread."""
    now = now or services.now()
    day = now.astimezone(services.tz).date().isoformat()
    due = due_subscribers(services, now)
    if not due:
        return 0
    articles = store.articles_on(services.db, day, services.settings.paper)
    if not articles:
        log.info("%d digests due for %s but no pages yet: composed when the paper arrives", len(due), day)
        return 0
    # Readers with instant alerts had their matches right after ingest: the digest does not repeat them.
    watched = matches_for_watches(services.db, services.pipeline.segmenter, [a.id for a in articles],
                                  chat_ids={sub.chat_id for sub, _ in due if not sub.instant_alerts})
    added = 0
    chosen = PaperDigests(services, day)  # readers who chose other papers too (bot/papers.py)
    for batch in _batched(due):
        digests = [(sub.chat_id, chosen.parts(sub, digest_parts(services, sub, articles, day,
                                                                watched.get(sub.chat_id))))
                   for sub, _ in batch]
        added += outbox.enqueue_many(services.db, digests, date=day,
                                     scheduled_at={sub.chat_id: at for sub, at in batch}, now=services.now())
        if on_batch:
            on_batch()
    log.info("composed %d digests for %s (%d messages)", len(due), day, added)
    return added


def _batched(items: list, size: int = BATCH) -> list[list]:
    # itertools.batched arrived in Python 3.12; the project supports 3.11.
    return [items[i:i + size] for i in range(0, len(items), size)]


def instant_alerts(services: Services, article_ids: list[int], *, now: datetime | None = None) -> int:
    """Alert readers who asked for instant alerts about newly stored articles matching their watches.

    The alert goes through the outbox like a digest (paced, retried, counted); returns chats alerted.
    """
    now = now or services.now()
    wanting = {s.chat_id for s in subscriptions.active_subscribers(services.db) if s.instant_alerts}
    if not wanting or not article_ids:
        return 0
    found = matches_for_watches(services.db, services.pipeline.segmenter, article_ids, chat_ids=wanting)
    day = now.astimezone(services.tz).date().isoformat()
    for chat_id, articles in found.items():
        outbox.enqueue_alert(services.db, chat_id, day, render_watch_matches(articles), now=now)
    return len(found)
