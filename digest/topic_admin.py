"""Admins' taxonomy edits: parse them, keep them in the database, preview what they change.

config/topics.toml seeds the taxonomy; once an admin edits it, the edited taxonomy is stored
as `Taxonomy.to_dict()` under admin_settings key "taxonomy" and wins on every later start.
Keywords are typed as `word` (weight 1) or `word:2` (`：` works too); `+word` adds or
re-weights, `-word` removes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlite_utils

from digest import subscriptions
from digest.models import StoredArticle
from digest.settings import ConfigError
from digest.tagging import Tagger
from digest.topics import Taxonomy, TaxonomyError, remove_keywords, set_keywords

log = logging.getLogger(__name__)

TAXONOMY_KEY = "taxonomy"


def stored_taxonomy(db: sqlite_utils.Database) -> Taxonomy | None:
    """The admins' edited taxonomy, or None while config/topics.toml still rules (or it is unreadable)."""
    data = subscriptions.get_setting(db, TAXONOMY_KEY)
    if not data:
        return None
    try:
        return Taxonomy.from_dict(data, source=f"admin_settings[{TAXONOMY_KEY}]")
    except ConfigError:
        log.exception("stored taxonomy ignored; using the configured one")
        return None


def save_taxonomy(db: sqlite_utils.Database, taxonomy: Taxonomy) -> None:
    subscriptions.set_setting(db, TAXONOMY_KEY, taxonomy.to_dict())


def parse_keyword(text: str) -> tuple[str, float]:
    """`算力` -> (算力, 1.0); `算力:2` or `算力：2` -> (算力, 2.0)."""
    word, sep, weight = text.replace("：", ":").rpartition(":")
    if not sep:
        return text.strip(), 1.0
    try:
        return word.strip(), float(weight)
    except ValueError:
        raise TaxonomyError(f"关键词“{text}”的权重应是数字，例如 {word}:2。") from None


def parse_keywords(words: Iterable[str]) -> dict[str, float]:
    return dict(parse_keyword(w) for w in words)


def edit_keywords(taxonomy: Taxonomy, name: str, edits: Sequence[str]) -> Taxonomy:
    """Apply `+word[:weight]` / `word[:weight]` (add or re-weight) and `-word` (remove) to one topic."""
    if not edits:
        raise TaxonomyError("请给出要修改的关键词，例如 +算力 -招聘。")
    add = parse_keywords(w[1:] if w.startswith("+") else w for w in edits if not w.startswith("-"))
    drop = [w[1:] for w in edits if w.startswith("-") and len(w) > 1]
    if add:
        taxonomy = set_keywords(taxonomy, name, add)
    if drop:
        taxonomy = remove_keywords(taxonomy, name, drop)
    return taxonomy


@dataclass(frozen=True)
class TopicPreview:
    """What re-tagging a day's articles would do to one topic.

    keeps: stored under the topic and still would be; gains: would move in (with the topic they
    have now); loses: would move out (with the topic they would get instead).
    """

    topic: str
    date: str | None
    keeps: tuple[StoredArticle, ...] = ()
    gains: tuple[tuple[StoredArticle, str], ...] = ()
    loses: tuple[tuple[StoredArticle, str], ...] = ()


def preview_topic(articles: Iterable[StoredArticle], tagger: Tagger, name: str, date: str | None) -> TopicPreview:
    """Tag `articles` again with `tagger` and compare each one's primary topic with the stored one."""
    keeps, gains, loses = [], [], []
    for stored in articles:
        old, new = stored.article.topic, tagger.tag(stored.article).topic
        if old == name and new == name:
            keeps.append(stored)
        elif new == name:
            gains.append((stored, old))
        elif old == name:
            loses.append((stored, new))
    return TopicPreview(name, date, tuple(keeps), tuple(gains), tuple(loses))
