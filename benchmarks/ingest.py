"""Time to ingest pages: per page and per article, stage by stage, with jieba loaded once.

    python benchmarks/ingest.py [--rounds 5]

Ingests the two seed pages and the sample pages into a temporary SQLite file, each round under
a new date so every round really stores, and prints the median time of each stage.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import store  # noqa: E402
from digest.models import Page  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.textfile import read_page  # noqa: E402
from digest.sources.textpage import split_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    t0 = time.perf_counter()
    pipeline = Pipeline.build(load_settings())
    print(f"pipeline built (jieba dictionary, region, topics) once: {(time.perf_counter() - t0) * 1000:.0f} ms")
    files = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) + sorted((ROOT / "samples").glob("*.txt"))
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
