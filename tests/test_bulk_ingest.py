"""Bulk ingest: many inbox files a transaction store exactly what one file a transaction stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest import inbox, store

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def fill(folder: Path, extra: dict[str, str] | None = None) -> None:
    folder.mkdir()
    for page in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(page, folder / page.name)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")


def stored(db) -> list[tuple]:
    return [(s.date, s.page, s.article) for d in ("2026-11-20", "2026-11-21") for s in store.articles_on(db, d)]


def test_batches_store_what_single_files_store(tmp_path: Path, pipeline) -> None:
    outcomes = {}
    contents = {}
    for batch in (1, 2):
        folder = tmp_path / f"inbox{batch}"
        fill(folder, {"2026-11-21_02.txt": "这不是一张版面。"})
        db = store.connect(tmp_path / f"b{batch}.db")
        seen: list[str] = []
        results = inbox.ingest_inbox(db, pipeline, folder, paper="聊城日报", today="2026-11-22", batch=batch,
                                     on_done=lambda r, seen=seen: seen.append(r.outcome.file))
        outcomes[batch] = [(r.outcome.file, r.outcome.status, r.outcome.page, r.outcome.articles, r.date,
                            r.moved_to.parent.name if r.moved_to else None) for r in results]
        assert seen == [r.outcome.file for r in results]
        contents[batch] = stored(db)
        assert store.indexed_count(db) == store.article_count(db) == 18
        db.close()
        assert inbox.pending_files(folder) == []
    assert outcomes[1] == outcomes[2]
    assert ("2026-11-21_02.txt", "error", 2, 0, "2026-11-21", "failed") in outcomes[2]
    assert contents[1] == contents[2]


def test_a_failed_batch_stores_nothing_and_leaves_its_files_waiting(tmp_path: Path, pipeline, monkeypatch) -> None:
    folder = tmp_path / "inbox"
    fill(folder)
    db = store.connect(tmp_path / "b.db")
    real = store._insert_article
    calls = []

    def explode(*args, **kwargs):
        calls.append(1)
        if len(calls) == 15:  # inside the second batch (pages 3 and later)
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_insert_article", explode)
    with pytest.raises(OSError, match="disk full"):
        inbox.ingest_inbox(db, pipeline, folder, paper="聊城日报", today="2026-11-22", batch=2)
    assert [s.page for s in store.articles_on(db, "2026-11-20")] == [1] * 6 + [2] * 6  # the first batch
    assert store.articles_on(db, "2026-11-21") == []
    assert [p.name for p in inbox.pending_files(folder)] == ["2026-11-21_01.txt"]
    assert store.indexed_count(db) == 12
    db.close()


def test_files_without_a_page_number_follow_on_within_a_batch(tmp_path: Path, pipeline) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("2026-11-20_a.txt", "2026-11-20_b.txt"):
        shutil.copy(SAMPLES / ("2026-11-20_01.txt" if name.endswith("a.txt") else "2026-11-20_02.txt"), folder / name)
    db = store.connect(tmp_path / "b.db")
    results = inbox.ingest_inbox(db, pipeline, folder, paper="聊城日报", today="2026-11-22", batch=10)
    assert [(r.outcome.status, r.date, r.outcome.page) for r in results] == [
        ("stored", "2026-11-20", 1), ("stored", "2026-11-20", 2)]
    db.close()
