"""The outbox: every message owed to a subscriber, one row per (chat, date, part), in SQLite.

A digest is composed once per subscriber and day (UNIQUE(chat_id, date, part)) and each part
moves pending -> sending -> sent | failed | unknown. The row is the only record of what was
sent, so a restart resumes exactly where the last run stopped and nothing is composed twice:

- pending: owed; `next_attempt_at` says when it may be tried (back-off, Telegram's retry_after);
  `failing_since` when its current run of network errors and 5xx began (the sender gives up
  after `[bot] retry_for` of them, so an outage of minutes to an hour loses nothing).
- sending: written *before* the call to Telegram. A row still 'sending' at start means the
  process died mid-call; whether Telegram delivered it cannot be known, so it becomes 'unknown'
  (see bot/delivery.py for the rule) instead of being sent again.
- sent: Telegram answered with a message id.
- failed: given up (a permanent error, retried for `retry_for` in vain, or expired outside the
  catch-up window).
- unknown: the request may have reached Telegram but no answer came back; never re-sent
  automatically, reported to the admins, re-queued only by an admin (`requeue`).

`reported_at` marks failed and unknown rows the admins have been told about, so a restart
reports what an earlier run left behind once, not at every start.

Instant watch alerts ride in the same table (kind 'alert', parts numbered from 1000), so they
are paced and retried like digests but never count as the day's digest.

Nothing here imports telegram: rows hold finished HTML text and plain states. All times are
stored as UTC ISO strings of one fixed width, so string order is time order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

log = logging.getLogger(__name__)

STATES = ("pending", "sending", "sent", "failed", "unknown")
# Telegram refuses messages over 4096 UTF-16 units; a marker that would push a part over is left off.
MAX_TEXT = 4096
RESEND_MARKER = "（补发：上次发送结果不明，如已收到请忽略）\n"


@dataclass(frozen=True)
class OutboxRow:
    """A row as the sender schedules it: everything but the text, which is read when sent."""

    id: int
    chat_id: int
    date: str
    part: int
    kind: str
    state: str
    attempts: int
    scheduled_at: datetime
    next_attempt_at: datetime
    failing_since: datetime | None = None


@dataclass(frozen=True)
class Part:
    """One message of a composed digest: its kind (digest, watch ...) and finished HTML."""

    kind: str
    text: str


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the outbox; safe on every start."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            date TEXT NOT NULL,
            part INTEGER NOT NULL,
            kind TEXT NOT NULL DEFAULT 'digest',
            text TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            scheduled_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            sent_at TEXT,
            message_id INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            failing_since TEXT,
            reported_at TEXT,
            UNIQUE (chat_id, date, part)
        );
        CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, scheduled_at);
        """
    )
    columns = {r[1] for r in db.execute("PRAGMA table_info(outbox)")}
    for column in ("failing_since", "reported_at"):  # added in issue 14; older databases lack them
        if column not in columns:
            db.execute(f"ALTER TABLE outbox ADD COLUMN {column} TEXT")
    db.conn.commit()


def ts(moment: datetime) -> str:
    """An aware datetime as the fixed-width UTC string stored in the table."""
    if moment.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _row(r: Sequence) -> OutboxRow:
    return OutboxRow(id=r[0], chat_id=r[1], date=r[2], part=r[3], kind=r[4], state=r[5], attempts=r[6],
                     scheduled_at=parse_ts(r[7]), next_attempt_at=parse_ts(r[8]),
                     failing_since=parse_ts(r[9]) if r[9] else None)


_META = "id, chat_id, date, part, kind, state, attempts, scheduled_at, next_attempt_at, failing_since"


ALERT = "alert"
ALERT_PARTS = 1000  # instant alerts are numbered from here, after any digest's parts


def composed_chats(db: sqlite_utils.Database, date: str) -> set[int]:
    """Chats that already have a digest for `date`, whatever its state: never compose twice."""
    return {r[0] for r in db.execute("SELECT DISTINCT chat_id FROM outbox WHERE date = ? AND kind != ?",
                                     [date, ALERT])}


def enqueue(
    db: sqlite_utils.Database, chat_id: int, date: str, parts: Sequence[Part], *, scheduled_at: datetime,
    now: datetime,
) -> int:
    """Add a composed digest; returns rows added (0 if the chat already had one for that date)."""
    return enqueue_many(db, [(chat_id, parts)], date=date, scheduled_at={chat_id: scheduled_at}, now=now)


def enqueue_many(
    db: sqlite_utils.Database, digests: Iterable[tuple[int, Sequence[Part]]], *, date: str,
    scheduled_at: dict[int, datetime], now: datetime,
) -> int:
    """Add many chats' digests in one transaction (10,000 subscribers would be 10,000 commits)."""
    stamp = ts(now)
    added = 0
    with db.atomic():
        for chat_id, parts in digests:
            # All or nothing per chat: a digest half-composed by an earlier run is left as it was.
            if db.execute("SELECT 1 FROM outbox WHERE chat_id = ? AND date = ? AND kind != ? LIMIT 1",
                          [chat_id, date, ALERT]).fetchone():
                continue
            due = ts(scheduled_at[chat_id])
            db.conn.executemany(
                "INSERT INTO outbox (chat_id, date, part, kind, text, scheduled_at, next_attempt_at, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(chat_id, date, i, p.kind, p.text, due, due, stamp, stamp) for i, p in enumerate(parts)],
            )
            added += len(parts)
    return added


def enqueue_alert(db: sqlite_utils.Database, chat_id: int, date: str, texts: Sequence[str], *, now: datetime) -> int:
    """An instant watch alert: due now, numbered after the day's digest and earlier alerts."""
    stamp = ts(now)
    with db.atomic():
        last = db.execute("SELECT max(part) FROM outbox WHERE chat_id = ? AND date = ? AND kind = ?",
                          [chat_id, date, ALERT]).fetchone()[0]
        first = ALERT_PARTS if last is None else last + 1
        db.conn.executemany(
            "INSERT INTO outbox (chat_id, date, part, kind, text, scheduled_at, next_attempt_at, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(chat_id, date, first + i, ALERT, t, stamp, stamp, stamp, stamp) for i, t in enumerate(texts)],
        )
    return len(texts)


def enqueue_broadcast(db: sqlite_utils.Database, chat_ids: Iterable[int], date: str, text: str, *,
                      now: datetime) -> int:
    """One message to many chats in one transaction, paced and retried like any alert; returns chats."""
    with db.atomic():
        return sum(1 for chat_id in chat_ids if enqueue_alert(db, chat_id, date, [text], now=now))


def sendable(db: sqlite_utils.Database, now: datetime) -> list[OutboxRow]:
    """Pending rows due by `now`, each chat's in date and part order (back-off is the sender's business)."""
    return [_row(r) for r in db.execute(
        f"SELECT {_META} FROM outbox WHERE state = 'pending' AND scheduled_at <= ?"
        " ORDER BY chat_id, date, part", [ts(now)])]


def next_scheduled(db: sqlite_utils.Database, now: datetime) -> datetime | None:
    """When the next pending row scheduled after `now` falls due, so the sender can sleep till then."""
    row = db.execute("SELECT min(scheduled_at) FROM outbox WHERE state = 'pending' AND scheduled_at > ?",
                     [ts(now)]).fetchone()
    return parse_ts(row[0]) if row[0] else None


def get(db: sqlite_utils.Database, row_id: int) -> OutboxRow | None:
    r = db.execute(f"SELECT {_META} FROM outbox WHERE id = ?", [row_id]).fetchone()
    return _row(r) if r else None


def text_of(db: sqlite_utils.Database, row_id: int) -> str:
    return db.execute("SELECT text FROM outbox WHERE id = ?", [row_id]).fetchone()[0]


def recently_sent(db: sqlite_utils.Database, since: datetime) -> dict[int, datetime]:
    """Each chat's last send after `since`: a restart must still space a chat's parts."""
    return {chat: parse_ts(at) for chat, at in db.execute(
        "SELECT chat_id, max(sent_at) FROM outbox WHERE sent_at >= ? GROUP BY chat_id", [ts(since)])}


def _set(db: sqlite_utils.Database, row_id: int, now: datetime, sql: str, params: list) -> None:
    with db.atomic():
        db.execute(f"UPDATE outbox SET {sql}, updated_at = ? WHERE id = ?", [*params, ts(now), row_id])


def claim(db: sqlite_utils.Database, row_id: int, now: datetime) -> str | None:
    """Pending -> sending, committed before the request goes out; the text, or None if no longer pending.

    The commit comes first so that a crash during the call leaves a 'sending' row as evidence,
    and the state check means a row dropped meanwhile (unsubscribed, expired) is never sent.
    """
    with db.atomic():
        claimed = db.execute("UPDATE outbox SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'pending'",
                             [ts(now), row_id]).rowcount
        return text_of(db, row_id) if claimed == 1 else None


def mark_sent(db: sqlite_utils.Database, row_id: int, message_id: int, now: datetime) -> None:
    _set(db, row_id, now, "state = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, last_error = '',"
         " failing_since = NULL", [message_id, ts(now)])


def mark_retry(
    db: sqlite_utils.Database, row_id: int, error: str, *, next_attempt_at: datetime, now: datetime,
    count_attempt: bool = True,
) -> None:
    """Back to pending until `next_attempt_at`; a 429 is Telegram pacing us, not a failed attempt.

    A counted attempt (a network error, a 5xx) starts the row's `failing_since` if not started.
    """
    since = ", failing_since = coalesce(failing_since, ?)" if count_attempt else ""
    _set(db, row_id, now, f"state = 'pending', last_error = ?, next_attempt_at = ?,"
         f" attempts = attempts + {1 if count_attempt else 0}{since}",
         [error, ts(next_attempt_at)] + ([ts(now)] if count_attempt else []))


def mark_failed(
    db: sqlite_utils.Database, row_id: int, error: str, now: datetime, *, count_attempt: bool = True
) -> None:
    _set(db, row_id, now, f"state = 'failed', last_error = ?, attempts = attempts + {1 if count_attempt else 0}",
         [error])


def mark_unknown(db: sqlite_utils.Database, row_id: int, error: str, now: datetime) -> None:
    _set(db, row_id, now, "state = 'unknown', last_error = ?, attempts = attempts + 1", [error])


def drop_pending(db: sqlite_utils.Database, chat_id: int) -> int:
    """Delete a chat's unsent rows (blocked the bot, unsubscribed): nothing more is owed."""
    with db.atomic():
        return db.execute("DELETE FROM outbox WHERE chat_id = ? AND state = 'pending'", [chat_id]).rowcount


def drop_pending_inactive(db: sqlite_utils.Database) -> int:
    """Delete unsent rows of chats that are no longer active subscribers."""
    with db.atomic():
        return db.execute(
            "DELETE FROM outbox WHERE state = 'pending' AND chat_id NOT IN"
            " (SELECT chat_id FROM subscribers WHERE active = 1)"
        ).rowcount


def recover_interrupted(db: sqlite_utils.Database, now: datetime) -> list[OutboxRow]:
    """At start, rows left 'sending' by a process that died mid-call become 'unknown' (not re-sent)."""
    rows = [_row(r) for r in db.execute(f"SELECT {_META} FROM outbox WHERE state = 'sending' ORDER BY id")]
    with db.atomic():
        db.execute("UPDATE outbox SET state = 'unknown', last_error = ?, updated_at = ? WHERE state = 'sending'",
                   ["interrupted while sending (process stopped)", ts(now)])
    return rows


def expire(db: sqlite_utils.Database, cutoff: datetime, now: datetime) -> int:
    """Give up on pending rows scheduled before the catch-up window: yesterday's digest is not sent."""
    with db.atomic():
        return db.execute(
            "UPDATE outbox SET state = 'failed', last_error = 'expired: outside the catch-up window',"
            " updated_at = ? WHERE state = 'pending' AND scheduled_at < ?", [ts(now), ts(cutoff)]
        ).rowcount


def delivery_stats(db: sqlite_utils.Database, date: str | None = None) -> dict[str, int]:
    """Counts for /stats: sent, failed, pending (including in flight) and unknown."""
    sql, params = "SELECT state, count(*) FROM outbox", []
    if date:
        sql, params = sql + " WHERE date = ?", [date]
    counts = dict(db.execute(sql + " GROUP BY state", params).fetchall())
    return {
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "unknown": counts.get("unknown", 0),
    }


def problems(db: sqlite_utils.Database, states: Sequence[str] = ("unknown", "failed"),
             date: str | None = None) -> list[dict]:
    """Rows an admin should look at, newest first, with their last error."""
    marks = ", ".join("?" for _ in states)
    sql = f"SELECT id, chat_id, date, part, state, attempts, last_error FROM outbox WHERE state IN ({marks})"
    params: list = list(states)
    if date:
        sql += " AND date = ?"
        params.append(date)
    return list(db.query(sql + " ORDER BY updated_at DESC, id", params))


def _tg_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def requeue_unknown(db: sqlite_utils.Database, row_ids: Iterable[int], now: datetime,
                    marker: str = RESEND_MARKER) -> int:
    """Re-queue 'unknown' rows only (see `requeue`); returns how many."""
    return len(requeue(db, row_ids, now, states=("unknown",), marker=marker))


REQUEUABLE = ("unknown", "failed")


def requeue(db: sqlite_utils.Database, row_ids: Iterable[int], now: datetime, *,
            states: Sequence[str] = REQUEUABLE, marker: str = RESEND_MARKER) -> list[int]:
    """An admin's decision to send rows again: pending now, attempts reset; returns the ids re-queued.

    An 'unknown' row gets the visible resend marker (it may have arrived: the reader is told why
    a second copy comes), which turns at-most-once into at-least-once for that row only. A
    'failed' row was never delivered, so it goes again as it was. Rows of chats that are no
    longer subscribed (they blocked the bot, or left) and rows in other states are left alone.
    """
    done = []
    with db.atomic():
        for row_id in row_ids:
            marks = ", ".join("?" for _ in states)
            row = db.execute(
                f"SELECT o.text, o.state FROM outbox o WHERE o.id = ? AND o.state IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.chat_id = o.chat_id AND s.active = 0)",
                [row_id, *states]).fetchone()
            if not row:
                continue
            text, state = row
            if state == "unknown" and not text.startswith(marker) and _tg_len(marker + text) <= MAX_TEXT:
                text = marker + text
            db.execute("UPDATE outbox SET state = 'pending', text = ?, scheduled_at = ?, next_attempt_at = ?,"
                       " attempts = 0, failing_since = NULL, reported_at = NULL,"
                       " last_error = 'requeued by an admin', updated_at = ? WHERE id = ?",
                       [text, ts(now), ts(now), ts(now), row_id])
            done.append(row_id)
    return done


def problem_ids(db: sqlite_utils.Database, *, date: str | None = None,
                states: Sequence[str] = REQUEUABLE) -> list[int]:
    """Ids of a run's (a date's) unknown and failed rows, or all of them: what `requeue` takes."""
    marks = ", ".join("?" for _ in states)
    sql, params = f"SELECT id FROM outbox WHERE state IN ({marks})", list(states)
    if date:
        sql, params = sql + " AND date = ?", [*params, date]
    return [r[0] for r in db.execute(sql + " ORDER BY id", params)]


def unreported(db: sqlite_utils.Database) -> list[dict]:
    """Failed and unknown rows no admin has been told about (an earlier run died before its report)."""
    return list(db.query("SELECT id, chat_id, date, part, state, last_error FROM outbox"
                         " WHERE state IN ('unknown', 'failed') AND reported_at IS NULL ORDER BY id"))


def mark_reported(db: sqlite_utils.Database, row_ids: Iterable[int], now: datetime) -> None:
    with db.atomic():
        db.conn.executemany("UPDATE outbox SET reported_at = ? WHERE id = ?", [(ts(now), i) for i in row_ids])


class SelectionError(ValueError):
    """Words that name no rows: the message says what was expected."""


def select(db: sqlite_utils.Database, words: Sequence[str], *, states: Sequence[str] = REQUEUABLE) -> list[int]:
    """The unknown/failed rows an admin names: ids (`12`, `#12`, `12-20`), a run's date
    (`2026-11-20`: every unknown and failed row of that day), or `all`; for /requeue and the CLI."""
    if not words:
        raise SelectionError("name rows by id (12, 12-20), by date (2026-11-20) or all")
    ids: set[int] = set()
    for word in words:
        word = word.strip().lstrip("#")
        if word == "all":
            ids.update(problem_ids(db, states=states))
        elif len(word) == 10 and word[4] == "-" and word[7] == "-":
            try:
                day = datetime.fromisoformat(word).date().isoformat()
            except ValueError as exc:
                raise SelectionError(f"{word!r} is not a date like 2026-11-20") from exc
            ids.update(problem_ids(db, date=day, states=states))
        else:
            low, _, high = word.partition("-")
            if not (low.isascii() and low.isdigit() and (not high or (high.isascii() and high.isdigit()))) \
                    or len(low) > 12 or len(high) > 12:
                raise SelectionError(f"{word!r} is not a row id, a range like 12-20, a date or all")
            first, last = int(low), int(high or low)
            if last - first > 100_000:
                raise SelectionError(f"{word!r}: a range of at most 100,000 ids")
            ids.update(range(first, last + 1))
    return sorted(ids)
