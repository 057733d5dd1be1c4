"""Why an article got its county and topic, as plain text an admin can read in a terminal or chat."""

from __future__ import annotations

import logging
from collections import Counter

from digest.models import Article, Evidence, Tags
from digest.topics import Taxonomy

log = logging.getLogger(__name__)

PHOTO_PREVIEW = 30  # characters of the caption shown for an article without a headline


def explain(article: Article, tags: Tags, taxonomy: Taxonomy | None = None) -> str:
    """A readable report: the headline, the county evidence and the topic keywords that hit
    (each with where it stood and its score; with `taxonomy`, how places are weighed)."""
    headline = article.headline or f"({article.kind}) {article.body[:PHOTO_PREVIEW]}…"
    lines = [headline, ""]
    also = [c for c in tags.counties if c != tags.county]
    lines.append(f"County: {tags.county}" + (f"   also: {', '.join(also)}" if also else ""))
    if tags.county_evidence:
        decided = tags.county_evidence[0].source.split("/")[0]
        lines.append(f"  decided by the {decided}; evidence (label, source, match, score):")
        lines += [f"    {label}  {source}  {match}{_times(n)}  {score:g}"
                  for (label, source, match), (n, score) in _grouped(tags.county_evidence)]
    else:
        lines.append("  no place named: city-wide by default")
    lines.append("")
    also = [t for t in tags.topics if t != tags.topic]
    lines.append(f"Topic: {tags.topic}" + (f"   also: {', '.join(also)}" if also else ""))
    if not tags.topic_evidence:
        lines.append("  no keyword hit: the default topic")
    elif taxonomy is not None:
        lines.append(f"  keyword weight × place: headline ×{taxonomy.headline_weight:g} a hit, lead ×"
                     f"{taxonomy.lead_weight:g}√hits, rest of the body √hits")
    for topic in tags.topics:
        hits = [e for e in tags.topic_evidence if e.label == topic]
        if hits:
            total = sum(e.score for e in hits)
            words = " · ".join(f"{e.match} ({e.source}) {e.score:g}" for e in hits)
            lines.append(f"  {topic} {total:.1f}: {words}")
    return "\n".join(lines)


def _grouped(evidence: tuple[Evidence, ...]) -> list[tuple[tuple[str, str, str], tuple[int, float]]]:
    """Repeated matches on one line (市水利局 ×9), in the order they first appear."""
    counts: Counter[tuple[str, str, str]] = Counter()
    scores: dict[tuple[str, str, str], float] = {}
    for e in evidence:
        key = (e.label, e.source, e.match)
        counts[key] += 1
        scores[key] = scores.get(key, 0.0) + e.score
    return [(key, (counts[key], round(scores[key], 2))) for key in counts]


def _times(n: int) -> str:
    return f" ×{n}" if n > 1 else ""
