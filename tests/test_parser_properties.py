"""Properties of the page splitter on text nobody checked: random text and mangled real pages.

Whatever it is given, split_page never raises, gives the same answer twice, and loses no
Chinese text silently: every CJK character of the input is in an article (body, headline,
reporters) or in a reported SkippedBlock, unless it belongs to a dateline or byline's
boilerplate (本报讯, 记者, 通讯员, 本报记者, ■ ...).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from conftest import SAMPLES, SEEDS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digest.models import Article, SkippedBlock
from digest.pipeline import Pipeline
from digest.sources.textfile import PageError, decode_page
from digest.sources.textpage import split_page

BADINPUT = Path(__file__).parent / "badinput"
PAGES = [p.read_text(encoding="utf-8") for p in
         (*sorted(SEEDS.glob("*.txt")), *sorted(SAMPLES.glob("*.txt")), BADINPUT / "ok_utf8.txt")]

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Boilerplate a dateline or byline drops on purpose, longest first; spaced out (`本 报 记 者`) too.
_BOILERPLATE = ("本报通讯员", "本報通訊員", "本报记者", "本報記者", "特约记者", "特約記者", "见习记者", "見習記者",
                "实习记者", "實習記者", "本报讯", "本報訊", "通讯员", "通訊員", "实习生", "實習生", "记者", "記者",
                "摄影", "攝影", "摄", "攝")
_SPACED_BOILERPLATE = re.compile("|".join(r"\s*".join(word) for word in _BOILERPLATE))

# Modest by default so the suite stays fast; PAPERDIGEST_FUZZ_EXAMPLES=5000 for a deeper hunt.
EXAMPLES = int(os.environ.get("PAPERDIGEST_FUZZ_EXAMPLES", "150"))
PROPERTY_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cjk(text: str) -> Counter[str]:
    return Counter(_CJK.findall(text))


def lost_text(text: str, articles: list[Article], skipped: list[SkippedBlock]) -> Counter[str]:
    """CJK characters of the input, boilerplate aside, found in no article and no skipped block."""
    expected = cjk(_SPACED_BOILERPLATE.sub(" ", text))
    found: Counter[str] = Counter()
    squeezed = re.sub(r"\s", "", text)
    for a in articles:
        found += cjk(" ".join((a.kicker, a.title, a.subtitle, *a.reporters, *a.paragraphs)))
        for name in a.reporters:  # a name credited twice is listed once, by design
            found += Counter({ch: n * (squeezed.count(name) - 1) for ch, n in cjk(name).items()})
    for block in skipped:
        found += cjk(block.text)
    return expected - found


def check(text: str) -> None:
    articles, skipped = split_page(text)
    assert (articles, skipped) == split_page(text), "not deterministic"
    assert all(isinstance(a, Article) for a in articles)
    assert all(isinstance(b, SkippedBlock) and b.reason for b in skipped)
    lost = lost_text(text, articles, skipped)
    assert not lost, f"lost {''.join(lost.elements())!r} from lines {near(text, lost)}"


def near(text: str, chars: Counter[str]) -> list[str]:
    return [line for line in text.split("\n") if set(line) & set(chars)][:5]


# --- random text, page-flavoured -------------------------------------------------------------

_PIECES = st.sampled_from([
    "本报讯", "（", "）", "(", ")", "记者", "通讯员", "本报记者", "本报通讯员", "本 报 记 者", "■", "摄",
    "本報訊", "記者", "\n", "\n\n", "\n\n\n", " ", "\u3000", "\t", "\r", "\x0c", "。", "，", "、", "；", "：",
    "！", "？", "“", "”", "——", "……", "《", "》", "王晓东", "刘芳", "李", "明", "全市", "冠县", "11月12日",
    "8 月 23 日", "3.2%", "12", "A", "MW", "新建高标准农田", "粮食生产再获丰收", "据介绍", "说", "的", "了",
    "👍", "🚚", "\u200b", "\ufeff",
])
_CJK_CHARS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
page_like_text = st.lists(st.one_of(_PIECES, st.text(_CJK_CHARS, min_size=1, max_size=20)), max_size=80).map("".join)


@PROPERTY_SETTINGS
@given(page_like_text)
@example("本报讯（记者 王晓东 实习生 李 明）今天开会。\n\n会议召开\n")
@example("本报讯（记者）\n")
@example("■ 本报记者 陈亮\n\n■ 本报记者 赵敏\n\n正文说完了。\n\n标题\n")
@example("标题一\n\n标题二\n\n标题三\n")
def test_page_like_text(text: str) -> None:
    check(text)


@PROPERTY_SETTINGS
@given(st.text(max_size=400))
def test_any_unicode_text(text: str) -> None:
    check(text)


# --- real pages, mangled the way PDF-to-text tools and people mangle them ---------------------

def rewrap(text: str, width: int) -> str:
    """Re-cut every paragraph's lines at another column width, keeping the blank lines."""
    blocks = text.split("\n\n")
    return "\n\n".join(
        "\n".join(joined[i:i + width] for i in range(0, len(joined), width))
        for joined in ("".join(line.strip() for line in block.split("\n")) for block in blocks)
    )


@st.composite
def mangled_pages(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(PAGES)).split("\n")
    for _ in range(draw(st.integers(0, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "swap", "blank", "unblank", "duplicate", "split"]))
        if action == "drop":
            del lines[i]
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "blank":
            lines.insert(i, "")
        elif action == "unblank" and not lines[i].strip():
            del lines[i]
        elif action == "duplicate":
            lines[j:j] = lines[i:i + draw(st.integers(1, 12))]
        elif action == "split" and len(lines[i]) > 1:
            cut = draw(st.integers(1, len(lines[i]) - 1))
            lines[i:i + 1] = [lines[i][:cut], lines[i][cut:]]
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = rewrap(text, draw(st.integers(4, 80)))
    return text


@PROPERTY_SETTINGS
@given(mangled_pages())
def test_mangled_real_pages(text: str) -> None:
    check(text)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(PAGES), st.integers(8, 60))
def test_rewrapped_pages_keep_their_articles_count_close(text: str, width: int) -> None:
    """Another column width must not make articles vanish: at most a few merge or split."""
    articles, skipped = split_page(rewrap(text, width))
    assert not lost_text(text, articles, skipped)
    assert abs(len(articles) - len(split_page(text)[0])) <= len(split_page(text)[0]) // 2 + 1


def test_pages_themselves_lose_nothing() -> None:
    for text in PAGES:
        articles, skipped = split_page(text)
        assert articles and not lost_text(text, articles, skipped)


# --- the whole pipeline: split, tag, summarise ------------------------------------------------

@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mangled_pages(), page_like_text))
def test_pipeline_processes_or_refuses(pipeline: Pipeline, text: str) -> None:
    """Tagging and summarising odd articles never raise: a page is processed or refused with a PageError."""
    try:
        page = pipeline.process(decode_page(text.encode("utf-8"), "fuzz.txt"))
    except PageError as exc:
        assert exc.file == "fuzz.txt" and exc.reason
        return
    assert page.articles and all(a.body for a in page.articles)
