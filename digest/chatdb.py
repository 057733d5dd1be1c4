"""The terminal chat's own database: a copy of the real one, so trying the bot never touches it.

Without this, the chat's local user became a real subscriber, and the next `paperdigest run`
sent a digest to "chat 1".
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def copy_database(source: Path, target: Path) -> bool:
    """Copy `source` into `target` with SQLite's backup API (consistent even while the bot writes);
    False, and nothing copied, when `source` does not exist."""
    if not source.is_file():
        return False
    with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return True
