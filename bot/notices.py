"""What the admins are told, and the telling: delivery problems, a late paper, refused page files.

Notices go straight through the Bot (a handful of messages, not a broadcast), and a failure to
tell an admin is logged, never raised: it must not stop the job that noticed the problem.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

import sqlite_utils
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.delivery import DeliveryReport
from digest.inbox import InboxResult

log = logging.getLogger(__name__)

LIST_LIMIT = 20  # rows named in one notice; the rest are counted


async def notify_admins(bot: Bot, admins: Sequence[int], text: str) -> int:
    """Send `text` to each admin; returns how many got it."""
    reached = 0
    for admin in admins:
        try:
            await bot.send_message(chat_id=admin, text=text, parse_mode=ParseMode.HTML)
            reached += 1
        except TelegramError as exc:
            log.warning("could not notify admin %s: %s", admin, exc)
    return reached


def _rows(db: sqlite_utils.Database, ids: Sequence[int]) -> list[tuple]:
    marks = ",".join("?" for _ in ids[:LIST_LIMIT])
    return db.execute(f"SELECT id, chat_id, date, part, last_error FROM outbox WHERE id IN ({marks}) ORDER BY id",
                      list(ids[:LIST_LIMIT])).fetchall()


def _listing(db: sqlite_utils.Database, ids: Sequence[int]) -> list[str]:
    lines = [f"• #{i} chat {chat} · {date} · 第 {part + 1} 条：{html.escape(error[:120])}"
             for i, chat, date, part, error in _rows(db, ids)]
    if len(ids) > LIST_LIMIT:
        lines.append(f"……另有 {len(ids) - LIST_LIMIT} 条")
    return lines


def delivery_notice(db: sqlite_utils.Database, report: DeliveryReport) -> str:
    """A run's unknown, failed and blocked rows; the unknown rule is restated so nobody re-sends blindly."""
    lines = [f"<b>推送报告</b>：成功 {report.sent}，重试 {report.retries}，限流 {report.rate_limited}"]
    if report.unknown:
        lines += ["", f"⚠️ <b>{len(report.unknown)} 条结果不明</b>（请求已发出但没有收到 Telegram 的答复，"
                  "可能已送达）。为避免重复，没有自动重发；确需补发，可按下面的编号重新排队"
                  "（/requeue 编号），补发的消息会带“补发”标记。", *_listing(db, report.unknown)]
    failed = report.failed
    if failed:
        lines += ["", f"❌ <b>{len(failed)} 条放弃发送</b>：", *_listing(db, failed)]
    if report.blocked:
        lines += ["", f"🚫 {len(report.blocked)} 位订阅者屏蔽了机器人，已停止推送：" +
                  "、".join(str(c) for c in report.blocked[:LIST_LIMIT])]
    return "\n".join(lines)


def start_notice(rows: Sequence[dict]) -> str:
    """Unknown and failed rows an earlier run left unreported (it died, or nobody could be told)."""
    unknown = [r for r in rows if r["state"] == "unknown"]
    failed = [r for r in rows if r["state"] == "failed"]
    lines = [f"⚠️ <b>上次运行留下 {len(rows)} 条未报告的消息</b>：结果不明 {len(unknown)} 条"
             f"（请求可能已送达，没有自动重发），放弃发送 {len(failed)} 条。"]
    lines += [f"• #{r['id']} chat {r['chat_id']} · {r['date']} · 第 {r['part'] + 1} 条 · "
              f"{'结果不明' if r['state'] == 'unknown' else '放弃'}：{html.escape(str(r['last_error'])[:120])}"
              for r in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(f"……另有 {len(rows) - LIST_LIMIT} 条")
    days = sorted({r["date"] for r in rows})
    lines.append(f"需要补发：/requeue 编号，或 /requeue {days[-1]}（当天全部）；结果不明的会带“补发”标记。")
    return "\n".join(lines)


def missing_paper_notice(date: str, deadline: str, inbox: str) -> str:
    where = f"（收件箱：{html.escape(inbox)}）" if inbox else "（没有配置收件箱，请用 paperdigest ingest 或上传版面）"
    return (f"⚠️ 截至 {html.escape(deadline)}，还没有收到 {html.escape(date)} 的版面{where}。"
            "订阅者的摘要会在版面到达后补发（当天内）。")


def ingest_notice(results: Sequence[InboxResult]) -> str:
    """Only refused files are worth a message; the successes are in the log."""
    bad = [r for r in results if not r.outcome.ok]
    lines = [f"❌ 收件箱中 {len(bad)} 个文件没有入库（已移到 failed/，原因写在旁边的 .reason.txt）："]
    lines += [f"• {html.escape(r.outcome.file)}：{html.escape(r.outcome.error)}" for r in bad[:LIST_LIMIT]]
    return "\n".join(lines)
