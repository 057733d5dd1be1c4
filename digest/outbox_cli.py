"""`paperdigest outbox`: what the bot could not deliver, and sending it again (an admin's choice).

The same rows and rules as the bot's /requeue (digest/outbox.py `select` and `requeue`); a
running bot picks re-queued rows up at its next look at the outbox (within seconds).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from digest import outbox

if TYPE_CHECKING:
    from digest.cli import Context


@click.group(name="outbox")
def outbox_group() -> None:
    """Unknown and failed messages: list them, re-queue them."""


@outbox_group.command(name="list")
@click.option("--date", "day", help="Only this day's run (YYYY-MM-DD).")
@click.pass_obj
def list_command(obj: Context, day: str | None) -> None:
    """List unknown and failed messages, newest first."""
    rows = outbox.problems(obj.db(), date=day)
    for r in rows:
        click.echo(f"#{r['id']}\t{r['state']}\tchat {r['chat_id']}\t{r['date']} part {r['part'] + 1}\t"
                   f"{r['last_error'][:100]}")
    if not rows:
        click.echo("nothing unknown or failed")


@outbox_group.command(name="requeue")
@click.argument("rows", nargs=-1, required=True)
@click.pass_obj
def requeue_command(obj: Context, rows: tuple[str, ...]) -> None:
    """Send again: ROWS are ids (12, 12-20), a run's date (2026-11-20) or all.

    Unknown messages (they may have arrived) go with a visible resend marker; failed ones as
    they were; chats that blocked the bot or unsubscribed are skipped.
    """
    db = obj.db()
    try:
        chosen = outbox.select(db, rows)
    except outbox.SelectionError as exc:
        raise click.ClickException(str(exc)) from exc
    now = datetime.now(ZoneInfo(obj.settings.timezone))
    done = outbox.requeue(db, chosen, now)
    click.echo(f"requeued {len(done)}" + (f": {' '.join(f'#{i}' for i in done[:50])}" if done else ""))
    skipped = len(chosen) - len(done)
    if skipped:
        click.echo(f"left alone {skipped}: not unknown or failed, or the chat is no longer subscribed", err=True)
    if not done:
        sys.exit(1)
