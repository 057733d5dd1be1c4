"""What a fetch costs a site and us: requests, bytes and time for an issue, first and again.

    python benchmarks/fetch.py [--rounds 5]

Serves the test suite's Founder-style issue and hostile issue on 127.0.0.1 (no network), fetches
them with the politeness delay set to 0 (a real source waits `delay` seconds between requests),
and prints: requests and bytes the site served on a first fetch and on a re-fetch (answered
304 from the ETag cache), the median time of each, and how much of a 50 MB answer was read
before it was refused.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import paper_site  # noqa: E402
from websites import Site, serve  # noqa: E402

from digest import fetch, store  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.config import make_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pipeline = Pipeline.build(load_settings())
    site = Site()
    with serve(site), tempfile.TemporaryDirectory() as tmp:
        entry = paper_site.founder_issue(site)
        hostile = paper_site.hostile_issue(site)
        source = make_source({"name": "bench", "paper": "聊城日报", "kind": "founder", "url": site.url(entry),
                              "delay": 0, "retries": 1, "backoff": 0})
        first, again = [], []
        for i in range(args.rounds):
            db = store.connect(Path(tmp) / f"bench{i}.db")
            for times in (first, again):
                site.requests.clear()
                site.sent_bytes = 0
                t0 = time.perf_counter()
                report = fetch.fetch_source(db, pipeline, source, date(2024, 11, 6))
                times.append((time.perf_counter() - t0, len(site.requests), site.sent_bytes,
                              sum(p.articles for p in report.pages)))
            db.close()
        for label, runs in (("first fetch", first), ("re-fetch", again)):
            seconds = statistics.median(r[0] for r in runs)
            _, requests, sent, articles = runs[-1]
            print(f"{label:11}: {requests} requests, {sent / 1000:.1f} kB served, {articles} articles,"
                  f" {seconds * 1000:.0f} ms (median of {args.rounds})")
        db = store.connect(Path(tmp) / "hostile.db")
        site.sent_bytes = 0
        hostile_source = make_source({"name": "hostile", "paper": "聊城日报", "kind": "founder",
                                      "url": site.url(hostile[1]), "delay": 0, "retries": 0, "backoff": 0})
        t0 = time.perf_counter()
        report = fetch.fetch_source(db, pipeline, hostile_source, date(2024, 11, 7))
        seconds = time.perf_counter() - t0
        print(f"hostile issue: {len(report.pages)} pages, {len(report.failed)} refused, {seconds * 1000:.0f} ms;"
              f" the server wrote {site.sent_bytes / 1e6:.1f} MB of which the 50 MB answer was cut at"
              f" {hostile_source.politeness.max_bytes / 1e6:.0f} MB read")


if __name__ == "__main__":
    main()
