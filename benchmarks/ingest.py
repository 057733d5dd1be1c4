"""Time to ingest pages: per page and per article, stage by stage; or a whole year through the inbox.

    python benchmarks/ingest.py [--rounds 5]
    python benchmarks/ingest.py --year [--days 365] [--batch 50]

The default ingests the two seed pages and the sample pages into a temporary SQLite file, each
round under a new date so every round really stores, and prints the median time of each stage.

`--year` writes a year of issues (8 pages a day, named YYYY-MM-DD_NN.txt) into a temporary
inbox folder: each page is one of the seed or sample pages with every number in it changed, so
each is a different page in the real layout. Then digest.inbox.ingest_inbox reads, splits,
tags, summarises, stores and files them away with one pipeline, `--batch` pages a transaction,
and the script prints pages/s, articles/s and the peak RSS of the process. Goal: a year in
under 10 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import inbox, store  # noqa: E402
from digest.models import Page  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.textfile import read_page  # noqa: E402
from digest.sources.textpage import split_page  # noqa: E402

PAGES_A_DAY = 8


def page_files() -> list[Path]:
    return sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) + sorted((ROOT / "samples").glob("*.txt"))


def write_year(folder: Path, days: int, rng: random.Random) -> int:
    """A year of issues in the inbox; returns the number of files written."""
    templates = [read_page(p).text for p in page_files()]
    start = date(2025, 1, 1)
    n = 0
    for d in range(days):
        day = start + timedelta(days=d)
        for page_no in range(1, PAGES_A_DAY + 1):
            text = re.sub(r"\d+", lambda m: str(rng.randrange(10 ** (len(m.group()) - 1), 10 ** len(m.group()))),
                          rng.choice(templates))
            (folder / f"{day.isoformat()}_{page_no:02d}.txt").write_text(text, encoding="utf-8")
            n += 1
    return n


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def year(days: int, batch: int) -> None:
    t0 = time.perf_counter()
    pipeline = Pipeline.build(load_settings())
    print(f"pipeline built once: {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inbox"
        folder.mkdir()
        files = write_year(folder, days, random.Random(11))
        print(f"{files:,} page files ({days} issues x {PAGES_A_DAY} pages) written to the inbox")
        db = store.connect(Path(tmp) / "year.db")
        done = 0
        t0, c0 = time.perf_counter(), time.process_time()

        def progress(_: inbox.InboxResult) -> None:
            nonlocal done
            done += 1
            if done % 40 == 0 or done == files:
                rate = done / (time.perf_counter() - t0)
                bar = "#" * (30 * done // files)
                print(f"\r  [{bar:<30}] {done:,}/{files:,} pages · {rate:.1f} pages/s", end="", file=sys.stderr,
                      flush=True)

        locked: list[float] = []  # seconds each write transaction held the lock
        real_atomic = db.atomic

        @contextlib.contextmanager
        def timed_atomic() -> Iterator[store.Database]:
            t = time.perf_counter()
            with real_atomic() as inner:
                yield inner
            locked.append(time.perf_counter() - t)

        db.atomic = timed_atomic  # type: ignore[method-assign]
        results = inbox.ingest_inbox(db, pipeline, folder, paper="聊城日报", today="2025-12-31", batch=batch,
                                     on_done=progress)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(file=sys.stderr)
        articles = store.article_count(db)
        db.close()
        size = (Path(tmp) / "year.db").stat().st_size
    errors = sum(not r.outcome.ok for r in results)
    print(f"{len(results):,} pages, {articles:,} articles, {errors} refused, {batch} pages a transaction:"
          f" {wall:.0f} s ({cpu:.0f} s CPU) · {len(results) / wall:.1f} pages/s · {articles / wall:.0f} articles/s"
          f" · peak RSS {peak_rss_mb():.0f} MB · database {size / 1e6:.0f} MB (goal: a year in under 600 s)")
    print(f"write lock held per transaction ({batch} pages): median {statistics.median(locked):.2f} s,"
          f" max {max(locked):.2f} s, {sum(locked):.0f} s in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--year", action="store_true", help="A year of pages through the inbox.")
    parser.add_argument("--days", type=int, default=365, help="Issues in --year (default 365).")
    parser.add_argument("--batch", type=int, default=50, help="Pages a transaction in --year.")
    args = parser.parse_args()
    if args.year:
        year(args.days, args.batch)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")
        return
    t0 = time.perf_counter()
    pipeline = Pipeline.build(load_settings())
    print(f"pipeline built (jieba dictionary, region, topics) once: {(time.perf_counter() - t0) * 1000:.0f} ms")
    files = page_files()
    stages: dict[str, list[float]] = defaultdict(list)
    articles = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = store.connect(Path(tmp) / "ingest.db")
        for round_no in range(args.rounds):
            for n, path in enumerate(files, start=1):
                marks = [time.perf_counter()]
                text = read_page(path)
                marks.append(time.perf_counter())
                parsed, _ = split_page(text.text)
                marks.append(time.perf_counter())
                tagged = [pipeline.enrich(a) for a in parsed]
                marks.append(time.perf_counter())
                page = Page(file=path.name, encoding=text.encoding, text=text.text, articles=tuple(tagged))
                store.store_page(db, page, paper="聊城日报", date=f"2030-01-{round_no + 1:02d}", page_no=n,
                                 indexer=pipeline.segmenter)
                marks.append(time.perf_counter())
                for name, a, b in zip(("read", "split", "tag+summarise", "store+index"), marks, marks[1:],
                                      strict=False):
                    stages[name].append((b - a) * 1000)
                stages["page total"].append((marks[-1] - marks[0]) * 1000)
                stages["per article"].append((marks[-1] - marks[0]) * 1000 / max(1, len(parsed)))
                articles += len(parsed)
        db.close()
    print(f"{len(files)} pages x {args.rounds} rounds, {articles // args.rounds} articles a round")
    for name, values in stages.items():
        print(f"  {name:<14} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")


if __name__ == "__main__":
    main()
