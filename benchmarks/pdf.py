"""PDF reading speed and memory: ms a page and an article, PDFium (chosen) vs pdfminer.six.

`pdfium` is what ingest runs (pdfminer fills in the lone characters PDFium drops from fonts that
are not embedded, as in these reportlab pages); `pdfium-only` is PDFium alone, the cost of a PDF
whose fonts are embedded; `pdfplumber` is pdfminer.six alone.

    nice -n 10 .venv/bin/python benchmarks/pdf.py [--pages 16]

Typesets a 16-page issue with tests/pdfmaker.py (the sample articles repeated), then reads it
with each engine in the same child process the ingest uses, and lays out every page. Prints the
wall time of extraction (child process, start-up included) and of layout, per page and per
article, and the child's peak memory (ru_maxrss). Goal: a page under 0.5 s, 16 pages under 8 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pdfmaker import make_issue, sample_stories, shuffled  # noqa: E402

from digest.sources.pdf_layout import layout_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    args = parser.parse_args()
    stories = sample_stories()
    pool = [s for seed in range(12) for s in shuffled(stories, seed)]
    made = make_issue(pool, seed=12, file="issue.pdf", max_pages=args.pages)
    pages = len(made.pages)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "issue.pdf"
        path.write_bytes(made.data)
        print(f"{pages} pages, {len(made.gold)} articles, {len(made.data) / 1e3:.0f} kB")
        for engine in ("pdfium", "pdfium-only", "pdfplumber"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "digest.sources.pdf_extract", str(path), "--engine", engine,
                                   "--max-pages", "100"], capture_output=True, check=True, cwd=ROOT)
            extract = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            result = json.loads(done.stdout)
            start = time.perf_counter()
            articles = sum(len(layout_page(p).articles) for p in result["pages"])
            layout = time.perf_counter() - start
            total = extract + layout
            engines = sorted({p.get("engine", "") for p in result["pages"]})
            print(f"{engine:11} extract {extract:5.2f} s + layout {layout:5.2f} s = {total:5.2f} s · "
                  f"{1000 * total / pages:4.0f} ms a page · {1000 * total / max(articles, 1):3.0f} ms an article · "
                  f"{articles} articles · child peak {max(peak, before) / 1024:.0f} MB · read by {', '.join(engines)}")


if __name__ == "__main__":
    main()
