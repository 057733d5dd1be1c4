"""The splitter on page text of other shapes: the sample and seed pages' articles laid out as other
tools and papers leave them (tests/shapes.py) must parse back to the same articles."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace

import pytest
from conftest import SAMPLES, SEEDS
from shapes import Shape, Story, gold_stories, layout, random_shape, same_story, sample_stories, variants, wrap

from digest.sources.textpage import split_page

PAGES = {**sample_stories(SAMPLES), **gold_stories(json.loads((SEEDS / "gold.json").read_text(encoding="utf-8")))}
VARIANTS = variants()


def unmatched(stories: list[Story], text: str) -> tuple[list[Story], list[str]]:
    """Stories the splitter did not give back exactly, and what it gave instead."""
    articles, _ = split_page(text)
    left = list(articles)
    missing = []
    for story in stories:
        match = next((a for a in left if same_story(story, a)), None)
        if match is None:
            missing.append(story)
        else:
            left.remove(match)
    return missing, [f"{a.kind} {a.kicker}|{a.title}|{a.subtitle} {a.reporters} {a.body[:30]}" for a in left]


@pytest.mark.parametrize("shape", VARIANTS, ids=[s.name for s in VARIANTS])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_same_articles_in_every_shape(page: str, shape: Shape) -> None:
    text, stories = layout(PAGES[page], shape)
    missing, extra = unmatched(stories, text)
    assert not missing and not extra, (
        [f"{s.kind} {s.kicker}|{s.title}|{s.subtitle} {s.reporters}" for s in missing], extra)


def test_page_order_is_kept_when_shape_is_the_papers_own() -> None:
    """Headlines after bodies with blank lines between paragraphs: the seeds' own habit."""
    shape = Shape("own", 17, blank="paragraphs", headlines="last")
    for page, stories in PAGES.items():
        articles, _ = split_page(layout(stories, shape)[0])
        assert [a.title for a in articles] == [s.title for s in stories], page


# --- the generator itself: each shape really has the habit it claims --------------------------

def lines_of(shape: Shape) -> list[str]:
    return [line for stories in PAGES.values() for line in layout(stories, shape)[0].rstrip("\n").split("\n")]


def test_raw_shapes_have_no_blank_line() -> None:
    assert "" not in lines_of(Shape("raw", 17))
    assert "" in lines_of(Shape("blank", 17, blank="paragraphs"))


def test_widths_are_what_the_shape_says() -> None:
    body = [ln for ln in lines_of(Shape("narrow", 11, headlines="last")) if ln.endswith(("，", "。"))]
    widths = {sum(0.5 if ch.isascii() else 1 for ch in ln) for ln in body}
    assert max(widths) <= 16 and 11 in widths  # captions are set 5 wider than the body


def test_kinsoku_keeps_closing_marks_off_line_starts() -> None:
    starts = [ln[:1] for ln in lines_of(Shape("k", 13, kinsoku=True))]
    assert not any(ch in "，。、；：！？”）" for ch in starts)
    assert any(ch in "，。、" for ch in (ln[:1] for ln in lines_of(Shape("nok", 13))))


def test_headlines_first_or_last() -> None:
    story = PAGES["2026-11-20_02.txt"][1]
    first, _ = layout([story], Shape("f", 20))
    last, _ = layout([story], Shape("l", 20, headlines="last"))
    assert first.startswith(story.kicker) and last.rstrip().endswith(story.title)


def test_wrap_keeps_dashes_whole_and_counts_latin_half() -> None:
    assert wrap("城乡公交一体化再提速，市交通运输局——", 18) == ["城乡公交一体化再提速，市交通运输局", "——"]
    assert wrap("PM2.5平均浓度", 4.5) == ["PM2.5平均", "浓度"]


def test_variants_are_deterministic() -> None:
    def pages(shape: Shape) -> str:
        return "".join(layout(stories, shape)[0] for stories in PAGES.values())

    assert [pages(s) for s in VARIANTS] == [pages(s) for s in variants()]
    assert len({pages(s) for s in VARIANTS}) == len(VARIANTS)


def test_interleaved_line_lands_inside_a_sentence() -> None:
    text, stories = layout(PAGES["2026-11-20_01.txt"], Shape("i", 17, interleave=True))
    lines = text.split("\n")
    kicker = stories[4].kicker  # 市卫生健康委, the story after 东昌府区's
    i = lines.index(kicker)
    assert not re.search("[。！？]$", lines[i - 1]) and lines[i + 1] and not lines[i + 1].startswith("本报讯")


def test_unseen_random_shapes_mostly_parse() -> None:
    """Shapes drawn from seeds no rule was tuned on: a floor, since some layouts are ambiguous to
    any reader of plain text (a headline exactly one body line wide, between two bodies)."""
    found = headlines = total = titled = 0
    for seed in range(1000, 1040):
        for stories in PAGES.values():
            text, order = layout(stories, random_shape(seed))
            missing, _ = unmatched(order, text)
            total += len(order)
            titled += sum(s.kind != "photo" for s in order)
            found += len(order) - len(missing)
            headlines += sum(s.kind != "photo" for s in order) - sum(s.kind != "photo" for s in missing)
    assert found / total >= 0.95 and headlines / titled >= 0.95, (found, total, headlines, titled)


def test_real_pdftotext_raw_dumps(tmp_path) -> None:
    """The pages typeset as real PDFs (3, 4 and 5 columns, headlines above bodies) and dumped by
    poppler's `pdftotext -raw`, as the CEO measured: no blank line anywhere. Skipped without
    reportlab or poppler-utils. STSong-Light has no `·`, so it is left out of the typeset text."""
    pytest.importorskip("reportlab")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    from shapes_pdf import pdftotext_raw, typeset

    found = headlines = total = titled = 0
    for page, stories in PAGES.items():
        stories = [replace(s, paragraphs=tuple(p.replace("·", "") for p in s.paragraphs)) for s in stories]
        for columns in (3, 4, 5):
            pdf = tmp_path / f"{page}.{columns}.pdf"
            typeset(stories, pdf, columns)
            missing, _ = unmatched(stories, pdftotext_raw(pdf))
            total += len(stories)
            titled += sum(s.kind != "photo" for s in stories)
            found += len(stories) - len(missing)
            headlines += sum(s.kind != "photo" for s in stories) - sum(s.kind != "photo" for s in missing)
    assert found / total >= 0.9 and headlines / titled >= 0.9, (found, total, headlines, titled)
