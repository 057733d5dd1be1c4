"""Fetching a Founder e-paper issue from a local site: every article stored exactly, once; trouble reported.

The site (tests/paper_site.py) is served on 127.0.0.1 by tests/websites.py; nothing reaches the internet.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from paper_site import (
    EXPECTED,
    GUAN,
    HOSTILE_GOOD,
    MISLABELLED,
    founder_issue,
    hostile_issue,
    new_style,
    node_page,
)
from websites import Site

from digest import cli as cli_module
from digest import fetch, store
from digest.cli import cli
from digest.sources.config import make_source
from digest.sources.webfetch import Fetcher, FetchError

QUICK = "[defaults]\ndelay = 0\nretries = 1\nbackoff = 0\nmax_bytes = 2_000_000\n"


# Every connection a fetch test opens is closed after it; `site` serves a local web site (conftest).
pytestmark = pytest.mark.usefixtures("close_opened_connections")


@pytest.fixture
def run(pipeline, monkeypatch, tmp_path):
    """`paperdigest` with a temporary database, the session's pipeline and a sources file without delays."""
    monkeypatch.setattr(cli_module.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))
    sources = tmp_path / "sources.toml"
    sources.write_text(QUICK, encoding="utf-8")
    monkeypatch.setenv("PAPERDIGEST_SOURCES", str(sources))
    db = tmp_path / "fetch.db"

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    invoke.db_path = db  # type: ignore[attr-defined]
    return invoke


def _source(site: Site, path: str, **options):
    return make_source({"name": "lcrb", "paper": "聊城日报", "kind": "founder", "url": site.url(path), "delay": 0,
                        "retries": 1, "backoff": 0, "max_bytes": 2_000_000, **options})


def test_fetch_stores_every_article_exactly_and_a_second_fetch_adds_nothing(run, site):
    entry = founder_issue(site)
    result = run("fetch", "--kind", "founder", "--url", site.url(entry), "--date", "2024-11-06")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("founder@127.0.0.1 2024-11-06 page 1 node_01.html: stored, 2 articles (utf-8)")
    assert lines[1].startswith("founder@127.0.0.1 2024-11-06 page 2 node_02.html: stored, 2 articles (gb18030)")
    assert lines[-1] == "total: 2 pages (2 stored), 4 articles stored, 0 failed"

    db = store.connect(run.db_path)
    stored = store.articles_on(db, "2024-11-06", "聊城日报")
    got = [(s.page, s.article.kicker, s.article.title, s.article.subtitle, s.article.reporters, s.article.paragraphs)
           for s in stored]
    want = [(page, x.kicker, x.title, x.subtitle, x.reporters, x.paragraphs)
            for page, stories in EXPECTED.items() for x in stories]
    assert got == want
    assert [s.article.county for s in stored] == [x.county for stories in EXPECTED.values() for x in stories]
    assert all(s.article.summary and s.article.topic for s in stored)

    digest = run("digest", "--date", "2024-11-06").stdout
    for s in stored:  # each title in its county's section, under its topic
        section = digest.split(f"【{s.article.county}】")[1].split("【")[0]
        assert f"▸ {s.article.topic}" in section and s.article.title in section

    before = store.article_count(db)
    ids = [s.id for s in stored]
    again = run("fetch", "--kind", "founder", "--url", site.url(entry), "--date", "2024-11-06")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == "total: 2 pages (2 unchanged), 0 articles stored, 0 failed"
    assert store.article_count(db) == before
    assert [s.id for s in store.articles_on(db, "2024-11-06", "聊城日报")] == ids


def test_a_base_url_gets_the_entry_template(run, site):
    founder_issue(site)
    # The base URL of the site; the default template `paper/pc/layout/{yyyy}{mm}/{dd}/node_01.html` finds the issue.
    result = run("fetch", "--kind", "founder", "--url", site.base + "/", "--date", "2024-11-06")
    assert result.exit_code == 0, result.output
    assert "4 articles stored" in result.stdout


def test_hostile_pages_get_a_line_each_store_nothing_and_the_rest_is_fetched(run, site):
    paths = hostile_issue(site)
    result = run("fetch", "--kind", "founder", "--url", site.url(paths[1]), "--date", "2024-11-07")
    assert result.exit_code == 1
    out, err = result.stdout, result.stderr
    assert "page 1 node_01.html: stored, 1 articles (utf-8)" in out
    assert "page 6 node_06.html: stored, 1 articles (gb18030 (declared utf-8))" in out
    errors = {line.split(" page ")[1].split(" ")[0]: line for line in err.splitlines() if line.startswith("error:")}
    assert "redirect loop" in errors["2"]
    assert "over the limit of 2.0 MB (stopped reading)" in errors["3"]
    assert "no article body (no enpcontent comment nor founder-content)" in errors["4"]
    assert "cannot decode the page (declared utf-8, neither UTF-8 nor GB18030)" in errors["5"]
    assert "redirects off the source's host" in errors["7"]
    assert "HTTP 404" in errors["8"]
    assert "content_9999.html is off the source's host" in err
    assert out.splitlines()[-1] == "total: 8 pages (2 stored), 2 articles stored, 6 failed"
    db = store.connect(run.db_path)
    stored = store.articles_on(db, "2024-11-07", "聊城日报")
    assert [(s.page, s.article.title) for s in stored] == [(1, HOSTILE_GOOD.title), (6, MISLABELLED.title)]
    # Never followed off the host, though the other host name reaches the same server; node_09 never asked for.
    assert site.hits(paths[1].replace("node_01", "node_09")) == 0
    assert site.hits("paper/pc/content/202411/07/content_9999.html") == 0


def test_a_late_page_is_fetched_on_the_next_try_and_a_corrected_article_replaces_its_page(db, pipeline, site):
    paths = hostile_issue(site)
    source = _source(site, paths[1])
    first = fetch.fetch_source(db, pipeline, source, date(2024, 11, 7))
    assert [p.page for p in first.failed] == [2, 3, 4, 5, 7, 8]
    assert [p for p, _, _ in fetch.failed_pages(db, "lcrb", "2024-11-07")] == [2, 3, 4, 5, 7, 8]

    late = HOSTILE_GOOD.__class__(**{**HOSTILE_GOOD.__dict__, "id": "3008", "title": "临清市新建城市书房十处"})
    site.add("paper/pc/content/202411/07/content_3008.html", new_style(late))
    corrected = HOSTILE_GOOD.__class__(**{**HOSTILE_GOOD.__dict__, "title": "临清市轴承产业集群再添两个新项目"})
    site.add("paper/pc/content/202411/07/content_3001.html", new_style(corrected))
    second = fetch.fetch_source(db, pipeline, source, date(2024, 11, 7))
    status = {p.page: p.status for p in second.pages}
    assert status[8] == "stored" and status[1] == "replaced" and status[6] == "unchanged"
    titles = [(s.page, s.article.title) for s in store.articles_on(db, "2024-11-07", "聊城日报")]
    assert titles == [(1, corrected.title), (6, MISLABELLED.title), (8, late.title)]
    assert 8 not in [p for p, _, _ in fetch.failed_pages(db, "lcrb", "2024-11-07")]
    assert set(second.new_article_ids) == {s.id for s in store.articles_on(db, "2024-11-07", "聊城日报")
                                           if s.page in (1, 8)}


def issue_with_a_page_pdf(site):
    """The hostile issue, its page 4 linking a PDF of that page made like a printed one."""
    pdfmaker = pytest.importorskip("pdfmaker")  # reportlab typesets it (the test extra)
    made = pdfmaker.make_issue(pdfmaker.sample_stories()[:3], seed=3, file="p04.pdf", date="2024-11-07",
                               first_page=4, max_pages=1)
    paths = hostile_issue(site)
    site.add("paper/pc/attachment/202411/07/p04.pdf", made.data, content_type="application/pdf")
    site.add(paths[4], site.resources["/" + paths[4]].body.replace(
        b"</body>", b'<a href="../../../attachment/202411/07/p04.pdf">PDF</a></body>'))
    return made, paths


def test_an_unreadable_article_falls_back_to_the_page_pdf(db, pipeline, site):
    """The page's PDF, made like a printed page, is read by digest.sources.pdf when an article page fails."""
    made, paths = issue_with_a_page_pdf(site)
    report = fetch.fetch_source(db, pipeline, _source(site, paths[1]), date(2024, 11, 7))
    page4 = next(p for p in report.pages if p.page == 4)
    assert page4.status == "stored" and page4.articles == len(made.gold)
    stored = [s.article for s in store.articles_on(db, "2024-11-07", "聊城日报") if s.page == 4]
    assert [(a.kind, a.title) for a in stored] == [(g["kind"], g["title"]) for g in made.gold]
    assert any("read from the page PDF instead" in n for n in page4.notes)


def test_the_pdf_fallback_keeps_the_admins_pdf_limits(db, pipeline, site):
    made, paths = issue_with_a_page_pdf(site)
    small = dataclasses.replace(pipeline.settings.ingest, max_pdf_bytes=len(made.data) - 1)
    strict = dataclasses.replace(pipeline, settings=dataclasses.replace(pipeline.settings, ingest=small))
    report = fetch.fetch_source(db, strict, _source(site, paths[1]), date(2024, 11, 7))
    page4 = next(p for p in report.pages if p.page == 4)
    assert page4.status == "error" and "PDF: p04.pdf:" in page4.error and "too large for a PDF" in page4.error
    assert not [s for s in store.articles_on(db, "2024-11-07", "聊城日报") if s.page == 4]


def test_no_issue_yet_is_one_line_and_nothing_stored(run, site):
    result = run("fetch", "--kind", "founder", "--url", site.base + "/", "--date", "2024-12-25")
    assert result.exit_code == 1
    assert "HTTP 404 (not published yet?)" in result.stderr
    assert result.stdout.strip() == "total: 0 pages, 0 articles stored, 1 failed"


def test_the_latest_issue_is_never_stored_under_another_day(run, site):
    """Sites that redirect a day not yet published to their latest issue; links to other issues."""
    entry = founder_issue(site)
    site.add("paper/pc/layout/202411/07/node_01.html", "", location="/" + entry, status=302)
    result = run("fetch", "--kind", "founder", "--url", site.base + "/", "--date", "2024-11-07")
    assert result.exit_code == 1
    assert "not the issue of 2024-11-07 (not published yet?)" in result.stderr
    assert store.articles_on(store.connect(run.db_path), "2024-11-07") == []
    assert run("fetch", "--kind", "founder", "--url", site.base + "/", "--date", "2024-11-06").exit_code == 0
    assert site.hits("paper/pc/layout/202411/05/node_01.html") == 0  # the 上一期 link is another issue


def test_configured_sources_are_fetched_by_name(run, site, tmp_path: Path, monkeypatch):
    founder_issue(site)
    sources = tmp_path / "sources.toml"
    table = f'[[sources]]\nname = "lcrb"\npaper = "聊城日报"\nkind = "founder"\nurl = "{site.base}/"\n'
    sources.write_text(QUICK + table, encoding="utf-8")
    result = run("fetch", "--date", "2024-11-06", "--source", "lcrb")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("lcrb 2024-11-06 page 1 node_01.html: stored")
    unknown = run("fetch", "--source", "nope")
    assert unknown.exit_code == 1 and "no source named 'nope' (known: lcrb)" in unknown.stderr


def test_a_fetcher_is_polite(site, tmp_path: Path):
    """User-Agent, a delay between requests, conditional GETs answered 304 from the cache, retries on 5xx."""
    entry = founder_issue(site)
    site.resources["/" + entry].fail_first = 1
    slept: list[float] = []
    clock = [0.0]
    db = store.connect(tmp_path / "polite.db")
    source = _source(site, entry, delay=1.5, backoff=0.25)
    with Fetcher(source.politeness, source.allowed_hosts, db=db, sleep=slept.append,
                 monotonic=lambda: clock[0]) as fetcher:
        first = fetcher.get(site.url(entry))
        second = fetcher.get(site.url(entry))
    assert not first.not_modified and second.not_modified and second.content == first.content
    assert all(r["user-agent"].startswith("paperdigest/") for r in site.requests)
    assert site.requests[-1]["if-none-match"] == '"n1"'
    # a 500, back-off 0.25 s, the retry (1.5 s after the first try), then the second GET waits 1.5 s too
    assert slept == [0.25, 1.5, 1.5]


def test_a_corrected_article_is_the_only_new_one_on_its_page(db, pipeline, site):
    """Watches hear of the corrected article, not again of the page's other articles."""
    entry = founder_issue(site)
    source = _source(site, entry)
    fetch.fetch_source(db, pipeline, source, date(2024, 11, 6))
    corrected = dataclasses.replace(GUAN, title="冠县两万亩大棚蔬菜喜获丰收")
    site.add("paper/pc/content/202411/06/content_1001.html", new_style(corrected))
    report = fetch.fetch_source(db, pipeline, source, date(2024, 11, 6))
    assert [(p.page, p.status) for p in report.pages] == [(1, "replaced"), (2, "unchanged")]
    stored = {s.article.title: s.id for s in store.articles_on(db, "2024-11-06", "聊城日报")}
    assert report.new_article_ids == [stored[corrected.title]]
    assert GUAN.title not in stored and len(stored) == 4


def test_a_server_dripping_bytes_is_given_up_on(site):
    site.add("slow.html", "<p>" + "聊城" * 2000 + "</p>", drip=0.1)  # 12 kB at 1 kB a second
    source = _source(site, "slow.html", timeout=0.5)
    with Fetcher(source.politeness, source.allowed_hosts) as fetcher, pytest.raises(FetchError) as err:
        fetcher.get(site.url("slow.html"))
    assert "response too slow: not complete after 1.5 s" in str(err.value)


def test_two_sources_on_one_host_are_paced_together(db, site):
    """The delay holds between the last request of one source and the first of the next on the same host."""
    entry = founder_issue(site)
    slept: list[float] = []
    factory = fetch.default_fetcher(db)
    sources = [_source(site, entry, delay=30), _source(site, entry, delay=30)]
    fetchers = [factory(s) for s in sources]
    for f in fetchers:
        f.sleep = slept.append
    fetchers[0].get(site.url(entry))
    fetchers[1].get(site.url(entry))
    assert len(slept) == 1 and 29 < slept[0] <= 30
    for f in fetchers:
        f.close()


@pytest.mark.parametrize(("names", "entry", "pages"), [
    (["node_01.html", "node_02.html", "node_04.html"], "node_01.html", [1, 2, 4]),  # by page, a gap
    (["node_2.htm", "node_3.htm", "node_4.htm"], "node_2.htm", [1, 2, 3]),  # old builds: CMS ids
    (["node_74348.htm", "node_74349.htm"], "node_74348.htm", [1, 2]),
    (["node_A1.html", "node_A2.html", "node_B1.html"], "node_A1.html", [1, 2, 3]),  # by section
    (["node_01.html", "node_02.html", "node_03.html"], "node_02.html", [1, 2, 3]),  # entered at page 2
])
def test_page_numbers_follow_the_site(names, entry, pages):
    from digest.sources.founder import page_nodes

    folder = "http://x.test/html/2024-11/06/"
    html_text = "".join(f'<a href="{n}">第{i}版</a>' for i, n in enumerate(names, start=1))
    source = make_source({"name": "s", "kind": "founder", "url": folder + entry})
    nodes = page_nodes(f"<html><body>{html_text}</body></html>", folder + entry, source)
    assert [(n.key, n.number) for n in nodes] == list(zip(names, pages, strict=True))


def test_pages_of_pictures_and_advertisements_are_skipped_not_failed(run, site):
    layout, content = "paper/pc/layout/202411/09/", "paper/pc/content/202411/09/"
    site.add(layout + "node_01.html", node_page(1, 3, anchors=["../../../content/202411/09/content_1.html"]))
    site.add(layout + "node_02.html", node_page(2, 3, area=["../../../content/202411/09/content_2.html"]))
    site.add(layout + "node_03.html", node_page(3, 3))  # a full-page advertisement: no article at all
    site.add(content + "content_1.html", new_style(GUAN))
    picture = new_style(dataclasses.replace(GUAN, id="2", title="图片新闻", paragraphs=()))
    site.add(content + "content_2.html", picture.replace("<founder-content>", '<founder-content><img src="a.jpg">'))
    result = run("fetch", "--kind", "founder", "--url", site.url(layout + "node_01.html"), "--date", "2024-11-09")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].endswith("page 2 node_02.html: skipped, no article with text")
    assert lines[2].endswith("page 3 node_03.html: skipped, no article links (a page of advertisements or pictures?)")
    assert lines[-1] == "total: 3 pages (1 stored, 2 skipped), 1 articles stored, 0 failed"
    assert "skipped content_2.html: 图片新闻: no text (a picture or an advertisement)" in result.stderr
