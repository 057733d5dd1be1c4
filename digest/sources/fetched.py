"""What a web source hands to the fetch run: pages of articles already split, or why a page failed.

A page here is what gets stored as one page of the paper: a Founder page node (its articles), or
one feed entry. `text` is the canonical text of its articles, so storing it twice is recognised
(same hash) and a corrected article changes it (the page is replaced).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digest.models import Article


@dataclass(frozen=True)
class FetchedPage:
    """One page of a fetched issue: `key` identifies it across fetches (node name, entry id)."""

    key: str
    url: str
    number: int | None  # the paper's page number, or None: the fetch run numbers it
    articles: tuple[Article, ...] = ()
    encoding: str = ""
    error: str = ""  # set: the page failed and nothing of it may be stored
    notes: tuple[str, ...] = ()  # what was skipped or mended, one line each
    via: str = "html"  # html | pdf (the fallback) | feed
    skipped: str = ""  # set: not for storing, and not a failure (an undated feed entry)

    @property
    def ok(self) -> bool:
        return not self.error and not self.skipped

    @property
    def text(self) -> str:
        return canonical_text(self.articles)


def canonical_text(articles: Sequence[Article]) -> str:
    """Every stored field of every article, in order: equal text, equal page."""
    blocks = []
    for a in articles:
        blocks.append("\n".join([f"【{a.kicker}】{a.title}【{a.subtitle}】", "、".join(a.reporters), *a.paragraphs]))
    return "\n\n".join(blocks)
