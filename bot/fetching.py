"""The bot fetches the day's paper by itself: at each source's times, until its deadline.

Jobs on PTB's JobQueue, with time-zone-aware times like every other daily job (bot/jobs.py):
- `paperdigest:fetch:at@HH:MM`: fetch the sources that list HH:MM. Pages already stored cost a
  conditional GET each; pages that failed or were not yet published are simply tried again, so
  a late page arrives at the next time after it appears.
- `paperdigest:fetch:deadline@HH:MM`: for the sources with that deadline, tell the admins if
  nothing of today's issue came (the missing-issue alert), or which pages are still missing.

Fetching is blocking work (HTTP, jieba, SQLite): it runs in a worker thread (asyncio.to_thread)
on its own database connection, one fetch at a time. New articles then go through the same
after-ingest hook as an upload: instant watch alerts, digests already due.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from datetime import date as Date
from typing import Any

import sqlite_utils
from telegram.ext import Application, CallbackContext

from bot import hooks, notices
from bot.schedule import clock_time
from bot.services import SERVICES_KEY, Services
from digest import fetch, store
from digest.settings import ConfigError
from digest.sources.config import SourcesConfig, load_sources

log = logging.getLogger(__name__)

PREFIX = "paperdigest:fetch:"
SOURCES_KEY = "paperdigest.sources"
LOCK_KEY = "paperdigest.fetch_lock"
JOB_KWARGS = {"misfire_grace_time": 3600, "coalesce": True}
App = Application[Any, Any, Any, Any, Any, Any]


def _services(application: App) -> Services:
    return application.bot_data[SERVICES_KEY]


def sources_of(application: App) -> SourcesConfig:
    """The configured sources, read once ($PAPERDIGEST_SOURCES, else config/sources.toml)."""
    if SOURCES_KEY not in application.bot_data:
        try:
            application.bot_data[SOURCES_KEY] = load_sources()
        except ConfigError as exc:
            log.error("sources not loaded: %s", exc)
            application.bot_data[SOURCES_KEY] = SourcesConfig()
    return application.bot_data[SOURCES_KEY]


def fetches_paper(application: App, paper: str) -> bool:
    """Whether an enabled source brings `paper`: then its deadline alert replaces the inbox's."""
    return any(s.paper == paper for s in sources_of(application).enabled)


def install(application: App, sources: SourcesConfig | None = None) -> None:
    """Schedule the fetch and deadline jobs of the enabled sources (a build extension)."""
    if sources is not None:
        application.bot_data[SOURCES_KEY] = sources
    config = sources_of(application)
    queue = application.job_queue
    if queue is None or not config.enabled:
        return
    tz = _services(application).tz
    for hhmm in sorted({t for s in config.enabled for t in s.times}):
        queue.run_daily(_fetch_job, clock_time(hhmm, tz), name=f"{PREFIX}at@{hhmm}", data=hhmm, job_kwargs=JOB_KWARGS)
    for hhmm in sorted({s.deadline for s in config.enabled}):
        queue.run_daily(_deadline_job, clock_time(hhmm, tz), name=f"{PREFIX}deadline@{hhmm}", data=hhmm,
                        job_kwargs=JOB_KWARGS)


def _db_path(db: sqlite_utils.Database) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


def _fetch_in_thread(services: Services, names: Sequence[str], day: Date, config: SourcesConfig
                     ) -> list[fetch.SourceReport]:
    """Runs in a worker thread: its own connection, never the event loop's."""
    sources = [config.get(n) for n in names]
    db = store.connect(_db_path(services.db))
    try:
        return fetch.fetch_sources(db, services.pipeline, sources, day)
    finally:
        db.close()


async def fetch_now(application: App, names: Sequence[str] | None = None, day: Date | None = None
                    ) -> list[fetch.SourceReport]:
    """Fetch the named sources (default: all enabled) for `day` (default: today), then alert and compose."""
    services = _services(application)
    config = sources_of(application)
    names = list(names) if names else [s.name for s in config.enabled]
    day = day or services.now().date()
    lock = application.bot_data.setdefault(LOCK_KEY, asyncio.Lock())
    async with lock:
        reports = await asyncio.to_thread(_fetch_in_thread, services, names, day, config)
    for r in reports:
        log.info("fetch %s %s: %d pages, %d failed%s", r.source, r.date, len(r.pages), len(r.failed),
                 f" ({r.error})" if r.error else "")
    new_ids = [i for r in reports for i in r.new_article_ids]
    if new_ids:
        await hooks.after_ingest(application, new_ids)
    return reports


async def _fetch_job(context: CallbackContext) -> None:
    hhmm = context.job.data if context.job else None
    config = sources_of(context.application)
    names = [s.name for s in config.enabled if hhmm in s.times]
    await fetch_now(context.application, names)


def missing_issue_notice(paper: str, day: str, deadline: str, errors: Sequence[str]) -> str:
    why = "；".join(html.escape(e) for e in errors[:3])
    return (f"⚠️ 截至 {html.escape(deadline)}，没有抓到 {html.escape(paper)} {html.escape(day)} 的任何版面。"
            + (f"\n最近一次：{why}" if why else "") + "\n可用 /fetch 再试一次，或上传版面。")


def missing_pages_notice(paper: str, day: str, failed: Sequence[tuple[int, str, str]]) -> str:
    lines = [f"ℹ️ {html.escape(paper)} {html.escape(day)}：{len(failed)} 个版面到截止时间仍未抓到："]
    lines += [f"• 第 {n} 版 {html.escape(key)}：{html.escape(error)}" for n, key, error in failed[:notices.LIST_LIMIT]]
    return "\n".join(lines)


async def check_deadline(application: App, deadline: str) -> list[str]:
    """At a deadline: the notices sent about that deadline's sources (missing issue, or missing pages)."""
    services = _services(application)
    config = sources_of(application)
    today = services.now().date().isoformat()
    sent: list[str] = []
    due = [s for s in config.enabled if s.deadline == deadline]
    for paper in dict.fromkeys(s.paper for s in due):
        of_paper = [s for s in due if s.paper == paper]
        if not _arrived(services.db, paper, today):
            runs = fetch.last_runs(services.db)
            errors = [runs[s.name].error for s in of_paper if s.name in runs and runs[s.name].error]
            sent.append(missing_issue_notice(paper, today, deadline, errors))
            continue
        failed = [f for s in of_paper for f in fetch.failed_pages(services.db, s.name, today)]
        if failed:
            sent.append(missing_pages_notice(paper, today, failed))
    for text in sent:
        await notices.notify_admins(application.bot, services.settings.bot.admins, text)
    return sent


def _arrived(db: sqlite_utils.Database, paper: str, day: str) -> bool:
    return db.execute("SELECT 1 FROM pages p JOIN issues i ON i.id = p.issue_id WHERE i.paper = ? AND i.date = ?"
                      " LIMIT 1", [paper, day]).fetchone() is not None


async def _deadline_job(context: CallbackContext) -> None:
    await check_deadline(context.application, context.job.data if context.job else "")


def render_sources(config: SourcesConfig, runs: dict[str, fetch.LastRun]) -> str:
    """/sources: each source, its schedule, and what its last fetch did."""
    if not config.sources:
        where = html.escape(str(config.path)) if config.path else "config/sources.toml"
        return f"没有配置来源（{where}）。"
    lines = ["<b>来源</b>"]
    for s in config.sources:
        state = "" if s.enabled else "（停用）"
        lines.append(f"• <b>{html.escape(s.name)}</b> {html.escape(s.paper)} · {s.kind}{state}\n"
                     f"  {html.escape(s.url)}\n  抓取 {'、'.join(s.times)} · 截止 {s.deadline}")
        run = runs.get(s.name)
        if run is None:
            lines.append("  尚未抓取")
            continue
        result = f"新入库 {run.stored} 版、未变 {run.unchanged} 版、失败 {run.failed} 版，{run.articles} 篇"
        lines.append(f"  上次：{html.escape(run.at)}（{html.escape(run.date)} 期）{result}"
                     + (f"\n  ❌ {html.escape(run.error)}" if run.error else ""))
    return "\n".join(lines)


def render_reports(reports: Sequence[fetch.SourceReport]) -> str:
    lines = []
    for r in reports:
        if r.error:
            lines.append(f"❌ {html.escape(r.source)} {r.date}：{html.escape(r.error)}")
        for p in r.pages:
            mark = "✅" if p.status in ("stored", "replaced") else "·" if p.ok else "❌"
            lines.append(f"{mark} {html.escape(fetch.describe(p))}")
    lines.append(html.escape(fetch.total_line(reports)))
    return "\n".join(lines[-40:])
