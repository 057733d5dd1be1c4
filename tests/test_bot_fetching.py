"""The bot fetches by itself: jobs at the sources' times, late pages on the next try, the deadline alert.

The clock is pinned (tests/test_jobs.py's RunningClock) to mornings of the fixture issues served on
127.0.0.1; Telegram is the scripted fake Bot API. Nothing reaches the internet.
"""

from __future__ import annotations

import dataclasses

import pytest
from bot_fixtures import ADMIN as BOT_ADMIN
from bot_fixtures import bot, bot_db, bot_services, bot_settings, seeded_db_file  # noqa: F401
from fake_botapi_load import ScriptedBotApi
from paper_site import HOSTILE_GOOD, founder_issue, hostile_issue, new_style
from test_hostile_bot import telegram_html_problem
from test_jobs import ADMIN, FAST, RunningClock, at, job_settings, make_app, running  # noqa: F401
from websites import Site, serve

from bot import fetching, jobs
from bot.services import Services
from digest import outbox, store, subscriptions
from digest.sources.config import SourcesConfig, make_source

DAY = "2024-11-07"


@pytest.fixture
def site():
    with serve(Site()) as s:
        yield s


def _config(site: Site, path: str) -> SourcesConfig:
    source = make_source({"name": "lcrb", "paper": "聊城日报", "kind": "founder", "url": site.url(path),
                          "times": ["05:00", "06:00"], "deadline": "07:00", "delay": 0, "retries": 1, "backoff": 0,
                          "max_bytes": 2_000_000})
    return SourcesConfig(sources=(source,))


async def test_fetch_jobs_have_aware_times_and_the_names_of_their_times(db, pipeline, job_settings, site):  # noqa: F811
    app = make_app(Services(job_settings, db, pipeline, RunningClock(at("04:00", DAY))), ScriptedBotApi())
    fetching.install(app, _config(site, "paper/pc/layout/202411/07/node_01.html"))
    async with running(app):
        fetch_jobs = {j["name"]: j["next_t"] for j in jobs.job_summary(app) if "fetch" in j["name"]}
    assert sorted(fetch_jobs) == ["paperdigest:fetch:at@05:00", "paperdigest:fetch:at@06:00",
                                  "paperdigest:fetch:deadline@07:00"]
    for name, next_t in fetch_jobs.items():
        assert next_t.tzinfo is not None
        local = next_t.astimezone(job_settings_tz(job_settings))
        assert f"{local:%H:%M}" == name.rsplit("@", 1)[1]


def job_settings_tz(settings):
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)


async def test_late_pages_come_on_the_next_try_and_watches_hear_of_them(db, pipeline, job_settings, site):  # noqa: F811
    paths = hostile_issue(site)
    subscriptions.subscribe(db, 1001, "07:30")
    subscriptions.set_instant_alerts(db, 1001, True)
    subscriptions.add_watch(db, 1001, "城市书房")
    services = Services(job_settings, db, pipeline, RunningClock(at("05:00", DAY)))
    api = ScriptedBotApi()
    app = make_app(services, api)
    jobs.install_jobs(app, config=FAST)
    fetching.install(app, _config(site, paths[1]))
    async with running(app):
        first = await fetching.fetch_now(app)
        assert [p.page for p in first[0].failed] == [2, 3, 4, 5, 7, 8]
        assert store.articles_on(db, DAY, "聊城日报") and not outbox.delivery_stats(db)["pending"]

        late = dataclasses.replace(HOSTILE_GOOD, id="3008", title="临清市新建城市书房十处")
        site.add("paper/pc/content/202411/07/content_3008.html", new_style(late))
        services.clock = RunningClock(at("06:00", DAY))
        second = await fetching.fetch_now(app)
        assert {p.page: p.status for p in second[0].pages}[8] == "stored"
        rows = list(db.query("SELECT chat_id, kind FROM outbox WHERE kind = ?", [outbox.ALERT]))
        assert [r["chat_id"] for r in rows] == [1001]  # the watch heard of the late page's article

        services.clock = RunningClock(at("07:00", DAY))
        sent = await fetching.check_deadline(app, "07:00")
    # Something came: no missing-issue alert, only the pages still missing.
    assert len(sent) == 1 and sent[0].startswith("ℹ️ 聊城日报 2024-11-07：5 个版面到截止时间仍未抓到")
    assert "第 8 版" not in sent[0] and "第 2 版" in sent[0]
    assert any("仍未抓到" in t for t in api.texts(ADMIN))


async def test_the_missing_issue_alert_fires_only_when_nothing_came(db, pipeline, job_settings, site):  # noqa: F811
    founder_issue(site)
    config = _config(site, "")
    config = SourcesConfig(sources=(dataclasses.replace(config.sources[0], url=site.base + "/"),))
    api = ScriptedBotApi()
    services = Services(job_settings, db, pipeline, RunningClock(at("05:00", "2024-11-08")))  # no issue that day
    app = make_app(services, api)
    fetching.install(app, config)
    async with running(app):
        reports = await fetching.fetch_now(app)
        assert "HTTP 404" in reports[0].error
        services.clock = RunningClock(at("07:00", "2024-11-08"))
        sent = await fetching.check_deadline(app, "07:00")
        assert len(sent) == 1 and "没有抓到 聊城日报 2024-11-08 的任何版面" in sent[0] and "HTTP 404" in sent[0]

        services.clock = RunningClock(at("05:00", "2024-11-06"))  # a day whose issue is out
        await fetching.fetch_now(app)
        services.clock = RunningClock(at("07:00", "2024-11-06"))
        assert await fetching.check_deadline(app, "07:00") == []
    assert len(api.texts(ADMIN)) == 1


async def test_admins_see_sources_and_fetch_from_the_bot(bot, site):  # noqa: F811
    founder_issue(site)
    config = _config(site, "")
    config = SourcesConfig(sources=(dataclasses.replace(config.sources[0], url=site.base + "/"),))
    bot.application.bot_data[fetching.SOURCES_KEY] = config
    listing = await bot.send("/sources", user=BOT_ADMIN)
    assert "lcrb" in listing[0] and "尚未抓取" in listing[0] and "05:00、06:00" in listing[0]
    done = await bot.send("/fetch 2024-11-06", user=BOT_ADMIN)
    assert "total: 2 pages (2 stored), 4 articles stored, 0 failed" in done[-1]
    listing = await bot.send("/sources", user=BOT_ADMIN)
    assert "新入库 2 版、未变 0 版、失败 0 版，4 篇" in listing[0] and "2024-11-06 期" in listing[0]
    unknown = await bot.send("/fetch <nope> 2024-11-06", user=BOT_ADMIN)
    assert "no source named '&lt;nope&gt;' (known: lcrb)" in unknown[0]
    for text in listing + done + unknown:
        assert telegram_html_problem(text) is None, text
    before = len(site.requests)
    refused = await bot.send("/fetch", user=1001)
    assert refused == ["抱歉，这个命令只有管理员可以使用。"] and len(site.requests) == before  # readers cannot


async def test_a_fetch_job_fetches_the_sources_of_its_time_only(db, pipeline, job_settings, site):  # noqa: F811
    founder_issue(site)
    early = make_source({"name": "early", "paper": "聊城日报", "kind": "founder", "url": site.base + "/",
                         "times": ["05:00"], "delay": 0, "retries": 0})
    late = dataclasses.replace(early, name="late", paper="聊城晚报", times=("06:00",))
    services = Services(job_settings, db, pipeline, RunningClock(at("05:00", "2024-11-06")))
    app = make_app(services, ScriptedBotApi())
    fetching.install(app, SourcesConfig(sources=(early, late)))
    async with running(app):
        [job] = [j for j in app.job_queue.jobs() if j.name == "paperdigest:fetch:at@05:00"]
        await job.run(app)  # what the JobQueue does at 05:00
    assert len(store.articles_on(db, "2024-11-06", "聊城日报")) == 4
    assert store.articles_on(db, "2024-11-06", "聊城晚报") == []
    assert set(fetching.fetch.last_runs(db)) == {"early"}


async def test_one_missing_issue_alert_when_a_source_brings_the_paper(db, pipeline, job_settings, site):  # noqa: F811
    """The inbox's deadline stays quiet for a paper a source fetches: the source's alert says why."""
    api = ScriptedBotApi()
    services = Services(job_settings, db, pipeline, RunningClock(at("07:00", "2024-11-08")))
    app = make_app(services, api)
    jobs.install_jobs(app, config=FAST)
    fetching.install(app, _config(site, "paper/pc/layout/202411/08/node_01.html"))
    async with running(app):
        for name in ("paperdigest:daily:deadline@07:00", "paperdigest:fetch:deadline@07:00"):
            [job] = [j for j in app.job_queue.jobs() if j.name == name]
            await job.run(app)
    assert len(api.texts(ADMIN)) == 1 and "没有抓到 聊城日报 2024-11-08 的任何版面" in api.texts(ADMIN)[0]
