"""Summaries: extractive, in budget, in text order, never a byline; all three backends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.models import Article
from digest.segment import Segmenter
from digest.summarize import BACKENDS, TextRankSummarizer, load_openers, make_summarizer

SHARED = Path(__file__).parents[1].parent / "shared"
BANNED = re.compile(r"本报讯|本报记者|通讯员|■")


def summary_ok(summary: str, body: str) -> bool:
    """shared/tools/score_pages.py's rule, restated: short, no byline, every piece a slice of the body."""
    s, b = re.sub(r"\s+", "", summary), re.sub(r"\s+", "", body)
    if not s or len(s) > 160 or BANNED.search(s):
        return False
    parts = [p for p in re.split(r"(?<=[。！？；…])", s) if p]
    return all(p.rstrip("。！？；…”’\"") in b for p in parts)


def news(*paragraphs: str, kind: str = "news") -> Article:
    return Article(kind=kind, title="", paragraphs=paragraphs)


def gold_articles() -> list[tuple[str, Article]]:
    items = json.loads((SHARED / "seeds" / "gold.json").read_text(encoding="utf-8"))
    return [(g["headline"] or g["body"][:12], Article(kind=g["kind"], title=g["title"], paragraphs=(g["body"],)))
            for g in items]


LONG = news(
    "11月4日，市水利局全力构建市县统一的数字孪生平台，开发六项业务应用，努力形成水利新质生产力。",
    "数字孪生平台接入监测站点1200余处，实现全市水雨情实时感知。",
    "“平台上线后，防汛调度从几个小时缩短到几分钟。”市水利局负责人说。",
    "下一步，市水利局将推进数字孪生平台与各县平台互联互通，数字赋能全市水利事业高质量发展。",
    "今年以来，全市水利投资完成18.6亿元，同比增长12.5%。",
)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("max_chars", [30, 60, 120])
def test_budget_is_respected(segmenter: Segmenter, name: str, max_chars: int) -> None:
    summary = make_summarizer(name, segmenter, max_chars=max_chars)(LONG)
    assert 0 < len(summary) <= max_chars
    assert summary_ok(summary, LONG.body)


@pytest.mark.parametrize("name", BACKENDS)
def test_max_sentences(segmenter: Segmenter, name: str) -> None:
    summary = make_summarizer(name, segmenter, max_chars=400, max_sentences=1)(LONG)
    assert summary in LONG.paragraphs


def test_sentences_keep_text_order(segmenter: Segmenter) -> None:
    # `extra_ratio=0` keeps adding sentences until the budget or max_sentences stops it.
    summary = TextRankSummarizer(segmenter, max_chars=200, extra_ratio=0.0)(LONG)
    positions = [LONG.body.index(part) for part in re.findall(r"[^。！？]+[。！？]”?", summary)]
    assert len(positions) >= 2
    assert positions == sorted(positions)


def test_lead_takes_the_opening_sentences_within_budget(segmenter: Segmenter) -> None:
    article = news("甲地召开现场会。乙地企业参加观摩。丙地也派人参加了会议。")
    assert make_summarizer("lead", segmenter, max_chars=20)(article) == "甲地召开现场会。乙地企业参加观摩。"
    assert make_summarizer("lead", segmenter, max_sentences=1)(article) == "甲地召开现场会。"


def test_a_sentence_with_no_end_mark_is_closed_when_another_follows(segmenter: Segmenter) -> None:
    article = news("第一段开头的句子没有句号", "第二段把事情接着写完了。")
    summary = make_summarizer("lead", segmenter)(article)
    assert summary == "第一段开头的句子没有句号。第二段把事情接着写完了。"
    assert summary_ok(summary, article.body)


@pytest.mark.parametrize("name", BACKENDS)
def test_never_a_dateline_byline_or_photo_credit(segmenter: Segmenter, name: str) -> None:
    article = news(
        "本报讯（记者 张三 通讯员 李四）11月2日，东昌府区棉服产业发展现场会召开。",
        "会上，企业负责人深入重点棉服生产加工企业进行实地观摩，并展开深入交流。",
        "■ 本报记者 王五",
        "（记者 赵六 摄）",
    )
    summary = make_summarizer(name, segmenter)(article)
    if name != "textrank4zh":  # the baseline may rank the second sentence first; that is its call
        assert summary.startswith("11月2日，东昌府区棉服产业发展现场会召开。")
    assert not re.search(r"本报|记者|通讯员|■|摄", summary)
    assert summary_ok(summary, article.body)


@pytest.mark.parametrize("name", BACKENDS)
def test_a_photo_caption_is_kept_whole_when_it_fits(segmenter: Segmenter, name: str) -> None:
    caption = news(
        "11月4日，工作人员正在加工造纸用网毯。该企业不断提升生产线自动化智能化水平，实现订单稳步增长。（记者 张三 摄）",
        kind="photo",
    )
    assert make_summarizer(name, segmenter)(caption) == (
        "11月4日，工作人员正在加工造纸用网毯。该企业不断提升生产线自动化智能化水平，实现订单稳步增长。")
    # Too long for the budget: its first sentence, which says what the picture shows.
    assert make_summarizer(name, segmenter, max_chars=40)(caption) == "11月4日，工作人员正在加工造纸用网毯。"


def test_a_sentence_over_budget_is_cut_at_a_clause(segmenter: Segmenter) -> None:
    article = news("今年以来，市水利局全力构建市县统一的数字孪生平台，突出防汛抗旱和水资源管理两大主业，"
                   "夯实三项基础工作，开发六项业务应用，努力形成水利新质生产力。")
    summary = make_summarizer("textrank", segmenter, max_chars=40)(article)
    assert summary == "今年以来，市水利局全力构建市县统一的数字孪生平台…"
    assert summary_ok(summary, article.body)


@pytest.mark.parametrize("name", BACKENDS)
def test_nothing_to_summarise(segmenter: Segmenter, name: str) -> None:
    summarize = make_summarizer(name, segmenter)
    assert summarize(news()) == ""
    assert summarize(news("■ 本报记者 张三")) == ""


def test_sentences_with_no_content_words_still_rank(segmenter: Segmenter) -> None:
    # Figures and stop words only: no similarity edges at all; both fit, in text order.
    assert make_summarizer("textrank", segmenter)(news("1234567。2345678。")) == "1234567。2345678。"
    assert make_summarizer("textrank", segmenter, max_sentences=1)(news("1234567。2345678。")) == "1234567。"


def test_unknown_backend_names_the_choices(segmenter: Segmenter) -> None:
    with pytest.raises(ValueError, match="textrank, textrank4zh, lead"):
        make_summarizer("bert", segmenter)
    with pytest.raises(ValueError, match="budget"):
        make_summarizer("textrank", segmenter, max_chars=0)


def test_textrank4zh_runs_on_networkx_3(textrank4zh_summarizer, segmenter: Segmenter) -> None:
    assert int(networkx.__version__.split(".")[0]) >= 3
    assert hasattr(networkx, "from_numpy_matrix")  # the shim, installed by the constructor
    summary = textrank4zh_summarizer(LONG)
    assert 0 < len(summary) <= 120
    assert summary_ok(summary, LONG.body)


@pytest.mark.parametrize("name", BACKENDS)
def test_gold_summaries_pass_the_scorers_rule(segmenter: Segmenter, textrank4zh_summarizer, name: str) -> None:
    summarize = textrank4zh_summarizer if name == "textrank4zh" else make_summarizer(name, segmenter)
    bad = {}
    for label, article in gold_articles():
        summary = summarize(article)
        if not (summary_ok(summary, article.body) and len(summary) <= 120):
            bad[label] = summary
    assert not bad


def test_clts_summaries_pass_the_scorers_rule(segmenter: Segmenter) -> None:
    summarize = make_summarizer("textrank", segmenter)
    lines = (SHARED / "data" / "summ_clts.jsonl").read_text(encoding="utf-8").splitlines()
    for row in (json.loads(line) for line in lines if line.strip()):
        article = news(*row["text"].split("\n"))
        assert summary_ok(summarize(article), article.body), row["text"][:20]


def test_the_same_article_gets_the_same_summary(segmenter: Segmenter) -> None:
    summarize = make_summarizer("textrank", segmenter)
    assert summarize(LONG) == summarize(LONG)


_PIECE = st.text(alphabet="市县镇村企业项目建设发展会议召开推进服务群众农业工业水利交通", min_size=2, max_size=30)
_ENDING = st.sampled_from(["。", "！", "？", "；", "", "。”", "……"])
_SENTENCE = st.builds(lambda words, end: words + end, _PIECE, _ENDING)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(st.lists(_SENTENCE, min_size=1, max_size=4).map("".join), min_size=1, max_size=5),
       max_chars=st.integers(min_value=10, max_value=160))
def test_any_summary_is_extractive_and_in_budget(segmenter: Segmenter, paragraphs: list[str], max_chars: int) -> None:
    article = news(*paragraphs)
    for name in ("textrank", "lead"):
        summary = make_summarizer(name, segmenter, max_chars=max_chars)(article)
        assert len(summary) <= max_chars
        if summary:
            assert summary_ok(summary, article.body), (name, summary)


# --- what a digest reader needs: the point the title does not say (issue 12) ---------------

MEETING = Article(kind="news", title="东昌府区召开棉服产业发展现场会", paragraphs=(
    "11月2日，东昌府区召开棉服产业发展现场会。",
    "会上，与会人员深入重点企业进行实地观摩，并展开深入交流。",
    "目前，东昌府区拥有棉服生产加工企业160余家，年产值近12亿元，年均产量超过3500万件。",
    "下一步，东昌府区将重点扶持一批龙头企业，推动棉服加工与电商直播协同发展，擦亮棉服产业品牌。",
))


def test_openers_are_a_config_list():
    openers = load_openers()
    assert {"会上", "对此", "同时", "此外", "他说", "该", "这一"} <= set(openers)
    assert list(openers) == sorted(openers, key=len, reverse=True)


def test_never_repeats_the_title_and_says_how_much(segmenter: Segmenter) -> None:
    summary = make_summarizer("textrank", segmenter)(MEETING)
    assert "召开棉服产业发展现场会" not in summary
    assert "160余家" in summary
    assert 60 <= len(summary) <= 120
    assert summary_ok(summary, MEETING.body)


def test_never_starts_with_a_connective_or_a_pointer(segmenter: Segmenter) -> None:
    article = Article(kind="news", title="现场会召开", paragraphs=(
        "会上，与会人员深入重点企业进行实地观摩，交流了发展经验和做法。",
        "该企业负责人介绍，今年订单同比增长两成，产品销往全国二十多个省份。",
        "东昌府区棉服企业达到160余家，年产值近12亿元，带动就业3万余人。",
    ))
    summary = make_summarizer("textrank", segmenter)(article)
    assert summary.startswith("东昌府区棉服企业")
    for opener in ("会上", "该"):
        assert opener not in summary  # neither may follow: the sentence before each is not shown


def test_an_opener_may_follow_the_sentence_it_leans_on(segmenter: Segmenter) -> None:
    summarize = TextRankSummarizer(segmenter, extra_ratio=0.0, openers=["会上"])
    summary = summarize(Article(kind="news", title="", paragraphs=(
        "11月2日，东昌府区棉服产业发展现场会召开。会上，与会人员观摩了重点棉服企业的生产线。",)))
    assert summary == "11月2日，东昌府区棉服产业发展现场会召开。会上，与会人员观摩了重点棉服企业的生产线。"
    # When every sentence leans on something not shown, the title stands alone.
    assert TextRankSummarizer(segmenter, openers=["11月"])(news("11月2日，现场会召开。")) == ""


def test_complete_sentences_before_a_cut_one(segmenter: Segmenter) -> None:
    long_first = "今年以来，" + "，".join(["全区围绕棉服产业强链补链持续发力"] * 8) + "。"
    article = news(long_first, "全区棉服企业达到160余家，年产值近12亿元。", "年均产量超过3500万件，产品销往全国。")
    summary = make_summarizer("textrank", segmenter)(article)
    assert summary == "全区棉服企业达到160余家，年产值近12亿元。年均产量超过3500万件，产品销往全国。"


def test_a_fragment_is_not_a_summary_sentence(segmenter: Segmenter) -> None:
    # A subheading and a text cut off mid-sentence (no end mark) yield to whole sentences.
    article = news("产业链条不断延伸", "目前全区铝精深加工企业达到120家，年产值突破800亿元。",
                   "下一步将引进更多项目，推动产业")
    assert make_summarizer("textrank", segmenter)(article) == "目前全区铝精深加工企业达到120家，年产值突破800亿元。"
