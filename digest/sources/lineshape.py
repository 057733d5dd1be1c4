"""Where units start in page text that has no blank lines to say so, read from line widths.

`pdftotext -raw` and other tools leave no blank line between paragraphs, headlines and articles;
lines are 11 to 36 characters wide, and a page mixes widths (body columns, captions, banners).
What still shows a unit's end is the shape of its lines, measured against the page's own widths:

- in a column every line of a paragraph is full except its last, so a line markedly shorter than
  the lines around it ends something: a paragraph if it ends a sentence, a headline if it ends
  with no punctuation at all (a body line is never cut short mid-sentence);
- a headline wrapped over several lines narrows or keeps its width, and never ends in a comma
  before the paragraph goes on;
- text between the last full stop and a dateline (`本报讯（…）`), byline or the end of the page,
  with no sentence in it, is a headline whatever its width;
- a short headline line between two full lines of one sentence was drawn beside that column:
  it is moved out to the article boundary nearest it.

"Full" is relative to the column around each line (the median width of its neighbours) or to
the line after it (a caption or another column keeps a width of its own), never to a fixed
number of characters.
"""

from __future__ import annotations

import functools
import itertools
import re
import statistics
import unicodedata
from dataclasses import dataclass

_SENTENCE_END = "。！？!?…"
_CLOSERS = "”’」』）)"
_CLAUSE_END = "，、；：,;:“‘（(《「『"
_DECORATION = frozenset(("So", "Sk", "Mn", "Me", "Cf", "Cs", "Co"))
_HEADLINE_MAX = 48  # characters: the longest kicker + title + subtitle group seen is well under it
_WINDOW = 5  # lines each side whose widths say how wide the column around a line is
_SPACE_NEAR_CJK = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f])")


@dataclass
class Line:
    """One non-blank line of page text and what is known of it before shape is read."""

    text: str  # stripped
    kind: str = "text"  # text | dateline | byline
    blank_before: bool = False
    indent: float = 0.0  # leading spaces, in character widths

    @functools.cached_property
    def width(self) -> float:
        return self.indent + text_width(_SPACE_NEAR_CJK.sub("", self.text))


def text_width(text: str) -> float:
    """Width in Chinese characters: Latin letters and digits are half as wide."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def indent_width(raw: str) -> float:
    stripped = raw.lstrip()
    return text_width(raw[: len(raw) - len(stripped)].replace("\t", "    ").replace("\u3000", "ww"))


def last_char(text: str) -> str:
    for ch in reversed(text):
        if unicodedata.category(ch) not in _DECORATION and not ch.isspace():
            return ch
    return ""


def ends_sentence(text: str) -> bool:
    text = text.rstrip()
    end = last_char(text)
    if end in _SENTENCE_END:
        return True
    stripped = text.rstrip(_CLOSERS + " ")
    return end in _CLOSERS and bool(stripped) and last_char(stripped) in _SENTENCE_END


def ends_clause(text: str) -> bool:
    return last_char(text) in _CLAUSE_END


def balanced(text: str) -> bool:
    return all(text.count(a) == text.count(b) for a, b in ("“”", "‘’", "（）", "()", "《》", "「」", "『』"))


def headline_text(text: str) -> bool:
    """Could be a headline's text: no sentence in it, not ending mid-clause, no quote or bracket
    left open, not too long."""
    return (
        bool(text)
        and balanced(text)
        and len(text) <= _HEADLINE_MAX
        and not re.search("[。！？!?]", text)
        and not ends_clause(text)
        and not ends_sentence(text)
    )


def titled(text: str) -> bool:
    """Headline text that reads as a title: a pause (，、；) inside only in a kicker leading into
    its title with a dash (`城乡公交一体化再提速，市交通运输局——`) or a subtitle after one."""
    return headline_text(text) and (not re.search("[，、；]", text) or text.endswith("——") or text.startswith("——"))


class _Widths:
    """The column width around each line and how much a full line may fall short of it."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.width = [ln.width for ln in lines]
        text = [i for i, ln in enumerate(lines) if ln.kind != "byline"]
        self.column = [0.0] * len(lines)
        for pos, i in enumerate(text):
            near = [self.width[j] for j in text[max(0, pos - _WINDOW): pos + _WINDOW + 1]]
            # The upper quartile: full lines are most lines, but around headlines and paragraph
            # ends a third of the window may be short.
            self.column[i] = sorted(near)[int(0.75 * (len(near) - 1))]
        self.slack = 0.0
        self.indent = 0.0
        # How much a line that is surely full (body, not ending its paragraph) falls
        # short of its column on this page: hanging punctuation, digits, letter spacing, a
        # hand-wrapped page. A line must fall shorter than that to count as short.
        inner = [i for i in text[:-1] if self.column[i] and lines[i + 1].kind == "text"
                 and not lines[i + 1].blank_before and not self._opens(i)]
        slack = sorted((self.column[i] - self.width[i]) / self.column[i] for i in inner
                       if re.search("[，、；]", lines[i].text) and not ends_sentence(lines[i].text))
        self.slack = max(0.0, slack[int(0.8 * (len(slack) - 1))]) if len(slack) >= 5 else 0.0
        # Paragraphs indented by two characters lose the indent to most tools, so a paragraph's
        # first line is that much shorter than the rest: measured on first lines that are surely
        # body (a clause inside), never assumed.
        firsts = sorted(
            self.column[i] - self.width[i] for i in text[1:-1]
            if self.column[i] and re.search("[，、；]", lines[i].text) and not ends_sentence(lines[i].text)
            and lines[i + 1].kind == "text" and not lines[i + 1].blank_before
            and ((self._opens(i) and not lines[i].blank_before) or (lines[i].blank_before and ends_sentence(
                lines[i - 1].text)))
        )
        if len(firsts) >= 5 and statistics.median(firsts) >= 1:
            self.indent = statistics.median(firsts)

    def _opens(self, i: int) -> bool:
        """Line i opens a paragraph by its place: after a blank line, a byline or a short line
        ending a sentence, or as a dateline."""
        line = self.lines[i]
        if i == 0 or line.blank_before or line.kind == "dateline" or self.lines[i - 1].kind == "byline":
            return True
        prev = i - 1
        return ends_sentence(self.lines[prev].text) and self.width[prev] < self.column[prev] - self.tolerance(prev)

    def tolerance(self, i: int) -> float:
        # At least a character and a half: a hanging mark, or three digits that count half each.
        return max(1.5, self.slack * self.column[i] + 0.5)

    def same(self, i: int, j: int) -> bool:
        return abs(self.width[i] - self.width[j]) <= max(self.tolerance(i), self.tolerance(j))

    def _joined(self, i: int) -> bool:
        """Lines i and i+1 are alike in width with no unit between them, and line i runs on."""
        nxt = i + 1
        return i >= 0 and nxt < len(self.lines) and self.lines[nxt].kind == "text" and not ends_sentence(
            self.lines[i].text) and (
            not self.lines[nxt].blank_before) and self.same(i, nxt)

    def follows_on(self, i: int) -> bool:
        """Line i is in a run of three or more lines of one width (a column of its own, such as a
        caption's), going on into the next line; two alike lines may be a wrapped headline."""
        return self._joined(i) and (self._joined(i + 1) or self._joined(i - 1))

    def jump(self, p: int, i: int) -> bool:
        """Line i starts a run of lines markedly wider or narrower than line p, more than a
        dropped paragraph indent explains: another column (a caption, another story)."""
        opening = self.indented_opening(i)
        gap = (self.width[i + 1] if opening else self.width[i]) - self.width[p]
        tol = max(self.tolerance(p), self.tolerance(i))
        return (self._joined(i) or opening) and abs(gap) > 2 * tol and (gap < 0 or gap > self.indent + tol)

    def indented_opening(self, i: int) -> bool:
        """Line i is short of the full line after it by about the page's dropped indent: the
        first line of a paragraph, not a headline."""
        nxt = i + 1
        return bool(self.indent) and nxt < len(self.lines) and self.lines[nxt].kind == "text" and (
            not self.lines[nxt].blank_before) and abs(self.width[nxt] - self.width[i] - self.indent) <= (
            self.tolerance(i)) and self.width[nxt] >= self.column[nxt] - self.tolerance(nxt)

    def full(self, i: int) -> bool:
        # After any full stop a paragraph may begin, its indent dropped.
        opens = self._opens(i) or (i > 0 and ends_sentence(self.lines[i - 1].text))
        indent = self.indent if opens else 0.0
        return self.width[i] >= self.column[i] - self.tolerance(i) - indent or self.follows_on(i)

    def wide(self, i: int) -> bool:
        return self.width[i] > self.column[i] + self.tolerance(i)


def _text_line(lines: list[Line], i: int) -> bool:
    return 0 <= i < len(lines) and lines[i].kind != "byline"


def relocate_intruders(lines: list[Line]) -> list[Line]:
    """Move a short headline line found between two full lines of one sentence (a neighbouring
    column's headline, interleaved by the tool) to the article boundary it came from: with
    headlines first it opens the next article, so it goes after the paragraph it interrupts;
    with headlines last it closes the article before, so it goes before that paragraph."""
    lines = list(lines)
    first: bool | None = None
    for _ in range(len(lines)):
        shape = _Widths(lines)
        found = next((j for j in range(1, len(lines) - 1) if _intruder(lines, shape, j)), None)
        if found is None:
            break
        first = _headlines_first(lines) if first is None else first
        line = lines.pop(found)
        shape = _Widths(lines)

        def paragraph_end(m: int, shape: _Widths = shape) -> bool:
            nxt = lines[m + 1] if m + 1 < len(lines) else None
            return ends_sentence(lines[m].text) and (not shape.full(m) or nxt is None or nxt.kind != "text" or (
                titled(nxt.text) and not shape.full(m + 1)))

        if not first:
            start = found - 1
            while start > 0 and lines[start].kind == "text" and not lines[start].blank_before and not (
                    paragraph_end(start - 1)):
                start -= 1
            while start > 0 and lines[start - 1].kind == "byline" and not lines[start].blank_before:
                start -= 1  # the headline closed its article, before the article's byline or the next one's
            line.blank_before, lines[start].blank_before = lines[start].blank_before, False
            lines.insert(start, line)
            continue
        end = found
        while not paragraph_end(end) and end + 1 < len(lines) and lines[end + 1].kind == "text" and (
                not lines[end + 1].blank_before):
            end += 1
        while end + 1 < len(lines) and lines[end + 1].kind == "byline":
            end += 1  # a credit closes the caption before it; a byline above a headline is the article's
        lines.insert(end + 1, line)
    return lines


def _headlines_first(lines: list[Line]) -> bool:
    """A first guess at the page's order from its ends (the splitter decides on whole units
    later): a page that ends on body text, or starts with a headline, prints headlines first."""
    text = [ln for ln in lines if ln.kind != "byline"]
    if not text:
        return False
    if lines[-1].kind != "byline":
        return not titled(text[-1].text)
    return titled(text[0].text)


def _intruder(lines: list[Line], shape: _Widths, j: int) -> bool:
    before, line, after = lines[j - 1], lines[j], lines[j + 1]
    if line.kind != "text" or before.kind == "byline" or after.kind != "text" or line.blank_before or (
            after.blank_before):
        return False
    if not titled(line.text) or (before.kind == "dateline" and not re.search("[）)]", before.text)):
        return False  # names wrapped inside a dateline's open bracket are its credit
    tol = max(shape.tolerance(j - 1), shape.tolerance(j + 1))
    return (
        shape.width[j] < shape.width[j - 1] - 2 * tol  # markedly short: not a line shortened by kinsoku
        and (shape.full(j - 1) or before.kind == "dateline")  # a dateline's spaces make its width uncertain
        and not ends_sentence(before.text)
        and ((before.kind == "dateline" and shape.full(j + 1))
             or abs(shape.width[j + 1] - shape.width[j - 1]) <= tol + shape.indent or (ends_sentence(after.text)
             and shape.width[j + 1] <= shape.width[j - 1] + tol + shape.indent))
    )


@dataclass
class Group:
    """Consecutive lines that form one unit; headline is True when their shape says so, None
    when only a blank line ended them (a column break or a real end: the splitter weighs it)."""

    lines: list[Line]
    headline: bool | None = None


def group_lines(lines: list[Line]) -> list[Group]:
    """Cut lines into units where their shape says one ends; bylines and datelines stand alone
    as before (the caller knows what to do with them)."""
    shape = _Widths(lines)
    groups: list[Group] = []
    starts: list[bool] = []
    for i, line in enumerate(lines):
        starts.append(i == 0 or _starts_unit(lines, shape, i, groups[-1].lines))
        if starts[-1]:
            groups.append(Group([line]))
        else:
            groups[-1].lines.append(line)
    ends = list(itertools.accumulate(len(g.lines) for g in groups))
    out: list[Group] = []
    following_headline = False
    for g, end in reversed(list(zip(groups, ends, strict=True))):
        last = end - 1
        parts = [p for part in _split_tail(lines, shape, g, last, following_headline) for p in _headline_parts(part)]
        out[:0] = parts
        following_headline = bool(parts[0].headline)
    return out


def _headline_parts(group: Group) -> list[Group]:
    """Kicker, title and subtitle set on lines of their own: a headline's next line goes on the
    same part only as its wrap (no wider, no dash between)."""
    if not group.headline or len(group.lines) < 2:
        return [group]
    parts = [Group([group.lines[0]], True)]
    for k, (prev, line) in enumerate(itertools.pairwise(group.lines), start=1):
        dash_only = not line.text.strip("—")  # a kicker's closing dash wrapped onto a line of its own
        # A wrap fills every line but the last to the part's measure (its first line's width).
        filled = k == len(group.lines) - 1 or abs(line.width - parts[-1].lines[0].width) <= 1
        if dash_only or (line.width <= prev.width and filled and not prev.text.endswith("——")
                         and not line.text.startswith("——")):
            parts[-1].lines.append(line)
        else:
            parts.append(Group([line], True))
    return parts


def _starts_unit(lines: list[Line], shape: _Widths, i: int, group: list[Line]) -> bool:
    """Whether line i starts a unit, given the lines of the unit it would go on (ending at i-1)."""
    line, prev = lines[i], lines[i - 1]
    prev_starts = len(group) == 1
    if line.blank_before or line.kind != "text" or prev.kind == "byline":
        return True
    p = i - 1
    # A closing mark pushed onto a line of its own (no kinsoku) ends what the line before ended.
    ending = lines[p - 1].text + prev.text if p > 0 and not prev.text.strip(_CLOSERS + " ") else prev.text
    if ends_sentence(ending):
        # A short line ending a sentence ends its paragraph; after any full stop a short line
        # with no punctuation (or one wider than the column) is a headline, not body, and a run
        # of another width is another column (a caption beside the story).
        return not shape.full(p) or (headline_text(line.text) and (not shape.full(i) or shape.wide(i))) or (
            shape.jump(p, i)) or shape.width[i] > max(shape.width[p], shape.column[i]) + 2 * shape.tolerance(i) + (
            shape.indent)
    if ends_clause(prev.text):
        return False
    if prev_starts and prev.text.endswith("——") and titled(prev.text) and headline_text(line.text):
        return True  # a kicker leading into its title: `城乡公交一体化再提速，市交通运输局——`
    if shape.wide(i) and not shape.follows_on(i) and titled(line.text) and headline_text(prev.text):
        return True  # a line wider than the column goes on no column line: a banner headline
    if prev_starts and titled(prev.text) and (shape.jump(p, i) or _own_width(lines, shape, p, i)):
        return True  # a title line, then a run of lines of another width: a column of its own
    # A full line mid-sentence goes on; but a line wider than its column, opening a unit, is a
    # headline set wider than the body, and a `——` line after a headline is its subtitle.
    if shape.full(p) and not (prev_starts and headline_text(prev.text) and (
            shape.wide(p) or prev.text.startswith("——"))):
        return False
    # prev is short (or a lone wide line) with no punctuation at its end: a headline line, unless
    # a pause inside it shows a sentence (a paragraph's first line, shortened by its indent).
    if not titled("".join(ln.text for ln in group)):
        return False
    # The next line goes on with it only as the same headline wrapped: no wider, no dash between.
    if not line.text.strip("—"):
        return False  # a kicker's closing dash wrapped onto a line of its own
    wrapped = (
        headline_text(line.text)
        and shape.width[i] <= shape.width[p]
        and not prev.text.endswith("——")
        and not line.text.startswith("——")
        and not shape.follows_on(i)
        and not shape.indented_opening(i)
    )
    return not wrapped


def _own_width(lines: list[Line], shape: _Widths, p: int, i: int) -> bool:
    """Line p, alone between two columns with no blank line, is as wide as neither: not the
    column before it, nor the run starting at line i, nor that run's first line shortened by a
    dropped indent. A headline set to its own measure."""
    opening = shape.indented_opening(i)
    if lines[p].blank_before or not (shape._joined(i) or opening):
        return False
    before = next((shape.width[k] for k in range(p - 1, max(p - 6, -1), -1) if shape._joined(k)), None)
    run = shape.width[i + 1] if opening else max(shape.width[i], shape.width[i + 1])
    tol = shape.tolerance(p)
    widths = [w for w in (before, run, None if opening else run - shape.indent) if w is not None]
    return before is not None and all(abs(shape.width[p] - w) > tol for w in widths)


def _split_tail(lines: list[Line], shape: _Widths, group: Group, last: int, following_headline: bool) -> list[Group]:
    """Decide whether a group is a headline; a group that runs into a dateline, a byline, a
    headline or the page end with words after its last full stop and no sentence among them
    ends in a headline."""
    nxt = last + 1
    forced = nxt >= len(lines) or lines[nxt].kind != "text" or lines[nxt].blank_before or (
        shape.jump(last, nxt)) or following_headline
    blank_end = nxt < len(lines) and lines[nxt].blank_before
    text = "".join(ln.text for ln in group.lines)
    if group.lines[0].kind != "text":
        return [group]
    if headline_text(text):
        short_end = not shape.full(last) or shape.wide(last)
        # Before a blank line, only a short last line tells a headline from a column's last
        # full line cut mid-sentence (which the splitter mends across the blank).
        if (not blank_end and forced) or (short_end and titled(text)):
            group.headline = True
        return [group]
    if not forced or blank_end or (nxt >= len(lines) and len(group.lines) < 2):
        return [group]
    ends = [k for k in range(len(group.lines) - 1) if ends_sentence(group.lines[k].text)]
    if not ends:
        return [group]
    tail = group.lines[ends[-1] + 1:]
    if headline_text("".join(ln.text for ln in tail)):
        return [Group(group.lines[: ends[-1] + 1]), Group(tail, True)]
    return [group]
