"""The full-text index is always cut by the tokenizer queries are cut by; rebuilt when that changes.

The index records the fingerprint of the tokenizer that built it (meta `index_dictionary`, see
digest.segment.fingerprint). At open, a command compares it with the fingerprint of the
tokenizer it would query with, a hash of configuration computed without loading jieba. If they
differ (region names or the user dictionary edited, jieba upgraded, an index from a release that
put topic keywords in the dictionary) the index is rebuilt first, in one transaction: searches
meanwhile see the old index, never half of each. `paperdigest reindex` does it on demand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlite_utils

from digest import store
from digest.segment import Segmenter
from digest.store import INDEX_FINGERPRINT_KEY, article_count

log = logging.getLogger(__name__)

META_KEY = INDEX_FINGERPRINT_KEY


def stored_fingerprint(db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    return row[0] if row else None


def _record(db: sqlite_utils.Database, fingerprint: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [META_KEY, fingerprint])


def reindex(db: sqlite_utils.Database, segmenter: Segmenter) -> int:
    """Rebuild every article's index entry with `segmenter` and record it; returns articles indexed."""
    done = store.rebuild_index(db, segmenter)
    with db.atomic():
        _record(db, segmenter.fingerprint)
    log.info("search index rebuilt: %d articles, dictionary %s", done, segmenter.fingerprint)
    return done


def ensure_index(db: sqlite_utils.Database, current: str, load: Callable[[], Segmenter]) -> int:
    """Rebuild the index if another tokenizer than fingerprint `current` built it; returns articles reindexed.

    `load` gives the tokenizer (loading jieba) and is called only when a rebuild is needed.
    """
    if stored_fingerprint(db) == current:
        return 0
    if article_count(db) == 0:
        with db.atomic():
            _record(db, current)
        return 0
    segmenter = load()
    if segmenter.fingerprint != current:
        raise ValueError(f"tokenizer {segmenter.fingerprint} is not the expected {current}")
    if stored_fingerprint(db) == current:  # another process rebuilt it meanwhile
        return 0
    log.warning("the search index was built with another dictionary: rebuilding it for %d articles",
                article_count(db))
    return reindex(db, segmenter)
