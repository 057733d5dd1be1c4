"""Typeset invented articles as newspaper PDF pages, with the articles they hold as gold.

Tests and `samples/make_pdfs.py` use this to make the PDFs the reader is measured on: reportlab's
built-in CID font STSong-Light (no font files), 5-7 columns of 9-10 pt body text at 11-17
characters a line, headlines of 18-28 pt spanning columns with kickers above and subtitles below,
photo boxes with captions in another size ending `■ 本报记者 X`, a header strip and a footer, and
bodies balanced across columns so that column breaks fall inside sentences. A seed varies all of
it, so no one geometry is learnt. The gold is in ../shared/seeds/gold.json's format, so
../shared/tools/score_pages.py scores a parse of these pages as it scores the seeds.

Also makes the bad PDFs the reader must refuse: scanned (image only), encrypted, truncated,
text with no Unicode meaning (private-use code points), Latin garbage, too many pages.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from digest.models import Article
from digest.sources.textfile import read_page
from digest.sources.textpage import split_page

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
WEEKDAYS = "一二三四五六日"
SECTIONS = ("要闻", "综合新闻", "县域经济", "民生", "社会", "文化")


@dataclass(frozen=True)
class Story:
    """One invented article as the generator typesets it, with its gold labels."""

    article: Article
    county: str = ""
    topic: str = ""


@dataclass
class MadePdf:
    data: bytes
    gold: list[dict] = field(default_factory=list)
    pages: list[dict] = field(default_factory=list)  # per page: number label, date, section


def sample_stories() -> list[Story]:
    """The 18 invented articles of samples/*.txt with their hand labels from samples/expected.json."""
    labels = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    articles = [a for path in sorted(SAMPLES.glob("*.txt")) for a in split_page(read_page(path).text)[0]]
    assert len(articles) == len(labels)
    return [Story(a, county=lab["county"], topic=lab["topic"]) for a, lab in zip(articles, labels, strict=True)]


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, size: float, width: float, indent: float = 0.0) -> list[str]:
    """Break text into lines no wider than `width`; the first line indented by `indent` points."""
    lines, line, room = [], "", width - indent
    for ch in text:
        if line and _width(line + ch, size) > room:
            lines.append(line)
            line, room = "", width
        line += ch
    if line:
        lines.append(line)
    return lines


@dataclass
class _Style:
    columns: int
    body: float
    chars: int
    leading: float
    gutter: float
    margin: float
    title: float
    side: float  # kicker and subtitle size
    caption: float
    centred: bool
    rules: bool
    label: str  # "A" pages (A2) or 版 pages (第2版)
    indent: bool
    justify: bool = False  # full lines stretched to the column's width by letter-spacing
    header_rule: bool = True
    photo_image: bool = False  # a raster picture rather than a grey box
    credit_right: bool = False  # the photo credit on a line of its own, set flush right

    @property
    def column_width(self) -> float:
        return self.chars * self.body

    @property
    def page_width(self) -> float:
        return 2 * self.margin + self.columns * self.column_width + (self.columns - 1) * self.gutter


def _style(rng: random.Random) -> _Style:
    body = rng.choice((9.0, 9.5, 10.0))
    columns = rng.choice((5, 6, 7))
    return _Style(
        columns=columns, body=body, chars=rng.randint(11, 17) if columns < 7 else rng.randint(11, 14),
        leading=body * rng.uniform(1.35, 1.65), gutter=body * rng.uniform(1.1, 2.0), margin=rng.uniform(28, 48),
        title=rng.uniform(18, 28), side=rng.uniform(12, 15), caption=body - rng.choice((0.5, 1.0, 1.5)),
        centred=rng.random() < 0.5, rules=rng.random() < 0.6, label=rng.choice("AB"), indent=rng.random() < 0.85,
        justify=rng.random() < 0.5, header_rule=rng.random() < 0.7, photo_image=rng.random() < 0.5,
        credit_right=rng.random() < 0.4,
    )


def _credit_lines(article: Article) -> tuple[str, list[str]]:
    """A news article's dateline, or a feature's byline lines: the first name is the reporter."""
    names = list(article.reporters)
    if article.kind == "news":
        extra = f" 通讯员 {' '.join(names[1:])}" if len(names) > 1 else ""
        return f"本报讯（记者 {names[0]}{extra}）" if names else "本报讯 ", []
    lines = [f"■ 本报记者 {names[0]}"] if names else []
    if len(names) > 1:
        lines.append(f"本报通讯员 {' '.join(names[1:])}")
    return "", lines


class _Page:
    def __init__(self, c: canvas.Canvas, style: _Style, height: float) -> None:
        self.c, self.s, self.h = c, style, height

    def text(self, x: float, top: float, line: str, size: float, width: float = 0.0) -> None:
        """Draw a line whose top is `top` points from the top of the page; stretched to `width`
        by letter-spacing when given."""
        self.c.setFont(FONT, size)
        if width and len(line) > 1:
            spacing = max(0.0, (width - _width(line, size)) / (len(line) - 1))
            self.c.drawString(x, self.h - top - size * 0.88, line, charSpace=spacing)
        else:
            self.c.drawString(x, self.h - top - size * 0.88, line)

    def rule(self, x0: float, x1: float, top: float, width: float = 0.8) -> None:
        self.c.setLineWidth(width)
        self.c.line(x0, self.h - top, x1, self.h - top)

    def col_x(self, col: int) -> float:
        return self.s.margin + col * (self.s.column_width + self.s.gutter)


def _headline_lines(article: Article, style: _Style, width: float) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    if article.kicker:
        out += [(ln, style.side) for ln in wrap(article.kicker, style.side, width)]
    out += [(ln, style.title) for ln in wrap(article.title, style.title, width)]
    if article.subtitle:
        out += [(ln, style.side) for ln in wrap(article.subtitle, style.side, width)]
    return out


def _body_lines(article: Article, style: _Style, lead: str) -> list[tuple[str, bool]]:
    """(line, starts a paragraph) for the body, the dateline leading the first paragraph."""
    out = []
    indent = 2 * style.body if style.indent else 0.0
    for i, paragraph in enumerate(article.paragraphs):
        text = (lead + paragraph) if i == 0 else paragraph
        lines = wrap(text, style.body, style.column_width, indent)
        out += [(ln, j == 0) for j, ln in enumerate(lines)]
    return out


def _layout_height(story: Story, style: _Style, span: int) -> float:
    return _draw_story(None, story, style, 0, span, 0.0)


def _draw_story(page: _Page | None, story: Story, style: _Style, col: int, span: int, top: float) -> float:
    """Typeset one article in columns col..col+span-1 from `top`; returns its height (no drawing if page is None)."""
    a, s = story.article, style
    x0 = s.margin + col * (s.column_width + s.gutter)
    width = span * s.column_width + (span - 1) * s.gutter
    y = top
    if a.kind == "photo":
        box_h = width * 0.55
        if page and s.photo_image:
            page.c.drawImage(_picture(), x0, page.h - y - box_h, width, box_h)
        elif page:
            page.c.setFillGray(0.75)
            page.c.rect(x0, page.h - y - box_h, width, box_h, fill=1, stroke=0)
            page.c.setFillGray(0)
        y += box_h + s.caption * 0.6
        caption = "".join(a.paragraphs)
        credit = f"■ 本报记者 {' '.join(a.reporters)}"
        lines = wrap(caption, s.caption, width)
        if _width(lines[-1] + " " + credit, s.caption) <= width and s.indent and not s.credit_right:
            lines[-1] += " " + credit  # the credit shares the caption's last line, or has its own
        else:
            lines.append(credit)
        for line in lines:
            if page:
                right = s.credit_right and line == credit
                page.text(x0 + width - _width(line, s.caption) if right else x0, y, line, s.caption)
            y += s.caption * 1.45
        return y - top + s.body
    for line, size in _headline_lines(a, s, width):
        if page:
            lx = x0 + (width - _width(line, size)) / 2 if s.centred else x0
            page.text(lx, y, line, size)
        y += size * 1.3
    y += s.body * 0.5
    dateline, byline = _credit_lines(a)
    for line in byline:
        if page:
            page.text(x0, y, line, s.body)
        y += s.leading
    lines = _body_lines(a, s, dateline)
    per_column = -(-len(lines) // span)
    for i, (line, starts) in enumerate(lines):
        c, row = divmod(i, per_column)
        indent = 2 * s.body if starts and s.indent else 0.0
        full = s.justify and i + 1 < len(lines) and not lines[i + 1][1]  # not a paragraph's last line
        if page:
            page.text(x0 + c * (s.column_width + s.gutter) + indent, y + row * s.leading, line, s.body,
                      width=s.column_width - indent if full else 0.0)
    return y + per_column * s.leading - top + s.body


def _gold(story: Story, file: str) -> dict:
    a = story.article
    return {"file": file, "kind": a.kind, "kicker": a.kicker, "title": a.title, "subtitle": a.subtitle,
            "headline": (a.kicker + a.title + a.subtitle).replace(" ", ""), "reporters": list(a.reporters),
            "county": story.county, "topic": story.topic, "body": "".join(a.paragraphs).replace(" ", "")}


_PICTURE = None


def _picture():
    """A small grey-scale raster standing in for a news photo (made once)."""
    global _PICTURE
    if _PICTURE is None:
        from PIL import Image, ImageDraw
        from reportlab.lib.utils import ImageReader

        image = Image.new("L", (160, 100), 200)
        draw = ImageDraw.Draw(image)
        for i in range(0, 160, 16):
            draw.rectangle((i, 40 + (i % 48), i + 10, 100), fill=60 + i // 2)
        _PICTURE = ImageReader(image)
    return _PICTURE


def _header(page: _Page, number: int, date: str, section: str, rng: random.Random) -> float:
    s = page.s
    y = s.margin * 0.6
    year, month, day = (int(p) for p in date.split("-"))
    import datetime as _dt

    weekday = WEEKDAYS[_dt.date(year, month, day).weekday()]
    label = f"{s.label}{number}" if rng.random() < 0.5 else f"第{number}版"
    left = [f"{year}年{month}月{day}日", f"星期{weekday}"]
    page.text(s.margin, y + 4, "　".join(left), 10)
    page.text(page.col_x(s.columns // 2) - 20, y, "聊城日报", 20)
    right = f"{label}  {section}"
    page.text(s.page_width - s.margin - _width(right, 11), y + 4, right, 11)
    page.text(s.page_width - s.margin - _width("责任编辑 王晓 校对 李静", 8), y + 20, "责任编辑 王晓 校对 李静", 8)
    y += 32
    if s.header_rule:
        page.rule(s.margin, s.page_width - s.margin, y, 1.2)
    return y + s.body * 1.5


def _footer(page: _Page, number: int) -> float:
    s = page.s
    y = page.h - s.margin * 0.6 - 10
    page.rule(s.margin, s.page_width - s.margin, y - 6, 0.6)
    page.text(s.margin, y, f"聊城日报社出版　　电话：0635-8888888　　第{number}版", 8)
    return y - 10


def _plan_rows(stories: list[Story], style: _Style, room: float, rng: random.Random):
    """Rows of slots (first column, span, stacked stories) filling the page top to bottom."""
    rows, rest = [], list(stories)
    while rest:
        spans = _partition(style.columns, rng)
        slots = []
        for col, span in spans:
            if not rest:
                break
            stack = [rest.pop(0)]
            if rest and rng.random() < 0.35 and rest[0].article.kind != "photo":
                stack.append(rest.pop(0))
            slots.append((col, span, stack))
        height = max(sum(_layout_height(st, style, span) for st in stack) for _, span, stack in slots)
        if height > room:
            for _, _, stack in reversed(slots):
                rest[:0] = stack
            if rows:
                break  # the next page
            # First row of a page and still too tall: the first story alone, across the page.
            slots = [(0, style.columns, [rest.pop(0)])]
            height = _layout_height(slots[0][2][0], style, style.columns)
        rows.append((slots, height))
        room -= height
    return rows, rest


def _partition(columns: int, rng: random.Random) -> list[tuple[int, int]]:
    spans, left = [], columns
    while left:
        span = left if left <= 2 or rng.random() < 0.25 else rng.randint(2, min(4, left - 1))
        spans.append(span)
        left -= span
    rng.shuffle(spans)
    out, col = [], 0
    for span in spans:
        out.append((col, span))
        col += span
    return out


def make_issue(stories: list[Story], *, seed: int, file: str, date: str = "2026-11-20", first_page: int = 1,
               max_pages: int = 16) -> MadePdf:
    """Typeset the stories on as many pages as they need (one layout style per seed)."""
    rng = random.Random(seed)
    style = _style(rng)
    height = style.page_width * rng.uniform(1.3, 1.45)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(style.page_width, height))
    made = MadePdf(b"")
    rest, number = list(stories), first_page
    while rest and number < first_page + max_pages:
        page = _Page(c, style, height)
        section = rng.choice(SECTIONS)
        top = _header(page, number, date, section, rng)
        bottom = _footer(page, number)
        rows, rest = _plan_rows(rest, style, bottom - top, rng)
        for slots, row_height in rows:
            for col, span, stack in slots:
                y = top
                for story in stack:
                    used = _draw_story(page, story, style, col, span, y)
                    y += used
                    made.gold.append(_gold(story, file))
            top += row_height
            if style.rules:
                page.rule(style.margin, style.page_width - style.margin, top - style.body * 0.6, 0.5)
        made.pages.append({"page": number, "date": date, "section": section})
        c.showPage()
        number += 1
    c.save()
    made.data = buf.getvalue()
    return made


def shuffled(stories: list[Story], seed: int, count: int | None = None) -> list[Story]:
    rng = random.Random(seed)
    out = list(stories)
    rng.shuffle(out)
    return out[:count] if count else out


# --- bad PDFs ---------------------------------------------------------------------------------

def _one_line(text: str, font: str = FONT, encrypt: StandardEncryption | None = None, pages: int = 1) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), encrypt=encrypt)
    for _ in range(pages):
        c.setFont(font, 10)
        for i in range(0, len(text), 40):
            c.drawString(40, 800 - 14 * (i // 40), text[i:i + 40])
        c.showPage()
    c.save()
    return buf.getvalue()


SOME_CHINESE = "本报讯（记者 张明）11月20日，记者从市交通运输局获悉，全市新开通城乡公交线路十二条。" * 3


def scanned_pdf() -> bytes:
    """A page that is only a picture of text: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(image)
    for y in range(40, 520, 14):
        draw.line((30, y, 370, y), fill=40, width=4)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.drawImage(ImageReader(image), 20, 20, 555, 800)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    return _one_line(SOME_CHINESE, encrypt=StandardEncryption("secret", "owner"))


def truncated_pdf() -> bytes:
    data = _one_line(SOME_CHINESE)
    return data[: len(data) * 2 // 3]


def private_use_pdf() -> bytes:
    """Glyphs whose Unicode is in the private use area: what a font without a ToUnicode map gives."""
    return _one_line("".join(chr(0xE000 + (ord(ch) % 2000)) for ch in SOME_CHINESE))


def latin_garbage_pdf() -> bytes:
    """A custom-encoded font read as Latin letters: text, but no Chinese in it."""
    return _one_line("Ê¸±¨Ñ¶£¨¼ÇÕß ÕÅÃ÷£©11ÔÂ20ÈÕ£¬¼ÇÕß´ÓÊÐ½»Í¨ÔËÊä¾Ö»ñÏ¤" * 4, font="Helvetica")


def many_pages_pdf(pages: int) -> bytes:
    return _one_line(SOME_CHINESE, pages=pages)
