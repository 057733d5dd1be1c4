"""Search over an index split by year: newest years first, windows and --days across a new year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest import ingest, store
from digest.search import search

PAGE = Path(__file__).resolve().parents[1] / "samples" / "2026-11-20_02.txt"  # two articles name 聊城
# Stored out of date order (a backfill): ids do not follow dates.
DATES = ("2026-01-03", "2024-12-30", "2025-12-28")


@pytest.fixture
def years(db, pipeline):
    for day in DATES:
        ingest.ingest_files(db, pipeline, [PAGE], paper="聊城日报", date=day)
    return db


def ids_on(db, day: str, word: str = "聊城") -> set[int]:
    return {s.id for s in store.articles_on(db, day) if word in s.article.headline + s.article.body}


def found(db, segmenter, query: str = "聊城", **kwargs) -> set[int]:
    return {r.id for r in search(db, segmenter, query, limit=50, **kwargs)}


def test_every_year_is_searched(years, segmenter) -> None:
    assert store.index_years(years) == [2026, 2025, 2024]
    assert found(years, segmenter) == ids_on(years, DATES[0]) | ids_on(years, DATES[1]) | ids_on(years, DATES[2])
    assert len(found(years, segmenter)) == 6


def test_the_window_takes_the_newest_year_first(years, segmenter, monkeypatch) -> None:
    import digest.search as search_module

    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    newest_2025 = max(ids_on(years, "2025-12-28"))
    assert found(years, segmenter) == ids_on(years, "2026-01-03") | {newest_2025}


def test_days_reach_back_over_the_new_year(years, segmenter) -> None:
    today = date(2026, 1, 4)
    assert found(years, segmenter, days=7, today=today) == ids_on(years, "2026-01-03") | ids_on(years, "2025-12-28")
    assert found(years, segmenter, days=3, today=today) == ids_on(years, "2026-01-03")
    assert found(years, segmenter, days=3, today=date(2030, 1, 1)) == set()


def test_replaced_articles_are_never_found(years, pipeline, segmenter, tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    corrected = tmp_path / PAGE.name
    corrected.write_text(text + "\n", encoding="utf-8")
    old = ids_on(years, "2025-12-28")
    [outcome] = ingest.ingest_files(years, pipeline, [corrected], paper="聊城日报", date="2025-12-28")
    assert outcome.status == "replaced"
    new = ids_on(years, "2025-12-28")
    assert new and not new & old
    hits = found(years, segmenter)
    assert new <= hits and not hits & old
    assert len(hits) == 6
