"""Digests of the other papers a subscriber chose, composed alongside the default paper's.

bot/daily.py composes each reader's digest of the default paper; `PaperDigests` adds, for a
reader who chose more papers, one digest per other paper that has articles that day (through the
reader's county and topic filters), and leaves out the default paper for a reader who dropped it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.render import render_digest
from bot.services import Services
from digest import papers, store
from digest.compose import compose_digest
from digest.models import StoredArticle
from digest.outbox import Part
from digest.subscriptions import Subscriber


class PaperDigests:
    """For one compose run of `day`: everyone's choices loaded once, each paper's articles once."""

    def __init__(self, services: Services, day: str) -> None:
        self.services = services
        self.day = day
        self.choices = papers.all_chosen(services.db)
        self._articles: dict[str, list[StoredArticle]] = {}

    def _of(self, paper: str) -> list[StoredArticle]:
        if paper not in self._articles:
            self._articles[paper] = store.articles_on(self.services.db, self.day, paper)
        return self._articles[paper]

    def parts(self, sub: Subscriber, default_parts: Sequence[Part]) -> list[Part]:
        """The reader's messages: the default paper's digest if chosen, the others', then watch matches."""
        default = self.services.settings.paper
        chosen = self.choices.get(sub.chat_id, (default,))
        if chosen == (default,):
            return list(default_parts)
        digest = [p for p in default_parts if p.kind == "digest"] if default in chosen else []
        others = [p for p in default_parts if p.kind != "digest"]
        for paper in chosen:
            if paper == default or not self._of(paper):
                continue
            composed = compose_digest(
                self._of(paper), paper=paper, date=self.day, county_order=self.services.settings.county_order,
                topic_order=self.services.pipeline.tagger.taxonomy.names, counties=set(sub.counties),
                topics=set(sub.topics),
            )
            digest += [Part("digest", text) for text in render_digest(composed)]
        return digest + others
