"""Inline keyboards and their callback data (at most 64 bytes, Telegram's limit).

Callback data, by prefix:
  `cty:<name>` / `top:<name>`   toggle a county / topic (`cty#<i>` when a name is too long)
  `cty:*`, `cty:.`              follow all of them / done (likewise `top:`)
  `sq:<offset>:<query>`         the next page of a search, the query itself in the data
  `sk:<offset>:<key>`           the same for a query too long to fit, kept in a QueryStore
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_DATA = 64
COUNTY, TOPIC = "cty", "top"
ALL, DONE = "*", "."
COLUMNS = 3


def fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= MAX_DATA


# --- county and topic filters --------------------------------------------------------------------

def toggle(selected: Sequence[str], name: str, options: Sequence[str]) -> tuple[str, ...]:
    """Selected names after tapping `name`; empty means "all", and choosing every one is "all" too."""
    chosen = set(selected)
    chosen ^= {name}
    ordered = tuple(o for o in options if o in chosen)
    return () if len(ordered) == len(options) else ordered


def filter_keyboard(kind: str, options: Sequence[str], selected: Sequence[str]) -> InlineKeyboardMarkup:
    """Every option with a ✓ when followed, an "all" button first and a "done" button last."""
    buttons = [InlineKeyboardButton(f"{name} ✓" if name in selected else name,
                                    callback_data=_toggle_data(kind, i, name))
               for i, name in enumerate(options)]
    rows = [[InlineKeyboardButton("全部 ✓" if not selected else "全部", callback_data=f"{kind}:{ALL}")]]
    rows += [buttons[i:i + COLUMNS] for i in range(0, len(buttons), COLUMNS)]
    rows.append([InlineKeyboardButton("完成", callback_data=f"{kind}:{DONE}")])
    return InlineKeyboardMarkup(rows)


def _toggle_data(kind: str, index: int, name: str) -> str:
    data = f"{kind}:{name}"
    return data if fits(data) else f"{kind}#{index}"


@dataclass(frozen=True)
class FilterPress:
    kind: str
    name: str = ""  # the option tapped, or ALL / DONE


def parse_filter_press(data: str, options: Sequence[str]) -> FilterPress | None:
    """What a filter button means now; None for a stale button (its option no longer exists)."""
    kind, sep, rest = data[:3], data[3:4], data[4:]
    if sep == "#":
        index = int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 4 else -1
        return FilterPress(kind, options[index]) if 0 <= index < len(options) else None
    if rest in (ALL, DONE) or rest in options:
        return FilterPress(kind, rest)
    return None


# --- search pages ----------------------------------------------------------------------------------

class QueryStore:
    """Queries too long for callback data, by a short key; the oldest are forgotten past `size`."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def put(self, query: str) -> str:
        key = hashlib.blake2s(query.encode("utf-8"), digest_size=6).hexdigest()
        self._queries[key] = query
        self._queries.move_to_end(key)
        while len(self._queries) > self.size:
            self._queries.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._queries.get(key)


def more_data(query: str, offset: int, store: QueryStore) -> str:
    data = f"sq:{offset}:{query}"
    return data if fits(data) else f"sk:{offset}:{store.put(query)}"


MAX_OFFSET = 10_000


def parse_more(data: str, store: QueryStore) -> tuple[str | None, int]:
    """(query, offset) from a "more" button; the query is None once a stored one is forgotten (or forged)."""
    kind, offset, rest = data.split(":", 2)
    if not (offset.isascii() and offset.isdigit() and int(offset) <= MAX_OFFSET):
        return None, 0
    return (rest if kind == "sq" else store.get(rest)), int(offset)


def more_keyboard(query: str, offset: int, store: QueryStore) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("更多结果 ›", callback_data=more_data(query, offset, store))]])
