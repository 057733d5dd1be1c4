"""The storage seam: the SQLite implementation satisfies the Protocol and answers through it."""

from __future__ import annotations

from pathlib import Path

from digest.backend import ArticleStore, SqliteArticleStore
from digest.search import parse_query
from digest.sources.textfile import read_page
from digest.store import PageToStore

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "2026-11-20_01.txt"


def test_sqlite_store_through_the_protocol(db, pipeline, segmenter) -> None:
    archive: ArticleStore = SqliteArticleStore(db)
    assert isinstance(archive, ArticleStore)
    page = pipeline.process(read_page(SAMPLE))
    [result] = archive.store_pages([PageToStore(page, "聊城日报", "2026-11-20", 1)], indexer=segmenter)
    assert result.status == "stored" and len(result.article_ids) == 6
    day = archive.articles_on("2026-11-20")
    assert [s.id for s in day] == list(result.article_ids)
    assert archive.get_article(day[0].id) == day[0]
    found = archive.search(segmenter, day[0].article.title, limit=3)
    assert found[0].id == day[0].id
    expr = parse_query(day[0].article.title, segmenter).to_fts()
    assert archive.matching_ids(expr, result.article_ids) == [day[0].id]
