"""Telegram HTML rendering: parts of at most 4096 characters, valid markup, every item exactly once."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from digest.compose import compose_digest
from digest.models import Article, Digest, StoredArticle
from digest.topics import Topic

COUNTIES = ("全市", "东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县", "高唐县", "经开区")
TOPICS = ("项目建设", "工业制造", "农业农村", "教育", "社会民生")
# What Telegram's HTML mode accepts (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
                "code", "pre", "blockquote"}
_TAG = re.compile(r"</?([a-z-]+)(?:\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class TelegramHTML(HTMLParser):
    """Fails on a tag Telegram refuses or on unbalanced tags; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in ALLOWED_TAGS, f"<{tag}> is not Telegram HTML"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:] or 'nothing'}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(markup: str) -> str:
    """Check `markup` as Telegram would and return its visible text."""
    outside_tags = _TAG.sub("", markup)
    assert "<" not in outside_tags and ">" not in outside_tags, "a bare < or > outside a tag"
    assert "&" not in _ENTITY.sub("", outside_tags), "a bare & that is not an entity"
    parser = TelegramHTML()
    parser.feed(markup)
    parser.close()
    assert not parser.open, f"unclosed {parser.open}"
    return "".join(parser.text)


def stored(i: int, *, county: str, topic: str, title: str, summary: str) -> StoredArticle:
    article = Article(kind="news", title=title, paragraphs=(summary,), county=county, topic=topic, summary=summary)
    return StoredArticle(id=i, paper="聊城日报", date="2026-11-20", page=1, article=article)


def hostile_digest(n: int = 80) -> Digest:
    """`n` items across counties and topics, each title and summary full of <, > and &."""
    articles = [
        stored(1000 + i, county=COUNTIES[i % len(COUNTIES)], topic=TOPICS[i % len(TOPICS)],
               title=f"第{i}条：R&D <b>投入</b> 增长 {i}% > 预期",
               summary=f"摘要{i}：<script>alert({i})</script> 企业 AT&T 与 A<B 合作，" + "产业链协同发展。" * 12)
        for i in range(n)
    ]
    return compose_digest(articles, paper="聊城日报", date="2026-11-20", county_order=COUNTIES)


def links(messages: list[str]) -> list[int]:
    return [int(m) for message in messages for m in re.findall(r"/a(\d+)", message)]


def test_80_items_split_into_valid_parts_holding_each_item_once():
    digest = hostile_digest(80)
    messages = render.render_digest(digest)
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= 4096
        assert render.tg_len(message) <= 4096
        visible_text(message)
    assert sorted(links(messages)) == [1000 + i for i in range(80)]
    text = "\n".join(visible_text(m) for m in messages)
    for i in range(80):
        assert text.count(f"第{i}条：R&D <b>投入</b> 增长 {i}% > 预期\n") == 1
    joined = "".join(messages)
    assert "<script>" not in joined and "&lt;script&gt;alert(" in joined
    assert "R&amp;D &lt;b&gt;投入&lt;/b&gt;" in joined and "AT&amp;T" in joined and "A&lt;B" in joined


def test_a_section_header_travels_with_its_first_item_and_repeats_when_continued():
    messages = render.render_digest(hostile_digest(80))
    assert messages[0].startswith(
        "<b>聊城日报 · 2026-11-20</b>\n共 80 篇\n\n<b>【全市】</b>8 篇\n<i>▸ 项目建设</i>（8）\n<b>第0条")
    for message in messages:
        lines = message.split("\n")
        for n, line in enumerate(lines):
            if line.startswith("<b>【"):
                assert lines[n + 1].startswith("<i>▸ "), "a county header followed by its topic"
                assert lines[n + 2].startswith("<b>第"), "and by the topic's first item"
    for message in messages[1:]:
        assert message.startswith("<b>【")


def test_a_long_section_says_it_continues():
    articles = [stored(i, county="全市", topic="社会民生", title=f"标题{i}", summary="很长的摘要。" * 40)
                for i in range(60)]
    messages = render.render_digest(compose_digest(articles, paper="聊城日报", date="2026-11-20"))
    assert len(messages) >= 3
    for message in messages[1:]:
        assert message.startswith("<b>【全市】（续）</b>\n<i>▸ 社会民生（续）</i>\n<b>标题")
    assert sorted(links(messages)) == list(range(60))


def test_an_empty_day_is_said_plainly():
    assert render.render_digest(Digest(paper="聊城日报", date="2026-11-20")) == [
        "<b>聊城日报 · 2026-11-20</b>\n这一天没有符合条件的文章。"]


def test_small_digest_exact_output():
    articles = [stored(7, county="冠县", topic="教育", title="“双师课堂”", summary="乡村孩子共享优质教育。"),
                stored(8, county="冠县", topic="教育", title="A&B", summary="")]
    assert render.render_digest(compose_digest(articles, paper="聊城日报", date="2026-11-20")) == [
        "<b>聊城日报 · 2026-11-20</b>\n共 2 篇\n\n"
        "<b>【冠县】</b>2 篇\n<i>▸ 教育</i>（2）\n<b>“双师课堂”</b>\n乡村孩子共享优质教育。\n全文 /a7\n\n"
        "<b>A&amp;B</b>\n全文 /a8"
    ]


_text = st.text(alphabet=st.sampled_from(list("聊城<>&\"'日报。，ab1 🌞\n")), min_size=0, max_size=300)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COUNTIES), st.sampled_from(TOPICS), _text, _text), max_size=60))
def test_any_digest_renders_to_valid_parts_with_each_item_once(rows):
    articles = [stored(i, county=c, topic=t, title=title or "无题", summary=summary)
                for i, (c, t, title, summary) in enumerate(rows)]
    messages = render.render_digest(compose_digest(articles, paper="聊城日报", date="2026-11-20"))
    for message in messages:
        assert render.tg_len(message) <= 4096
        visible_text(message)
    assert sorted(links(messages)) == list(range(len(rows)))


def test_a_long_article_is_split_at_paragraphs_and_keeps_every_word():
    paragraphs = tuple(f"第{i}段：A&B <公司> 投资" + "建设项目稳步推进。" * 30 for i in range(20))
    paragraphs += ("没有句号的超长段落" * 700,)
    article = Article(kind="news", title="标题 <重要>", paragraphs=paragraphs, reporters=("张三", "李四"),
                      county="冠县", topic="教育")
    parts = render.render_article(StoredArticle(id=5, paper="聊城日报", date="2026-11-20", page=2, article=article))
    assert len(parts) >= 4
    assert parts[0].startswith(
        "<b>标题 &lt;重要&gt;</b>\n<i>聊城日报 · 2026-11-20 · 第 2 版 · 冠县 · 教育</i>\n作者：张三、李四\n")
    body = ""
    for n, part in enumerate(parts):
        assert render.tg_len(part) <= 4096
        text = visible_text(part)
        if n:
            assert text.startswith("标题 <重要>（续）\n")
            text = text.removeprefix("标题 <重要>（续）\n")
        else:
            text = text.split("\n", 3)[3]
        body += text
    assert body.replace("\n", "") == "".join(paragraphs)


def test_search_results_show_date_county_title_summary_and_link():
    article = Article(kind="news", title="光伏 & 储能", paragraphs=("正文",), county="高唐县", summary="装机<1GW>。")
    result = StoredArticle(id=21, paper="聊城日报", date="2024-11-06", page=1, article=article)
    assert render.render_search_results([result], "光伏 <x>", 5) == (
        "🔎 “光伏 &lt;x&gt;”：第 6–6 条\n\n6. <b>光伏 &amp; 储能</b>\n2024-11-06 · 高唐县 · /a21\n装机&lt;1GW&gt;。")


def test_nothing_found_suggests_a_broader_query():
    text = render.render_search_results([], "光伏 -电站", 0)
    assert text.startswith("没有找到与“光伏 -电站”匹配的文章。")
    assert "更宽泛" in text
    assert render.render_search_results([], "光伏", 5) == "“光伏”没有更多结果了。"


def test_clip_keeps_the_escaped_text_within_budget():
    assert render.clip("a&b", 10) == "a&amp;b"
    clipped = render.clip("&" * 100, 21)
    assert clipped == "&amp;" * 4 + "…"
    visible_text(clipped)


def test_plain_text_drops_tags_and_unescapes():
    assert render.to_plain_text("<b>A &amp; B</b>\n<i>&lt;c&gt;</i>") == "A & B\n<c>"


def test_pack_starts_continued_messages_with_the_marker():
    assert render.pack(["a" * 6, "b" * 6, "c"], limit=10, continued="…") == ["aaaaaa", "…bbbbbb\n\nc"]


def test_a_topic_with_a_huge_keyword_list_stays_one_message():
    topic = Topic("大栏目", tuple((f"关键词{i}", 1.0 + i % 2) for i in range(2000)), exclude=("学习教育",))
    text = render.render_topic(topic)
    assert render.tg_len(text) < 4096
    assert text.startswith("<b>大栏目</b>：关键词0、关键词1:2、关键词2、")
    assert "…等 2000 个\n排除：学习教育" in text
    visible_text(text)
