"""Split a page's text, as a PDF-to-text tool leaves it, into articles.

The layout of 聊城日报's e-paper text: articles in column order, body first and headline after it;
lines cut every 17 or 36 characters; blank lines between paragraphs, but also where a column
ends mid-sentence; news opens with a dateline `本报讯（记者 X 通讯员 Y）`; photo captions close
with a credit `■ 本报记者 X`; features carry a byline either above the body or below the headline.

We work in three passes over plain data: lines -> blocks (runs of lines between blank lines,
cut again at datelines and bylines, and where the lines' widths end a unit: see lineshape, for
text with no blank lines such as `pdftotext -raw`) -> units (paragraphs, headline blocks,
bylines, with column breaks mended; on a page that prints headlines first, each headline moved
after its body) -> articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from digest.models import Article, SkippedBlock
from digest.sources.lineshape import Line, group_lines, indent_width, relocate_intruders, titled

# Role words in datelines and bylines, longest first so 本报记者 wins over 记者; each also in
# Traditional characters, which some PDF-to-text dumps and reposts use.
_ROLES = (
    "本报通讯员", "本報通訊員", "本报记者", "本報記者", "特约记者", "特約記者", "见习记者", "見習記者",
    "实习记者", "實習記者", "通讯员", "通訊員", "实习生", "實習生", "记者", "記者", "摄影", "攝影", "摄", "攝",
)
# PDF tools space out the characters of bylines: `本 报 记 者` (within a line: `记` ending one line
# and `者` opening the next are two lines of body text).
_SPACED_ROLE = re.compile("|".join(r"[ \t\u3000]*".join(role) for role in _ROLES))
_DATELINE = re.compile(r"^本[报報][讯訊]\s*[（(]([^）)]{0,60})[）)]\s*")
_DATELINE_BARE = re.compile(r"^本[报報][讯訊]\s*")
_BYLINE_START = re.compile(r"^■|^(本[报報][记記]者|本[报報]通[讯訊][员員])\s*[\u4e00-\u9fff]")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_CJK_OR_PUNCT = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…·]"
_SPACE_NEAR_CJK = re.compile(rf"(?<={_CJK_OR_PUNCT})[ \t\u3000]+|[ \t\u3000]+(?={_CJK_OR_PUNCT})")
_TERMINAL = "。！？!?”’」』…）)"
_OPEN_ENDING = "，、；：,;:“‘（(《「『"
_CLOSING_START = "，。、；：！？”’）》」』,.;:!?)"
_LEADING_DATE = re.compile(r"^\d{1,2}月\d{1,2}日")
# Unicode categories of emoji, their modifiers and joiners: skipped when looking at a line's end.
_DECORATION = frozenset(("So", "Sk", "Mn", "Me", "Cf", "Cs", "Co"))
_PHOTO_CREDIT = re.compile(r"[摄攝]\s*$")  # `本报记者 X 摄`: a photo's credit, never a byline
_COUNTY_KICKER = re.compile(r"^(我市|全市|[\u4e00-\u9fff]{1,3}(市|县|区))$")


@dataclass
class _Block:
    """Consecutive non-blank lines; kind is 'text' or 'byline'."""

    lines: list[str]
    kind: str = "text"
    column_width: float = 0.0  # the width of a full line in this part of the page
    headline: bool | None = None  # what the lines' shape says, when it says anything
    after_blank: bool = True  # a blank line (perhaps only a column break) came before it

    @property
    def text(self) -> str:
        return join_lines(self.lines)


@dataclass
class _Draft:
    """An article while it is being assembled."""

    dateline: str = ""
    top_byline: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    headline: list[_Block] = field(default_factory=list)
    end_byline: list[str] = field(default_factory=list)
    closed_by_credit: bool = False

    @property
    def empty(self) -> bool:
        return not (self.paragraphs or self.top_byline)


def _opens_dateline(text: str) -> bool:
    """`本报讯` (or `本報訊`) opens a news article."""
    return bool(_DATELINE_BARE.match(text))


def _last(text: str) -> str:
    """The last character that says how a line ends: emoji and other symbols after a full stop
    (`说。👍`) are decoration, not punctuation."""
    for ch in reversed(text):
        if unicodedata.category(ch) not in _DECORATION:
            return ch
    return text[-1] if text else ""


def normalise_spacing(text: str) -> str:
    """Drop the spaces PDF tools put between Chinese characters: `8 月 23 日` -> `8月23日`."""
    return _SPACE_NEAR_CJK.sub("", text).strip()


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between Chinese or digits (`1` + `1月` is 11月), one space between
    two Latin words."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if out and line and out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " "
        out += line
    return out


def _collapse_roles(text: str) -> str:
    return _SPACED_ROLE.sub(lambda m: re.sub(r"\s+", "", m.group(0)), text)


def _credit_words(credit: str) -> list[str]:
    """The words of a credit with role words and punctuation (`记者：X`, `X/Y`) dropped."""
    credit = _collapse_roles(credit.replace("■", " "))
    for role in _ROLES:
        credit = credit.replace(role, " ")
    return [w for w in re.split(r"[^\u4e00-\u9fff·]+", credit) if w]


def names_in_credit(credit: str) -> list[str]:
    """Names from `记者 X 通讯员 Y Z` or `■ 本报记者 X 本报通讯员 Y`, in order, role words dropped."""
    return [w for w in _credit_words(credit) if _NAME.match(w)]


def _not_names(draft: _Draft) -> str:
    """Words of a draft's dateline and bylines that are no name (`李 明` cut in two, a remark):
    reported as skipped, since they are in no article field."""
    credits = [draft.dateline, *draft.top_byline, *draft.end_byline]
    return " ".join(w for credit in credits for w in _credit_words(credit) if not _NAME.match(w))


def _is_byline(line: str) -> bool:
    line = _collapse_roles(line.strip())
    if not _BYLINE_START.search(line):
        return False
    rest = line.lstrip("■ ")
    return len(rest) <= 40 and "。" not in rest and bool(names_in_credit(rest))


def _page_lines(text: str) -> list[Line]:
    """Non-blank lines, each marked as text, dateline or byline, with the blank line before it."""
    lines: list[Line] = []
    blank = False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            blank = True
            continue
        indent = indent_width(raw)
        # A photo credit often shares the caption's last line: `一抹亮色。 ■ 本报记者 朱玉东`.
        head, mark, tail = line.partition("■")
        if mark and head.strip() and _is_byline(mark + tail):
            lines.append(Line(head.strip(), "text", blank, indent))
            blank, indent, line = False, 0.0, mark + tail
        kind = "byline" if _is_byline(line) else "dateline" if _opens_dateline(line) else "text"
        lines.append(Line(line, kind, blank, indent))
        blank = False
    return lines


def _lines_to_blocks(text: str) -> list[_Block]:
    """Group lines into blocks at blank lines and where the lines' shape ends a unit (see
    lineshape); a dateline or byline always starts a block of its own."""
    blocks: list[_Block] = []
    for group in group_lines(relocate_intruders(_page_lines(text))):
        first = group.lines[0]
        texts = [ln.text for ln in group.lines]
        # `■ 本报记者 X` / `本报通讯员 Y` on consecutive lines are one byline; after a blank line
        # a byline is another article's (a photo credit, then the next feature's byline).
        if first.kind == "byline" and not first.blank_before and blocks and blocks[-1].kind == "byline":
            blocks[-1].lines += texts
        elif first.kind == "byline":
            blocks.append(_Block(texts, "byline"))
        else:
            blocks.append(_Block(texts, headline=group.headline, after_blank=first.blank_before or not blocks))
    return blocks


def _headline_like(block: _Block) -> bool:
    """Short, no full stop, not ending mid-clause: what a headline, kicker or subtitle looks like."""
    if block.headline is not None:
        return block.headline
    text = block.text
    if len(block.lines) >= 2 and block.column_width and _width(block.lines[0]) >= 0.85 * block.column_width:
        return False  # full-width lines: body text cut by a column end, not a headline
    return (
        len(block.lines) <= 3
        and len(text) <= 48
        and "。" not in text
        and _last(text) not in "，、；：,;:！？!?"
        and not _opens_dateline(text)
    )


def _continues(first: _Block, second: _Block) -> bool:
    """Whether a blank line between two text blocks was a column break inside one paragraph."""
    if second.kind != "text" or _opens_dateline(second.text):
        return False
    end, start = _last(first.text), second.text
    if end in _TERMINAL:
        return False
    if start[0] in _CLOSING_START or end in _OPEN_ENDING or not _headline_like(first):
        return True
    return _continuation_score(first, second) >= 2


def _continuation_score(first: _Block, second: _Block) -> int:
    """Weigh a short block ending mid-sentence: the end of a column, or a headline?"""
    text, start = first.text, second.text
    score = 0
    if first.column_width and _width(first.lines[-1]) >= 0.85 * first.column_width:
        score += 1  # a full line: the column ran out
    if re.search("[，、]", text):
        score += 1  # headlines seldom pause mid-line
    if text.count("“") != text.count("”") or text.count("（") != text.count("）"):
        score += 2  # a quote or bracket left open goes on in the next column
    if text.endswith("—"):
        score -= 2  # `……，市交通运输局——` leads into a title
    clause = re.split(r"[，。、；：！？,.;:!?]", start, maxsplit=1)[0].strip("”’」』）)")
    if start[0] in "的了着地得之" or (1 <= len(clause) <= 2 and len(start) > len(clause)):
        score += 2  # `设。`, `的18道工序`: the tail of a sentence, not the start of one
    if start[0] in "“‘《（(「" or _LEADING_DATE.match(start):
        score -= 2  # a quote or a date opens a new article
    if _headline_like(second):
        score -= 1
    return score


def _measure_columns(blocks: list[_Block]) -> list[_Block]:
    """Give each block the full-line width of the nearest body paragraph, before it if any."""
    widths = [max(map(_width, b.lines)) if b.kind == "text" and len(b.lines) >= 3 else 0.0 for b in blocks]
    for i, block in enumerate(blocks):
        before = [w for w in widths[:i] if w]
        after = [w for w in widths[i + 1:] if w]
        block.column_width = before[-1] if before else (after[0] if after else 0.0)
    return blocks


def _mend_column_breaks(blocks: list[_Block]) -> list[_Block]:
    mended: list[_Block] = []
    for block in blocks:
        if mended and mended[-1].kind == "text" and block.after_blank and _continues(mended[-1], block):
            mended[-1].lines.extend(block.lines)
            mended[-1].headline = None
        else:
            mended.append(_Block(list(block.lines), block.kind, block.column_width, block.headline, block.after_blank))
    return mended


def _headline_parts(blocks: list[_Block]) -> tuple[str, str, str]:
    """Kicker, title and subtitle from the headline blocks that follow a body."""
    parts = [_headline_text(b) for b in blocks]
    if len(parts) == 1:
        lines = blocks[0].lines
        if len(lines) >= 2 and lines[-1].startswith("——"):
            return "", _headline_text(_Block(lines[:-1])), lines[-1].strip()
        return "", parts[0], ""
    if len(parts) >= 3:
        return parts[0], parts[1], "".join(parts[2:])
    first, second = parts
    if second.startswith("——"):
        return "", first, second
    if first.endswith("——") or _COUNTY_KICKER.match(first) or _width(first) <= 6:
        return first, second, ""
    # Two plain lines: a subtitle is usually the longer, more specific line; a kicker the shorter lead-in.
    if _width(second) - _width(first) >= 3:
        return "", first, second
    return first, second, ""


def _headline_text(block: _Block) -> str:
    text = join_lines(block.lines)
    # Keep a deliberate gap between two phrases (`强化党建引领 当好开路先锋`), one space wide.
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _width(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _clean_paragraph(text: str) -> str:
    return normalise_spacing(_collapse_roles(text))


def _finish(draft: _Draft) -> Article | None:
    """The draft as an article, or None when it has no body (a headline or byline alone)."""
    body = [p for p in draft.paragraphs if p]
    if not body:
        return None
    if not (draft.dateline or draft.top_byline or draft.end_byline) and _headline_sized("".join(body)):
        return None  # a page of headlines only: the first is not a body because nothing follows it
    kicker, title, subtitle = _headline_parts(draft.headline) if draft.headline else ("", "", "")
    reporters = names_in_credit(draft.dateline) + names_in_credit(" ".join(draft.top_byline + draft.end_byline))
    if draft.closed_by_credit and not draft.headline:
        kind = "photo"
    elif draft.dateline:
        kind = "news"
    elif draft.headline:
        kind = "feature"
    else:
        kind = "photo" if draft.end_byline else "news"
    return Article(
        kind=kind,
        kicker=kicker,
        title=title,
        subtitle=subtitle,
        reporters=tuple(dict.fromkeys(reporters)),
        paragraphs=tuple(p for p in draft.paragraphs if p),
    )


def _headline_sized(text: str) -> bool:
    """No sentence in it and no longer than a headline: not an article's body."""
    return len(text) <= 48 and not re.search("[。！？!?]", text)


def _draft_text(draft: _Draft) -> str:
    """All the text of a draft, for the report of what was skipped."""
    dateline = [f"本报讯（{draft.dateline}）"] if draft.dateline else []
    parts = [*draft.top_byline, *dateline, *draft.paragraphs, *(b.text for b in draft.headline), *draft.end_byline]
    return " ".join(p for p in parts if p)


def _article_text(article: Article) -> str:
    return " ".join(p for p in (article.headline, "、".join(article.reporters), *article.paragraphs) if p)


def _drop_repeats(articles: list[Article], skipped: list[SkippedBlock]) -> list[Article]:
    """Keep the first of identical articles: a page pasted twice into one file must not double
    the digest. The repeat is reported as skipped, so nothing goes missing unannounced."""
    first: dict[Article, int] = {}
    kept = []
    for article in articles:
        if article in first:
            skipped.append(SkippedBlock(_article_text(article), f"repeats article {first[article] + 1} of this page"))
            continue
        first[article] = len(kept)
        kept.append(article)
    return kept


def _join_credit(lines: list[str]) -> list[str]:
    """Mend a dateline wrapped inside its names: `通讯员 李` + `丽 蒋红帅）` is 李丽, but
    `通讯员 王菲` + `刘子恒）` is two people (a one-character piece is never a whole name)."""
    first = lines[0]
    for i, line in enumerate(lines[1:], start=1):
        if re.search(r"[）)]", first):
            return [first, *lines[i:]]
        before = re.split(r"[\s（(]", first)[-1]
        after = re.split(r"[\s）)]", line.strip())[0]
        first += (" " if len(before) >= 2 and len(after) >= 2 else "") + line.strip()
    return [first]


def _split_paragraphs(block: _Block) -> list[str]:
    """A short line ending a sentence ends a paragraph even with no blank line after it."""
    paragraphs, current = [], []
    lines = _join_credit(block.lines) if _opens_dateline(block.lines[0]) else block.lines
    for line in lines:
        current.append(line)
        if _last(line) in "。！？”" and block.column_width and _width(line) < 0.8 * block.column_width:
            paragraphs.append(join_lines(current))
            current = []
    if current:
        paragraphs.append(join_lines(current))
    return paragraphs


def _start_paragraph(draft: _Draft, block: _Block) -> None:
    for i, text in enumerate(_split_paragraphs(block)):
        match = _DATELINE.match(text) or _DATELINE_BARE.match(text)
        if i == 0 and match and not draft.paragraphs:
            draft.dateline = match.group(1) if match.groups() else ""
            text = text[match.end():]
        draft.paragraphs.append(_clean_paragraph(text))


def split_page(text: str) -> tuple[list[Article], list[SkippedBlock]]:
    """Split page text into articles, in page order; what fits no article is returned as skipped.

    Never raises, and drops no text silently: every character is in an article or a skipped
    block, dateline and byline role words aside. An article repeated word for word (a page
    pasted twice into one file) is kept once, the repeat reported as skipped.
    """
    units = _mend_column_breaks(_measure_columns(_lines_to_blocks(_collapse_roles(text))))
    if _headlines_first(units):
        units = _headlines_last(units)
    articles: list[Article] = []
    skipped: list[SkippedBlock] = []
    draft = _Draft()

    def close() -> None:
        nonlocal draft
        article = _finish(draft)
        if article:
            articles.append(article)
            if _not_names(draft):
                skipped.append(SkippedBlock(_not_names(draft), "words in a dateline or byline that are not names"))
        elif _draft_text(draft):
            skipped.append(SkippedBlock(_draft_text(draft), "headline or byline with no body"))
        draft = _Draft()

    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else None
        if unit.kind == "byline":
            if draft.paragraphs and not draft.headline:
                draft.end_byline += unit.lines
                draft.closed_by_credit = True
                close()
            elif draft.headline and not draft.end_byline and _byline_closes(draft, following):
                draft.end_byline += unit.lines
                close()
            else:
                close()
                draft.top_byline += unit.lines
            continue
        text = unit.text
        if _opens_dateline(text):
            close()
            _start_paragraph(draft, unit)
        elif (draft.paragraphs or draft.headline) and not draft.end_byline and _headline_like(unit) and (
                _ends_body(following)):
            draft.headline.append(unit)
        elif draft.headline or draft.end_byline:
            close()
            _start_paragraph(draft, unit)
        else:
            _start_paragraph(draft, unit)
    close()
    return _drop_repeats(articles, skipped), skipped


def _is_head(unit: _Block) -> bool:
    return unit.kind == "text" and not _opens_dateline(unit.text) and _headline_like(unit)


def _headlines_first(units: list[_Block]) -> bool:
    """Whether this page prints headlines before their bodies, as reading-order tools and other
    papers do. Only the page's ends and its datelines tell: headlines after bodies leave a
    headline last on the page and let a dateline open the page or follow a body directly;
    headlines first leave a body last and put a headline first."""
    if not any(_is_head(u) for u in units):
        return False
    first = last = 0
    end = len(units) - 1
    while end >= 0 and units[end].kind == "byline":
        end -= 1
    if end >= 0 and _is_head(units[end]):
        last += 2
    elif end == len(units) - 1:
        first += 2
    start = 0
    while start < len(units) and units[start].kind == "byline":
        start += 1
    if start < len(units) and _is_head(units[start]):
        first += 2
    for i, unit in enumerate(units):
        if unit.kind == "text" and _opens_dateline(unit.text):
            before = units[i - 1] if i else None
            if before is None or (before.kind == "text" and not _is_head(before)):
                last += 1
    return first > last


def _measure(unit: _Block) -> float | None:
    """The width a paragraph was set in, when it has lines enough to show it."""
    return max(map(_width, unit.lines)) if len(unit.lines) >= 2 else None


def _caption_start(body: list[_Block]) -> int | None:
    """Where a photo's caption begins among paragraphs that run on from a story: at the last
    change of column width (a caption is set to its photo's width), never at the story's dateline."""
    known = [(i, m) for i, u in enumerate(body) if (m := _measure(u)) is not None]
    if len(known) < 2:
        return None
    tail = known[-1][1]
    for (i, m), (j, _) in zip(reversed(known[:-1]), reversed(known[1:]), strict=True):
        if abs(m - tail) > 2.5:  # digits and hanging marks move a line's end by a character or two
            start = i + 1
            while start < j and _measure(body[start]) is None and start > 0:
                start += 1
            return max(start, 1)
    return None


def _headlines_last(units: list[_Block]) -> list[_Block]:
    """Put each headline after its body, the order the rest of the splitter reads: a headline
    opens an article; a byline before the body is the article's; a credit after a body that
    already has its reporters closes a photo caption (the paragraphs set at another width, or
    else the last one) unless another headline follows it, then it is that feature's byline."""
    out: list[_Block] = []
    heads: list[_Block] = []
    top: list[_Block] = []
    body: list[_Block] = []

    def flush(end: list[_Block] | None = None) -> None:
        out.extend([*top, *body, *heads, *(end or [])])
        heads.clear()
        top.clear()
        body.clear()

    units = list(units)
    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else None
        if unit.kind == "byline" and body and following is not None and _untitled_opening(following):
            # Headlines first, a byline, then body: that article's headline is its first line,
            # set as wide as a body line (nothing but its place says so).
            units[i + 1:i + 2] = [_Block(following.lines[:1], headline=True), _Block(following.lines[1:])]
            following = units[i + 1]
        if _is_head(unit):
            if body:
                flush()
            heads.append(unit)
        elif unit.kind == "byline":
            credited = bool(top) or any(_opens_dateline(b.text) for b in body)
            if not body:
                top.append(unit)
            elif not credited:
                flush([unit])
            else:
                cut = _caption_start(body)
                after = next((u for u in units[i + 1:] if not _is_head(u)), None)
                # A credit `摄`, or a byline over a story credited in its own dateline, is a photo's.
                photo = bool(_PHOTO_CREDIT.search(unit.text)) or (after is not None and _opens_dateline(after.text))
                if cut is None and following is not None and _is_head(following) and not photo:
                    flush()
                    top.append(unit)
                    continue
                if cut is None:
                    # No width tells: a caption opens with the photo's date, else is one paragraph.
                    dated = [k for k in range(max(1, len(body) - 3), len(body)) if _LEADING_DATE.match(body[k].text)]
                    cut = dated[-1] if dated else len(body) - 1
                caption = body[cut:]
                del body[cut:]
                flush()
                out.extend([*caption, unit])
        else:
            if _opens_dateline(unit.text) and body:
                flush()
            body.append(unit)
    flush()
    return out


def _untitled_opening(unit: _Block) -> bool:
    """Body text after a byline on a headlines-first page, where every story but a photo's has a
    headline above it: its first line is the headline if it reads as one."""
    if unit.kind != "text" or _is_head(unit) or len(unit.lines) < 3 or _opens_dateline(unit.text):
        return False
    return titled(unit.lines[0]) and bool(re.search("[。！？]", join_lines(unit.lines[1:])))


def _ends_body(following: _Block | None) -> bool:
    """A headline block is followed by the end of the page, another headline block, a byline or a new article."""
    return True if following is None else following.kind == "byline" or _is_article_start(following) or (
        _headline_like(following))


def _is_article_start(block: _Block) -> bool:
    # Any paragraph can open the next article once a headline has closed this one; what we can
    # tell from a block alone is a dateline, or a paragraph that opens a sentence.
    text = block.text
    return _opens_dateline(text) or text[0] not in _CLOSING_START


def _byline_closes(draft: _Draft, following: _Block | None) -> bool:
    """A byline after a headline closes a feature (`一张表单的背后` / `■ 本报记者 X`) unless it heads the next one."""
    if following is None or following.kind == "byline" or _opens_dateline(following.text):
        return True
    # Followed by an undated body: it belongs to whichever article has no credit yet.
    return not (draft.dateline or draft.top_byline)
