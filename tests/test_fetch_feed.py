"""Fetching RSS 2.0 and Atom feeds from a local site: the day's entries, main text, stored once."""

from __future__ import annotations

import dataclasses

import pytest
from paper_site import ATOM_STORIES, FEED_STORIES, entry_page, feeds
from test_fetch_founder import run  # noqa: F401  (the CLI fixture)

from digest import store

PAPER = "聊城新闻网"


# Every connection a fetch test opens is closed after it; `site` serves a local web site (conftest).
pytestmark = pytest.mark.usefixtures("close_opened_connections")


@pytest.mark.parametrize(("which", "stories"), [(0, FEED_STORIES), (1, ATOM_STORIES)], ids=["rss", "atom"])
def test_a_feeds_entries_of_the_day_are_stored_once(run, site, which, stories):  # noqa: F811
    path = feeds(site)[which]
    args = ("fetch", "--kind", "feed", "--url", site.url(path), "--paper", PAPER, "--date", "2024-11-06")
    result = run(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(stories) + 1  # one line an entry of the day, then the total
    for n, line in enumerate(lines[:-1], start=1):
        assert f" 2024-11-06 page {n} " in line and ": stored, 1 articles (utf-8)" in line
    assert lines[-1] == f"total: {len(stories)} pages ({len(stories)} stored), {len(stories)} articles stored, 0 failed"

    db = store.connect(run.db_path)
    stored = store.articles_on(db, "2024-11-06", PAPER)
    assert [(s.article.title, s.article.reporters, s.article.paragraphs, s.article.county) for s in stored] == [
        (x.title, x.reporters, x.paragraphs, x.county) for x in stories]
    digest = run("digest", "--date", "2024-11-06", "--paper", PAPER).stdout
    for s in stored:
        section = digest.split(f"【{s.article.county}】")[1].split("【")[0]
        assert f"▸ {s.article.topic}" in section and s.article.title in section

    again = run(*args)
    assert again.stdout.splitlines()[-1] == f"total: {len(stories)} pages ({len(stories)} unchanged), 0 articles " \
        "stored, 0 failed"
    assert [s.id for s in store.articles_on(db, "2024-11-06", PAPER)] == [s.id for s in stored]


def test_an_entry_keeps_its_page_number_when_the_feed_grows(run, site):  # noqa: F811
    rss, _ = feeds(site)
    args = ("fetch", "--kind", "feed", "--url", site.url(rss), "--paper", PAPER, "--date", "2024-11-06")
    assert run(*args).exit_code == 0
    feed = site.resources["/" + rss]
    newest = dataclasses.replace(FEED_STORIES[0], id="rss-3", title="聊城市区新增停车泊位千个")

    site.add("news/2024-11/06/rss-3.html", entry_page(newest))
    item = (f"<item><title>{newest.title}</title><link>{site.url('news/2024-11/06/rss-3.html')}</link>"
            "<guid>rss-3</guid><pubDate>Wed, 06 Nov 2024 11:00:00 +0800</pubDate></item>")
    feed.body = feed.body.replace(b"<item>", item.encode() + b"<item>", 1)
    feed.etag = '"rss2"'
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "page 3 rss-3: stored" in result.stdout
    assert result.stdout.count(": unchanged") == 2
    titles = [(s.page, s.article.title) for s in store.articles_on(store.connect(run.db_path), "2024-11-06", PAPER)]
    assert titles == [(1, FEED_STORIES[0].title), (2, FEED_STORIES[1].title), (3, newest.title)]


def test_an_entry_whose_page_fails_is_reported_and_the_others_stored(run, site):  # noqa: F811
    rss, _ = feeds(site)
    site.resources["/news/2024-11/06/rss-2.html"].status = 503
    result = run("fetch", "--kind", "feed", "--url", site.url(rss), "--paper", PAPER, "--date", "2024-11-06")
    assert result.exit_code == 1
    assert "rss-2.html: HTTP 503 (after 2 tries)" in result.stderr
    assert result.stdout.splitlines()[-1] == "total: 2 pages (1 stored), 1 articles stored, 1 failed"


def test_not_a_feed_is_one_line(run, site):  # noqa: F811
    site.add("feeds/broken.xml", "<html><body>维护中</body></html>")
    result = run("fetch", "--kind", "feed", "--url", site.url("feeds/broken.xml"), "--paper", PAPER)
    assert result.exit_code == 1
    assert "feeds/broken.xml: not a feed" in result.stderr or "feed has no entries" in result.stderr
