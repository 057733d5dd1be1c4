"""Admins re-queue what a crash or a bad run left unknown or failed: /requeue through the real
Application with the offline Bot API, `paperdigest outbox requeue` through click. (The start
report, once per row, is tested with the jobs in tests/test_jobs.py.)"""

from __future__ import annotations

from bot_fixtures import ADMIN as BOT_ADMIN
from bot_fixtures import READER
from click.testing import CliRunner
from test_jobs import leave_behind

from bot.auth import REFUSAL
from digest import outbox, subscriptions
from digest.cli import cli
from digest.outbox import RESEND_MARKER


async def test_an_admin_requeues_through_the_bot_and_a_reader_cannot(bot):
    rows = leave_behind(bot.db, chat=READER)
    assert await bot.send(f"/requeue {rows['unknown']}", user=READER) == [REFUSAL]
    assert outbox.get(bot.db, rows["unknown"]).state == "unknown"

    [answer] = await bot.send(f"/requeue {rows['unknown']} {rows['failed']}", user=BOT_ADMIN)
    assert answer.startswith("已重新排队 2 条")
    assert outbox.get(bot.db, rows["unknown"]).state == "pending"
    assert outbox.text_of(bot.db, rows["unknown"]).startswith(RESEND_MARKER)
    assert outbox.text_of(bot.db, rows["failed"]) == "part 1"

    [again] = await bot.send(f"/requeue {rows['unknown']}", user=BOT_ADMIN)
    assert "另有 1 个编号不是结果不明或放弃发送的消息" in again  # pending now: left alone, no double marker
    [usage] = await bot.send("/requeue 12abc", user=BOT_ADMIN)
    assert "is not a row id" in usage and "用法" in usage


async def test_rows_of_a_chat_that_blocked_the_bot_are_not_requeued(bot):
    rows = leave_behind(bot.db, chat=READER)
    subscriptions.deactivate(bot.db, READER, reason="blocked")
    [answer] = await bot.send("/requeue all", user=BOT_ADMIN)
    assert answer.startswith("已重新排队 0 条") and outbox.get(bot.db, rows["failed"]).state == "failed"


def test_the_cli_lists_and_requeues(db, tmp_path, monkeypatch):
    rows = leave_behind(db)
    db_path = str(tmp_path / "test.db")
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", db_path, "outbox", "list"])
    assert listed.exit_code == 0 and f"#{rows['unknown']}\tunknown\tchat 1001" in listed.output
    done = runner.invoke(cli, ["--db", db_path, "outbox", "requeue", str(rows["unknown"]), f"{rows['failed']}"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("requeued 2:")
    assert outbox.text_of(db, rows["unknown"]).startswith(RESEND_MARKER)
    bad = runner.invoke(cli, ["--db", db_path, "outbox", "requeue", "2026-13-40"])
    assert bad.exit_code == 1 and "is not a date like 2026-11-20" in bad.output
    nothing = runner.invoke(cli, ["--db", db_path, "outbox", "requeue", str(rows["sending"])])
    assert nothing.exit_code == 1  # still 'sending' here: not a row to re-queue
