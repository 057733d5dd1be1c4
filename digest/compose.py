"""A day's digest as data: sections by county (fixed order, 全市 first), then by topic.

The digest knows nothing of markup; `render_text` is the terminal's rendering and the bot
renders the same data as Telegram HTML.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TypeVar

from digest.models import CountySection, Digest, DigestItem, StoredArticle, TopicSection, caption_title

OTHER = "其他"
T = TypeVar("T")


def compose_digest(
    articles: Iterable[StoredArticle],
    *,
    paper: str,
    date: str,
    county_order: Sequence[str] = (),
    topic_order: Sequence[str] = (),
    counties: Collection[str] = (),
    topics: Collection[str] = (),
) -> Digest:
    """Group a day's articles for one reader; empty `counties`/`topics` mean "all of them"."""
    chosen = [
        s for s in articles
        if (not counties or (s.article.county or OTHER) in counties)
        and (not topics or (s.article.topic or OTHER) in topics)
    ]
    by_county: dict[str, dict[str, list[DigestItem]]] = {}
    for stored in chosen:
        a = stored.article
        # A photo's title is made from its caption's first sentence: don't print that sentence twice.
        summary = "" if not a.title and caption_title(a.summary) == a.display_title else a.summary
        item = DigestItem(article_id=stored.id, title=a.display_title, summary=summary)
        by_county.setdefault(a.county or OTHER, {}).setdefault(a.topic or OTHER, []).append(item)
    sections = tuple(
        CountySection(
            county=county,
            topics=tuple(TopicSection(topic, tuple(items))
                         for topic, items in _ordered(by_county[county].items(), topic_order)),
        )
        for county, _ in _ordered(by_county.items(), county_order)
    )
    return Digest(paper=paper, date=date, sections=sections)


def _ordered(pairs: Iterable[tuple[str, T]], order: Sequence[str]) -> list[tuple[str, T]]:
    """Named keys in the configured order, then the rest in order of first appearance, 其他 last."""
    rank = {name: i for i, name in enumerate(order)}
    pairs = list(pairs)
    return sorted(pairs, key=lambda kv: (kv[0] == OTHER, rank.get(kv[0], len(rank)),
                                         [k for k, _ in pairs].index(kv[0])))


def render_text(digest: Digest) -> str:
    """The digest as plain text for a terminal."""
    lines = [f"{digest.paper} · {digest.date} · {digest.count} 篇"]
    if not digest.count:
        lines.append("这一天没有符合条件的文章。")
    for section in digest.sections:
        lines += ["", f"【{section.county}】（{section.count}）"]
        for topic in section.topics:
            lines.append(f"  ▸ {topic.topic}（{len(topic.items)}）")
            for item in topic.items:
                lines.append(f"    [{item.article_id}] {item.title}")
                if item.summary:
                    lines.append(f"        {item.summary}")
    return "\n".join(lines)
