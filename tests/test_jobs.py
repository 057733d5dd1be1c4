"""Schedules through PTB's real Application and JobQueue: jobs from SQLite, catch-up, ingest, deadline.

The Application talks to `ScriptedBotApi` (no network). Services' clock is pinned to a morning
of the sample paper and runs on from there in real time, because the JobQueue and the sender
really wait; the delivery spacing is shrunk so a test takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fake_botapi_load import ScriptedBotApi
from telegram.ext import Application, ApplicationBuilder

from bot import jobs
from bot.daily import compose_due, instant_alerts
from bot.delivery import DeliveryConfig
from bot.services import SERVICES_KEY, Services
from digest import ingest, outbox, store, subscriptions
from digest.outbox import RESEND_MARKER, Part
from digest.pipeline import Pipeline
from digest.settings import Settings

SH = ZoneInfo("Asia/Shanghai")
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ADMIN = 9001
TODAY, YESTERDAY = "2026-11-21", "2026-11-20"
FAST = DeliveryConfig(per_chat_interval=0.05, refill_every=0.2)
TOKEN = "123:TEST"


def at(hhmm: str, day: str = TODAY) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=SH)


class RunningClock:
    """Starts at a pinned moment and runs on in real time (the JobQueue's waits are real)."""

    def __init__(self, start: datetime) -> None:
        self.start, self._t0 = start, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


@pytest.fixture(scope="module")
def seeded_path(tmp_path_factory: pytest.TempPathFactory, pipeline: Pipeline, settings: Settings) -> Path:
    """The sample paper for both days, ingested once for the module."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    db = store.connect(path)
    for day in (YESTERDAY, TODAY):
        ingest.ingest_files(db, pipeline, sorted(SAMPLES.glob(f"{day}_*.txt")), paper=settings.paper, date=day)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def seeded(seeded_path: Path, tmp_path: Path):
    target = tmp_path / "paper.db"
    source = sqlite3.connect(seeded_path)
    with sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    db = store.connect(target)
    outbox.ensure_schema(db)
    yield db
    db.close()


@pytest.fixture
def job_settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, bot=dataclasses.replace(settings.bot, admins=(ADMIN,)),
                               ingest=dataclasses.replace(settings.ingest, inbox=str(tmp_path / "inbox")))


def make_app(services: Services, api: ScriptedBotApi) -> Application:
    app = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    app.bot_data[SERVICES_KEY] = services
    return app


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        try:
            yield app
        finally:
            await app.stop()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


def today_rows(db, chat: int) -> list[dict]:
    return list(db.query("SELECT * FROM outbox WHERE chat_id = ? AND date = ? ORDER BY part", [chat, TODAY]))


async def start_and_deliver(services: Services, api: ScriptedBotApi, *, settle: float = 0.3) -> Application:
    """Start the bot, let startup and delivery run until nothing is pending, stop it."""
    app = make_app(services, api)
    jobs.install_jobs(app, config=FAST)
    async with running(app):
        await asyncio.sleep(settle)
        await until(lambda: outbox.delivery_stats(services.db)["pending"] == 0)
    return app


# --- jobs from SQLite ----------------------------------------------------------------------------

async def test_jobs_are_built_from_sqlite_with_aware_times(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    subscriptions.subscribe(seeded, 1002, "08:15")
    subscriptions.subscribe(seeded, 1003, "09:00")
    subscriptions.deactivate(seeded, 1003)
    subscriptions.set_ingest_times(seeded, ["05:00"])
    services = Services(job_settings, seeded, pipeline, RunningClock(at("04:00")))
    app = make_app(services, ScriptedBotApi())
    jobs.install_jobs(app, config=FAST)
    async with running(app):
        found = {j["name"]: j["next_t"] for j in jobs.job_summary(app)}
    daily = {name.removeprefix(jobs.DAILY): t for name, t in found.items() if name.startswith(jobs.DAILY)}
    assert sorted(daily) == ["deadline@07:00", "digest@07:30", "digest@08:15", "ingest@05:00"]
    for name, next_t in daily.items():
        assert next_t.astimezone(SH).strftime("%H:%M") == name.split("@")[1]  # Shanghai, not UTC


async def test_reschedule_follows_a_changed_time_and_ingest_times(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("04:00")))
    app = make_app(services, ScriptedBotApi())
    jobs.install_jobs(app, config=FAST)
    async with running(app):
        subscriptions.set_time(seeded, 1001, "06:45")
        subscriptions.set_ingest_times(seeded, ["04:30", "05:15"])
        jobs.reschedule(app)
        await asyncio.sleep(0.05)
        names = sorted(j["name"].removeprefix(jobs.DAILY) for j in jobs.job_summary(app)
                       if j["name"].startswith(jobs.DAILY))
    assert names == ["deadline@07:00", "digest@06:45", "ingest@04:30", "ingest@05:15"]


# --- catch-up and restarts ----------------------------------------------------------------------

async def test_catch_up_sends_todays_digest_once_and_not_yesterdays(seeded, pipeline, job_settings):
    """The bot starts at 09:00 for readers due at 07:30: today's digest once, yesterday's never."""
    for chat in (1001, 1002):
        subscriptions.subscribe(seeded, chat, "07:30")
    subscriptions.subscribe(seeded, 1003, "10:00")  # not due yet
    outbox.enqueue(seeded, 1001, YESTERDAY, [Part("digest", "yesterday's digest")], scheduled_at=at("07:30", YESTERDAY),
                   now=at("07:00", YESTERDAY))  # composed yesterday, never sent: the bot was down
    api = ScriptedBotApi()
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("09:00"))), api)

    for chat in (1001, 1002):
        texts = api.texts(chat)
        assert texts and texts == [r["text"] for r in today_rows(seeded, chat)]
        assert TODAY in texts[0] and not any("yesterday" in t for t in texts)
        assert len(texts) == len(set(texts))
    assert api.texts(1003) == []
    old = next(seeded.query("SELECT state, last_error FROM outbox WHERE date = ?", [YESTERDAY]))
    assert old["state"] == "failed" and old["last_error"].startswith("expired")

    again = ScriptedBotApi()  # a second restart the same morning sends nothing twice
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("09:05"))), again)
    assert [c for c in again.calls if c.chat_id != ADMIN] == []


async def test_a_send_interrupted_by_a_crash_is_unknown_not_resent_and_admins_are_told(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    outbox.enqueue(seeded, 1001, TODAY, [Part("digest", "part one"), Part("digest", "part two")],
                   scheduled_at=at("07:30"), now=at("07:30"))
    first = outbox.sendable(seeded, at("07:30"))[0]
    outbox.claim(seeded, first.id, at("07:30"))  # ... and the process was killed during the call
    api = ScriptedBotApi()
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:40"))), api)
    assert api.texts(1001) == ["part two"]
    assert [r["state"] for r in today_rows(seeded, 1001)] == ["unknown", "sent"]
    notice = api.texts(ADMIN)
    assert len(notice) == 1 and "结果不明" in notice[0] and "chat 1001" in notice[0]


async def test_timed_out_send_is_reported_to_admins_after_the_run(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    api = ScriptedBotApi(script={1001: ["read_timeout_lost"]})
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:31"))), api)
    assert today_rows(seeded, 1001)[0]["state"] == "unknown"
    await until(lambda: bool(api.texts(ADMIN)))
    assert "1 条结果不明" in api.texts(ADMIN)[0] and "没有自动重发" in api.texts(ADMIN)[0]


async def test_unsubscribing_drops_what_was_not_sent(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("07:00")))
    outbox.enqueue(seeded, 1001, TODAY, [Part("digest", "x")], scheduled_at=at("07:30"), now=at("07:00"))
    app = make_app(services, ScriptedBotApi())
    jobs.install_jobs(app, config=FAST)
    subscriptions.deactivate(seeded, 1001)
    jobs.reschedule(app)
    assert today_rows(seeded, 1001) == []


async def test_a_time_moved_later_is_composed_at_the_new_time(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("07:31")))
    await compose_due(services)
    assert today_rows(seeded, 1001)
    subscriptions.set_time(seeded, 1001, "08:30")
    app = make_app(services, ScriptedBotApi())
    jobs.install_jobs(app, config=FAST)
    jobs.reschedule(app)
    assert today_rows(seeded, 1001) == []
    assert await compose_due(services, now=at("08:00")) == 0
    assert await compose_due(services, now=at("08:30")) > 0


# --- composing ----------------------------------------------------------------------------------

async def test_compose_due_composes_each_reader_once_when_due(seeded, pipeline, job_settings):
    subscriptions.subscribe(seeded, 1001, "07:30")
    subscriptions.subscribe(seeded, 1002, "08:00")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("07:45")))
    added = await compose_due(services)
    assert added == len(today_rows(seeded, 1001)) > 0 and today_rows(seeded, 1002) == []
    assert await compose_due(services) == 0
    rows = today_rows(seeded, 1001)
    assert rows[0]["scheduled_at"] == outbox.ts(at("07:30")) and TODAY in rows[0]["text"]


async def test_no_paper_no_digest_until_it_arrives(db, pipeline, job_settings):
    subscriptions.subscribe(db, 1001, "07:30")
    services = Services(job_settings, db, pipeline, RunningClock(at("07:45")))
    assert await compose_due(services) == 0
    assert outbox.composed_chats(db, TODAY) == set()


async def test_watch_matches_are_appended_after_the_digest(seeded, pipeline, job_settings):
    pytest.importorskip("digest.watching")  # integration point: another engineer's module
    subscriptions.subscribe(seeded, 1001, "07:30")
    subscriptions.add_watch(seeded, 1001, "光伏")
    subscriptions.subscribe(seeded, 1002, "07:30")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("07:30")))
    await compose_due(services)
    kinds = [r["kind"] for r in today_rows(seeded, 1001)]
    assert kinds[-1] == "watch" and set(kinds[:-1]) == {"digest"}
    assert today_rows(seeded, 1001)[-1]["text"].startswith("🔔") and "光伏" in today_rows(seeded, 1001)[-1]["text"]
    assert {r["kind"] for r in today_rows(seeded, 1002)} == {"digest"}


async def test_instant_alerts_do_not_count_as_the_days_digest(seeded, pipeline, job_settings):
    pytest.importorskip("digest.watching")
    subscriptions.subscribe(seeded, 1001, "07:30")
    subscriptions.set_instant_alerts(seeded, 1001, True)
    subscriptions.add_watch(seeded, 1001, "光伏")
    services = Services(job_settings, seeded, pipeline, RunningClock(at("06:00")))
    ids = [a.id for a in store.articles_on(seeded, TODAY)]
    assert instant_alerts(services, ids) == 1
    assert [(r["kind"], r["part"]) for r in today_rows(seeded, 1001)] == [("alert", 1000)]
    await compose_due(services, now=at("07:30"))
    # The digest still comes, but without a second copy of the matches the alert already brought.
    assert {r["kind"] for r in today_rows(seeded, 1001)} == {"alert", "digest"}


# --- the inbox and the deadline ------------------------------------------------------------------

async def test_ingest_files_the_inbox_and_delivers_a_late_paper(db, pipeline, job_settings):
    inbox = Path(job_settings.ingest.inbox)
    inbox.mkdir()
    shutil.copy(SAMPLES / f"{TODAY}_01.txt", inbox / f"{TODAY}_01.txt")
    (inbox / f"{TODAY}_02.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (inbox / "upload.txt.part").write_text("still uploading")
    subscriptions.subscribe(db, 1001, "07:30")
    services = Services(job_settings, db, pipeline, RunningClock(at("08:10")))  # the paper is late
    api = ScriptedBotApi()
    app = make_app(services, api)
    jobs.install_jobs(app, config=FAST)
    async with running(app):
        results = await jobs.ingest_now(app)
        await until(lambda: bool(api.texts(1001)))
    assert [(r.outcome.file, r.outcome.ok, r.date) for r in results] == [
        (f"{TODAY}_01.txt", True, TODAY), (f"{TODAY}_02.txt", False, TODAY)]
    assert sorted(p.name for p in inbox.iterdir()) == ["done", "failed", "upload.txt.part"]
    assert (inbox / "done" / f"{TODAY}_01.txt").exists()
    reason = (inbox / "failed" / f"{TODAY}_02.txt.reason.txt").read_text(encoding="utf-8")
    assert "PNG" in reason
    assert TODAY in api.texts(1001)[0]
    assert any(f"{TODAY}_02.txt" in t for t in api.texts(ADMIN))


async def test_the_admins_hear_when_the_paper_is_late(db, seeded, pipeline, job_settings):
    api = ScriptedBotApi()
    late = make_app(Services(job_settings, db, pipeline, RunningClock(at("07:00"))), api)
    jobs.install_jobs(late, config=FAST)
    async with running(late):
        assert await jobs.check_deadline(late) is False
    assert len(api.texts(ADMIN)) == 1 and "还没有收到" in api.texts(ADMIN)[0] and TODAY in api.texts(ADMIN)[0]

    quiet = ScriptedBotApi()
    on_time = make_app(Services(job_settings, seeded, pipeline, RunningClock(at("07:00"))), quiet)
    jobs.install_jobs(on_time, config=FAST)
    async with running(on_time):
        assert await jobs.check_deadline(on_time) is True
    assert quiet.texts(ADMIN) == []


# --- the bot as bot/app.py builds it -------------------------------------------------------------

async def test_the_bot_as_built_delivers_and_a_time_command_reschedules(seeded, pipeline, job_settings):
    from telegram import Update

    from bot.app import build_application, scheduling
    from bot.updates import UpdateFactory

    subscriptions.subscribe(seeded, 1001, "07:30")
    api = ScriptedBotApi()
    services = Services(job_settings, seeded, pipeline, RunningClock(at("08:00")))
    app = build_application(services, token=TOKEN, request=api, extensions=(scheduling,))
    async with running(app):
        await until(lambda: bool(api.texts(1001)))
        update = UpdateFactory().message("/time 21:45", chat_id=1001)
        await app.process_update(Update.de_json(update, app.bot))
        names = {j["name"] for j in jobs.job_summary(app)}
    assert TODAY in api.texts(1001)[0] and len(api.texts(1001)) >= 2  # the digest, then the /time reply
    assert jobs.DAILY + "digest@21:45" in names and jobs.DAILY + "digest@07:30" not in names


async def test_broadcast_goes_through_the_outbox_when_the_bot_delivers(seeded, pipeline, job_settings):
    from telegram import Update

    from bot.app import build_application, scheduling
    from bot.updates import UpdateFactory

    for chat in (1001, 1002):
        subscriptions.subscribe(seeded, chat, "21:00")  # nothing else due: only the broadcast goes out
    subscriptions.deactivate(seeded, 1002)
    subscriptions.subscribe(seeded, 1003, "21:00")
    api = ScriptedBotApi()
    services = Services(job_settings, seeded, pipeline, RunningClock(at("08:00")))
    app = build_application(services, token=TOKEN, request=api, extensions=(scheduling,))
    async with running(app):
        update = UpdateFactory().message("/broadcast 今晚 <维护> & 升级", chat_id=ADMIN, user_id=ADMIN)
        await app.process_update(Update.de_json(update, app.bot))
        await until(lambda: bool(api.texts(1001)) and bool(api.texts(1003)))
    assert api.texts(1001) == api.texts(1003) == ["今晚 &lt;维护&gt; &amp; 升级"]
    assert api.texts(1002) == []
    assert api.texts(ADMIN) == ["已排队发送给 2 位订阅者，按频率限制陆续送达；结果见 /stats。"]
    assert [(r["kind"], r["state"]) for r in today_rows(seeded, 1001)] == [("alert", "sent")]


# --- what an earlier run left: reported once at start, re-queued by an admin (issue 14) ---------

def leave_behind(db, chat: int = 1001) -> dict[str, int]:
    """What an earlier run left: a send cut off by kill -9, a failed and an unknown row nobody
    was told about (the process died before its report), and a failed row already reported."""
    subscriptions.subscribe(db, chat, "07:30")
    outbox.enqueue(db, chat, TODAY, [Part("digest", f"part {i}") for i in range(4)],
                   scheduled_at=at("07:30"), now=at("07:30"))
    a, b, c, d = outbox.sendable(db, at("07:30"))
    for r in (a, b, c, d):
        outbox.claim(db, r.id, at("07:30"))
    outbox.mark_failed(db, b.id, "given up after 3600 s: Bad Gateway", at("07:31"))
    outbox.mark_unknown(db, c.id, "TimedOut (maybe delivered: ReadTimeout)", at("07:31"))
    outbox.mark_failed(db, d.id, "Bad Request: chat not found", at("07:31"))
    outbox.mark_reported(db, [d.id], at("07:32"))
    return {"sending": a.id, "failed": b.id, "unknown": c.id, "reported": d.id}


async def test_rows_an_earlier_run_left_are_reported_once_not_at_every_start(seeded, pipeline, job_settings):
    rows = leave_behind(seeded)
    api = ScriptedBotApi()
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:40"))), api)
    [notice] = api.texts(ADMIN)
    for key in ("sending", "failed", "unknown"):
        assert f"#{rows[key]} chat 1001" in notice
    assert f"#{rows['reported']} " not in notice
    assert "上次运行留下 3 条未报告的消息" in notice and f"/requeue {TODAY}" in notice
    assert outbox.unreported(seeded) == []

    again = ScriptedBotApi()
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:50"))), again)
    assert again.texts(ADMIN) == []  # the same rows are not reported at the next start


async def test_a_start_report_nobody_received_is_tried_again_next_start(seeded, pipeline, job_settings):
    leave_behind(seeded)
    api = ScriptedBotApi(script={ADMIN: ["403"]})  # the admin has not started the bot yet
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:40"))), api)
    assert len(outbox.unreported(seeded)) == 3
    later = ScriptedBotApi()
    await start_and_deliver(Services(job_settings, seeded, pipeline, RunningClock(at("07:50"))), later)
    assert len(later.texts(ADMIN)) == 1 and outbox.unreported(seeded) == []


async def test_requeue_by_date_resends_unknown_with_the_marker_and_failed_as_they_were(seeded, pipeline,
                                                                                      job_settings):
    rows = leave_behind(seeded)
    services = Services(job_settings, seeded, pipeline, RunningClock(at("07:40")))
    outbox.recover_interrupted(seeded, at("07:40"))
    assert outbox.requeue(seeded, outbox.select(seeded, [TODAY]), at("07:40")) == sorted(rows.values())
    api = ScriptedBotApi()
    await start_and_deliver(services, api)
    assert api.texts(1001) == [RESEND_MARKER + "part 0", "part 1", RESEND_MARKER + "part 2", "part 3"]
    assert [r["state"] for r in today_rows(seeded, 1001)] == ["sent"] * 4
