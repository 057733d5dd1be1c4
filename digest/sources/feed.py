"""RSS 2.0 and Atom feeds: the day's entries, each entry's web page, its main text.

feedparser reads the feed (any RSS or Atom dialect, its own encoding rules); trafilatura finds
the main text of the entry's page, which a feed seldom carries whole. An entry belongs to the
day its `published` (else `updated`) date falls on in the paper's time zone. Each entry becomes
one page of the feed's paper; the fetch run numbers them in the order they first arrive.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import date as Date
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import trafilatura

from digest.models import Article
from digest.sources.config import Source
from digest.sources.fetched import FetchedPage
from digest.sources.founder import MAX_ARTICLE_CHARS, clean_text, split_credits
from digest.sources.textpage import names_in_credit
from digest.sources.webfetch import Fetcher, FetchError, decode_html

log = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# The feed's own text is used when the page cannot be read only if it is a real article, not a teaser.
MIN_FEED_TEXT = 80
# News sites print a line of source, time and editor above or below the article; it is no paragraph.
_META_LINE = re.compile(r"^(来源|发布时间|时间|作者|编辑|责任编辑|责编|点击|浏览)\s*[:：]")


def entry_date(entry: feedparser.FeedParserDict, tz: ZoneInfo) -> Date | None:
    """The entry's day in the paper's time zone (feedparser gives UTC struct_time)."""
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    if not when:
        return None
    return datetime.fromtimestamp(calendar.timegm(when), UTC).astimezone(tz).date()


def read_feed(
    source: Source, day: Date, fetcher: Fetcher, tz: ZoneInfo, url: str | None = None
) -> Iterator[FetchedPage]:
    """The day's entries as pages; entries of other days are left alone. FetchError if the feed can't be had."""
    feed_url = url or source.url
    response = fetcher.get(feed_url)
    parsed = feedparser.parse(response.content, response_headers={"content-type": response.content_type})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FetchError(feed_url, f"not a feed: {problem}" if problem else "feed has no entries")
    for entry in parsed.entries:
        key = entry.get("id") or entry.get("link") or entry.get("title", "")
        when = entry_date(entry, tz)
        if when is None:
            yield FetchedPage(key, entry.get("link", ""), None, skipped="entry has no date")
            continue
        if when != day:
            continue
        yield read_entry(source, entry, key, fetcher)


def read_entry(source: Source, entry: feedparser.FeedParserDict, key: str, fetcher: Fetcher) -> FetchedPage:
    link = entry.get("link", "")
    title = clean_text(entry.get("title", ""))
    own_text = _feed_text(entry)
    notes: list[str] = []
    paragraphs: list[str] = []
    encoding = "feed"
    if not link:
        notes.append("entry has no link: its text is the feed's")
    elif not fetcher.allowed(link):
        notes.append(f"not followed: {link} is off the source's host")
    else:
        try:
            response = fetcher.get(link)
            html_text, encoding = decode_html(response.content, response.header_charset, source.charset)
            paragraphs = main_text(html_text, link, title)
        except (FetchError, UnicodeError) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            if len("".join(own_text)) < MIN_FEED_TEXT:
                return FetchedPage(key, link, None, error=f"{_short(link)}: {reason}", via="feed")
            notes.append(f"{_short(link)}: {reason}; the feed's own text is used")
    if not paragraphs:
        paragraphs = own_text
        encoding = "feed"
    if not paragraphs:
        return FetchedPage(key, link, None, notes=tuple(notes), error="no text found (page nor feed)", via="feed")
    if sum(len(p) for p in paragraphs) > MAX_ARTICLE_CHARS:
        return FetchedPage(key, link, None, error=f"text over {MAX_ARTICLE_CHARS:,} characters: not an article",
                           via="feed")
    names, paragraphs = split_credits(paragraphs)
    reporters = names_in_credit(entry.get("author", "")) + names
    article = Article(kind="news", title=title, paragraphs=tuple(paragraphs),
                      reporters=tuple(dict.fromkeys(reporters)))
    return FetchedPage(key, link, None, articles=(article,), encoding=encoding, notes=tuple(notes), via="feed")


def main_text(html_text: str, url: str, title: str) -> list[str]:
    """The page's main text as paragraphs (trafilatura), the title dropped if it comes first."""
    text = trafilatura.extract(html_text, url=url, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=False)
    paragraphs = [clean_text(line) for line in (text or "").splitlines()]
    paragraphs = [p for p in paragraphs if p and not (len(p) <= 80 and _META_LINE.match(p))]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    visible = "".join(paragraphs)
    if visible and len(_CJK.findall(visible)) < 0.3 * len(visible):
        return []  # mojibake or not Chinese: let the feed's own text stand in
    return paragraphs


def _feed_text(entry: feedparser.FeedParserDict) -> list[str]:
    """The entry's own content (content:encoded, Atom content), else its summary, as paragraphs."""
    parts = [c.get("value", "") for c in entry.get("content", [])] or [entry.get("summary", "")]
    html_text = "\n".join(parts)
    html_text = re.sub(r"(?i)</p>|<br\s*/?>", "\n", html_text)
    return [p for p in (clean_text(line) for line in html_text.splitlines()) if p]


def _short(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1] or url
