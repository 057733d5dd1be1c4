"""Plain data passed between the pipeline's stages: read -> split -> tag -> summarise -> store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = ("news", "photo", "feature")
_LEADING_DATE = re.compile(r"^\d{1,2}月\d{1,2}日(上午|下午|晚|晚上)?[，,、]?")


def caption_title(caption: str, limit: int = 30) -> str:
    """A display title for photo news, which has none: the caption's first sentence, minus its date."""
    first = _LEADING_DATE.sub("", caption.strip()).split("。")[0]
    if len(first) <= limit:
        return first
    cut = first.rfind("，", 0, limit)
    return first[:cut] if cut >= limit // 2 else first[: limit - 1] + "…"


@dataclass(frozen=True)
class Article:
    """One article as the page splitter found it, later enriched by tagging and summarising."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    kicker: str = ""
    subtitle: str = ""
    reporters: tuple[str, ...] = ()
    county: str = ""
    counties: tuple[str, ...] = ()
    topic: str = ""
    topics: tuple[str, ...] = ()
    summary: str = ""

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def display_title(self) -> str:
        """The title a reader sees in a digest; photo news gets one made from its caption."""
        if self.title:
            return self.title
        return caption_title(self.paragraphs[0]) if self.paragraphs else ""

    @property
    def headline(self) -> str:
        """Kicker, title and subtitle in reading order, as a reader sees them on the page."""
        return " ".join(part for part in (self.kicker, self.title, self.subtitle) if part)


@dataclass(frozen=True)
class SkippedBlock:
    """Text the splitter could not place in any article, reported rather than silently dropped."""

    text: str
    reason: str


@dataclass(frozen=True)
class Page:
    """A page of one issue of the paper, split into articles."""

    file: str
    encoding: str
    text: str
    articles: tuple[Article, ...]
    skipped: tuple[SkippedBlock, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Why a tag was chosen: what matched, where, and how much it weighed."""

    label: str
    source: str
    match: str
    score: float


@dataclass(frozen=True)
class Tags:
    county: str
    counties: tuple[str, ...]
    topic: str
    topics: tuple[str, ...]
    county_evidence: tuple[Evidence, ...] = ()
    topic_evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class StoredArticle:
    """An article as it comes back from the database, with where and when it ran."""

    id: int
    paper: str
    date: str
    page: int
    article: Article
    rank: float = 0.0


@dataclass(frozen=True)
class DigestItem:
    article_id: int
    title: str
    summary: str


@dataclass(frozen=True)
class TopicSection:
    topic: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class CountySection:
    county: str
    topics: tuple[TopicSection, ...]

    @property
    def count(self) -> int:
        return sum(len(t.items) for t in self.topics)


@dataclass(frozen=True)
class Digest:
    """A day's digest as data: no markup, so the terminal and Telegram render it their own way."""

    paper: str
    date: str
    sections: tuple[CountySection, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)
