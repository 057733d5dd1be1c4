"""Extractive summaries: one to three sentences of the article itself, short enough for a phone.

Three interchangeable backends behind one callable type:
- "textrank" (ours): TextRank over jieba words, computed with numpy (one word-overlap similarity
  matrix, PageRank by power iteration), weighted for news and for a digest that already shows the
  title: whole sentences that say what the title does not (who, how much, what changes), filling
  two phone lines (about 60-120 characters), never opening on a connective or a pointer.
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
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from digest.models import Article
from digest.segment import Segmenter
from digest.sentences import sentence_spans
from digest.settings import CONFIG_DIR
from digest.stopwords import load_stopwords

log = logging.getLogger(__name__)

BACKENDS = ("textrank", "textrank4zh", "lead")

# Datelines, bylines and their markers: never part of a summary, even if the splitter let one by.
_BANNED = re.compile(r"本报讯|本报记者|通讯员|■")
# A dateline left at the head of a sentence: `本报讯（记者 张三 通讯员 李四）`.
_DATELINE = re.compile(r"\s*本报讯\s*(?:[（(][^（）()]{0,40}[）)])?\s*")
# A photo credit standing alone (`（记者 张三 摄）`) or trailing a caption's last sentence.
_CREDIT_ALONE = re.compile(r"^[（(]?[^。！？!?，,]{0,24}摄[）)]?$")
_CREDIT_TAIL = re.compile(r"\s*[（(][^（）()]{0,24}摄[）)]$")
# A sentence that is a quotation or a question: a feature's hook, seldom the news itself.
_ASIDE = re.compile(r"^[“「『\"]|[？?][”’」』\"]*$")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
# A token worth comparing holds a letter or a CJK character: not punctuation, not a bare number
# (dates and figures would make every dated sentence look alike).
_CONTENT = re.compile(r"[^\W\d_]")
_CLAUSE_MARK = re.compile(r"[，；：、,;:]")
_WHITE = re.compile(r"\s+")
# Pieces of a summary as a reader-side check cuts them: after each of these marks.
_PIECE_END = re.compile(r"(?<=[。！？；…])")
_PIECE_TRAIL = "。！？；…”’\""
_END_MARKS = "。！？!?；;…"
_CLOSERS = "”’」』）)》〉】\"'"
# Fewer content characters than this is a heading, a credit or a fragment, not a sentence.
_MIN_SENTENCE_CHARS = 6
# A figure that tells how much (3000余户, 15亿元, 18%), not a date (11月20日, 2026年).
_DATE = re.compile(r"\d+(?:\.\d+)?\s*(?:年|月|日|时|点|号)")
# A list item, a heading or a label: 1、… ；2、…, "原料：大米、红枣", a product line "扫地机器人@iRobot".
_LISTY = re.compile(
    r"(?:^|[；;：:，,])\s*(?:\d{1,2}|[一二三四五六七八九十])[、.．)）]|^[^，。！？]{1,12}[：:][^，。]*、|@")
_FIGURE = re.compile(r"\d|[%％]|[一二两三四五六七八九十百千]+[万亿]|[万亿]元")
OPENERS_FILE = CONFIG_DIR / "summary_openers.txt"


def load_openers(path: Path | str = OPENERS_FILE) -> tuple[str, ...]:
    """Words a summary never starts with (config/summary_openers.txt), longest first."""
    return tuple(sorted(load_stopwords(path), key=len, reverse=True))


class Summarizer(Protocol):
    """Anything that turns an article into its summary text ("" when there is nothing to say)."""

    def __call__(self, article: Article) -> str: ...


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _Ranking:
    """A backend's verdict on one article, kept per call so a summariser holds no per-article state."""

    order: list[int]  # indices into the sentences, best first
    scores: np.ndarray | None = None  # per sentence; None when the order is all there is
    overlap: np.ndarray | None = None  # distinct words each pair of sentences shares
    distinct: np.ndarray | None = None  # distinct words per sentence


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
    """What every backend shares: photo captions, the budget, and composing a checked summary.

    Composition: the best sentence (cut at a clause if it alone is too long: never traded for a
    lesser one that happens to be short), then the next best in score order while the summary is
    under `enough` of the budget, they score at least `extra_ratio` of the best, repeat less than
    `redundancy` of a chosen one's words, and the whole still fits and reads back as slices of the
    body. `contiguous` stops at the first sentence that does not fit (the lead backend).
    """

    enough = 1.0
    extra_ratio = 0.0
    redundancy = 1.0
    contiguous = False

    def __init__(self, segmenter: Segmenter, max_chars: int, max_sentences: int) -> None:
        self._segmenter = segmenter
        self.max_chars = max_chars
        self.max_sentences = max_sentences

    def __call__(self, article: Article) -> str:
        body = article.body
        if article.kind == "photo":
            # A caption is short already: the whole of it when it fits, else its first sentence,
            # which says what the picture shows.
            sentences = _candidates(body, sentence_spans(body))
            whole = _join([s.text for s in sentences])
            if whole and len(whole) <= self.max_chars and _pieces_in(whole, _squash(body)):
                return whole
            return _cut(sentences[0].text, self.max_chars) if sentences else ""
        sentences, ranking = self._rank(body, article.title)
        if not ranking.order:
            return ""
        return self._compose(sentences, ranking, _squash(body))

    def _rank(self, body: str, title: str = "") -> tuple[list[_Sentence], _Ranking]:
        """The sentences a summary may use and their ranking, best first (`title` may inform it)."""
        raise NotImplementedError

    def _compose(self, sentences: Sequence[_Sentence], ranking: _Ranking, body: str) -> str:
        best = ranking.order[0]
        if len(sentences[best].text) > self.max_chars:
            return _cut(sentences[best].text, self.max_chars)
        chosen = [best]
        text = sentences[best].text
        for index in ranking.order[1:]:
            if len(chosen) >= self.max_sentences or len(text) >= self.enough * self.max_chars:
                break
            if ranking.scores is not None and ranking.scores[index] < self.extra_ratio * ranking.scores[best]:
                break
            if _redundant(ranking, index, chosen, self.redundancy):
                continue
            trial = sorted([*chosen, index])
            candidate = _join([sentences[i].text for i in trial])
            if len(candidate) <= self.max_chars and _pieces_in(candidate, body):
                chosen, text = trial, candidate
            elif self.contiguous:
                break
        return text


class LeadSummarizer(_Extractive):
    """The opening sentences that fit: the baseline every news summariser has to beat."""

    contiguous = True

    def _rank(self, body: str, title: str = "") -> tuple[list[_Sentence], _Ranking]:
        sentences = _candidates(body, sentence_spans(body))
        return sentences, _Ranking(list(range(len(sentences))))


class TextRankSummarizer(_Extractive):
    """TextRank (Mihalcea & Tarau 2004) weighted for news, vectorised so a call costs about a jieba cut.

    The digest shows the title, so the summary's job is the point the title does not say.
    Similarity is the paper's |Si ∩ Sj| / (log|Si| + log|Sj|) over content words. A sentence's
    score is its PageRank divided by its distinct words**length_power (centrality grows with
    length, and so does what a sentence costs of the budget), times:
    - 1/position**lead_decay: news states its point first, so a later sentence must be more central;
    - `aside_weight` for a quotation or a question (1.0: on human summaries they did no worse);
    - `list_weight` for a list item, a label or a heading (1、…, 原料：…, under `short_chars`);
    - 1 + `figure_weight` when it holds a figure (how many, how much; not a date);
    - with a title, `titled_lead_decay` and `titled_figure_weight` instead: the title already says
      what the article is about, the opening mostly restates it or sets the scene, and the
      figures are what the reader still lacks (chosen by reading the seed articles' summaries:
      the reference sets have no titles, so ROUGE cannot measure this part);
    - 1 - (share of its words the title already has): a sentence that restates the title adds
      nothing, and one that repeats it mostly (`title_overlap` or more) is never used.
    Composition fills the budget with whole sentences, best first, in text order: never one that
    starts with a connective or a pointer (`openers`, config/summary_openers.txt) unless the
    sentence right before it is in the summary too, never one repeating a chosen one
    (`redundancy`); below `min_chars` any that fits, from there only those scoring `extra_ratio`
    of the best. The defaults were chosen on the tuning half of the reference sets (see
    benchmarks/summarize.py), never on the held-out half.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        max_chars: int = 120,
        max_sentences: int = 3,
        *,
        damping: float = 0.85,
        iterations: int = 30,
        lead_decay: float = 0.7,
        aside_weight: float = 1.0,
        figure_weight: float = 0.5,
        length_power: float = 0.5,
        list_weight: float = 0.3,
        short_chars: int = 16,
        titled_lead_decay: float = 0.5,
        titled_figure_weight: float = 1.5,
        title_overlap: float = 0.6,
        min_chars: int = 60,
        extra_ratio: float = 0.6,
        redundancy: float = 0.6,
        openers: Iterable[str] | None = None,
        follow: bool = True,
    ) -> None:
        super().__init__(segmenter, max_chars, max_sentences)
        self.damping = damping
        self.iterations = iterations
        self.lead_decay = lead_decay
        self.aside_weight = aside_weight
        self.figure_weight = figure_weight
        self.length_power = length_power
        self.list_weight = list_weight
        self.short_chars = short_chars
        self.titled_lead_decay = titled_lead_decay
        self.titled_figure_weight = titled_figure_weight
        self.title_overlap = title_overlap
        self.min_chars = min_chars
        self.extra_ratio = extra_ratio
        self.redundancy = redundancy
        self.follow = follow
        self.openers = tuple(sorted(openers, key=len, reverse=True)) if openers is not None else load_openers()

    def _rank(self, body: str, title: str = "") -> tuple[list[_Sentence], _Ranking]:
        sentences = _candidates(body, sentence_spans(body))
        n = len(sentences)
        if not n:
            return sentences, _Ranking([])
        rows, cols, size = self._word_ids([*(s.text for s in sentences), title])
        # Each (text, word) once: a word repeated within a sentence counts once, as in the paper.
        # Kept as pairs, not a sentences × vocabulary matrix: a long article's would be a large
        # allocation on every call, and page faults are what a loaded machine makes slow.
        pairs = np.unique(rows * max(size, 1) + cols)
        rows, cols = pairs // max(size, 1), pairs % max(size, 1)
        in_title = np.zeros(max(size, 1), dtype=bool)
        in_title[cols[rows == n]] = True  # the last text is the title
        body = rows < n
        rows, cols = rows[body], cols[body]
        distinct = np.bincount(rows, minlength=n).astype(float)
        told = np.bincount(rows, weights=in_title[cols], minlength=n) / np.maximum(distinct, 1.0)
        # Only words in two sentences or more can be shared: the product over those alone is small.
        spread = np.bincount(cols, minlength=max(size, 1))
        keep = spread[cols] >= 2
        column = np.cumsum(spread >= 2) - 1
        shared = np.zeros((n, int((spread >= 2).sum())))
        shared[rows[keep], column[cols[keep]]] = 1.0
        overlap = shared @ shared.T
        np.fill_diagonal(overlap, 0.0)
        log_length = np.log(np.maximum(distinct, 2))
        weights = overlap / (log_length[:, None] + log_length[None, :])
        out = weights.sum(axis=1)
        # PageRank of the column-stochastic walk (follow a similarity edge with probability `damping`,
        # else, and always from a sentence sharing no word with another, jump to any sentence), by
        # power iteration on matrix-vector products (no LAPACK call that a loaded machine's BLAS
        # threads slow down): 0.85**30 leaves under 1 % of the start.
        walk = self.damping * np.where(out[:, None] > 0, weights / np.where(out > 0, out, 1.0)[:, None], 1.0 / n).T
        rank = np.full(n, 1.0 / n)
        jump = (1 - self.damping) / n
        for _ in range(self.iterations):
            rank = walk @ rank + jump
        # With a title the reader knows what the article is about; the opening sentences mostly
        # restate it and set the scene, and how much / how many is what is still missing.
        decay, figure = ((self.titled_lead_decay, self.titled_figure_weight) if title.strip()
                         else (self.lead_decay, self.figure_weight))
        scores = rank * np.arange(1, n + 1, dtype=float) ** -decay
        # Centrality grows with a sentence's length, and so does what it costs of the budget.
        scores /= np.maximum(distinct, 1.0) ** self.length_power
        squashed_title = _squash(title)
        for i, sentence in enumerate(sentences):
            text = sentence.text
            if _ASIDE.search(text):
                scores[i] *= self.aside_weight
            if _LISTY.search(text) or len(_WORDLIKE.findall(text)) < self.short_chars:
                scores[i] *= self.list_weight
            if _FIGURE.search(_DATE.sub("", text)):
                scores[i] *= 1 + figure
            if not _finished(text):
                scores[i] = -1.0  # a fragment (a heading, a truncated text): only if nothing else
            elif told[i] >= self.title_overlap or (squashed_title and squashed_title in _squash(text)):
                scores[i] = -1.0  # repeats the title: never used while anything else is left
            else:
                scores[i] *= 1 - told[i]
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        return sentences, _Ranking(order, scores, overlap, distinct)

    def _compose(self, sentences: Sequence[_Sentence], ranking: _Ranking, body: str) -> str:
        assert ranking.scores is not None
        leans = [s.text.startswith(self.openers) for s in sentences]
        usable = [i for i in ranking.order if ranking.scores[i] >= 0] or ranking.order
        chosen: list[int] = []
        text = ""
        best = 0.0
        for index in usable:
            if len(chosen) >= self.max_sentences:
                break
            if len(sentences[index].text) > self.max_chars:
                continue
            if chosen and len(text) >= self.min_chars and ranking.scores[index] < self.extra_ratio * best:
                break
            if _redundant(ranking, index, chosen, self.redundancy):
                continue
            trial = sorted([*chosen, index])
            # Nothing that leans on a sentence the reader does not see: an opener only right after
            # the sentence before it.
            if any(leans[i] and (k == 0 or trial[k - 1] != i - 1 or not self.follow) for k, i in enumerate(trial)):
                continue
            candidate = _join([sentences[i].text for i in trial])
            if len(candidate) <= self.max_chars and _pieces_in(candidate, body):
                if not chosen:
                    best = float(ranking.scores[index])
                chosen, text = trial, candidate
        if chosen:
            return text
        # No whole sentence fits: the best one that may stand first, cut at a clause boundary;
        # nothing at all when every sentence leans on another (the title then stands alone).
        first = next((i for i in usable if not leans[i]), None)
        return _cut(sentences[first].text, self.max_chars) if first is not None else ""

    def _word_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """(text index, word id) for each content word, from ONE jieba pass over all the texts,
        and the number of distinct words.

        The texts are cut as one text joined by line breaks: jieba yields each line break as a
        token of its own and never joins words across one, so the breaks number the texts.
        """
        stopwords = self._segmenter.stopwords
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        k = 0
        for token in self._segmenter.cut("\n".join(t.replace("\n", "") for t in texts)):
            if token == "\n":
                k += 1
            elif token not in stopwords and _CONTENT.search(token):
                rows.append(k)
                cols.append(vocabulary.setdefault(token, len(vocabulary)))
        return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp), len(vocabulary)


class TextRank4zhSummarizer(_Extractive):
    """The textrank4zh package's ranking, on its own sentence units, cut to our budget: the baseline.

    Not thread-safe (the package keeps each analysis on its object), and it cuts with jieba's
    hidden global tokenizer, loaded on its first call (~0.7 s).
    """

    def __init__(self, segmenter: Segmenter, max_chars: int = 120, max_sentences: int = 3) -> None:
        super().__init__(segmenter, max_chars, max_sentences)
        import networkx

        if not hasattr(networkx, "from_numpy_matrix"):
            # textrank4zh 0.3 calls from_numpy_matrix, removed in networkx 3.0; for the ndarray it
            # passes, from_numpy_array builds the same weighted graph. Patched here, not at import,
            # so only a process that chose this backend is touched.
            networkx.from_numpy_matrix = networkx.from_numpy_array
        from textrank4zh import TextRank4Sentence

        with warnings.catch_warnings():
            # It reads its stop-word file without closing it; the ResourceWarning is its, not ours.
            warnings.simplefilter("ignore", ResourceWarning)
            self._engine = TextRank4Sentence()

    def _rank(self, body: str, title: str = "") -> tuple[list[_Sentence], _Ranking]:
        self._engine.analyze(text=body, lower=True, source="all_filters")
        found: list[tuple[int, int]] = []
        start_of: dict[int, int] = {}  # its sentence index -> start offset in the body
        cursor = 0
        for index, piece in enumerate(self._engine.sentences):
            start = body.find(piece, cursor)
            if start < 0:  # cannot happen for its own split of this text; be safe, not sorry
                log.warning("textrank4zh sentence not found in body: %.20s", piece)
                continue
            found.append((start, start + len(piece)))
            start_of[index] = start
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
        sentences = _candidates(body, spans)
        at = {s.start: i for i, s in enumerate(sentences)}
        ranked = (at.get(start_of.get(item["index"], -1)) for item in self._engine.key_sentences)
        return sentences, _Ranking([i for i in ranked if i is not None])


def _candidates(body: str, spans: Sequence[tuple[int, int]]) -> list[_Sentence]:
    """Sentences a summary may use: no dateline, byline or photo credit; no headings or fragments
    unless the article has nothing longer."""
    allowed, short = [], []
    for start, end in spans:
        text = body[start:end]
        dateline = _DATELINE.match(text)  # the splitter strips these; a stray one costs no sentence
        if dateline:
            start += dateline.end()
        tail = _CREDIT_TAIL.search(text)
        if tail and tail.start() > 0:
            end -= len(text) - tail.start()
        text = body[start:end]
        if not text or _BANNED.search(text) or _CREDIT_ALONE.match(text):
            continue
        sentence = _Sentence(text, start, end)
        if len(_WORDLIKE.findall(text)) >= _MIN_SENTENCE_CHARS:
            allowed.append(sentence)
        elif not allowed and _WORDLIKE.search(text):
            short.append(sentence)
    return allowed or short


def _redundant(ranking: _Ranking, index: int, chosen: Sequence[int], limit: float) -> bool:
    """Say it once: a sentence whose words mostly repeat a chosen one's adds nothing."""
    if ranking.overlap is None or ranking.distinct is None:
        return False
    for other in chosen:
        smaller = min(ranking.distinct[index], ranking.distinct[other])
        if smaller and ranking.overlap[index, other] / smaller > limit:
            return True
    return False


def _finished(text: str) -> bool:
    """Whether a sentence ends as a sentence does: an end mark, not an ellipsis of a cut text."""
    core = text.rstrip(_CLOSERS)
    return bool(core) and core[-1] in "。！？!?" and not core.endswith(("…。", "...。"))


def _has_end_mark(text: str) -> bool:
    last = text.rstrip(_CLOSERS)[-1:]
    return bool(last) and last in _END_MARKS


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

