"""Admins' commands: topics, uploads, schedule, statistics, broadcast. Each one refuses non-admins."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import date as Date
from pathlib import Path

from telegram import Document, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import background, hooks, render
from bot.auth import admin_only
from bot.commands import ADMIN_COMMANDS
from bot.handlers.common import argument, reply, services, topic_options
from bot.services import Services
from bot.worker import off_loop
from digest import ingest, outbox, store, subscriptions, topics
from digest.sources.pdf import is_pdf
from digest.stats import collect_stats
from digest.subscriptions import SubscriptionError
from digest.topic_admin import edit_keywords, parse_keywords, preview_topic, save_taxonomy
from digest.topics import Taxonomy, TaxonomyError
from digest.watching import article_ids_on_page

log = logging.getLogger(__name__)

INGEST_DATE_KEY = "ingest_date"


@admin_only
async def admin_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the admin commands and the current topics."""
    text = render.render_help(ADMIN_COMMANDS, "管理命令")
    text += "\n\n栏目：" + "、".join(render.esc(n) for n in topic_options(services(context)))
    await reply(update, text)


def _apply(s: Services, taxonomy: Taxonomy) -> None:
    """Keep an edited taxonomy (it outlives restarts) and tag from now on by it."""
    save_taxonomy(s.db, taxonomy)
    s.pipeline = s.pipeline.with_taxonomy(taxonomy)
    log.info("taxonomy edited: %d topics", len(taxonomy.topics))


def _taxonomy(s: Services) -> Taxonomy:
    return s.pipeline.tagger.taxonomy


async def _edit_taxonomy(update: Update, s: Services, edit: Callable[[Taxonomy], Taxonomy]) -> Taxonomy | None:
    """Apply one admin edit, or show the admin why it was refused (None)."""
    try:
        taxonomy = edit(_taxonomy(s))
    except TaxonomyError as exc:
        await reply(update, render.esc(exc))
        return None
    _apply(s, taxonomy)
    return taxonomy


@admin_only
async def topic_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add a topic with its keywords: /topic_add NAME word word:2."""
    s = services(context)
    words = argument(update).split()
    if not words:
        await reply(update, "用法：/topic_add 栏目名 关键词 关键词:权重 …")
        return
    taxonomy = await _edit_taxonomy(update, s, lambda t: topics.add_topic(t, words[0], parse_keywords(words[1:])))
    if taxonomy is not None:
        await reply(update, "已新增栏目：\n" + render.render_topic(taxonomy.get(words[0])))


@admin_only
async def topic_keywords(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add, re-weight or remove a topic's keywords: /topic_kw NAME +word -word word:2."""
    s = services(context)
    words = argument(update).split()
    if len(words) < 2:
        await reply(update, "用法：/topic_kw 栏目名 +关键词 -关键词 关键词:权重")
        return
    taxonomy = await _edit_taxonomy(update, s, lambda t: edit_keywords(t, words[0], words[1:]))
    if taxonomy is not None:
        await reply(update, "已更新：\n" + render.render_topic(taxonomy.get(words[0])))


@admin_only
async def topic_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete a topic: /topic_del NAME."""
    s = services(context)
    name = argument(update)
    if not name:
        await reply(update, "用法：/topic_del 栏目名")
        return
    if await _edit_taxonomy(update, s, lambda t: topics.delete_topic(t, name)) is None:
        return
    changed = subscriptions.forget_topic(s.db, name)
    await reply(update, f"已删除栏目“{render.esc(name)}”。{changed} 位订阅者的栏目筛选随之更新。")


@admin_only
async def topic_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show which of the latest day's articles a topic's rule would take and which it would lose."""
    s = services(context)
    name = argument(update)
    try:
        topic = _taxonomy(s).get(name)
    except TaxonomyError:
        known = "、".join(render.esc(n) for n in topic_options(s))
        await reply(update, f"没有栏目“{render.esc(name)}”。现有：{known}")
        return
    day = store.latest_date(s.db, s.settings.paper)
    articles = store.articles_on(s.db, day, s.settings.paper) if day else []
    await reply(update, render.render_topic_preview(preview_topic(articles, s.pipeline.tagger, name, day), topic))


@admin_only
async def ingest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Get ready to store the page file sent next, for today or the given date."""
    day = _ingest_date(update, context)
    if day is None:
        await reply(update, "日期格式应为 YYYY-MM-DD，例如 /ingest 2026-11-20。")
        return
    assert context.user_data is not None
    context.user_data[INGEST_DATE_KEY] = day
    await reply(update, f"请把 {day} 的版面文件（PDF 或 .txt）作为文件发给我。文件名里的版次（如 _03）会被采用。")


def _ingest_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    text = argument(update)
    if not text:
        return services(context).now().date().isoformat()
    try:
        return Date.fromisoformat(text).isoformat()
    except ValueError:
        return None


@admin_only
async def receive_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store an uploaded page file and say how many articles it held, by county."""
    s = services(context)
    message = update.effective_message
    assert message is not None and message.document is not None and context.user_data is not None
    document = message.document
    if (message.caption or "").startswith("/ingest"):
        day = _ingest_date(update, context)
    else:
        day = context.user_data.get(INGEST_DATE_KEY)
        if day is None:
            await reply(update, "要入库版面，请先发送 /ingest（或在文件说明里写 /ingest 2026-11-20）。")
            return
    if day is None:
        await reply(update, "日期格式应为 YYYY-MM-DD，例如 /ingest 2026-11-20。")
        return
    pdf = document.mime_type == "application/pdf" or (document.file_name or "").lower().endswith(".pdf")
    limit = s.settings.ingest.max_pdf_bytes if pdf else s.settings.ingest.max_file_bytes
    if document.file_size and document.file_size > limit:
        await reply(update, f"文件太大（{document.file_size} 字节），版面文件不应超过 {limit} 字节。")
        return
    context.user_data.pop(INGEST_DATE_KEY, None)
    # Seconds of work: in the background (and a worker thread), so other updates are answered meanwhile.
    background.start(context.application, _ingest_upload(update, context, document, day), update=update,
                     name="paperdigest:ingest-upload")


async def _ingest_upload(update: Update, context: ContextTypes.DEFAULT_TYPE, document: Document, day: str) -> None:
    """Download the page, store it off the event loop, report, then run the after-ingest hooks."""
    s = services(context)
    name = _safe_name(document.file_name)
    with tempfile.TemporaryDirectory(prefix="paperdigest-") as folder:
        path = Path(folder) / name
        await (await document.get_file()).download_to_drive(path)
        # A number in the name (or a PDF's printed header) says which page this is, so it may replace
        # a corrected page; a text file without one is filed as page 1 but never replaces it.
        number = ingest.page_number(name, default=0)
        replace = number > 0 or is_pdf(path)
        outcome = await off_loop(s, lambda w: ingest.ingest_file(w.db, w.pipeline, path, paper=w.settings.paper,
                                                                 date=day, page_no=number or 1, replace=replace))
    log.info("ingest by user %s: %s %s", update.effective_user.id if update.effective_user else None,
             outcome.file, outcome.status)
    await reply(update, render.render_ingest(outcome, day))
    if outcome.ok and outcome.status != "unchanged":
        ids = [i for number in outcome.pages or (outcome.page,)  # a PDF issue: every page
               for i in article_ids_on_page(s.db, paper=s.settings.paper, date=day, page=number)]
        await hooks.after_ingest(context.application, ids)


def _safe_name(name: str | None) -> str:
    """The sender's file name as a plain name inside our temporary folder (`..`, `a/b`, `.x` made harmless)."""
    base = Path((name or "").replace("\\", "/")).name.lstrip(".").replace("\x00", "")
    while len(base.encode("utf-8")) > 200:  # file systems stop at 255 bytes; the page number is at the end
        base = base[1:]
    return base or "page.txt"


@admin_only
async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or set the default digest time and the ingest times."""
    s = services(context)
    words = argument(update).split()
    try:
        if words[:1] == ["digest"] and len(words) == 2:
            subscriptions.set_default_time(s.db, words[1])
        elif words[:1] == ["ingest"] and len(words) > 1:
            subscriptions.set_ingest_times(s.db, words[1:])
        elif words:
            await reply(update, "用法：/schedule、/schedule digest 07:30、/schedule ingest 05:30 06:30")
            return
    except SubscriptionError as exc:
        await reply(update, render.esc(exc))
        return
    if words:
        hooks.schedule_changed(context.application)
    await reply(update, render.render_schedule(subscriptions.default_time(s.db, s.settings.bot.default_time),
                                               subscriptions.ingest_times(s.db, s.settings.ingest.times)))


@admin_only
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show subscribers, articles, deliveries and the last ingest."""
    await reply(update, render.render_stats(collect_stats(services(context).db, services(context).settings.timezone)))


@admin_only
async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text after /broadcast to every active subscriber."""
    # Without a sender (the terminal chat) it goes out directly, one message after another.
    s = services(context)
    text = argument(update)
    if not text:
        await reply(update, "用法：/broadcast 通知内容")
        return
    readers = subscriptions.active_subscribers(s.db)
    if hooks.delivers_outbox(context.application):
        # Through the outbox: paced at the configured rate, retried, counted in /stats, never lost.
        now = s.now()
        queued = outbox.enqueue_broadcast(s.db, [r.chat_id for r in readers], now.date().isoformat(),
                                          render.esc(text), now=now)
        hooks.outbox_queued(context.application)
        await reply(update, f"已排队发送给 {queued} 位订阅者，按频率限制陆续送达；结果见 /stats。")
        return
    sent = failed = 0
    for sub in readers:
        try:
            await context.bot.send_message(sub.chat_id, render.esc(text))
            sent += 1
        except Forbidden:
            subscriptions.deactivate(s.db, sub.chat_id, reason="blocked")
            failed += 1
        except TelegramError as exc:
            log.warning("broadcast to %s failed: %s", sub.chat_id, exc)
            failed += 1
    await reply(update, f"已发送给 {sent} 位订阅者" + (f"，{failed} 位失败。" if failed else "。"))
