"""Which papers a subscriber reads, when the bot follows more than one (the twin of counties).

A subscriber who never chose reads the default paper ([paper] name) only; a choice is kept as the
list of papers, never empty. Kept in its own table, created here, so the subscribers table and
its migrations stay as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlite_utils

TABLE = "subscriber_papers"


def ensure_table(db: sqlite_utils.Database) -> None:
    db[TABLE].create({"chat_id": int, "papers": str}, pk="chat_id", if_not_exists=True)  # type: ignore[union-attr]
    db.conn.commit()


def chosen(db: sqlite_utils.Database, chat_id: int, default: str) -> tuple[str, ...]:
    ensure_table(db)
    row = db.execute(f"SELECT papers FROM {TABLE} WHERE chat_id = ?", [chat_id]).fetchone()
    return tuple(json.loads(row[0])) if row else (default,)


def all_chosen(db: sqlite_utils.Database) -> dict[int, tuple[str, ...]]:
    """Every subscriber's choice, for composing many digests at once."""
    ensure_table(db)
    return {r[0]: tuple(json.loads(r[1])) for r in db.execute(f"SELECT chat_id, papers FROM {TABLE}")}


def toggle(current: Sequence[str], name: str, options: Sequence[str], default: str) -> tuple[str, ...]:
    """The papers after tapping `name`, in the options' order; dropping the last one leaves the default."""
    picked = set(current) ^ {name}
    ordered = tuple(o for o in options if o in picked)
    return ordered or (default,)


def set_chosen(db: sqlite_utils.Database, chat_id: int, papers: Sequence[str]) -> tuple[str, ...]:
    ensure_table(db)
    with db.conn:
        db.execute(f"INSERT OR REPLACE INTO {TABLE} (chat_id, papers) VALUES (?, ?)",
                   [chat_id, json.dumps(list(papers), ensure_ascii=False)])
    return tuple(papers)
