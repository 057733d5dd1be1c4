"""Make samples/2026-11-22_issue.pdf: the sample articles typeset as a PDF issue, for `make demo`.

    .venv/bin/python samples/make_pdfs.py

The generator is tests/pdfmaker.py (reportlab, built-in CID font STSong-Light); the expected
articles are written beside the PDF in ../shared/seeds/gold.json's format.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from pdfmaker import make_issue, sample_stories, shuffled  # noqa: E402

SEED, DATE = 12, "2026-11-22"


def main() -> None:
    made = make_issue(shuffled(sample_stories(), SEED), seed=SEED, file=f"{DATE}_issue.pdf", date=DATE)
    (HERE / f"{DATE}_issue.pdf").write_bytes(made.data)
    (HERE / f"{DATE}_issue.gold.json").write_text(json.dumps(made.gold, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
    print(f"{DATE}_issue.pdf: {len(made.pages)} pages, {len(made.gold)} articles")


if __name__ == "__main__":
    main()
