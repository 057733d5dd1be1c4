"""Sentence splitting: the awkward Chinese cases, each with its exact expected sentences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A closing quote after 。 belongs to the sentence it closes.
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("“这种花很香。”11月4日，主播正在讲解。", ["“这种花很香。”", "11月4日，主播正在讲解。"]),
        ("他问：“你去吗？”我说去。", ["他问：“你去吗？”", "我说去。"]),
        # No split inside a quotation; a short attribution after it finishes the sentence.
        (
            "“项目计划开工。我们会全速推进。”公司部长刘奕博说。抓项目就是抓发展。",
            ["“项目计划开工。我们会全速推进。”公司部长刘奕博说。", "抓项目就是抓发展。"],
        ),
        # Decimal points are not full stops.
        ("补贴资金2.077亿元，增长3.5%。机械化率达93.33%。", ["补贴资金2.077亿元，增长3.5%。", "机械化率达93.33%。"]),
        # A last sentence with no end mark.
        ("第一句。第二句没有句号", ["第一句。", "第二句没有句号"]),
        # Full-width and half-width marks, and runs of them.
        ("真的吗？是的！Really? Yes! 好吧", ["真的吗？", "是的！", "Really?", "Yes!", "好吧"]),
        ("太好了！！真的吗？！好。", ["太好了！！", "真的吗？！", "好。"]),
        # `；` and `……` join clauses of one sentence.
        ("一是抓项目；二是抓服务。", ["一是抓项目；二是抓服务。"]),
        ("马兰头、香椿……时令鲜物陆续上桌。", ["马兰头、香椿……时令鲜物陆续上桌。"]),
        # A quotation never closed in its paragraph is split after all.
        ("他说：“第一句。第二句。", ["他说：“第一句。", "第二句。"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_never_span_paragraphs() -> None:
    text = "第一段没有句号\n  第二段。第二段还有一句\n\n第三段“引语。”\n"
    assert split_sentences(text) == ["第一段没有句号", "第二段。", "第二段还有一句", "第三段“引语。”"]


def test_spans_are_offsets_into_the_text() -> None:
    text = " 甲说：“好。”乙走了。\n丙来了 "
    spans = sentence_spans(text)
    assert [text[start:end] for start, end in spans] == split_sentences(text) == ["甲说：“好。”", "乙走了。", "丙来了"]


@given(st.text(alphabet="甲乙丙丁。！？!?“”\"；，…\n 2.0", max_size=80))
def test_sentences_are_ordered_trimmed_slices(text: str) -> None:
    spans = sentence_spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        sentence = text[start:end]
        assert "\n" not in sentence
        assert sentence == sentence.strip()
        previous_end = end
    # Nothing but white space is lost.
    kept = "".join(text[start:end] for start, end in spans)
    assert "".join(kept.split()) == "".join(text.split())
