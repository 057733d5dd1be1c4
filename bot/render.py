"""Telegram HTML for everything the bot says: pure functions of plain data, no network.

Every string from outside (article text, names, queries, admins' words) goes through
`html.escape`. Long output is cut at item or paragraph boundaries into messages of at most
4096 characters, counted in UTF-16 code units as Telegram counts them (and tags included,
so the visible text is always shorter still).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser

from bot.reasons import chinese_reason
from digest.ingest import FileOutcome
from digest.models import Digest, DigestItem, StoredArticle
from digest.stats import Stats
from digest.subscriptions import Subscriber, Watch
from digest.topic_admin import TopicPreview
from digest.topics import Topic

MAX_MESSAGE = 4096
TITLE_BUDGET = 300  # escaped characters; real titles are under 40
SUMMARY_BUDGET = 1500  # summaries are ~120 characters; the cap only guards the 4096 limit
SEARCH_SUMMARY = 160
ITEM_BUDGET = 1000  # one listed item (a watched query); real ones are under 100 characters
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")


def esc(text: object) -> str:
    return html.escape(str(text))


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, budget: int) -> str:
    """`text` escaped, and cut with "…" so that the escaped form stays within `budget`."""
    escaped = esc(text)
    if tg_len(escaped) <= budget:
        return escaped
    out: list[str] = []
    used = 0
    for ch in text:
        piece = esc(ch)
        if used + tg_len(piece) > budget - 1:
            break
        out.append(piece)
        used += tg_len(piece)
    return "".join(out) + "…"


def pack(blocks: Iterable[str], *, limit: int = MAX_MESSAGE, sep: str = "\n\n", continued: str = "") -> list[str]:
    """Join blocks into as few messages as fit in `limit`; a new message starts with `continued`."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if current and tg_len(current + sep + block) <= limit:
            current += sep + block
            continue
        if current:
            messages.append(current)
            block = continued + block if continued else block
        current = block
    if current:
        messages.append(current)
    return messages


def join_items(head: str, items: Sequence[str], *, sep: str, continued: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`head` then the items joined by `sep`, cut only between items into messages within `limit`;
    each further message starts with `continued`. An item must fit a message on its own."""
    messages: list[str] = []
    current, fresh = head, True
    for item in items:
        joined = current + ("" if fresh else sep) + item
        if tg_len(joined) <= limit:
            current, fresh = joined, False
            continue
        messages.append(current)
        current, fresh = continued + item, False
    messages.append(current)
    return messages


def fit(text: str, *, limit: int = MAX_MESSAGE) -> list[str]:
    """Any one message cut to Telegram's limit: a safety net under every reply.

    The renderers already cut their long output at item boundaries; this catches the rest (an
    error message quoting a long input, a list nobody thought would grow) at line ends. A line
    longer than a message on its own loses its formatting: it is cut as escaped plain text.
    """
    if tg_len(text) <= limit:
        return [text]
    lines: list[str] = []
    for line in text.split("\n"):
        lines += [line] if tg_len(line) <= limit else _hard_cut(to_plain_text(line), limit)
    return pack(lines, limit=limit, sep="\n")


# --- the digest ---------------------------------------------------------------------------------

def _item(item: DigestItem) -> str:
    lines = [f"<b>{clip(item.title, TITLE_BUDGET)}</b>"]
    if item.summary:
        lines.append(clip(item.summary, SUMMARY_BUDGET))
    lines.append(f"全文 /a{item.article_id}")
    return "\n".join(lines)


def render_digest(digest: Digest, *, limit: int = MAX_MESSAGE) -> list[str]:
    """The digest as Telegram messages: header, then county and topic sections with counts.

    Cut only between items; a section's header travels with its first item, and a section
    that carries on into the next message repeats its county (and topic) header with "（续）".
    """
    head = f"<b>{esc(digest.paper)} · {esc(digest.date)}</b>"
    if not digest.count:
        return [f"{head}\n这一天没有符合条件的文章。"]
    messages: list[str] = []
    current = f"{head}\n共 {digest.count} 篇"
    for section in digest.sections:
        county = f"<b>【{esc(section.county)}】</b>{section.count} 篇"
        county_more = f"<b>【{esc(section.county)}】（续）</b>"
        for t, topic in enumerate(section.topics):
            topic_head = f"<i>▸ {esc(topic.topic)}</i>（{len(topic.items)}）"
            topic_more = f"<i>▸ {esc(topic.topic)}（续）</i>"
            for i, item in enumerate(topic.items):
                lead = [county, topic_head] if t == i == 0 else [topic_head] if i == 0 else []
                unit = "\n".join([*lead, _item(item)])
                if tg_len(current + "\n\n" + unit) <= limit:
                    current += "\n\n" + unit
                    continue
                messages.append(current)
                fresh = lead if t == i == 0 else [county_more, topic_head if i == 0 else topic_more]
                current = "\n".join([*fresh, _item(item)])
    messages.append(current)
    return messages


# --- articles, search results, alerts -------------------------------------------------------------

def _pieces(text: str, budget: int) -> list[str]:
    """A paragraph escaped and cut into pieces within `budget`, at sentence ends where possible."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        for part in _hard_cut(sentence, budget):
            if current and tg_len(current) + tg_len(part) > budget:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(text: str, budget: int) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        piece = esc(ch)
        if used + tg_len(piece) > budget:
            parts.append("".join(current))
            current, used = [], 0
        current.append(piece)
        used += tg_len(piece)
    if current:
        parts.append("".join(current))
    return parts


def render_article(stored: StoredArticle, *, limit: int = MAX_MESSAGE) -> list[str]:
    """An article's full text: headline, where it ran, byline, then paragraphs, split if long."""
    a = stored.article
    title = clip(a.headline or a.display_title, TITLE_BUDGET)
    meta = " · ".join(p for p in (stored.paper, stored.date, f"第 {stored.page} 版", a.county, a.topic) if p)
    head = [f"<b>{title}</b>", f"<i>{esc(meta)}</i>"]
    if a.reporters:
        head.append(f"作者：{esc('、'.join(a.reporters))}")
    continued = f"<b>{title}</b>（续）\n"
    budget = limit - tg_len(continued) - 2
    paragraphs = [piece for p in a.paragraphs if p.strip() for piece in _pieces(p.strip(), budget)]
    return pack(["\n".join(head), *paragraphs], limit=limit, sep="\n", continued=continued)


def render_search_results(results: Sequence[StoredArticle], query: str, offset: int) -> str:
    """One page of search results: date, county, title, summary and the full-text link."""
    if not results:
        if offset:
            return f"“{esc(query)}”没有更多结果了。"
        return (f"没有找到与“{esc(query)}”匹配的文章。\n"
                "试试更少或更宽泛的关键词，或去掉用“-”排除的词。")
    lines = [f"🔎 “{esc(query)}”：第 {offset + 1}–{offset + len(results)} 条"]
    for n, r in enumerate(results, start=offset + 1):
        a = r.article
        entry = [f"{n}. <b>{clip(a.display_title, TITLE_BUDGET)}</b>",
                 f"{esc(r.date)} · {esc(a.county or '—')} · /a{r.id}"]
        if a.summary:
            entry.append(clip(a.summary, SEARCH_SUMMARY))
        lines.append("\n".join(entry))
    return "\n\n".join(lines)


def render_watch_matches(articles: Sequence[StoredArticle], *, limit: int = MAX_MESSAGE) -> list[str]:
    """New articles matching a reader's watched words, as alert messages."""
    blocks = [f"🔔 关注词提醒：{len(articles)} 篇"]
    for r in articles:
        a = r.article
        entry = [f"<b>{clip(a.display_title, TITLE_BUDGET)}</b>", f"{esc(r.date)} · {esc(a.county or '—')}"]
        if a.summary:
            entry.append(clip(a.summary, SUMMARY_BUDGET))
        entry.append(f"全文 /a{r.id}")
        blocks.append("\n".join(entry))
    return pack(blocks, limit=limit, continued="🔔 关注词提醒（续）\n\n")


# --- subscribers' own settings -----------------------------------------------------------------------

def render_start(paper: str, default_time: str) -> str:
    return (
        f"你好！我每天早上把<b>{esc(paper)}</b>的电子版整理成一份摘要发给你：按县市区、栏目分组，"
        "每篇一句话概要，点链接看全文。\n\n"
        f"• /subscribe 订阅（默认每天 {esc(default_time)}，也可以 /subscribe 07:00）\n"
        "• /counties、/topics 只看关心的县市区和栏目\n"
        "• 直接发几个词就能搜索旧闻，/watch 关注某个词\n"
        "• /help 查看全部命令"
    )


def render_help(commands: Sequence[tuple[str, str]], title: str) -> str:
    lines = [f"<b>{esc(title)}</b>"]
    lines += [f"/{name} — {esc(description)}" for name, description in commands]
    return "\n".join(lines)


def choice_text(values: Sequence[str]) -> str:
    return "、".join(esc(v) for v in values) if values else "全部"


def render_filter(label: str, selected: Sequence[str]) -> str:
    """The text above a county or topic keyboard."""
    return f"选择要看的{esc(label)}（点按切换，可多选）。\n当前：{choice_text(selected)}"


def render_settings(subscriber: Subscriber | None, watches: Sequence[Watch], default_time: str, *,
                    limit: int = MAX_MESSAGE) -> list[str]:
    """What a chat follows; a long list of watched words carries on in further messages."""
    if subscriber is None or not subscriber.active:
        lines = [f"你还没有订阅。发送 /subscribe 即可每天 {esc(default_time)} 收到摘要。"]
    else:
        lines = [f"每天 <b>{esc(subscriber.time)}</b> 推送摘要。"]
    if subscriber is not None:
        lines += [f"县市区：{choice_text(subscriber.counties)}", f"栏目：{choice_text(subscriber.topics)}",
                  f"入库即时提醒：{'开' if subscriber.instant_alerts else '关'}"]
    head = "\n".join(lines) + "\n关注词："
    if not watches:
        return [head + "无"]
    return join_items(head, [clip(w.query, ITEM_BUDGET) for w in watches], sep="、", continued="关注词（续）：",
                      limit=limit)


def render_watches(watches: Sequence[Watch], *, limit: int = MAX_MESSAGE) -> list[str]:
    """A chat's watched words with their numbers, one a line, in as many messages as they need."""
    if not watches:
        return ["你还没有关注词。发送 /watch 光伏 试试。"]
    lines = [f"{w.id}. {clip(w.query, ITEM_BUDGET)}" for w in watches] + ["取消关注：/unwatch 编号"]
    return join_items("<b>我的关注词</b>\n", lines, sep="\n", continued="<b>我的关注词（续）</b>\n", limit=limit)


# --- admins --------------------------------------------------------------------------------------

def render_topic(topic: Topic, budget: int = 3000) -> str:
    """A topic and its keywords (`word:weight` unless 1); a very long list is cut with a count."""
    words: list[str] = []
    used = 0
    for word, weight in topic.keywords:
        entry = esc(word) + (f":{weight:g}" if weight != 1 else "")
        if used + tg_len(entry) > budget:
            words.append(f"…等 {len(topic.keywords)} 个")
            break
        words.append(entry)
        used += tg_len(entry) + 1
    text = f"<b>{clip(topic.name, TITLE_BUDGET)}</b>：{'、'.join(words) or '（无关键词）'}"
    if topic.exclude:
        text += f"\n排除：{clip('、'.join(topic.exclude), 500)}"
    return text


def _entry(stored: StoredArticle, note: str = "") -> str:
    text = f"• {clip(stored.article.display_title, TITLE_BUDGET)} /a{stored.id}"
    return f"{text}（{esc(note)}）" if note else text


def render_topic_preview(preview: TopicPreview, topic: Topic) -> list[str]:
    """Which of a day's articles a topic's rule would take, gain and lose if tagged again."""
    if preview.date is None:
        return [f"{render_topic(topic)}\n\n还没有入库的文章可以预览。"]
    lines = [f"{render_topic(topic)}\n\n按这条规则重新标注 {esc(preview.date)} 的文章："]
    groups = (
        ("保持", [_entry(s) for s in preview.keeps]),
        ("新增", [_entry(s, f"原为{old or '无'}") for s, old in preview.gains]),
        ("失去", [_entry(s, f"将归入{new or '无'}") for s, new in preview.loses]),
    )
    for label, entries in groups:
        lines += [f"\n<b>{label}（{len(entries)}）</b>", *entries]
    return pack(lines, sep="\n")


def render_ingest(outcome: FileOutcome, date: str) -> str:
    """What an uploaded page became: how many articles, by county; or why it was refused."""
    if not outcome.ok:
        return f"❌ {esc(outcome.file)}：没有入库。{esc(chinese_reason(outcome.error))}"
    status = {"stored": "已入库", "replaced": "已更新（替换旧版）", "unchanged": "内容未变，无需更新"}
    lines = [f"✅ {esc(outcome.file)}：{esc(date)} 第 {outcome.page} 版，{status.get(outcome.status, outcome.status)}，"
             f"{outcome.articles} 篇（{esc(outcome.encoding)}）"]
    lines += [f"• {esc(county or '其他')} {n}" for county, n in
              sorted(outcome.counties.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def render_schedule(default_time: str, ingest_times: Sequence[str]) -> str:
    return (
        f"默认推送时间：<b>{esc(default_time)}</b>（新订阅者使用）\n"
        f"自动入库时间：<b>{esc('、'.join(ingest_times))}</b>\n\n"
        "修改：/schedule digest 07:30\n"
        "　　　/schedule ingest 05:30 06:30"
    )


def render_stats(stats: Stats) -> str:
    return "\n".join([
        "<b>运行统计</b>",
        f"订阅者：{stats.active} 位在订（共 {stats.subscribers} 位），关注词 {stats.watches} 个",
        f"文章：{stats.articles} 篇，最新一期 {esc(stats.latest_date or '—')}",
        f"推送：成功 {stats.sent}，失败 {stats.failed}，待发 {stats.pending}，结果不明 {stats.unknown}",
        f"上次入库：{esc(stats.last_ingest or '—')}",
    ])


# --- plain text, for the terminal -----------------------------------------------------------------

class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def to_plain_text(markup: str) -> str:
    """Telegram HTML as a terminal shows it: tags dropped, entities unescaped."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
