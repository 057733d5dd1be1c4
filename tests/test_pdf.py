"""PDF pages in, articles out: made pages of several layouts parse exactly; bad PDFs are refused
with their reason and leave the database as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SHARED
from pdfmaker import (
    encrypted_pdf,
    latin_garbage_pdf,
    make_issue,
    many_pages_pdf,
    private_use_pdf,
    sample_stories,
    scanned_pdf,
    shuffled,
    truncated_pdf,
)

from bot.reasons import chinese_reason
from digest.ingest import ingest_file, ingest_files
from digest.sources.pdf import read_pdf

# Seeds give different styles: columns, body size, characters a line, gutters, centred or
# left headlines, rules, indents, header labels (A2 / 第2版).
LAYOUT_SEEDS = (1, 11, 12)


@pytest.fixture(scope="module")
def stories():
    return sample_stories()


def _score(pipeline, settings, made, path: Path, tmp_path: Path) -> str:
    path.write_bytes(made.data)
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(made.gold, ensure_ascii=False), encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    issue = read_pdf(path, settings.ingest)
    with pred.open("w", encoding="utf-8") as f:
        for page in issue.pages:
            for a in page.articles:
                row = {"file": issue.file, "kind": a.kind, "kicker": a.kicker, "title": a.title,
                       "subtitle": a.subtitle, "reporters": list(a.reporters), "county": "", "topic": "",
                       "summary": "", "body": a.body}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(SHARED / "tools" / "score_pages.py"), str(gold), str(pred)],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("seed", LAYOUT_SEEDS)
def test_made_pages_parse_exactly(seed, stories, pipeline, settings, tmp_path):
    made = make_issue(shuffled(stories, seed), seed=seed, file=f"layout{seed}.pdf")
    score = _score(pipeline, settings, made, tmp_path / f"layout{seed}.pdf", tmp_path)
    n, titled = len(made.gold), sum(1 for g in made.gold if g["kind"] != "photo")
    assert score.startswith(f"articles {n}/{n} (+0 extra) · body F1 "), score
    assert float(score.split("body F1 ")[1].split()[0]) >= 0.98, score
    assert f"headline {titled}/{titled} · kind {n}/{n} · reporters {n}/{n}" in score, score


def test_header_metadata_and_page_numbers(stories, settings, tmp_path):
    made = make_issue(shuffled(stories, 12), seed=12, file="issue.pdf", date="2026-11-22", first_page=3)
    path = tmp_path / "issue.pdf"
    path.write_bytes(made.data)
    issue = read_pdf(path, settings.ingest)
    got = [{"page": p.number, "date": p.meta.date, "section": p.meta.section} for p in issue.pages]
    assert got == made.pages
    assert len(got) > 1
    header_words = ("聊城日报", "责任编辑", "校对", "星期")
    for page in issue.pages:
        for a in page.articles:
            assert not any(w in a.body or w in a.headline for w in header_words)


def test_multi_page_issue_is_stored_page_by_page(stories, pipeline, db, tmp_path):
    made = make_issue(shuffled(stories, 1), seed=1, file="issue.pdf", date="2026-11-22")
    path = tmp_path / "issue.pdf"
    path.write_bytes(made.data)
    outcome = ingest_file(db, pipeline, path, paper="聊城日报", date="2026-11-01", page_no=1, date_from_header=True)
    assert outcome.ok, outcome.error
    assert outcome.date == "2026-11-22"
    assert outcome.pages == tuple(p["page"] for p in made.pages)
    rows = db.execute("SELECT p.page, p.article_count FROM pages p JOIN issues i ON i.id = p.issue_id"
                      " WHERE i.date = '2026-11-22' ORDER BY p.page").fetchall()
    assert [r[0] for r in rows] == list(outcome.pages)
    assert sum(r[1] for r in rows) == len(made.gold) == outcome.articles
    again = ingest_file(db, pipeline, path, paper="聊城日报", date="2026-11-22", page_no=1)
    assert again.status == "unchanged"


def test_date_mismatch_is_reported_and_nothing_stored(stories, pipeline, db, tmp_path):
    made = make_issue(shuffled(stories, 11)[:4], seed=11, file="page.pdf", date="2026-11-20")
    path = tmp_path / "page.pdf"
    path.write_bytes(made.data)
    outcome = ingest_file(db, pipeline, path, paper="聊城日报", date="2026-11-21", page_no=1)
    assert not outcome.ok
    assert "dated 2026-11-20, not 2026-11-21" in outcome.error
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def _snapshot(db) -> list:
    return [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("issues", "pages", "articles")]


BAD = {
    "scanned.pdf": (scanned_pdf, "scanned page, no text layer; OCR is not supported"),
    "encrypted.pdf": (encrypted_pdf, "encrypted PDF"),
    "truncated.pdf": (truncated_pdf, "truncated or corrupt PDF"),
    "private.pdf": (private_use_pdf, "no Unicode map"),
    "latin.pdf": (latin_garbage_pdf, "no Chinese text"),
    "many.pdf": (lambda: many_pages_pdf(49), "49 pages is too many (limit 48)"),
    "text.pdf": (lambda: "本报讯（记者 张明）这不是PDF。".encode(), "not a PDF"),
    "garbage.pdf": (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "corrupt PDF"),
}


def test_bad_pdfs_are_refused_and_the_database_is_unchanged(stories, pipeline, db, tmp_path):
    good = make_issue(shuffled(stories, 1)[:3], seed=1, file="good.pdf")
    (tmp_path / "good.pdf").write_bytes(good.data)
    assert ingest_file(db, pipeline, tmp_path / "good.pdf", paper="聊城日报", date="2026-11-20", page_no=1).ok
    before = _snapshot(db)
    paths = []
    for name, (make, _) in BAD.items():
        (tmp_path / name).write_bytes(make())
        paths.append(tmp_path / name)
    outcomes = ingest_files(db, pipeline, paths, paper="聊城日报", date="2026-11-20")
    for outcome, (name, (_, reason)) in zip(outcomes, BAD.items(), strict=True):
        assert outcome.file == name
        assert not outcome.ok
        assert reason in outcome.error, (name, outcome.error)
        assert "\n" not in outcome.error
        said = chinese_reason(outcome.error)  # what the bot's admins read
        assert said != "文件无法入库（原因已记入日志）", (name, outcome.error)
        assert not re.search(r"[a-z]{3,}", said.replace("Unicode", "")), (name, said)
    assert _snapshot(db) == before


def test_too_large_and_too_slow_are_refused(stories, settings, tmp_path):
    made = make_issue(shuffled(stories, 1)[:3], seed=1, file="page.pdf")
    path = tmp_path / "page.pdf"
    path.write_bytes(made.data)
    from digest.sources.textfile import PageError

    with pytest.raises(PageError, match="too large for a PDF"):
        read_pdf(path, replace(settings.ingest, max_pdf_bytes=1000))
    with pytest.raises(PageError, match="took longer than"):
        read_pdf(path, replace(settings.ingest, pdf_seconds=0.001))


def test_cli_parse_jsonl_gives_page(stories, tmp_path):
    from click.testing import CliRunner

    from digest.cli import cli

    made = make_issue(shuffled(stories, 12), seed=12, file="issue.pdf")
    path = tmp_path / "issue.pdf"
    path.write_bytes(made.data)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "parse", "--format", "jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == len(made.gold)
    assert {r["page"] for r in rows} == {p["page"] for p in made.pages}
    assert all(r["file"] == "issue.pdf" and r["summary"] for r in rows)


def test_a_pipe_named_pdf_is_refused_without_blocking(tmp_path):
    import os

    from digest.sources.pdf import is_pdf

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert not is_pdf(fifo)


def _seed_stories() -> list:
    """The real seed articles (../shared/seeds/gold.json, read here, never copied) as stories."""
    import re

    from pdfmaker import Story

    from digest.models import Article

    def paragraphs(body: str) -> tuple[str, ...]:
        sentences = [s for s in re.split(r"(?<=[。！？])", body) if s]
        return tuple("".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))

    gold = json.loads((SHARED / "seeds" / "gold.json").read_text(encoding="utf-8"))
    return [Story(Article(kind=g["kind"], title=g["title"], kicker=g["kicker"], subtitle=g["subtitle"],
                          reporters=tuple(g["reporters"]), paragraphs=paragraphs(g["body"])), g["county"], g["topic"])
            for g in gold]


@pytest.mark.parametrize("seed", (3, 5))
def test_real_articles_typeset_parse_exactly(seed, pipeline, settings, tmp_path):
    made = make_issue(shuffled(_seed_stories(), seed), seed=seed, file=f"real{seed}.pdf")
    score = _score(pipeline, settings, made, tmp_path / f"real{seed}.pdf", tmp_path)
    n, titled = len(made.gold), sum(1 for g in made.gold if g["kind"] != "photo")
    assert score.startswith(f"articles {n}/{n} (+0 extra) · body F1 1.000 · headline {titled}/{titled}"
                            f" · kind {n}/{n} · reporters {n}/{n}"), score


def test_inbox_takes_a_pdf_under_its_printed_date(stories, pipeline, db, tmp_path):
    from digest.inbox import ingest_inbox

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    made = make_issue(shuffled(stories, 11)[:4], seed=11, file="morning.pdf", date="2026-11-23")
    (inbox / "morning.pdf").write_bytes(made.data)
    (result,) = ingest_inbox(db, pipeline, inbox, paper="聊城日报", today="2026-11-30")
    assert result.outcome.ok, result.outcome.error
    assert result.outcome.date == result.date == "2026-11-23"
    assert (inbox / "done" / "morning.pdf").exists()
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(made.gold)
