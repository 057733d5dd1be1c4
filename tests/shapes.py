"""Page text of other shapes: the same articles laid out as other tools and other papers leave them.

The splitter was written against one shape (聊城日报's e-paper dumps: blank lines at paragraph and
column breaks, 17 or 36 characters a line, headlines after their bodies). Other PDF-to-text tools
and other layouts give the same articles differently:

- `pdftotext -raw` keeps no blank line at all, not even between articles;
- columns are 11 to 36 characters wide, and differ between articles and captions on one page;
- a tool that does not apply kinsoku (line-breaking rules) starts lines with `，` or `。`;
- headlines come before their bodies (reading order), kickers and subtitles on their own lines,
  a long headline wrapped at its own width;
- e-paper sites indent each paragraph with two ideographic spaces; `pdftotext` drops the indent,
  leaving each paragraph's first line two characters short;
- a photo's caption and credit sit before the next story, or the credit reads `本报记者 X 摄`;
- across two columns, a short headline line lands among the neighbouring column's lines.

`variants()` gives a fixed list of such shapes (plus seeded random mixes); `layout(stories, shape)`
writes the given stories in that shape and returns the page text. Everything is deterministic.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from digest.models import Article

_CLOSING = "，。、；：！？”’）》」』…,.;:!?)"
_OPENING = "“‘（《「『("
_SENTENCE_END = "。！？!?…"


@dataclass(frozen=True)
class Story:
    """One article as the generator writes it: the fields the splitter must give back."""

    kind: str
    kicker: str
    title: str
    subtitle: str
    reporters: tuple[str, ...]
    paragraphs: tuple[str, ...]

    @classmethod
    def from_article(cls, a: Article) -> Story:
        return cls(a.kind, a.kicker, a.title, a.subtitle, a.reporters, a.paragraphs)


@dataclass(frozen=True)
class Shape:
    """How a page is laid out as text."""

    name: str
    width: int  # characters in a full body line
    blank: str = "none"  # none | paragraphs (blank lines between paragraphs and units)
    headlines: str = "first"  # first | last
    kinsoku: bool = False  # keep closing punctuation off a line's start
    headline_width: int = 0  # wrap titles at their own width (kicker, subtitle 1.4x); 0: one line per part
    widths: tuple[int, ...] = ()  # other column widths some articles get on the same page
    caption_width: int = 0  # a photo's caption width; 0: its own (body width + 5)
    indent: str = "none"  # none | kept | dropped: paragraphs indented two characters, the indent kept as
    # two ideographic spaces (e-paper sites) or dropped (pdftotext: the first line is just shorter)
    credit: str = "line"  # line | inline | she: `■ 本报记者 X` alone, on the caption's last line, `本报记者 X 摄`
    byline: str = "top"  # top | under: a feature's byline above its body or under its headline
    interleave: bool = False  # a short headline line lands inside the neighbouring column's text
    photo_before: bool = False  # a photo's caption comes before the story printed above it
    seed: int = 0


def variants() -> list[Shape]:
    """Named shapes, one habit each where possible, then seeded mixes of all of them."""
    named = [
        Shape("raw-last", 17, headlines="last"),
        Shape("raw-first", 17),
        Shape("raw-first-36", 36),
        Shape("narrow-11", 11),
        Shape("narrow-13-last", 13, headlines="last"),
        Shape("kinsoku-15", 15, kinsoku=True),
        Shape("blank-paragraphs-first", 20, blank="paragraphs"),
        Shape("headline-wrapped-12", 24, headline_width=12),
        Shape("headline-wrapped-9-last", 16, headline_width=9, headlines="last"),
        Shape("indent-kept", 18, indent="kept"),
        Shape("indent-dropped-first", 17, indent="dropped"),
        Shape("indent-dropped-last-13", 13, indent="dropped", headlines="last"),
        Shape("mixed-widths", 17, widths=(13, 23), caption_width=21),
        Shape("credit-inline-she", 19, credit="inline", byline="under"),
        Shape("credit-she-last", 14, credit="she", headlines="last", byline="under"),
        Shape("interleaved-first", 17, interleave=True),
        Shape("interleaved-last", 18, interleave=True, headlines="last"),
        Shape("photo-before", 17, photo_before=True),
    ]
    return named + [random_shape(seed) for seed in range(12)]


def random_shape(seed: int) -> Shape:
    rng = random.Random(seed)
    width = rng.randint(11, 36)
    others = tuple(w for w in {rng.randint(11, 36) for _ in range(rng.randint(0, 2))} if abs(w - width) >= 3)
    return Shape(
        f"random-{seed}",
        width,
        blank=rng.choice(["none", "none", "paragraphs"]),
        headlines=rng.choice(["first", "last"]),
        kinsoku=rng.random() < 0.5,
        headline_width=rng.choice([0, 0, rng.randint(8, 20)]),
        widths=others,
        indent=rng.choice(["none", "kept", "dropped"]),
        credit=rng.choice(["line", "inline", "she"]),
        byline=rng.choice(["top", "under"]),
        interleave=rng.random() < 0.4,
        photo_before=rng.random() < 0.3,
        seed=seed,
    )


def _char_width(ch: str) -> float:
    return 0.5 if ch.isascii() else 1.0


def wrap(text: str, width: float, kinsoku: bool = False) -> list[str]:
    """Cut text into lines of `width` (ASCII counts half). With kinsoku, closing punctuation hangs
    past the line's end and an opening mark moves to the next line, as typesetters do."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        if current and used + _char_width(ch) > width:
            if kinsoku and ch in _CLOSING:
                current += ch  # hangs in the margin
                used += _char_width(ch)
                continue
            carry = ""
            while kinsoku and len(current) > 1 and current[-1] in _OPENING:
                carry, current = current[-1] + carry, current[:-1]
            lines.append(current)
            current, used = carry, sum(map(_char_width, carry))
        current += ch
        used += _char_width(ch)
    if current:
        lines.append(current)
    for i in range(1, len(lines)):  # a dash or an ellipsis is one mark: never cut in two
        if lines[i][:1] in "—…" and lines[i - 1][-1:] == lines[i][0] and len(lines[i - 1]) > 1:
            lines[i] = lines[i - 1][-1] + lines[i]
            lines[i - 1] = lines[i - 1][:-1]
    return lines


@dataclass
class _Line:
    text: str
    story: int
    role: str  # head | byline | body | credit
    paragraph: int = -1
    moved: bool = False  # interleaved into another column's text


def _credit_text(story: Story) -> str:
    """A dateline's parenthesis: the first name a reporter, the rest correspondents."""
    names = list(story.reporters)
    if not names:
        return ""
    text = "记者 " + names[0]
    if len(names) > 1:
        text += " 通讯员 " + " ".join(names[1:])
    return text


def _byline_text(story: Story, she: bool = False) -> str:
    names = list(story.reporters)
    if she:
        return "本报记者 " + " ".join(names) + " 摄"
    text = "■ 本报记者 " + names[0]
    if len(names) > 1:
        text += " 本报通讯员 " + " ".join(names[1:])
    return text


def _story_lines(index: int, story: Story, shape: Shape, width: int, rng: random.Random) -> list[list[_Line]]:
    """The story's units (headline, byline, paragraphs, credit), each a list of lines, in page order."""
    def para_lines(text: str, p: int, w: int) -> list[_Line]:
        lines = wrap(("\u3000\u3000" if shape.indent != "none" else "") + text, w, shape.kinsoku)
        if shape.indent == "dropped":
            lines[0] = lines[0].lstrip("\u3000")
        return [_Line(t, index, "body", p) for t in lines if t]

    head: list[_Line] = []
    for part in (story.kicker, story.title, story.subtitle):
        if part:
            # Kickers and subtitles are set smaller than the title: more characters to a line.
            measure = shape.headline_width * (1 if part == story.title else 1.4)
            pieces = wrap(part, measure, shape.kinsoku) if shape.headline_width else [part]
            head += [_Line(t, index, "head") for t in pieces]
    paragraphs = list(story.paragraphs)
    if story.kind == "photo":
        # Set to its photo's width, which is no body column's: what tells a caption from the story
        # printed before it when nothing else does.
        cap_width = shape.caption_width or max((shape.width, *shape.widths)) + 5
        units = [para_lines(p, i, cap_width) for i, p in enumerate(paragraphs)]
        credit = _byline_text(story, she=shape.credit == "she")
        if shape.credit == "inline":
            units[-1][-1].text += " " + credit
        else:
            units.append([_Line(credit, index, "credit")])
        return units
    if story.kind == "news" and story.reporters:
        paragraphs[0] = f"本报讯（{_credit_text(story)}）" + paragraphs[0]
    body = [para_lines(p, i, width) for i, p in enumerate(paragraphs)]
    if story.kind == "feature" and story.reporters:
        byline = [[_Line(_byline_text(story), index, "byline")]]
        if shape.headlines == "first":
            return [head, *byline, *body] if shape.byline == "under" or rng.random() < 0.5 else [*byline, head, *body]
        return [*byline, *body, head] if shape.byline == "top" else [*body, head, *byline]
    return [head, *body] if shape.headlines == "first" else [*body, head]


def layout(stories: list[Story], shape: Shape) -> tuple[str, list[Story]]:
    """The page text of these stories in this shape, and the stories in the order printed."""
    rng = random.Random(f"{shape.name}/{shape.seed}/{len(stories)}")
    order = list(stories)
    if shape.photo_before:
        for i in range(1, len(order)):
            if order[i].kind == "photo" and order[i - 1].kind != "photo":
                order[i - 1], order[i] = order[i], order[i - 1]
    units: list[list[_Line]] = []
    for index, story in enumerate(order):
        width = rng.choice((shape.width, *shape.widths)) if shape.widths else shape.width
        units += [u for u in _story_lines(index, story, shape, width, rng) if u]
    lines = [line for unit in units for line in unit]
    if shape.interleave:
        lines = _interleave(lines, order, shape, rng)
    if shape.blank == "paragraphs":
        out: list[str] = []
        for i, line in enumerate(lines):
            before = lines[i - 1] if i else None
            new_unit = before is not None and not line.moved and not before.moved and (
                line.story, line.role, line.paragraph) != (before.story, before.role, before.paragraph)
            if new_unit and not (line.role == before.role == "head" and line.story == before.story):
                out.append("")
            out.append(line.text)
        return "\n".join(out) + "\n", order
    return "\n".join(line.text for line in lines) + "\n", order


def _width(text: str) -> float:
    return sum(_char_width(ch) for ch in text)


def _interleave(lines: list[_Line], order: list[Story], shape: Shape, rng: random.Random) -> list[_Line]:
    """Move a short headline line into the text of the neighbouring column, between two full
    lines of one sentence: headlines first, the first line of a headline lands a few lines before
    the end of the story above; headlines last, its last line lands inside the story below."""
    moved = 0
    for story in range(1, len(order)) if shape.headlines == "first" else range(len(order) - 1):
        heads = [i for i, ln in enumerate(lines) if ln.story == story and ln.role == "head"]
        if not heads or moved >= 2:
            continue
        h = heads[0] if shape.headlines == "first" else heads[-1]
        if lines[h].text not in (order[story].kicker, order[story].title, order[story].subtitle):
            continue  # a headline part set on one line, not a piece of a wrapped one
        neighbour = story - 1 if shape.headlines == "first" else story + 1
        body = [i for i, ln in enumerate(lines) if ln.story == neighbour and ln.role == "body"]
        if not body:
            continue
        para = lines[body[-1]].paragraph if shape.headlines == "first" else lines[body[0]].paragraph
        span = [i for i in body if lines[i].paragraph == para]
        if len(span) < 3 or _width(lines[h].text) > 0.75 * max(_width(lines[i].text) for i in span[:-1]):
            continue  # only a markedly short line can be told from the column it lands in
        # Between two lines of one sentence: the line before ends mid-sentence.
        spots = [i for i in span[1:-1] if lines[i - 1].text[-1] not in _SENTENCE_END + "”"]
        if not spots:
            continue
        spot = rng.choice(spots)
        line = lines.pop(h)
        line.moved = True
        lines.insert(spot if h > spot else spot - 1, line)
        moved += 1
    return lines


# --- the stories the variants are made of ---------------------------------------------------

def sample_stories(samples: Path) -> dict[str, list[Story]]:
    """The sample pages' articles: headline fields from samples/expected.json, paragraphs from
    tests/data/sample_paragraphs.json (both labelled by hand, in page order)."""
    labels = json.loads((samples / "expected.json").read_text(encoding="utf-8"))
    texts = json.loads((Path(__file__).parent / "data" / "sample_paragraphs.json").read_text(encoding="utf-8"))
    pages: dict[str, list[Story]] = {}
    for label, text in zip(labels, texts, strict=True):
        assert (label["file"], label["title"]) == (text["file"], text["title"])
        story = Story(label["kind"], label["kicker"], label["title"], label["subtitle"], tuple(label["reporters"]),
                      tuple(text["paragraphs"]))
        pages.setdefault(label["file"], []).append(story)
    return pages


def gold_stories(gold: list[dict]) -> dict[str, list[Story]]:
    """The seed pages' articles from ../shared/seeds/gold.json, built at test time (never stored in
    the project): gold bodies have no paragraph breaks, so each is cut after every third sentence."""
    pages: dict[str, list[Story]] = {}
    for g in gold:
        # Sentences end at a full stop, never right after a closing quote: its speaker follows.
        sentences = re.findall(r".+?(?:[。！？](?![”’」』])|$)", g["body"])
        paragraphs = tuple("".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))
        title = re.sub(r"\s+", "", g["title"])
        story = Story(g["kind"], g["kicker"], title, g["subtitle"], tuple(g["reporters"]), paragraphs)
        pages.setdefault(g["file"], []).append(story)
    return pages


def same_story(expected: Story, got: Article) -> bool:
    """Headline fields, kind and reporters exactly; the body whatever its paragraph breaks."""
    squash = re.compile(r"\s+")
    return (
        (got.kind, squash.sub("", got.kicker), squash.sub("", got.title), got.subtitle, got.reporters)
        == (expected.kind, squash.sub("", expected.kicker), squash.sub("", expected.title), expected.subtitle,
            expected.reporters)
        and squash.sub("", got.body) == squash.sub("", "".join(expected.paragraphs))
    )


