"""Split one PDF page's positioned characters into articles, as plain data in small stages.

chars -> segments (runs of characters on one line inside one column) -> header/footer strips
(page metadata) -> headline groups (set much larger than body text: kicker, title, subtitle) and
picture boxes with their captions -> each remaining segment owned by the nearest headline above
it whose columns it sits under -> per article: columns left to right, lines top to bottom,
paragraphs by indent or short lines -> Article (datelines and bylines read as on text pages).

Every threshold comes from the page itself: the body size is the commonest character size, a
headline is set 1.2 times larger, gaps and indents are measured in that page's ems, gutters are
found as vertical channels no character crosses. Nothing is tuned to one paper's geometry.
Text that no headline or picture owns is handed to the text-page splitter, so it is never lost.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date

from digest.models import Article, SkippedBlock
from digest.sources.textpage import (
    _DATELINE,
    _DATELINE_BARE,
    _collapse_roles,
    _is_byline,
    _join_credit,
    join_lines,
    names_in_credit,
    normalise_spacing,
    split_page,
)

HEADLINE_RATIO = 1.2  # a headline is set at least this much larger than the body
_TERMINAL = "。！？!?”’」』…"
_HEADER_WORDS = re.compile(
    r"责任编辑|校对|美编|版式|第\s*\d{1,3}\s*版|星期[一二三四五六日天]|日报|晚报|\d{4}\s*年\s*\d{1,2}\s*月")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
_PAGE_NO = re.compile(r"第\s*(\d{1,3})\s*版|(?<![A-Za-z0-9])([A-H])\s?(\d{1,2})(?![0-9])")
_EDITORS = re.compile(r"(责任编辑|美编|版式|校对|编辑|审核)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Segment:
    """Characters on one line, inside one column: the unit everything else is built from.

    `chars` keeps drawn spaces (they say where a word ends); the geometry is that of the ink."""

    chars: list[list]
    size: float = 0.0
    x0: float = 0.0
    x1: float = 0.0
    base: float = 0.0

    def __post_init__(self) -> None:
        self.chars.sort(key=lambda c: c[1])
        ink = [c for c in self.chars if not c[0].isspace()] or self.chars
        self.size = Counter(c[4] for c in ink).most_common(1)[0][0]
        self.x0 = min(c[1] for c in ink)
        self.x1 = max(c[2] for c in ink)
        self.base = sum(c[3] for c in ink) / len(ink)

    @property
    def top(self) -> float:
        return self.base - 0.9 * self.size

    @property
    def bottom(self) -> float:
        return self.base + 0.15 * self.size

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def text(self) -> str:
        """The characters; a drawn space, or a gap half an em wider than the line's letter-spacing
        (justified lines are spaced out), becomes one space."""
        ink = [c for c in self.chars if not c[0].isspace()]
        gaps = sorted(b[1] - a[2] for a, b in itertools.pairwise(ink))
        spacing = max(gaps[len(gaps) // 2], 0.0) if gaps else 0.0
        out, previous = "", None
        for c in self.chars:
            if c[0].isspace():
                if out and not out.endswith(" "):
                    out += " "
                continue
            if previous is not None and c[1] - previous > spacing + 0.5 * self.size and not out.endswith(" "):
                out += " "
            out += c[0]
            previous = c[2]
        return out.strip()


@dataclass
class Box:
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Headline:
    segments: list[Segment]
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0

    def __post_init__(self) -> None:
        self.x0 = min(s.x0 for s in self.segments)
        self.x1 = max(s.x1 for s in self.segments)
        self.top = min(s.top for s in self.segments)
        self.bottom = max(s.bottom for s in self.segments)


@dataclass
class PageMeta:
    """What the header and footer strips say: never article text."""

    number: int | None = None
    label: str = ""
    date: str = ""
    section: str = ""
    header: str = ""


@dataclass
class LaidOutPage:
    meta: PageMeta
    articles: list[Article]
    skipped: list[SkippedBlock]
    text: str
    body_size: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)


# --- chars -> segments -------------------------------------------------------------------------

def _rows(chars: Sequence[list]) -> list[list[list]]:
    """Characters of one size (within 5%) whose baselines agree, left to right."""
    rows: list[list[list]] = []
    for c in sorted(chars, key=lambda c: (c[3], c[1])):
        for row in reversed(rows[-8:]):
            ref = row[0]
            if abs(ref[3] - c[3]) <= 0.25 * ref[4] and abs(ref[4] - c[4]) <= 0.05 * ref[4]:
                row.append(c)
                break
        else:
            rows.append([c])
    return rows


def segments(chars: Sequence[list], body: float) -> list[Segment]:
    """Cut each row at gaps wider than 0.6 em (of the body, for larger type) that no drawn space
    bridges: a gutter between two columns, or two headlines side by side. Pieces of one
    letter-spaced line are joined again when an article's lines are read (they share a column)."""
    pieces: list[list[list]] = []
    for row in _rows(chars):
        row.sort(key=lambda c: c[1])
        current = [row[0]]
        for c in row[1:]:
            if c[1] - current[-1][2] > min(0.6 * c[4], 0.9 * body):
                pieces.append(current)
                current = []
            current.append(c)
        pieces.append(current)
    return [Segment(p) for p in pieces if any(not c[0].isspace() for c in p)]


# --- header and footer -------------------------------------------------------------------------

def _strips(segs: list[Segment], shapes: list[list], height: float, width: float) -> tuple[float, float]:
    """The y where the header strip ends and the footer strip starts (rules first, words second)."""
    wide = [s for s in shapes if s[4] == "rule" and s[2] - s[0] >= 0.5 * width and s[3] - s[1] <= 3.5]
    # A strip is a few short lines (some dozens of characters); a rule with a row of articles
    # above it is a rule between articles.
    def strip(lines: list[Segment]) -> bool:
        return 0 < sum(len(g.chars) for g in lines) <= 160

    top_rules = [s[3] for s in wide if s[1] <= 0.2 * height and strip([g for g in segs if g.base < s[1]])]
    bottom_rules = [s[1] for s in wide if s[3] >= 0.85 * height and strip([g for g in segs if g.top > s[3]])]
    header_end = min(top_rules) if top_rules else 0.0  # the first rule with text above it
    footer_start = max(bottom_rules) if bottom_rules else height
    # A strip with no rule: the lines near the edge that read like a header, before any line of
    # an article (`2028年` in a body line is not a date line).
    text = [g for g in segs if not _HEADER_WORDS.search(g.text) and len(g.chars) >= 8]
    first = min((g.top for g in text), default=height)
    last = max((g.bottom for g in text), default=0.0)
    for g in segs:
        if _HEADER_WORDS.search(g.text):
            if g.bottom <= min(0.1 * height, first) and not top_rules:
                header_end = max(header_end, g.bottom)
            if g.top >= max(0.92 * height, last) and not bottom_rules:
                footer_start = min(footer_start, g.top)
    return header_end, footer_start


def page_meta(header: list[Segment], footer: list[Segment]) -> PageMeta:
    ordered = sorted(header, key=lambda s: (round(s.top / max(s.size, 1)), s.x0))
    text = "  ".join(s.text for s in ordered)
    meta = PageMeta(header=text)
    for segs in (ordered, sorted(footer, key=lambda s: s.x0)):
        joined = "  ".join(s.text for s in segs)
        if meta.number is None and (m := _PAGE_NO.search(joined)):
            meta.number = int(m.group(1) or m.group(3))
            meta.label = re.sub(r"\s", "", m.group(0))
        if not meta.date and (m := _DATE.search(joined)):
            y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            with contextlib.suppress(ValueError):
                meta.date = Date(y, mo, d).isoformat()
    rest = _EDITORS.sub(" ", text)
    rest = _DATE.sub(" ", _PAGE_NO.sub(" ", rest))
    for word in re.split(r"[\s·|｜/]+", rest):
        if 2 <= len(word) <= 8 and _CJK.search(word) and not _HEADER_WORDS.search(word) and "星期" not in word:
            meta.section = word
            break
    return meta


# --- headlines and pictures --------------------------------------------------------------------

def body_size(chars: Sequence[list]) -> float:
    sizes = Counter(round(c[4] * 4) / 4 for c in chars)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _group_headlines(big: list[Segment]) -> list[Headline]:
    """Headline lines stacked close together (kicker, title lines, subtitle) are one headline."""
    big = sorted(big, key=lambda s: s.top)
    groups: list[list[Segment]] = []
    for s in big:
        for g in groups:
            last = max(g, key=lambda t: t.bottom)
            overlap = min(s.x1, max(t.x1 for t in g)) - max(s.x0, min(t.x0 for t in g))
            gap = s.top - last.bottom
            # Side by side is two headlines (a gap drawn as a space was bridged in segments()).
            if overlap > 0 and -0.5 * s.size < gap < 0.9 * max(s.size, last.size):
                g.append(s)
                break
        else:
            groups.append([s])
    return [Headline(g) for g in groups]


def headline_parts(h: Headline) -> tuple[str, str, str]:
    """Kicker, title, subtitle: the title is the largest type; smaller lines above and below it."""
    rows = _lines(h.segments)
    biggest = max(r[0].size for r in rows)
    title_rows = [i for i, r in enumerate(rows) if r[0].size >= 0.92 * biggest]
    first, last = title_rows[0], title_rows[-1]

    def text(rs: list[list[Segment]]) -> str:
        return re.sub(r"\s+", " ", join_lines([" ".join(s.text for s in r) for r in rs])).strip()

    return text(rows[:first]), text(rows[first:last + 1]), text(rows[last + 1:])


def _lines(segs: list[Segment]) -> list[list[Segment]]:
    """Segments sharing a baseline, top to bottom, each row left to right."""
    rows: list[list[Segment]] = []
    for s in sorted(segs, key=lambda s: (s.base, s.x0)):
        if rows and abs(rows[-1][0].base - s.base) < 0.3 * s.size:
            rows[-1].append(s)
        else:
            rows.append([s])
    return rows


def _pictures(shapes: list[list], chars: Sequence[list], body: float) -> list[Box]:
    """Images, and filled boxes with no text inside them (a frame around an article is no picture)."""
    out = []
    for x0, top, x1, bottom, kind in shapes:
        if kind not in ("picture", "box") or x1 - x0 < 3 * body or bottom - top < 3 * body:
            continue
        inside = sum(1 for c in chars if x0 < c[1] < x1 and top < c[3] < bottom)
        if inside < 5:
            out.append(Box(x0, top, x1, bottom))
    return out


def _caption(box: Box, segs: list[Segment], taken: set[int]) -> list[Segment]:
    """The lines under a picture down to the credit `■ 本报记者 X`; none if no credit closes them."""
    width = box.x1 - box.x0
    below = sorted((s for s in segs if id(s) not in taken and box.x0 - 2 < (s.x0 + s.x1) / 2 < box.x1 + 2
                    and s.width <= width + 4 and s.top >= box.bottom - 0.5 * s.size), key=lambda s: s.top)
    run: list[Segment] = []
    for s in below:
        limit = (run[-1].bottom if run else box.bottom) + (1.2 if run else 2.5) * s.size
        if s.top > limit:
            break
        run.append(s)
        if "■" in s.text or _is_byline(s.text):
            # the credit's row may hold more pieces
            run += [t for t in below if t not in run and abs(t.base - s.base) < 0.3 * s.size]
            return run
    return []


def _claim(h: Headline, segs: list[Segment], body: float) -> tuple[float, float]:
    """The columns a headline heads: its own width, widened over the first lines just under it that
    nothing stands above (a centred headline is narrower than its article)."""
    x0, x1 = h.x0, h.x1
    first = []
    own = {id(s) for s in h.segments}
    for s in segs:
        if not (h.bottom - 0.5 * s.size <= s.top <= h.bottom + 8 * body):
            continue
        # Blocked: something stands above it at the headline's height, or a line runs straight
        # into it (the last lines of the article before, not the first of this one).
        blocked = any(t is not s and id(t) not in own and t.x0 < s.x1 and t.x1 > s.x0
                      and (h.top - 0.5 * body <= t.top < s.top or s.top - 1.2 * s.size < t.bottom < s.top)
                      for t in segs)
        if not blocked:
            first.append(s)
    # An article's columns start level with its text right under the headline (a byline aside):
    # a column starting higher or lower belongs to the neighbour whose headline stands beside.
    under = [s for s in first if s.x0 < h.x1 and s.x1 > h.x0]
    def body_top(s: Segment) -> float:
        """Where the text of a column starts: the line itself, or for a byline the line below it."""
        if not _is_byline(s.text):
            return s.top
        below = [t.top for t in segs if t.top > s.top and t.x0 < s.x1 and t.x1 > s.x0 and not _is_byline(t.text)]
        return min(below, default=s.top)

    level = [body_top(s) for s in under]
    if level:
        first = [s for s in first if abs(body_top(s) - min(level)) <= 0.5 * s.size]
    elif under:
        first = [s for s in first if s.top >= min(s.top for s in under) - 0.3 * s.size]
    # A first line may be short (`准调控。`) or indented: take the width of the column it opens.
    spans = []
    for s in first:
        below = [t for t in segs if abs(t.size - s.size) < 0.5 and s.top <= t.top <= s.top + 6 * body
                 and t.x0 < s.x1 and t.x1 > s.x0 - 2.5 * body and abs(t.x0 - s.x0) <= 2.5 * body]
        spans.append((min(t.x0 for t in below), max(t.x1 for t in below)))
    changed = True
    while changed:
        changed = False
        for a, b in spans:
            if b > x0 - 4 * body and a < x1 + 4 * body and (a < x0 or b > x1):  # across a gutter
                x0, x1 = min(x0, a), max(x1, b)
                changed = True
    return x0, x1


# --- articles ----------------------------------------------------------------------------------

def _columns(segs: list[Segment]) -> list[list[Segment]]:
    """Segments of one article grouped into columns (x-ranges that overlap), left to right."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(segs)), key=lambda i: segs[i].x0)
    for a_i, a in enumerate(order):
        for b in order[a_i + 1:]:
            if segs[b].x0 >= segs[a].x1:
                break
            overlap = min(segs[a].x1, segs[b].x1) - segs[b].x0
            if overlap > 0.3 * min(segs[a].width, segs[b].width):
                parent[find(a)] = find(b)
    groups: dict[int, list[Segment]] = {}
    for i in range(len(segs)):
        groups.setdefault(find(i), []).append(segs[i])
    return sorted(groups.values(), key=lambda g: min(s.x0 for s in g))


@dataclass
class _Line:
    text: str
    new_paragraph: bool
    short: bool = False  # ends well before the column's right edge


def _reading_lines(segs: list[Segment]) -> list[_Line]:
    """Lines in reading order, each marked when it opens a paragraph (indent, or after a short line)."""
    out: list[_Line] = []
    for column in _columns(segs):
        left, right = min(s.x0 for s in column), max(s.x1 for s in column)
        for row in _lines(column):
            text = " ".join(s.text for s in row)
            x0, x1, size = row[0].x0, row[-1].x1, row[0].size
            indented = x0 - left >= 1.0 * size
            after_short = bool(out) and out[-1].short and out[-1].text[-1:] in _TERMINAL
            out.append(_Line(text, not out or indented or after_short, short=right - x1 >= 1.5 * size))
    return out


def _article(segs: list[Segment], headline: Headline | None, photo: bool) -> tuple[Article | None, str]:
    """An article from its headline and the lines it owns; (None, its text) when it has no body."""
    lines = _reading_lines(segs)
    credits: list[str] = []
    paragraphs: list[list[str]] = []
    for line in lines:
        text = _collapse_roles(line.text)
        head, mark, tail = text.partition("■")
        if mark and head.strip() and _is_byline(mark + tail):
            _add(paragraphs, head.strip(), line.new_paragraph)
            credits.append(mark + tail)
            continue
        if _is_byline(text):
            credits.append(text)
            continue
        _add(paragraphs, text, line.new_paragraph)
    kicker, title, subtitle = headline_parts(headline) if headline else ("", "", "")
    dateline = ""
    if paragraphs and _DATELINE_BARE.match(paragraphs[0][0]):
        first = _join(_join_credit(paragraphs[0]))
        match = _DATELINE.match(first)
        if match:
            dateline, paragraphs[0] = match.group(1), [first[match.end():]]
    body = tuple(p for p in (normalise_spacing(_join(lines)) for lines in paragraphs) if p)
    if not body:
        return None, " ".join(part for part in (kicker, title, subtitle, *credits) if part)
    reporters = names_in_credit(dateline) + names_in_credit(" ".join(credits))
    kind = "news" if dateline else "photo" if photo or (not headline and credits) else "feature"
    if kind == "photo":
        kicker = title = subtitle = ""
        body = ("".join(body),)
    return Article(kind=kind, kicker=kicker, title=title, subtitle=subtitle,
                   reporters=tuple(dict.fromkeys(reporters)), paragraphs=body), ""


def _join(lines: list[str]) -> str:
    """Wrapped lines joined: a space only between two Latin words (`11月2` + `0日` is one number)."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if out and line and out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " "
        out += line
    return out


def _add(paragraphs: list[list[str]], text: str, new: bool) -> None:
    if new or not paragraphs:
        paragraphs.append([text])
    else:
        paragraphs[-1].append(text)


def _owner(s: Segment, headlines: list[Headline], claims: list[tuple[float, float]]) -> int | None:
    """The headline a line belongs to: the nearest above whose columns it sits under. Two headlines
    side by side that both claim it (a centred one widened over a neighbour's last column) are
    decided by which one's own words stand over it, else which stands nearer."""
    cands = [i for i, h in enumerate(headlines) if h.bottom <= s.top + 0.5 * s.size
             and min(claims[i][1], s.x1) - max(claims[i][0], s.x0) >= 0.5 * s.width]
    if not cands:
        return None
    lowest = max(cands, key=lambda i: headlines[i].bottom)
    low = headlines[lowest]
    rivals = [i for i in cands if headlines[i].top < low.bottom and low.top < headlines[i].bottom]

    def misaligned(i: int) -> bool:
        """A headline is set flush left over its article or centred on it: a claim it is neither
        left-aligned with nor centred on has taken a neighbour's column."""
        h, (x0, x1) = headlines[i], claims[i]
        return min(abs(h.x0 - x0), abs((h.x0 + h.x1) / 2 - (x0 + x1) / 2)) > 1.5 * s.size

    def distance(i: int) -> float:
        h = headlines[i]
        return max(h.x0 - s.x1, s.x0 - h.x1, 0.0)

    return min(rivals, key=lambda i: (misaligned(i), distance(i), -headlines[i].bottom))


def layout_page(page: dict) -> LaidOutPage:
    """Split one page (as pdf_extract gives it) into articles, page metadata and skipped text."""
    chars, shapes = page["chars"], page["shapes"]
    height, width = page["height"], page["width"]
    segs = segments(chars, body_size([c for c in chars if not c[0].isspace()])) if chars else []
    header_end, footer_start = _strips(segs, shapes, height, width)
    header = [s for s in segs if s.bottom <= header_end + 1]
    footer = [s for s in segs if s.top >= footer_start - 1]
    meta = page_meta(header, footer)
    segs = [s for s in segs if header_end + 1 < s.bottom and s.top < footer_start - 1]
    body = body_size([c for s in segs for c in s.chars])
    big = [s for s in segs if s.size >= HEADLINE_RATIO * body]
    rest = [s for s in segs if s.size < HEADLINE_RATIO * body]
    headlines = _group_headlines(big)
    owned: dict[int, list[Segment]] = {}
    taken: set[int] = set()
    pieces: list[tuple[float, float, Article | None, str]] = []
    for box in sorted(_pictures(shapes, chars, body), key=lambda b: b.top):
        caption = _caption(box, rest, taken)
        if caption:
            taken |= {id(s) for s in caption}
            article, text = _article(caption, None, photo=True)
            pieces.append((box.top, box.x0, article, text))
    rest = [s for s in rest if id(s) not in taken]
    claims = [_claim(h, rest + big, body) for h in headlines]
    orphans: list[Segment] = []
    for s in rest:
        best = _owner(s, headlines, claims)
        if best is None:
            orphans.append(s)
        else:
            owned.setdefault(best, []).append(s)
    for i, h in enumerate(headlines):
        article, text = _article(owned.get(i, []), h, photo=False)
        pieces.append((h.top, h.x0, article, text))
    pieces.sort(key=lambda p: (round(p[0] / (2 * body)), p[1]))
    articles = [p[2] for p in pieces if p[2] is not None]
    skipped = [SkippedBlock(p[3], "headline or byline with no body") for p in pieces if p[2] is None and p[3]]
    if orphans:
        text = "\n\n".join("\n".join(ln.text for ln in _reading_lines(col)) for col in _columns(orphans))
        more, more_skipped = split_page(text)
        articles += more
        skipped += more_skipped
    page_text = "\n".join([meta.header, *(_page_lines(a) for a in articles)])
    return LaidOutPage(meta=meta, articles=articles, skipped=skipped, text=page_text, body_size=body,
                       stats={"headlines": len(headlines), "orphan_lines": len(orphans)})


def _page_lines(a: Article) -> str:
    return "\n".join(p for p in (a.headline, "、".join(a.reporters), *a.paragraphs) if p)
