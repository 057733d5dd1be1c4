"""County and topic for every article, with the evidence an admin needs to see why.

County: the first of these places that names anything decides: the kicker line (冠县), the
headline (高唐：..., 时风集团...), the lead (first sentences), then the rest of the body, where
townships and organisations outweigh bare mentions and mentions add up. The city's bare name
(a repost's `聊城：`) decides nothing: it passes the call on, and the body then takes it only when
it is plainly about one place; else the story stays city-wide. In the kicker, headline
and lead the strongest match counts and a tie goes to what was named first, so a 市 department's
story that passes through a county (市水利局来到冠县...) stays city-wide; several counties named
alike make a city-wide story too.

Topic: weighted keywords of the taxonomy counted over jieba tokens, the headline above the lead
above the rest of the body (what the article is about, not what it mentions).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from digest.models import Article, Evidence, Tags
from digest.region import CITY, COUNTY, ORGANISATION, TOWNSHIP, ZONE, Mention, Region, squash
from digest.segment import Segmenter
from digest.topics import Taxonomy, Topic

log = logging.getLogger(__name__)

# How much one match weighs, by where it stands; only used to rank evidence within a stage
# and to show the admin how strong it was.
KICKER, HEADLINE_PREFIX, HEADLINE, LEAD = "kicker", "headline prefix", "headline", "lead"
MENTIONS = "mentions"
STAGE_WEIGHT = {KICKER: 12.0, HEADLINE_PREFIX: 10.0, HEADLINE: 8.0, LEAD: 5.0}
# In the body, a township or organisation ties an article to one county more than its name does.
BODY_WEIGHT = {TOWNSHIP: 3.0, ORGANISATION: 3.0}
# The city's bare name is weak: 聊城经纬工业网毯有限公司 is a company, not a city-wide story.
CITY_NAME_WEIGHT = 0.5
# After a stage that named only the city, the body decides only when it is plainly about one
# place: a township (3) or two mentions of a county, and no other place close to it.
BODY_PLAIN = 2.0
CITY_SOURCE = f"/{CITY}"
# The lead is the first sentences up to about this many characters (a dateline already removed).
LEAD_CHARS = 100
LEAD_MAX = 200
# Several counties alike: this many, none scoring this many times the runner-up -> city-wide.
ALIKE_COUNTIES, ALIKE_MARGIN = 3, 1.5
_SENTENCE_END = re.compile(r"[。！？!?][”’」』\"']*")
_PREFIX_COLON = ("：", ":")


class Tagger:
    """Tags articles by one region and one taxonomy; build a new Tagger when an admin edits topics."""

    def __init__(self, region: Region, taxonomy: Taxonomy, segmenter: Segmenter) -> None:
        self.region = region
        self.taxonomy = taxonomy
        self.segmenter = segmenter
        self._matchers = [_TopicMatcher(topic, segmenter) for topic in taxonomy.topics]
        # Every keyword's first piece, so a token that can start no keyword is passed over at C speed.
        self._firsts = frozenset(first for m in self._matchers for first in m.by_first)

    def tag(self, article: Article) -> Tags:
        county, counties, county_evidence = self._county(article)
        topic, topics, topic_evidence = self._topic(article)
        return Tags(county, counties, topic, topics, county_evidence, topic_evidence)

    # --- county -------------------------------------------------------------------------------

    def _county(self, article: Article) -> tuple[str, tuple[str, ...], tuple[Evidence, ...]]:
        lead, rest = split_lead(article.body)
        stages: list[list[Evidence]] = [
            [self._evidence(m, KICKER) for m in self.region.find(article.kicker)],
            self._headline_evidence(article),
            [self._evidence(m, LEAD) for m in self.region.find(lead)],
            [self._body_evidence(m) for m in self.region.find(rest)],
        ]
        everything = [e for stage in stages for e in stage]
        city = self.region.city_label
        county, decided_by = city, -1
        last = len(stages) - 1
        passed_on = False
        for index, stage in enumerate(stages):
            if not stage:
                continue
            label = self._decide(stage, add_up=index == last)
            if label == city and all(e.source.endswith(CITY_SOURCE) for e in stage):
                # Only the city's own name (a repost's `聊城：`, 聊城 in a title): it says where the
                # paper is, not which county the story is about. The next place named decides.
                passed_on = True
                decided_by = decided_by if decided_by >= 0 else index
                continue
            if passed_on and not self._plainly_one(stage, label, body=index == last):
                break
            county, decided_by = label, index
            break
        totals: dict[str, float] = defaultdict(float)
        for e in everything:
            totals[e.label] += e.score
        others = sorted((label for label in totals if label not in (county, city)), key=lambda x: -totals[x])
        # The deciding evidence first, so `explain` shows what made the call.
        ordered = [*stages[decided_by]] if decided_by >= 0 else []
        ordered += [e for i, stage in enumerate(stages) if i != decided_by for e in stage]
        return county, (county, *others), tuple(ordered)

    def _plainly_one(self, stage: list[Evidence], label: str, body: bool) -> bool:
        """Whether a stage after the city's bare name is plainly about one place. In the kicker,
        headline or lead: no other place comes close (临清市、高唐县各有一家 is the city's news). In
        the body: that place adds up to BODY_PLAIN and no other place is named at all (a list of
        companies from two counties is the city's news too)."""
        if label == self.region.city_label:
            return True
        scores: dict[str, float] = defaultdict(float)
        for e in stage:
            scores[e.label] = scores[e.label] + e.score if body else max(scores[e.label], e.score)
        others = [v for k, v in scores.items() if k not in (label, self.region.city_label)]
        if body:
            return scores[label] >= BODY_PLAIN and not others
        return scores[label] >= ALIKE_MARGIN * max(others, default=0.0)

    def _headline_evidence(self, article: Article) -> list[Evidence]:
        title = squash(article.title)
        out = []
        for m in self.region.find(title):
            prefixed = m.start == 0 and title[m.end:m.end + 1] in _PREFIX_COLON
            out.append(self._evidence(m, HEADLINE_PREFIX if prefixed else HEADLINE))
        out += [self._evidence(m, HEADLINE) for m in self.region.find(article.subtitle)]
        return out

    def _evidence(self, m: Mention, stage: str) -> Evidence:
        weight = STAGE_WEIGHT[stage] * (CITY_NAME_WEIGHT if m.kind == CITY else 1.0)
        source = stage if m.kind in (COUNTY, ZONE) else f"{stage}/{m.kind}"
        return Evidence(m.label, source, m.text, weight)

    def _body_evidence(self, m: Mention) -> Evidence:
        if m.kind in BODY_WEIGHT:
            return Evidence(m.label, m.kind, m.text, BODY_WEIGHT[m.kind])
        weight = CITY_NAME_WEIGHT if m.kind == CITY else 1.0
        return Evidence(m.label, f"{MENTIONS}/{m.kind}", m.text, weight)

    def _decide(self, stage: list[Evidence], add_up: bool) -> str:
        """The best label of one stage; ties go to the one named first.

        In the body, scores add up (counts of mentions). In the kicker, headline and lead a
        label scores its strongest match only: there the subject comes first, so 冠县东古城镇
        after 市水利局 is where the department went, not two votes against it.
        """
        scores: dict[str, float] = defaultdict(float)
        for e in stage:
            scores[e.label] = scores[e.label] + e.score if add_up else max(scores[e.label], e.score)
        first = {label: i for i, label in reversed(list(enumerate(e.label for e in stage)))}
        ranked = sorted(scores, key=lambda label: (-scores[label], first[label]))
        city = self.region.city_label
        counties = [label for label in ranked if label != city]
        if (ranked[0] != city and len(counties) >= ALIKE_COUNTIES
                and scores[counties[0]] < ALIKE_MARGIN * scores[counties[1]]):
            return city
        return ranked[0]

    # --- topic --------------------------------------------------------------------------------

    def _topic(self, article: Article) -> tuple[str, tuple[str, ...], tuple[Evidence, ...]]:
        tax = self.taxonomy
        lead, rest = split_lead(article.body)
        # Where a keyword stands says how much it tells: the headline names the subject, the lead
        # states it, the rest of the body mentions things in passing.
        weigh = {"headline": lambda n: tax.headline_weight * n,
                 "lead": lambda n: tax.lead_weight * math.sqrt(n),
                 "body": math.sqrt}
        sources = [(source, tokens, _hot_pieces(tokens, self._firsts))
                   for source, tokens in (("headline", self.segmenter.words(article.headline)),
                                          ("lead", self.segmenter.words(lead)),
                                          ("body", self.segmenter.words(rest)))]
        scored: list[tuple[float, int, str, list[Evidence]]] = []
        for order, matcher in enumerate(self._matchers):
            evidence = []
            for source, tokens, hot in sources:
                for keyword, count in matcher.hits(tokens, hot).items():
                    # Repeated hits below the headline count with diminishing returns, so one word
                    # said twenty times does not outvote the rest of the article.
                    where = f"{source} ×{count}" if count > 1 else source
                    evidence.append(Evidence(matcher.topic.name, where, keyword,
                                             round(matcher.weights[keyword] * weigh[source](count), 2)))
            scored.append((sum(e.score for e in evidence), order, matcher.topic.name, evidence))
        scored.sort(key=lambda s: (-s[0], s[1]))
        best = scored[0][0]
        if best <= 0:
            return tax.default, (tax.default,), ()
        chosen = [s for s in scored if s is scored[0]
                  or (s[0] >= tax.secondary_ratio * best and s[0] >= tax.min_score)]
        evidence = tuple(e for s in chosen for e in sorted(s[3], key=lambda e: -e.score))
        return chosen[0][2], tuple(s[2] for s in chosen), evidence


def apply_tags(article: Article, tags: Tags) -> Article:
    """The article with its county, counties, topic and topics filled in from `tags`."""
    return replace(article, county=tags.county, counties=tags.counties, topic=tags.topic, topics=tags.topics)


def split_lead(body: str) -> tuple[str, str]:
    """The lead (first sentences, about LEAD_CHARS characters) and the rest, white space removed."""
    text = squash(body)
    if len(text) <= LEAD_CHARS:
        return text, ""
    for end in _SENTENCE_END.finditer(text, LEAD_CHARS - 1):
        if end.end() <= LEAD_MAX:
            return text[:end.end()], text[end.end():]
        break
    return text[:LEAD_MAX], text[LEAD_MAX:]


@dataclass(frozen=True)
class _Keyword:
    text: str
    tokens: tuple[str, ...]


class _TopicMatcher:
    """Finds one topic's keywords in a token list.

    A keyword counts where it is a whole token, the head or tail of a longer token (农机 in
    农机更新), or a run of tokens (可再生能源 = 可 + 再生能源). At each place only the longest
    keyword counts, and nothing counts inside an excluded phrase.
    """

    def __init__(self, topic: Topic, segmenter: Segmenter) -> None:
        self.topic = topic
        self.weights = topic.weights
        self.keywords = sorted((_Keyword(k, tuple(segmenter.words(k)) or (k,)) for k in self.weights),
                               key=lambda k: -len(k.text))
        self.exclude = [tuple(segmenter.words(p)) or (p,) for p in topic.exclude]
        # Keywords by their first token, in longest-first rank: only these can start at a position.
        self.by_first: dict[str, list[tuple[int, _Keyword]]] = defaultdict(list)
        for rank, keyword in enumerate(self.keywords):
            self.by_first[keyword.tokens[0]].append((rank, keyword))

    def hits(self, tokens: list[str], hot: dict[int, set[str]] | None = None) -> Counter[str]:
        """Count this topic's keywords; `hot` maps each position to the keyword first-pieces there."""
        if hot is None:
            hot = _hot_pieces(tokens, frozenset(self.by_first))
        masked = set()
        for phrase in self.exclude:
            for i in range(len(tokens)):
                if _matches_at(tokens, i, phrase):
                    masked.update(range(i, i + len(phrase)))
        counts: Counter[str] = Counter()
        free_from = 0
        for i in sorted(hot):
            if i < free_from or i in masked:
                continue
            candidates = sorted((rank, kw) for piece in hot[i] for rank, kw in self.by_first.get(piece, ()))
            for _, keyword in candidates:
                if _matches_at(tokens, i, keyword.tokens):
                    counts[keyword.text] += 1
                    free_from = i + len(keyword.tokens)
                    break
        return counts


def _hot_pieces(tokens: list[str], firsts: frozenset[str]) -> dict[int, set[str]]:
    """For each position, the keyword first-pieces that are a prefix or suffix of its token."""
    hot = {}
    for i, token in enumerate(tokens):
        pieces = {token[:k] for k in range(1, len(token) + 1)} | {token[k:] for k in range(len(token))}
        found = pieces & firsts
        if found:
            hot[i] = found
    return hot


def _matches_at(tokens: list[str], i: int, seq: tuple[str, ...]) -> bool:
    """Whether `seq` stands at tokens[i]: the ends may be part of a longer token, the middle not."""
    if i + len(seq) > len(tokens):
        return False
    if len(seq) == 1:
        word, token = seq[0], tokens[i]
        return token == word or (len(word) > 1 and (token.startswith(word) or token.endswith(word)))
    last = len(seq) - 1
    return (tokens[i].endswith(seq[0]) and tokens[i + last].startswith(seq[last])
            and all(tokens[i + k] == seq[k] for k in range(1, last)))
