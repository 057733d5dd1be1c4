"""The page-to-article pipeline, built once per process: read -> split -> tag -> summarise.

Building it loads jieba's dictionary (about 0.6 s) with the region's names added; everything
after that is a function of plain data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from digest.dictionary import load_segmenter
from digest.models import Article, Page, SkippedBlock
from digest.region import Region, load_region
from digest.segment import Segmenter
from digest.settings import Settings
from digest.sources.textfile import PageError, PageText
from digest.sources.textpage import split_page
from digest.summarize import Summarizer, make_summarizer
from digest.tagging import Tagger, apply_tags
from digest.topics import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

# The summariser is quadratic in an article's sentences: 50,000 characters of short sentences
# cost it 100 s and 2 GB. Real articles are under 3,000 characters, so only a hostile one is
# summarised from its first part (news states its point first).
SUMMARY_SOURCE_CHARS = 6_000


def _lead_part(article: Article, limit: int) -> Article:
    """The article cut to its first `limit` characters of body, at a paragraph end if one fits."""
    if len(article.body) <= limit:
        return article
    kept: list[str] = []
    for paragraph in article.paragraphs:
        room = limit - sum(len(p) + 1 for p in kept)
        if len(paragraph) > room:
            if not kept:
                kept.append(paragraph[:room])
            break
        kept.append(paragraph)
    return replace(article, paragraphs=tuple(kept))


@dataclass
class Pipeline:
    settings: Settings
    region: Region
    segmenter: Segmenter
    tagger: Tagger
    summarizer: Summarizer

    @classmethod
    def build(cls, settings: Settings, taxonomy: Taxonomy | None = None) -> Pipeline:
        """Load region, taxonomy and tokenizer once; `taxonomy` overrides config (admins' edits)."""
        region = load_region(settings.region_path)
        taxonomy = taxonomy or load_taxonomy(settings.topics_path)
        # Region names and the user dictionary only: never topic keywords (see digest/dictionary.py).
        segmenter = load_segmenter(settings, region)
        s = settings.summary
        return cls(
            settings=settings,
            region=region,
            segmenter=segmenter,
            tagger=Tagger(region, taxonomy, segmenter),
            summarizer=make_summarizer(s.summarizer, segmenter, max_chars=s.max_chars, max_sentences=s.max_sentences),
        )

    def with_taxonomy(self, taxonomy: Taxonomy) -> Pipeline:
        """The same pipeline tagging by an edited taxonomy (the tokenizer is not reloaded)."""
        return replace(self, tagger=Tagger(self.region, taxonomy, self.segmenter))

    def enrich(self, article: Article) -> Article:
        """Tag and summarise one article."""
        tagged = apply_tags(article, self.tagger.tag(article))
        return replace(tagged, summary=self.summarizer(_lead_part(tagged, SUMMARY_SOURCE_CHARS)))

    def process(self, page: PageText) -> Page:
        """Split a decoded text page into enriched articles; a page with none recognisable is refused."""
        articles, skipped = split_page(page.text)
        return self.finish(page.file, page.encoding, page.text, articles, skipped)

    def finish(
        self, file: str, encoding: str, text: str, articles: Sequence[Article], skipped: Sequence[SkippedBlock] = ()
    ) -> Page:
        """Check and enrich articles any source has split (text, PDF, e-paper site) into one Page."""
        if not any(a.title or a.reporters for a in articles):
            if not articles and skipped:
                raise PageError(file, "no article body found (only headlines or bylines)")
            raise PageError(file, "no recognisable article (no headline, dateline or byline found)")
        for block in skipped:
            log.warning("%s: skipped %s: %.40s", file, block.reason, block.text)
        return Page(
            file=file, encoding=encoding, text=text,
            articles=tuple(self.enrich(a) for a in articles), skipped=tuple(skipped),
        )
