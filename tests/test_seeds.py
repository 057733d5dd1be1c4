"""The two real seed pages, scored by ../shared/tools/score_pages.py exactly as the CEO scores them."""

import json
import subprocess
import sys

from conftest import SEEDS, SHARED

from digest.sources.textfile import read_page


def test_seed_scoreboard(pipeline, seed_files, tmp_path):
    out = tmp_path / "seeds.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for path in seed_files:
            page = pipeline.process(read_page(path))
            for a in page.articles:
                row = {"file": page.file, "kind": a.kind, "kicker": a.kicker, "title": a.title,
                       "subtitle": a.subtitle, "reporters": list(a.reporters), "county": a.county,
                       "topic": a.topic, "summary": a.summary, "body": a.body}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(SHARED / "tools" / "score_pages.py"), str(SEEDS / "gold.json"),
                             str(out)], capture_output=True, text=True, check=False)
    score = result.stdout.strip().splitlines()[-1]
    assert score.startswith("articles 17/17 (+0 extra) · body F1 1.000 · headline 15/15 · kind 17/17"
                            " · reporters 17/17 · county 17/17 · topic "), result.stdout
    assert "summary ok 17/17" in score
    topic = int(score.split(" · topic ")[1].split("/")[0])
    assert topic >= 15
    assert result.returncode == 0, result.stdout
