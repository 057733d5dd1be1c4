"""Schedules on PTB's JobQueue, built from SQLite at start and rebuilt whenever they change.

SQLite is the source of truth (subscribers' times, the admins' ingest times); jobs are a cache
of it: `install_jobs` builds them once at start, `reschedule` rebuilds them after /subscribe,
/time, /unsubscribe and /schedule. Jobs:

- `paperdigest:daily:ingest@HH:MM`: ingest the inbox, then compose any digest already due.
- `paperdigest:daily:deadline@HH:MM`: tell the admins if today's paper has not arrived.
- `paperdigest:daily:digest@HH:MM`: one per distinct subscriber time, composing its digests.
- `paperdigest:startup` (once): report unknown/failed rows no admin has heard of (a crash's
  interrupted sends included), once; compose what is due.
- `paperdigest:delivery` (once): the sender's loop, for as long as the application runs.

`install_jobs` also registers an after-ingest hook (bot.hooks): a page uploaded through the bot
composes digests already due (a late paper) and queues instant watch alerts.

Catch-up is explicit, not left to APScheduler: its misfire grace is one second, so a digest due
while the bot was down would be silently skipped. At start, rows left 'sending' become
'unknown' (see bot/delivery.py), pending rows older than the catch-up window expire, and
`compose_due` composes every digest due earlier today that has none yet; the sender then sends
them. Daily jobs still get a generous misfire grace, for an event loop busy at the exact second.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlite_utils
from telegram.ext import Application, CallbackContext, JobQueue

from bot import hooks, notices
from bot.daily import compose_due, instant_alerts
from bot.delivery import DeliveryConfig, DeliveryHalted, DeliveryReport, Sender
from bot.schedule import catch_up_cutoff, clock_time, load_schedule, local_at
from bot.services import SERVICES_KEY, Services
from bot.worker import off_loop
from digest import outbox
from digest.inbox import InboxResult, ingest_inbox_file, pending_files

log = logging.getLogger(__name__)

PREFIX = "paperdigest:"
DAILY = PREFIX + "daily:"
SENDER_KEY = "paperdigest.sender"
# A daily job whose second passes while the loop is busy (composing, ingesting) still runs.
DAILY_JOB_KWARGS = {"misfire_grace_time": 3600, "coalesce": True}
# None: run however late, e.g. when install_jobs is called well before the application starts.
ONCE_JOB_KWARGS = {"misfire_grace_time": None}


def _services(application: Application) -> Services:
    return application.bot_data[SERVICES_KEY]


def _job_queue(application: Application) -> JobQueue:
    if application.job_queue is None:
        raise RuntimeError("install python-telegram-bot[job-queue]: the schedules need PTB's JobQueue")
    return application.job_queue


def sender_of(application: Application) -> Sender:
    return application.bot_data[SENDER_KEY]


def install_jobs(application: Application, *, config: DeliveryConfig | None = None) -> None:
    """Recover from the last run, then schedule everything; call once, before or after start."""
    services = _services(application)
    db = services.db
    outbox.ensure_schema(db)
    now = services.now()
    interrupted = outbox.recover_interrupted(db, now)
    expired = outbox.expire(db, catch_up_cutoff(now, services.settings.bot.catch_up, services.tz), now)
    dropped = outbox.drop_pending_inactive(db)
    if interrupted or expired or dropped:
        log.warning("start: %d interrupted sends marked unknown, %d expired, %d dropped (unsubscribed)",
                    len(interrupted), expired, dropped)
    sender = Sender(application.bot, db, config or DeliveryConfig.from_settings(services.settings.bot),
                    clock=services.now)
    application.bot_data[SENDER_KEY] = sender
    _install_daily(application, services)
    queue = _job_queue(application)
    queue.run_once(_startup, 0, name=PREFIX + "startup", job_kwargs=ONCE_JOB_KWARGS)
    queue.run_once(_deliver, 0, name=PREFIX + "delivery", job_kwargs=ONCE_JOB_KWARGS)
    if after_ingest not in application.bot_data.get(hooks.AFTER_INGEST_KEY, []):
        hooks.on_after_ingest(application, after_ingest)
    if wake_sender not in application.bot_data.get(hooks.OUTBOX_QUEUED_KEY, []):
        hooks.on_outbox_queued(application, wake_sender)


def wake_sender(application: Application) -> None:
    """Send what a handler just queued (a broadcast) without waiting for the next round."""
    sender_of(application).wake()


def reschedule(application: Application) -> None:
    """Rebuild the daily jobs from SQLite and bring today's outbox in line with the change."""
    services = _services(application)
    queue = _job_queue(application)
    for job in queue.jobs():
        if job.name and job.name.startswith(DAILY):
            job.schedule_removal()
    _install_daily(application, services)
    dropped = outbox.drop_pending_inactive(services.db)
    moved = _drop_moved_later(services)
    if dropped or moved:
        log.info("reschedule: dropped %d rows of unsubscribed chats, %d rows of digests moved later", dropped, moved)
    # A time moved to earlier than now is due at once.
    queue.run_once(_compose, 0, name=PREFIX + "compose", job_kwargs=ONCE_JOB_KWARGS)


def _install_daily(application: Application, services: Services) -> None:
    queue = _job_queue(application)
    schedule = load_schedule(services.db, services.settings)
    tz = schedule.tz
    for hhmm in schedule.ingest_times:
        queue.run_daily(_ingest, clock_time(hhmm, tz), name=f"{DAILY}ingest@{hhmm}", job_kwargs=DAILY_JOB_KWARGS)
    queue.run_daily(_deadline, clock_time(schedule.deadline, tz), name=f"{DAILY}deadline@{schedule.deadline}",
                    job_kwargs=DAILY_JOB_KWARGS)
    for hhmm in subscriber_times(services.db):
        queue.run_daily(_compose, clock_time(hhmm, tz), name=f"{DAILY}digest@{hhmm}", job_kwargs=DAILY_JOB_KWARGS)


def subscriber_times(db: sqlite_utils.Database) -> list[str]:
    """One job per distinct time, not per subscriber: 10,000 readers at 07:30 are one job."""
    return [r[0] for r in db.execute("SELECT DISTINCT time FROM subscribers WHERE active = 1 ORDER BY time")]


def _drop_moved_later(services: Services) -> int:
    """Untouched rows of today whose subscriber now wants them later: recomposed at the new time."""
    now = services.now()
    day = now.date().isoformat()
    dropped = 0
    rows = services.db.execute(
        "SELECT o.chat_id, s.time FROM outbox o JOIN subscribers s ON s.chat_id = o.chat_id"
        " WHERE o.date = ? AND o.kind != ? GROUP BY o.chat_id"
        " HAVING sum(o.state != 'pending' OR o.attempts > 0) = 0", [day, outbox.ALERT]
    ).fetchall()
    for chat_id, hhmm in rows:
        if local_at(day, hhmm, services.tz) > now:
            with services.db.atomic():
                dropped += services.db.execute("DELETE FROM outbox WHERE chat_id = ? AND date = ? AND kind != ?",
                                               [chat_id, day, outbox.ALERT]).rowcount
    return dropped


# --- job callbacks ------------------------------------------------------------------------------

async def _startup(context: CallbackContext) -> None:
    """Tell the admins about sends the last run left unresolved, then compose what is due (catch-up)."""
    await report_unreported(context.application)
    await _compose(context)


async def report_unreported(application: Application) -> None:
    """Unknown and failed rows no admin has heard of (interrupted sends included): told once.

    Marked reported when an admin got the notice (or there is no admin to tell: then the log
    holds it), so the next start does not repeat it; if no admin could be reached, it is tried
    again at the next start.
    """
    services = _services(application)
    rows = outbox.unreported(services.db)
    if not rows:
        return
    text = notices.start_notice(rows)
    admins = services.settings.bot.admins
    reached = await notices.notify_admins(application.bot, admins, text)
    if not admins:
        log.warning("no admins to tell: %s", text)
    if reached or not admins:
        outbox.mark_reported(services.db, [r["id"] for r in rows], services.now())


async def _compose(context: CallbackContext) -> None:
    """Compose the digests due by now and wake the sender."""
    application = context.application
    sender = sender_of(application)
    await compose_due(_services(application), on_batch=sender.wake)
    sender.wake()


async def _deliver(context: CallbackContext) -> None:
    """The sender's loop; returns when the application stops, after the sends in flight finish."""
    application = context.application
    services = _services(application)

    async def report(result: DeliveryReport) -> None:
        if await notices.notify_admins(application.bot, services.settings.bot.admins,
                                       notices.delivery_notice(services.db, result)):
            outbox.mark_reported(services.db, [*result.unknown, *result.failed], services.now())

    try:
        await sender_of(application).run(keep_going=lambda: application.running, on_report=report)
    except DeliveryHalted:
        # Telegram refuses the token itself, so the admins cannot be told through it: log loudly.
        log.critical("delivery halted: Telegram refused the bot; unsent rows stay pending until a restart")
        raise


async def ingest_now(application: Application) -> list[InboxResult]:
    """Ingest the inbox file by file (off the event loop), tell the admins about refused files,
    then compose any digest already due (a late paper) and wake the sender."""
    services = _services(application)
    results: list[InboxResult] = []
    inbox = services.settings.ingest.inbox
    if not inbox:
        log.info("no inbox configured ([ingest] inbox): nothing to ingest")
    else:
        folder = Path(inbox).expanduser()
        today = services.now().date().isoformat()
        for path in pending_files(folder):  # each file in the worker thread: the loop answers meanwhile
            def ingest_one(w: Services, path: Path = path) -> InboxResult:
                return ingest_inbox_file(w.db, w.pipeline, path, folder, paper=w.settings.paper, today=today)

            results.append(await off_loop(services, ingest_one))
        log.info("inbox: %d files, %d refused", len(results), sum(not r.outcome.ok for r in results))
    if any(not r.outcome.ok for r in results):
        await notices.notify_admins(application.bot, services.settings.bot.admins, notices.ingest_notice(results))
    sender = sender_of(application)
    await compose_due(services, on_batch=sender.wake)
    sender.wake()
    return results


async def _ingest(context: CallbackContext) -> None:
    await ingest_now(context.application)


async def after_ingest(application: Application, article_ids: Sequence[int]) -> None:
    """After an upload through the bot: instant alerts for the new articles, digests now due."""
    services = _services(application)
    alerted = await off_loop(services, lambda worker: instant_alerts(worker, list(article_ids)))
    if alerted:
        log.info("instant alerts queued for %d chats", alerted)
    sender = sender_of(application)
    await compose_due(services, on_batch=sender.wake)
    sender.wake()


def paper_arrived(db: sqlite_utils.Database, paper: str, date: str) -> bool:
    return db.execute("SELECT 1 FROM pages p JOIN issues i ON i.id = p.issue_id WHERE i.paper = ? AND i.date = ?"
                      " LIMIT 1", [paper, date]).fetchone() is not None


async def check_deadline(application: Application) -> bool:
    """True if today's paper has arrived; else tell the admins and return False."""
    services = _services(application)
    today = services.now().date().isoformat()
    if paper_arrived(services.db, services.settings.paper, today):
        return True
    log.warning("no pages for %s by the deadline", today)
    await notices.notify_admins(
        application.bot, services.settings.bot.admins,
        notices.missing_paper_notice(today, load_schedule(services.db, services.settings).deadline,
                                     services.settings.ingest.inbox),
    )
    return False


async def _deadline(context: CallbackContext) -> None:
    from bot import fetching  # the sources' own deadline alert names why (404, a network error ...)

    if fetching.fetches_paper(context.application, _services(context.application).settings.paper):
        return
    await check_deadline(context.application)


def job_summary(application: Application) -> list[dict[str, Any]]:
    """Our jobs and their next run, for an admin's /schedule and for tests."""
    return [{"name": job.name, "next_t": job.next_t} for job in _job_queue(application).jobs()
            if job.name and job.name.startswith(PREFIX)]


