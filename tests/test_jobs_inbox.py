"""The inbox folder: which files are taken, the date each is filed under, and where each goes."""

from __future__ import annotations

import shutil
from pathlib import Path

from digest.inbox import file_date, ingest_inbox, pending_files

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_only_complete_visible_files_are_taken(tmp_path: Path):
    for name in ("2026-11-20_01.txt", "b.txt", ".hidden.txt", "c.txt.part", "d.tmp", "e.crdownload"):
        (tmp_path / name).write_text("x")
    (tmp_path / "done").mkdir()
    assert [p.name for p in pending_files(tmp_path)] == ["2026-11-20_01.txt", "b.txt"]
    assert pending_files(tmp_path / "missing") == []


def test_the_date_comes_from_a_real_date_in_the_name_else_today():
    assert file_date(Path("2026-11-19_03.txt"), "2026-11-21") == "2026-11-19"
    assert file_date(Path("2026-13-45_03.txt"), "2026-11-21") == "2026-11-21"
    assert file_date(Path("page3.txt"), "2026-11-21") == "2026-11-21"
    assert file_date(Path("2026-11-19.txt"), "2026-11-21") == "2026-11-19"
    assert file_date(Path("20261119_02.txt"), "2026-11-21") == "2026-11-19"
    assert file_date(Path("x2026111900.txt"), "2026-11-21") == "2026-11-21"  # part of a longer number


def test_files_are_filed_away_and_never_overwrite_earlier_ones(db, pipeline, settings, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for _ in range(2):  # the same page dropped twice
        shutil.copy(SAMPLES / "2026-11-20_01.txt", inbox / "2026-11-20_01.txt")
        (inbox / "page.txt").write_text("", encoding="utf-8")  # empty: refused
        results = ingest_inbox(db, pipeline, inbox, paper=settings.paper, today="2026-11-21")
        assert [(r.outcome.file, r.outcome.ok, r.date) for r in results] == [
            ("2026-11-20_01.txt", True, "2026-11-20"), ("page.txt", False, "2026-11-21")]
    assert results[0].outcome.status == "unchanged"
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["2026-11-20_01-2.txt", "2026-11-20_01.txt"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == [
        "page-2.txt", "page-2.txt.reason.txt", "page.txt", "page.txt.reason.txt"]
    assert (inbox / "failed" / "page.txt.reason.txt").read_text(encoding="utf-8").strip() == results[1].outcome.error
