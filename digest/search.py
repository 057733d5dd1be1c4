"""Keyword search over stored articles, with a small query language people already know.

`光伏 电站` (both), `"数字孪生平台"` (a phrase), `-招聘` (exclude). Whatever is typed is turned
into an FTS5 query we build ourselves, every token quoted, so FTS syntax (`NEAR`, `OR`, `*`,
unbalanced quotes) and SQL fragments in a query are only ever searched for as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Any

import sqlite_utils

from digest.models import StoredArticle
from digest.segment import Segmenter
from digest.store import ARTICLE_COLUMNS, read_snapshot, row_to_stored

MAX_QUERY_CHARS = 200
RANK_WINDOW = 5000  # matches ranked per query, newest first; see search()
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class QueryError(ValueError):
    """A query we refuse, with a message fit to show the person who typed it."""


@dataclass(frozen=True)
class Query:
    """Parsed search words: each inner tuple is one required term or phrase, as tokens."""

    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()

    def to_fts(self) -> str:
        """An FTS5 MATCH expression in which every token is a quoted string."""
        expr = " AND ".join(_match_word(t) for t in self.required)
        for tokens in self.excluded:
            expr += f" NOT {_match_word(tokens)}"
        return expr


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _match_word(tokens: tuple[str, ...]) -> str:
    """One typed word: a single token anywhere, or its tokens in sequence in title or body.

    A word jieba cuts in pieces (`时风` -> 时 / 风) is also tried whole against the parts column,
    which holds the two-character pieces of longer words (`时风集团`).
    """
    if len(tokens) == 1:
        return _quote(tokens[0])
    phrase = "{title body} : " + _quote(" ".join(tokens))
    joined = "".join(tokens)
    return f"({phrase} OR {_quote(joined)})" if _CJK_WORD.match(joined) else phrase


def parse_query(text: str, segmenter: Segmenter) -> Query:
    """Parse what a person typed; raise QueryError with a friendly reason when it cannot be searched."""
    text = (text or "").strip()
    if not text:
        raise QueryError("请输入要搜索的关键词。")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"关键词太长了（{len(text)} 个字符），请控制在 {MAX_QUERY_CHARS} 个字符以内。")
    required: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for match in _PART.finditer(text):
        negate, quoted, bare = match.groups()
        if bare is not None:
            negate, words = ("-", bare[1:]) if bare.startswith("-") and len(bare) > 1 else ("", bare)
        else:
            words = quoted
        # Words typed together are a phrase: `光伏发电` must not match 光伏 here and 发电 there.
        tokens = tuple(segmenter.terms(words))
        if tokens:
            (excluded if negate else required).append(tokens)
    if not required:
        raise QueryError("没有可搜索的关键词：请至少给出一个不带“-”的词。")
    return Query(tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded)))


def search(
    db: sqlite_utils.Database,
    segmenter: Segmenter,
    text: str,
    *,
    days: int | None = None,
    today: Date | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[StoredArticle]:
    """Best matches first (bm25, headline weighted above body) among the newest RANK_WINDOW matches.

    Ranking every match of a common word in a large archive costs about a microsecond a row
    (40 ms for 光伏 in 100k articles); news readers want recent stories, so we rank the newest
    RANK_WINDOW matches only, which FTS5 streams by row id. `days` narrows before that window.
    Whole rows are read only for the page of results shown.
    """
    query = parse_query(text, segmenter)
    # Paging numbers can come from a forged button (`sq:10**30:...`): past the window nothing is
    # ranked anyway, and SQLite refuses integers beyond 64 bits.
    limit, offset = (max(0, min(n, RANK_WINDOW)) for n in (limit, offset))
    inner = "SELECT f.rowid AS id, f.rank AS rank FROM articles_fts f"
    params: list[Any] = []
    if days is not None:
        since = (today or Date.today()) - timedelta(days=days)
        inner += " JOIN articles a ON a.id = f.rowid AND a.date >= ?"
        params.append(since.isoformat())
    inner += " WHERE articles_fts MATCH ? AND rank MATCH 'bm25(4.0, 1.0, 0.5)' ORDER BY f.rowid DESC LIMIT ?"
    params += [query.to_fts(), RANK_WINDOW, limit, offset]
    sql = f"WITH recent AS ({inner}) SELECT id FROM recent ORDER BY rank, id DESC LIMIT ? OFFSET ?"
    # One snapshot for both reads: an ingest replacing a page between them would leave ids
    # whose rows are gone, and the search would come back empty.
    with read_snapshot(db):
        ids = [row[0] for row in db.execute(sql, params)]
        if not ids:
            return []
        rows = {r["id"]: r for r in db.query(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id IN ({', '.join('?' * len(ids))})", ids)}
    return [row_to_stored(rows[i], rank=float(n)) for n, i in enumerate(ids) if i in rows]
