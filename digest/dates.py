"""Issue dates in file names: `2024-11-06_01.txt` and `20241106_01.txt` both say 6 November 2024.

A page filed under the wrong day silently replaces another day's page, so a date is only ever
taken from `--date` or the file's name, never guessed from the clock (the inbox alone, which
files what an uploader drops there at dawn, falls back to today, and says so).
"""

from __future__ import annotations

import re
from datetime import date as Date

# Four-digit year, month, day, with dashes between all or none; not inside a longer number.
_DATE = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")


def date_in_name(name: str) -> str | None:
    """The first real date in a file name, as YYYY-MM-DD; None when there is none."""
    for match in _DATE.finditer(name):
        try:
            return Date(int(match.group(1)), int(match.group(3)), int(match.group(4))).isoformat()
        except ValueError:
            continue
    return None


def without_date(name: str) -> str:
    """The name with its date taken out, so `2024-11-06.txt` is not read as page 6."""
    for match in _DATE.finditer(name):
        if date_in_name(match.group(0)):
            return name[:match.start()] + name[match.end():]
    return name
