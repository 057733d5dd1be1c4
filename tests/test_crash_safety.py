"""kill -9 in the middle of an ingest: the page being written is as it was before that file,
pages committed earlier in the run stay, and running the ingest again gives exactly what an
uninterrupted run gives.

The real `paperdigest ingest` runs in a subprocess through a wrapper script of this test's own,
which makes `store._insert_article` pause (inside the page's open transaction) once it has
written an article of page 1; the test waits for that and sends SIGKILL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES

from digest import cli as cli_module
from digest import ingest, store
from digest.cli import cli
from digest.pipeline import Pipeline

DAY = "2026-11-20"
PAPER = "聊城日报"

WRAPPER = '''\
"""paperdigest, with store._insert_article pausing inside page 1's transaction (test only)."""
import os
import sys
import time
from pathlib import Path

from digest import store

marker = Path(os.environ["CRASH_TEST_MARKER"])
real = store._insert_article


def slow(*args, **kwargs):
    article_id = real(*args, **kwargs)
    if kwargs["page_no"] == 1:
        marker.write_text(str(article_id))
        time.sleep(60)
    return article_id


store._insert_article = slow
from digest.cli import cli  # noqa: E402

sys.exit(cli(prog_name="paperdigest"))
'''


def table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (FTS5 shadow tables too), ingest times blanked: they differ run to run."""
    conn = sqlite3.connect(path)
    try:
        # A virtual table is its shadow tables, compared one by one.
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
        rows = {}
        for table in tables:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info('{table}')")]
            select = ", ".join("NULL" if c == "ingested_at" else f'"{c}"' for c in columns)
            rows[table] = conn.execute(f"SELECT {select} FROM '{table}' ORDER BY 1").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return rows
    finally:
        conn.close()


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    """Page 1 as first stored, page 1 corrected (a title changed, last article gone), and page 2."""
    old = (SAMPLES / "2026-11-20_01.txt").read_text(encoding="utf-8")
    corrected = old[:old.rindex("本报讯")].replace("冬日工地热潮涌", "冬日工地建设热潮涌")
    folder = tmp_path / "inbox"
    folder.mkdir()
    paths = {"old": tmp_path / "2026-11-20_01.txt", "corrected": folder / "2026-11-20_01.txt",
             "page2": folder / "2026-11-20_02.txt"}
    paths["old"].write_text(old, encoding="utf-8")
    paths["corrected"].write_text(corrected, encoding="utf-8")
    paths["page2"].write_text((SAMPLES / "2026-11-20_02.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return paths


def ingest_now(db_path: Path, pipeline: Pipeline, *files: Path) -> list[str]:
    db = store.connect(db_path)
    try:
        return [o.status for o in ingest.ingest_files(db, pipeline, list(files), paper=PAPER, date=DAY)]
    finally:
        db.close()


def kill_mid_ingest(tmp_path: Path, db_path: Path, files: list[Path]) -> None:
    """Run `paperdigest ingest FILES` in a subprocess and SIGKILL it inside page 1's transaction."""
    wrapper = tmp_path / "slow_paperdigest.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    marker = tmp_path / "inside-transaction"
    env = {**os.environ, "CRASH_TEST_MARKER": str(marker), "PAPERDIGEST_CONFIG": str(ROOT / "config" / "settings.toml")}
    proc = subprocess.Popen(
        [sys.executable, str(wrapper), "--db", str(db_path), "ingest", *map(str, files), "--date", DAY],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, f"ingest ended before the kill: {proc.communicate()}"
            assert time.monotonic() < deadline, "ingest never reached page 1's transaction"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_kill_during_ingest_leaves_the_page_as_before_and_a_rerun_completes_it(
    tmp_path: Path, pipeline: Pipeline, pages: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed, reference = tmp_path / "crashed.db", tmp_path / "reference.db"
    for path in (crashed, reference):
        assert ingest_now(path, pipeline, pages["old"]) == ["stored"]
    before = dump(crashed)

    # Page 2 is committed first, then page 1's replacement is killed half-written.
    kill_mid_ingest(tmp_path, crashed, [pages["page2"], pages["corrected"]])
    assert ingest_now(reference, pipeline, pages["page2"]) == ["stored"]
    assert table_rows(crashed) == table_rows(reference)
    assert dump(crashed) != before  # page 2 did arrive
    db = store.connect(crashed)
    assert "冬日工地热潮涌" in [s.article.title for s in store.articles_on(db, DAY)]  # page 1 as it was
    db.close()

    # The same command again, uninterrupted, equals a run that was never interrupted.
    monkeypatch.setattr(cli_module.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))
    result = CliRunner().invoke(cli, ["--db", str(crashed), "ingest", str(pages["page2"]), str(pages["corrected"]),
                                      "--date", DAY], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [line.split(", ")[1] for line in result.stdout.splitlines()] == ["unchanged", "replaced"]
    assert ingest_now(reference, pipeline, pages["page2"], pages["corrected"]) == ["unchanged", "replaced"]
    assert table_rows(crashed) == table_rows(reference)


def test_kill_during_the_first_ingest_into_a_new_database_leaves_it_empty(
    tmp_path: Path, pages: dict[str, Path]
) -> None:
    db_path = tmp_path / "new.db"
    kill_mid_ingest(tmp_path, db_path, [pages["old"]])
    rows = table_rows(db_path)
    assert rows["articles"] == rows["pages"] == rows["issues"] == []
    assert rows["fts_years"] == rows["fts_dead"] == []
    assert not [name for name in rows if name.startswith("fts_2")]  # no index partition was left behind
