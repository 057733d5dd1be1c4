"""The topic taxonomy: topic names with weighted keywords, editable by admins at run time.

The default lives in config/topics.toml; the bot stores an admin's edits as the plain dict of
`Taxonomy.to_dict()`. Edits are pure functions returning a new Taxonomy, so a running tagger
keeps the taxonomy it was built with until it is handed a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from digest.settings import ConfigError, read_toml

log = logging.getLogger(__name__)


class TaxonomyError(ValueError):
    """An admin's edit that cannot be applied (unknown topic, bad weight ...); the message says why."""


@dataclass(frozen=True)
class Topic:
    """A topic and the words that signal it.

    `exclude` lists phrases inside which this topic's keywords do not count: 教育 with exclude
    学习教育 ignores the 教育 of 党纪学习教育 but still counts 教育 elsewhere in the article.
    """

    name: str
    keywords: tuple[tuple[str, float], ...]
    exclude: tuple[str, ...] = ()

    @property
    def weights(self) -> dict[str, float]:
        return dict(self.keywords)


@dataclass(frozen=True)
class Taxonomy:
    """All topics in display order, and how their scores are combined.

    headline_weight: a keyword in the headline counts this many times one in the body.
    lead_weight: one in the lead (the first sentences) counts this many times one further down:
    what an article is about is said first; later mentions are often passing ones.
    secondary_ratio, min_score: another topic is secondary when it scores at least this share of
    the primary's score and at least min_score. default: the topic when no keyword hits at all.
    """

    topics: tuple[Topic, ...]
    headline_weight: float = 3.0
    lead_weight: float = 1.0
    secondary_ratio: float = 0.5
    min_score: float = 3.0
    default: str = "社会民生"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics)

    def get(self, name: str) -> Topic:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise TaxonomyError(f"没有名为“{name}”的栏目。")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, for storing an admin's edited taxonomy in the database."""
        return {
            "headline_weight": self.headline_weight,
            "lead_weight": self.lead_weight,
            "secondary_ratio": self.secondary_ratio,
            "min_score": self.min_score,
            "default": self.default,
            "topics": [
                {"name": t.name, "keywords": dict(t.keywords), "exclude": list(t.exclude)}
                for t in self.topics
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "taxonomy") -> Taxonomy:
        """Inverse of to_dict; also reads the TOML form. ConfigError names `source` on bad data."""
        try:
            topics = tuple(_topic(t) for t in data.get("topics", data.get("topic", ())))
            taxonomy = cls(
                topics=topics,
                headline_weight=float(data.get("headline_weight", 3.0)),
                lead_weight=float(data.get("lead_weight", 1.0)),
                secondary_ratio=float(data.get("secondary_ratio", 0.5)),
                min_score=float(data.get("min_score", 3.0)),
                default=str(data.get("default", "社会民生")),
            )
            _check(taxonomy)
        except (TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{source}: {exc}") from exc
        return taxonomy


def load_taxonomy(path: Path | str) -> Taxonomy:
    """Read the default taxonomy from a TOML file (see config/topics.toml for the format)."""
    path = Path(path)
    raw = read_toml(path, "topics")
    taxonomy = Taxonomy.from_dict(raw, source=str(path))
    log.info("taxonomy %s: %d topics", path.name, len(taxonomy.topics))
    return taxonomy


def add_topic(taxonomy: Taxonomy, name: str, keywords: Mapping[str, float] | None = None,
              exclude: Iterable[str] = ()) -> Taxonomy:
    """A new topic at the end of the list."""
    name = name.strip()
    if not name:
        raise TaxonomyError("栏目需要一个名字。")
    if name in taxonomy.names:
        raise TaxonomyError(f"栏目“{name}”已经存在。")
    topic = Topic(name, _pairs(keywords or {}), _words(exclude))
    return replace(taxonomy, topics=(*taxonomy.topics, topic))


def set_keywords(taxonomy: Taxonomy, name: str, keywords: Mapping[str, float]) -> Taxonomy:
    """Add keywords to a topic or change their weights; others stay as they are."""
    topic = taxonomy.get(name)
    merged = topic.weights | dict(_pairs(keywords))
    return _swap(taxonomy, replace(topic, keywords=tuple(merged.items())))


def remove_keywords(taxonomy: Taxonomy, name: str, words: Iterable[str]) -> Taxonomy:
    """Drop keywords from a topic; a word the topic does not have is an error, to catch typos."""
    topic = taxonomy.get(name)
    drop = set(_words(words))
    missing = drop - topic.weights.keys()
    if missing:
        raise TaxonomyError(f"栏目“{name}”没有关键词：{'、'.join(sorted(missing))}。")
    return _swap(taxonomy, replace(topic, keywords=tuple(p for p in topic.keywords if p[0] not in drop)))


def set_exclude(taxonomy: Taxonomy, name: str, words: Iterable[str]) -> Taxonomy:
    """Replace a topic's excluding phrases."""
    return _swap(taxonomy, replace(taxonomy.get(name), exclude=_words(words)))


def delete_topic(taxonomy: Taxonomy, name: str) -> Taxonomy:
    """Remove a topic; the fallback topic stays, since untagged articles need somewhere to go."""
    taxonomy.get(name)
    if name == taxonomy.default:
        raise TaxonomyError(f"“{name}”是默认栏目（没有命中任何关键词的文章归入它），不能删除。")
    return replace(taxonomy, topics=tuple(t for t in taxonomy.topics if t.name != name))


def _swap(taxonomy: Taxonomy, topic: Topic) -> Taxonomy:
    return replace(taxonomy, topics=tuple(topic if t.name == topic.name else t for t in taxonomy.topics))


def _topic(raw: Mapping[str, Any]) -> Topic:
    name = str(raw["name"]).strip() if "name" in raw else ""
    if not name:
        raise ValueError("every topic needs a name")
    keywords = raw.get("keywords", {})
    if not isinstance(keywords, Mapping):
        # The TOML form: a list of "word" or "word weight" strings, weight 1 when left out.
        keywords = dict(_parse_keyword(str(k), name) for k in keywords)
    return Topic(name, _pairs(keywords, name), _words(raw.get("exclude", ())))


def _parse_keyword(text: str, topic: str) -> tuple[str, float]:
    parts = text.split()
    if len(parts) == 1:
        return parts[0], 1.0
    if len(parts) == 2:
        return parts[0], float(parts[1])
    raise ValueError(f"topic {topic}: keyword {text!r} should be 'word' or 'word weight'")


def _pairs(keywords: Mapping[str, float], topic: str = "") -> tuple[tuple[str, float], ...]:
    pairs = []
    for word, weight in keywords.items():
        word, weight = str(word).strip(), float(weight)
        if not word:
            raise TaxonomyError(f"栏目“{topic}”有一个空的关键词。")
        if not weight > 0:
            raise TaxonomyError(f"栏目“{topic}”的关键词“{word}”需要正数权重，而不是 {weight}。")
        pairs.append((word, weight))
    return tuple(pairs)


def _words(words: Iterable[str]) -> tuple[str, ...]:
    if isinstance(words, str):
        words = [words]
    return tuple(dict.fromkeys(w.strip() for w in words if w.strip()))


def _check(taxonomy: Taxonomy) -> None:
    if not taxonomy.topics:
        raise ValueError("at least one topic is required")
    names = taxonomy.names
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"topic listed twice: {', '.join(sorted(duplicates))}")
    if taxonomy.default not in names:
        raise ValueError(f"default topic {taxonomy.default!r} is not among the topics")
    if taxonomy.headline_weight <= 0 or taxonomy.lead_weight <= 0 or not 0 < taxonomy.secondary_ratio <= 1:
        raise ValueError("headline_weight and lead_weight must be > 0 and secondary_ratio in (0, 1]")
