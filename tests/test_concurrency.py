"""Ingest while delivering and searching, each thread on its own connection as the processes are.

A writer re-ingests corrected versions of one page in a loop; readers compose the day's digest
and must see either the old or the new page complete, never half of each (a torn digest); a
delivery thread queues and marks messages; a searcher searches. Nothing may fail with
`database is locked`: WAL lets readers run beside the writer, and write transactions take the
write lock when they begin, waiting up to the busy timeout, instead of failing when a read
inside them cannot be upgraded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest import compose, ingest, outbox, search, store
from digest.pipeline import Pipeline

BADINPUT = Path(__file__).parent / "badinput"
PAPER, DAY = "聊城日报", "2026-11-20"
ROUNDS = 16


def page_versions(tmp_path: Path) -> tuple[Path, Path]:
    """The corpus page (3 articles) and a correction of it (a new title, the photo dropped)."""
    text = (BADINPUT / "ok_utf8.txt").read_text(encoding="utf-8")
    old = tmp_path / "old" / "2026-11-20_01.txt"
    new = tmp_path / "new" / "2026-11-20_01.txt"
    for path in (old, new):
        path.parent.mkdir()
    old.write_text(text, encoding="utf-8")
    photo = text[text.index("11月10日，冠县"):text.index("■ 本报记者 赵敏")]
    new.write_text(text.replace(photo, "").replace("小轴承转出大市场", "小轴承转出国内外大市场"), encoding="utf-8")
    return old, new


def digest_titles(db_path: Path) -> tuple[str, ...]:
    db = store.connect(db_path)
    try:
        digest = compose.compose_digest(store.articles_on(db, DAY, PAPER), paper=PAPER, date=DAY)
        return tuple(sorted(item.title for s in digest.sections for t in s.topics for item in t.items))
    finally:
        db.close()


def run_threads(workers: dict[str, Callable[[threading.Event], None]], writer: Callable[[], None]) -> list[str]:
    """Run `writer` to its end with the workers looping beside it; every exception, as text."""
    errors: list[str] = []
    done = threading.Event()

    def guard(name: str, body: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                body()
            except Exception as exc:  # collected and asserted on in the main thread
                errors.append(f"{name}: {exc!r}")
                done.set()
        return run

    def finish_writer() -> None:
        try:
            writer()
        finally:
            done.set()

    threads = [threading.Thread(target=guard("writer", finish_writer))]
    threads += [threading.Thread(target=guard(name, lambda w=w: w(done))) for name, w in workers.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_connect_sets_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    db = store.connect(tmp_path / "c.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    db.close()


def test_connecting_and_reading_never_wait_for_a_writer(tmp_path: Path) -> None:
    db_path = tmp_path / "held.db"
    store.connect(db_path).close()
    writer = store.connect(db_path)
    with writer.atomic():  # holds the write lock, as an ingest does while it stores a page
        started = time.monotonic()
        reader = store.connect(db_path)
        assert store.articles_on(reader, DAY) == []
        reader.close()
        assert time.monotonic() - started < 1
    writer.close()


def test_ingest_while_composing_delivering_and_searching(
    tmp_path: Path, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = tmp_path / "busy.db"
    old, new = page_versions(tmp_path)
    setup = store.connect(db_path)
    outbox.ensure_schema(setup)
    ingest.ingest_files(setup, pipeline, [new], paper=PAPER, date=DAY)
    new_titles = digest_titles(db_path)
    ingest.ingest_files(setup, pipeline, [old], paper=PAPER, date=DAY)
    old_titles = digest_titles(db_path)
    setup.close()
    assert len(old_titles) == 3 and len(new_titles) == 2

    # Each article insert pauses inside the page's transaction, so readers surely read mid-write.
    writing = threading.Event()
    real_insert = store._insert_article

    def slow_insert(*args: object, **kwargs: object) -> int:
        writing.set()
        article_id = real_insert(*args, **kwargs)
        time.sleep(0.01)
        return article_id

    monkeypatch.setattr(store, "_insert_article", slow_insert)
    reads: list[tuple[tuple[str, ...], bool]] = []

    def writer() -> None:
        db = store.connect(db_path)
        for i in range(ROUNDS):
            version, titles = (new, new_titles) if i % 2 == 0 else (old, old_titles)
            [outcome] = ingest.ingest_files(db, pipeline, [version], paper=PAPER, date=DAY)
            writing.clear()
            assert outcome.status == "replaced", outcome
            deadline = time.monotonic() + 10
            while not any(seen == titles and not during for seen, during in reads[-3:]):
                assert time.monotonic() < deadline, "no reader saw the new version"
                time.sleep(0.002)
        db.close()

    def reader(done: threading.Event) -> None:
        while not done.is_set():
            during = writing.is_set()
            titles = digest_titles(db_path)
            assert titles in (old_titles, new_titles), f"torn digest: {titles}"
            reads.append((titles, during))

    def searcher(done: threading.Event) -> None:
        db = store.connect(db_path)
        while not done.is_set():
            assert len(search.search(db, pipeline.segmenter, "轴承")) == 1
        db.close()

    def deliverer(done: threading.Event) -> None:
        db = store.connect(db_path)
        chat = 0
        while not done.is_set():
            chat += 1
            now = datetime.now(UTC)
            parts = [outbox.Part("digest", f"第{chat}份 第{i}段") for i in range(3)]
            outbox.enqueue_many(db, [(chat, parts)], date=DAY, scheduled_at={chat: now}, now=now)
            outbox.enqueue_alert(db, chat, DAY, ["提醒"], now=now)
            for row in outbox.sendable(db, now)[:2]:
                if outbox.claim(db, row.id, now) is not None:
                    outbox.mark_sent(db, row.id, 1, now)
            time.sleep(0.001)
        db.close()

    errors = run_threads({"reader 1": reader, "reader 2": reader, "searcher": searcher, "deliverer": deliverer},
                         writer)
    assert errors == []
    assert {titles for titles, _ in reads} == {old_titles, new_titles}
    assert sum(during for _, during in reads) >= ROUNDS, "too few reads overlapped a write"


@pytest.mark.parametrize("writers", [3])
def test_writers_on_separate_connections_never_see_database_is_locked(tmp_path: Path, writers: int) -> None:
    """Transactions that read before they write (queue a digest unless one exists) from several
    processes at once: each waits its turn for the write lock instead of failing."""
    db_path = tmp_path / "writers.db"
    setup = store.connect(db_path)
    outbox.ensure_schema(setup)
    setup.close()
    stop_after = 40

    def worker(offset: int) -> Callable[[threading.Event], None]:
        def run(done: threading.Event) -> None:
            db = store.connect(db_path)
            for chat in range(offset, offset + stop_after):
                now = datetime.now(UTC)
                outbox.enqueue_many(db, [(chat, [outbox.Part("digest", "x")])], date=DAY, scheduled_at={chat: now},
                                    now=now)
                outbox.enqueue_alert(db, chat, DAY, ["y"], now=now)
            db.close()
        return run

    workers = {f"writer {i}": worker(i * 1000) for i in range(writers)}
    errors = run_threads(workers, lambda: None)
    assert errors == []
    db = store.connect(db_path)
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == writers * stop_after * 2
    db.close()
