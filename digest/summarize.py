"""Extractive summaries: one to three sentences of the article itself, short enough for a phone.

Three interchangeable backends behind one callable type:
- "textrank": TextRank over jieba words, computed with numpy (one word-overlap similarity matrix
  and a fixed number of power iterations), with a lead-position prior because news states its
  point first, a redundancy check and the length budget.
- "textrank4zh": the textrank4zh 0.3 package as a baseline, cut to the same budget.
- "lead": the first sentences that fit the budget.

Summaries are extractive in a strict sense: every piece between end marks is a verbatim slice
of the body (white space aside). Sentences are concatenated with nothing in between; a sentence
with no end mark gets a `。` when another follows, and any combination that would not read back
as slices of the body is rejected before it is returned.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from digest.models import Article
from digest.segment import Segmenter
from digest.sentences import sentence_spans

log = logging.getLogger(__name__)

BACKENDS = ("textrank", "textrank4zh", "lead")

# Datelines, bylines and their markers: never part of a summary, even if the splitter let one by.
_BANNED = re.compile(r"本报讯|本报记者|通讯员|■")
# A photo credit standing alone (`（记者 张三 摄）`) or trailing a caption's last sentence.
_CREDIT_ALONE = re.compile(r"^[（(]?[^。！？!?，,]{0,24}摄[）)]?$")
_CREDIT_TAIL = re.compile(r"\s*[（(][^（）()]{0,24}摄[）)]$")
# A sentence that is a quotation or a question: a feature's hook, seldom the news itself.
_ASIDE = re.compile(r"^[“「『\"]|[？?][”’」』\"]*$")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[\d.,%％]+$")
_CLAUSE_MARK = re.compile(r"[，；：、,;:]")
_WHITE = re.compile(r"\s+")
# Pieces of a summary as a reader-side check cuts them: after each of these marks.
_PIECE_END = re.compile(r"(?<=[。！？；…])")
_PIECE_TRAIL = "。！？；…”’\""
_END_MARKS = "。！？!?；;…"
_CLOSERS = "”’」』）)》〉】\"'"
# Fewer content characters than this is a heading, a credit or a fragment, not a sentence.
_MIN_SENTENCE_CHARS = 6


class Summarizer(Protocol):
    """Anything that turns an article into its summary text ("" when there is nothing to say)."""

    def __call__(self, article: Article) -> str: ...


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int
    end: int


def make_summarizer(
    name: str, segmenter: Segmenter, max_chars: int = 120, max_sentences: int = 3
) -> Summarizer:
    """The summariser called `name` (see BACKENDS), sharing the process's one Segmenter."""
    if max_chars < 2 or max_sentences < 1:
        raise ValueError(f"summary budget too small: max_chars={max_chars}, max_sentences={max_sentences}")
    if name == "textrank":
        return TextRankSummarizer(segmenter, max_chars, max_sentences)
    if name == "textrank4zh":
        return TextRank4zhSummarizer(segmenter, max_chars, max_sentences)
    if name == "lead":
        return LeadSummarizer(segmenter, max_chars, max_sentences)
    raise ValueError(f"unknown summarizer {name!r}; choose one of: {', '.join(BACKENDS)}")


class _Extractive:
    """What every backend shares: sentence candidates, photo captions, budget and the final check."""

    def __init__(self, segmenter: Segmenter, max_chars: int, max_sentences: int) -> None:
        self._segmenter = segmenter
        self.max_chars = max_chars
        self.max_sentences = max_sentences

    def __call__(self, article: Article) -> str:
        body = article.body
        sentences = self._sentences(body)
        if not sentences:
            return ""
        if article.kind == "photo":
            # A caption's first sentence says what the picture shows; the rest is background.
            return _cut(sentences[0].text, self.max_chars)
        ranked = self._rank(body, sentences)
        if not ranked:
            return ""
        return self._compose(sentences, ranked, _squash(body))

    def _sentences(self, body: str) -> list[_Sentence]:
        return _candidates(body, sentence_spans(body))

    def _rank(self, body: str, sentences: Sequence[_Sentence]) -> list[int]:
        """Indices into `sentences`, best first."""
        raise NotImplementedError

    def _redundant(self, index: int, chosen: Sequence[int]) -> bool:
        return False

    def _worth_adding(self, index: int, best: int) -> bool:
        return True

    def _compose(self, sentences: Sequence[_Sentence], ranked: Sequence[int], body: str) -> str:
        """The best-ranked sentences that fit the budget, in text order; else the best one cut."""
        chosen: list[int] = []
        for index in ranked:
            if len(chosen) >= self.max_sentences:
                break
            if chosen and not self._worth_adding(index, ranked[0]):
                break
            if self._redundant(index, chosen):
                continue
            trial = sorted([*chosen, index])
            text = _join([sentences[i].text for i in trial])
            if len(text) <= self.max_chars and _pieces_in(text, body):
                chosen = trial
                if len(text) >= self.fill * self.max_chars:
                    break
            elif self._contiguous:
                break
        if chosen:
            return _join([sentences[i].text for i in chosen])
        return _cut(sentences[ranked[0]].text, self.max_chars)

    _contiguous = False
    fill = 1.0


class LeadSummarizer(_Extractive):
    """The opening sentences: the baseline every news summariser has to beat."""

    _contiguous = True

    def _rank(self, body: str, sentences: Sequence[_Sentence]) -> list[int]:
        return list(range(len(sentences)))


class TextRankSummarizer(_Extractive):
    """TextRank (Mihalcea & Tarau 2004) with a lead prior, vectorised so one call costs about a jieba cut.

    Similarity is the paper's |Si ∩ Sj| / (log|Si| + log|Sj|) over content words; PageRank
    teleports to the opening sentences (personalised PageRank) rather than uniformly.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        max_chars: int = 120,
        max_sentences: int = 3,
        *,
        damping: float = 0.85,
        lead_decay: float = 1.0,
        iterations: int = 30,
        redundancy: float = 0.6,
        extra_ratio: float = 0.0,
        cue_weight: float = 1.0,
    ) -> None:
        super().__init__(segmenter, max_chars, max_sentences)
        self.damping = damping
        self.lead_decay = lead_decay
        self.iterations = iterations
        self.redundancy = redundancy
        self.extra_ratio = extra_ratio
        self.cue_weight = cue_weight
        self._scores: np.ndarray = np.zeros(0)
        self._overlap: np.ndarray = np.zeros((0, 0))
        self._distinct: np.ndarray = np.zeros(0)

    def _rank(self, body: str, sentences: Sequence[_Sentence]) -> list[int]:
        words = self._words(body, sentences)
        n = len(sentences)
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, sentence_words in enumerate(words):
            for word in set(sentence_words):
                rows.append(i)
                cols.append(vocabulary.setdefault(word, len(vocabulary)))
        incidence = np.zeros((n, max(1, len(vocabulary))))
        incidence[rows, cols] = 1.0
        overlap = incidence @ incidence.T
        np.fill_diagonal(overlap, 0.0)
        self._overlap = overlap
        self._distinct = incidence.sum(axis=1)
        log_length = np.log(np.maximum([len(w) for w in words], 2))
        weights = overlap / (log_length[:, None] + log_length[None, :])
        out = weights.sum(axis=1)
        transition = np.divide(weights, out[:, None], out=np.zeros_like(weights), where=out[:, None] > 0)
        prior = 1.0 / np.arange(1, n + 1) ** self.lead_decay
        prior *= [self.cue_weight if _ASIDE.search(s.text) else 1.0 for s in sentences]
        prior /= prior.sum()
        dangling = out == 0
        rank = prior.copy()
        for _ in range(self.iterations):
            rank = (1 - self.damping) * prior + self.damping * (rank @ transition + rank[dangling].sum() * prior)
        self._scores = rank
        return [int(i) for i in np.argsort(-rank, kind="stable")]

    def _worth_adding(self, index: int, best: int) -> bool:
        return bool(self._scores[index] >= self.extra_ratio * self._scores[best])

    def _redundant(self, index: int, chosen: Sequence[int]) -> bool:
        """Say it once: skip a sentence whose words mostly repeat one already chosen."""
        for other in chosen:
            smaller = min(self._distinct[index], self._distinct[other])
            if smaller and self._overlap[index, other] / smaller > self.redundancy:
                return True
        return False

    def _words(self, body: str, sentences: Sequence[_Sentence]) -> list[list[str]]:
        """Content words per sentence from ONE jieba pass over the body, mapped back by offset.

        jieba never joins characters across punctuation or white space, and every sentence
        boundary is one of those, so no token straddles two sentences.
        """
        stopwords = self._segmenter.stopwords
        result: list[list[str]] = [[] for _ in sentences]
        k, position, n = 0, 0, len(sentences)
        for token in self._segmenter.cut(body):
            begin = position
            position += len(token)
            while k < n and sentences[k].end <= begin:
                k += 1
            if k == n:
                break
            if begin < sentences[k].start or token in stopwords:
                continue
            if _WORDLIKE.search(token) and not _NUMBER.match(token):
                result[k].append(token)
        return result


class TextRank4zhSummarizer(_Extractive):
    """The textrank4zh package's ranking, on its own sentence units, cut to our budget."""

    def __init__(self, segmenter: Segmenter, max_chars: int = 120, max_sentences: int = 3) -> None:
        super().__init__(segmenter, max_chars, max_sentences)
        import networkx

        if not hasattr(networkx, "from_numpy_matrix"):
            # textrank4zh 0.3 calls from_numpy_matrix, removed in networkx 3.0; for the ndarray it
            # passes, from_numpy_array builds the same weighted graph. Patched here, not at import,
            # so only a process that chose this backend is touched.
            networkx.from_numpy_matrix = networkx.from_numpy_array
        from textrank4zh import TextRank4Sentence

        # textrank4zh cuts with jieba's hidden global tokenizer; it is a baseline, so it keeps it.
        self._engine = TextRank4Sentence()

    def _sentences(self, body: str) -> list[_Sentence]:
        self._engine.analyze(text=body, lower=True, source="all_filters")
        found: list[tuple[int, int]] = []
        self._start_of: dict[int, int] = {}  # its sentence index -> start offset in the body
        cursor = 0
        for index, piece in enumerate(self._engine.sentences):
            start = body.find(piece, cursor)
            if start < 0:  # cannot happen for its own split of this text; be safe, not sorry
                log.warning("textrank4zh sentence not found in body: %.20s", piece)
                continue
            found.append((start, start + len(piece)))
            self._start_of[index] = start
            cursor = start + len(piece)
        spans = []
        for k, (start, end) in enumerate(found):
            # It drops the delimiter; give it back (and closing quotes) so the text reads verbatim,
            # without running into its next sentence (which may begin with that closing quote).
            limit = found[k + 1][0] if k + 1 < len(found) else len(body)
            while end < limit and body[end] in _END_MARKS:
                end += 1
            while end < limit and body[end] in _CLOSERS:
                end += 1
            spans.append((start, end))
        return _candidates(body, spans)

    def _rank(self, body: str, sentences: Sequence[_Sentence]) -> list[int]:
        at = {s.start: i for i, s in enumerate(sentences)}
        ranked = (at.get(self._start_of.get(item["index"], -1)) for item in self._engine.key_sentences)
        return [i for i in ranked if i is not None]


def _candidates(body: str, spans: Sequence[tuple[int, int]]) -> list[_Sentence]:
    """Sentences a summary may use: no dateline, byline or photo credit, no headings or fragments."""
    result = []
    for start, end in spans:
        text = body[start:end]
        tail = _CREDIT_TAIL.search(text)
        if tail and tail.start() > 0:
            end = start + tail.start()
            text = body[start:end]
        if _BANNED.search(text) or _CREDIT_ALONE.match(text):
            continue
        if len(_WORDLIKE.findall(text)) < _MIN_SENTENCE_CHARS:
            continue
        result.append(_Sentence(text, start, end))
    return result


def _has_end_mark(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in tuple(_END_MARKS)


def _join(texts: Sequence[str]) -> str:
    """Concatenate with nothing between; a sentence with no end mark gets `。` if another follows."""
    parts = [t if i == len(texts) - 1 or _has_end_mark(t) else t + "。" for i, t in enumerate(texts)]
    return "".join(parts)


def _squash(text: str) -> str:
    return _WHITE.sub("", text)


def _pieces_in(summary: str, squashed_body: str) -> bool:
    """True when every end-mark-delimited piece of `summary` is a slice of the body (white space aside)."""
    pieces = (p.rstrip(_PIECE_TRAIL) for p in _PIECE_END.split(_squash(summary)))
    return all(p in squashed_body for p in pieces)


def _cut(text: str, max_chars: int) -> str:
    """`text` if it fits; else its longest clause-boundary prefix that fits, ended with `…`."""
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 1]
    marks = [m.start() for m in _CLAUSE_MARK.finditer(head)]
    # A clause boundary in the first third would leave almost nothing; cut mid-clause instead.
    cut = marks[-1] if marks and marks[-1] >= max_chars // 3 else len(head)
    return text[:cut].rstrip() + "…"

