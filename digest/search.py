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
from digest.store import ARTICLE_COLUMNS, fts_table, index_years, read_snapshot, row_to_stored

MAX_QUERY_CHARS = 200
RANK_WINDOW = 2000  # matches ranked per query, newest first; see search()
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

    Ranking costs about 1.5 µs of CPU a match (bm25 reads each one's positions and document
    size): 8 ms for a window of 5,000, 3 ms for 2,000 (benchmarks/search.py). News readers want
    recent stories, so only the newest RANK_WINDOW matches are ranked, which FTS5 streams by row
    id. The index is one FTS5 table a year (digest.store): bm25 also counts every match of each
    word in its table, so one table for the whole archive made that count grow with the archive.
    Years are asked newest first until the window is full, each ranked by its own year's counts;
    a rare word asks every year, each in well under a millisecond. `days` narrows by row id
    first (ids grow with ingest, so the range is cheap for FTS5) and then by the exact date.
    Whole rows are read only for the page of results shown.
    """
    query = parse_query(text, segmenter)
    # Paging numbers can come from a forged button (`sq:10**30:...`): past the window nothing is
    # ranked anyway, and SQLite refuses integers beyond 64 bits.
    limit, offset = (max(0, min(n, RANK_WINDOW)) for n in (limit, offset))
    expr = query.to_fts()
    # One snapshot for every read: an ingest replacing a page between them would leave ids
    # whose rows are gone, and the search would come back empty.
    with read_snapshot(db):
        since = None if days is None else ((today or Date.today()) - timedelta(days=days)).isoformat()
        ranked = _ranked_window(db, expr, since, offset + limit)
        ids = [i for _, i in ranked][offset:offset + limit]
        if not ids:
            return []
        rows = {r["id"]: r for r in db.query(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id IN ({', '.join('?' * len(ids))})", ids)}
    return [row_to_stored(rows[i], rank=float(n)) for n, i in enumerate(ids) if i in rows]


def _ranked_window(db: sqlite_utils.Database, expr: str, since: str | None, keep: int) -> list[tuple[float, int]]:
    """(bm25, -id) of the best `keep` among the newest RANK_WINDOW matches, year by year."""
    years = index_years(db)
    first_id = None
    if since is not None:
        years = [y for y in years if y >= int(since[:4])]
        # INDEXED BY: left alone, SQLite answers min(id) by walking every article from the oldest.
        first_id = db.execute("SELECT min(id) FROM articles INDEXED BY articles_by_day WHERE date >= ?",
                              [since]).fetchone()[0]
        if first_id is None:
            return []
    window = RANK_WINDOW
    found: list[tuple[float, int]] = []
    for year in years:
        name = fts_table(year)
        inner = f"SELECT f.rowid AS id, f.rank AS rank FROM {name} f"
        params: list[Any] = []
        if since is not None:
            inner += " JOIN articles a ON a.id = f.rowid AND a.date >= ?"
            params.append(since)
        inner += f" WHERE {name} MATCH ? AND rank MATCH 'bm25(4.0, 1.0, 0.5)'"
        params.append(expr)
        if first_id is not None:
            inner += " AND f.rowid >= ?"
            params.append(first_id)
        inner += " AND f.rowid NOT IN (SELECT id FROM fts_dead) ORDER BY f.rowid DESC LIMIT ?"
        params += [window, keep]
        sql = (f"WITH recent AS MATERIALIZED ({inner})"
               " SELECT id, rank, (SELECT count(*) FROM recent) FROM recent ORDER BY rank, id DESC LIMIT ?")
        rows = db.execute(sql, params).fetchall()
        if not rows:
            continue
        found += [(rank, -article_id) for article_id, rank, _ in rows]
        window -= rows[0][2]
        if window <= 0:
            break
    found.sort()
    return [(rank, -neg) for rank, neg in found[:keep]]
