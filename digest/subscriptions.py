"""Who reads which digest, when: subscribers, their filters, keyword watches, admin settings.

Plain rows in the same SQLite file as the articles. A subscriber is keyed by a chat id (an
integer any chat front end can supply); nothing here knows about Telegram.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

MAX_WATCH_CHARS = 200  # as long as a search query may be
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class SubscriptionError(ValueError):
    """A request we refuse (bad time, unknown watch), with a message fit to show the person."""


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    time: str
    counties: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    active: bool = True
    instant_alerts: bool = False
    name: str = ""


@dataclass(frozen=True)
class Watch:
    id: int
    chat_id: int
    query: str


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS subscribers (
            chat_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            time TEXT NOT NULL,
            counties TEXT NOT NULL DEFAULT '[]',
            topics TEXT NOT NULL DEFAULT '[]',
            active INTEGER NOT NULL DEFAULT 1,
            instant_alerts INTEGER NOT NULL DEFAULT 0,
            inactive_reason TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS watches (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            query TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (chat_id, query)
        );
        CREATE TABLE IF NOT EXISTS admin_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )
    db.conn.commit()


def parse_time(text: str) -> str:
    """`7:30` -> `07:30`; anything else is refused with the expected form."""
    match = _TIME.match((text or "").strip())
    if not match:
        raise SubscriptionError(f"时间格式应为 HH:MM（例如 07:30），收到的是“{text}”。")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(row: dict[str, Any]) -> Subscriber:
    return Subscriber(
        chat_id=row["chat_id"], time=row["time"], counties=tuple(json.loads(row["counties"])),
        topics=tuple(json.loads(row["topics"])), active=bool(row["active"]),
        instant_alerts=bool(row["instant_alerts"]), name=row["name"],
    )


def get(db: sqlite_utils.Database, chat_id: int) -> Subscriber | None:
    rows = list(db.query("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id]))
    return _row(rows[0]) if rows else None


def subscribe(db: sqlite_utils.Database, chat_id: int, time: str, name: str = "") -> Subscriber:
    """Start (or restart) a subscription at `time`, keeping earlier filters."""
    time = parse_time(time)
    now = _now()
    with db.atomic():
        db.execute(
            "INSERT INTO subscribers (chat_id, name, time, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET time = excluded.time, active = 1, inactive_reason = '',"
            " name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END, updated_at = excluded.updated_at",
            [chat_id, name, time, now, now],
        )
    return get(db, chat_id)  # type: ignore[return-value]


def deactivate(db: sqlite_utils.Database, chat_id: int, reason: str = "unsubscribed") -> bool:
    """Stop a subscription; True if there was an active one. Filters are kept for a comeback."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ? WHERE chat_id = ? AND active = 1",
            [reason, _now(), chat_id],
        )
    return cursor.rowcount > 0


def _update(db: sqlite_utils.Database, chat_id: int, column: str, value: Any) -> Subscriber:
    with db.atomic():
        cursor = db.execute(f"UPDATE subscribers SET {column} = ?, updated_at = ? WHERE chat_id = ?",
                            [value, _now(), chat_id])
    if not cursor.rowcount:
        raise SubscriptionError("你还没有订阅：先发送 /subscribe。")
    return get(db, chat_id)  # type: ignore[return-value]


def set_time(db: sqlite_utils.Database, chat_id: int, time: str) -> Subscriber:
    return _update(db, chat_id, "time", parse_time(time))


def set_counties(db: sqlite_utils.Database, chat_id: int, counties: tuple[str, ...]) -> Subscriber:
    """Empty means every county."""
    return _update(db, chat_id, "counties", json.dumps(list(counties), ensure_ascii=False))


def set_topics(db: sqlite_utils.Database, chat_id: int, topics: tuple[str, ...]) -> Subscriber:
    """Empty means every topic."""
    return _update(db, chat_id, "topics", json.dumps(list(topics), ensure_ascii=False))


def set_instant_alerts(db: sqlite_utils.Database, chat_id: int, on: bool) -> Subscriber:
    return _update(db, chat_id, "instant_alerts", int(on))


def active_subscribers(db: sqlite_utils.Database) -> list[Subscriber]:
    return [_row(r) for r in db.query("SELECT * FROM subscribers WHERE active = 1 ORDER BY time, chat_id")]


def count_subscribers(db: sqlite_utils.Database) -> dict[str, int]:
    row = db.execute("SELECT count(*), coalesce(sum(active), 0) FROM subscribers").fetchone()
    return {"total": row[0], "active": row[1]}


def add_watch(db: sqlite_utils.Database, chat_id: int, query: str, *, max_chars: int = MAX_WATCH_CHARS,
              max_watches: int | None = None) -> Watch:
    """Keep a watch (the same words twice are one watch); refused past `max_chars` or `max_watches`."""
    query = " ".join(query.split())
    if not query:
        raise SubscriptionError("请给出要关注的关键词，例如 /watch 光伏。")
    if len(query) > max_chars:
        raise SubscriptionError(f"关注词太长了（{len(query)} 个字符），请控制在 {max_chars} 个字符以内。")
    with db.atomic():
        known = db.execute("SELECT id FROM watches WHERE chat_id = ? AND query = ?", [chat_id, query]).fetchone()
        if known:
            return Watch(id=known[0], chat_id=chat_id, query=query)
        count = db.execute("SELECT count(*) FROM watches WHERE chat_id = ?", [chat_id]).fetchone()[0]
        if max_watches is not None and count >= max_watches:
            raise SubscriptionError(f"关注词已达上限（{max_watches} 个）。请先用 /unwatch 编号 取消一些，"
                                    "发送 /watches 查看编号。")
        cursor = db.execute("INSERT INTO watches (chat_id, query, created_at) VALUES (?, ?, ?)",
                            [chat_id, query, _now()])
    assert cursor.lastrowid is not None
    return Watch(id=cursor.lastrowid, chat_id=chat_id, query=query)


def watches(db: sqlite_utils.Database, chat_id: int | None = None) -> list[Watch]:
    sql, params = "SELECT id, chat_id, query FROM watches", []
    if chat_id is not None:
        sql, params = sql + " WHERE chat_id = ?", [chat_id]
    return [Watch(*row) for row in db.execute(sql + " ORDER BY id", params)]


def remove_watch(db: sqlite_utils.Database, chat_id: int, watch_id: int) -> None:
    with db.atomic():
        cursor = db.execute("DELETE FROM watches WHERE chat_id = ? AND id = ?", [chat_id, watch_id])
    if not cursor.rowcount:
        raise SubscriptionError(f"没有编号为 {watch_id} 的关注词：发送 /watches 查看。")


def get_setting(db: sqlite_utils.Database, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM admin_settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: Any) -> None:
    """Admins' run-time changes (taxonomy, default time, ingest times) survive restarts here."""
    with db.atomic():
        db.execute("INSERT INTO admin_settings (key, value) VALUES (?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   [key, json.dumps(value, ensure_ascii=False)])


# Admin-set schedule. The scheduling side reads these two keys; config seeds the defaults.
DEFAULT_TIME_KEY = "default_time"
INGEST_TIMES_KEY = "ingest_times"


def default_time(db: sqlite_utils.Database, fallback: str) -> str:
    """The digest time for new subscribers: an admin's choice, else `fallback` (settings.bot.default_time)."""
    return str(get_setting(db, DEFAULT_TIME_KEY) or fallback)


def set_default_time(db: sqlite_utils.Database, time: str) -> str:
    time = parse_time(time)
    set_setting(db, DEFAULT_TIME_KEY, time)
    return time


def ingest_times(db: sqlite_utils.Database, fallback: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """When the scheduled ingest runs: an admin's choice, else `fallback` (settings.ingest.times)."""
    return tuple(get_setting(db, INGEST_TIMES_KEY) or fallback)


def set_ingest_times(db: sqlite_utils.Database, times: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Store the ingest times, validated, sorted and without repeats; at least one is required."""
    chosen = tuple(sorted({parse_time(t) for t in times}))
    if not chosen:
        raise SubscriptionError("请至少给出一个入库时间，例如 05:30。")
    set_setting(db, INGEST_TIMES_KEY, list(chosen))
    return chosen


def forget_topic(db: sqlite_utils.Database, topic: str) -> int:
    """Drop a deleted topic from every subscriber's filter (one left with none follows all); returns how many."""
    changed = 0
    with db.atomic():
        for chat_id, raw in db.execute("SELECT chat_id, topics FROM subscribers").fetchall():
            topics = json.loads(raw)
            if topic in topics:
                topics.remove(topic)
                db.execute("UPDATE subscribers SET topics = ?, updated_at = ? WHERE chat_id = ?",
                           [json.dumps(topics, ensure_ascii=False), _now(), chat_id])
                changed += 1
    return changed
