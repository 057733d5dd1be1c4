"""The command line, through click's CliRunner against real SQLite files."""

import json

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from digest import cli as cli_module
from digest.cli import cli


@pytest.fixture
def run(pipeline, monkeypatch, tmp_path):
    """Invoke `paperdigest` with a temporary database and the session's pipeline (one jieba load)."""
    monkeypatch.setattr(cli_module.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))
    db = tmp_path / "cli.db"

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return invoke


def test_parse_jsonl_has_every_field(run, seed_files):
    result = run("parse", str(seed_files[0]), "--format", "jsonl")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 8
    for row in rows:
        assert {"file", "kind", "kicker", "title", "subtitle", "reporters", "county", "topic", "summary",
                "body"} <= row.keys()
        assert row["file"] == seed_files[0].name
    assert "8 articles (utf-8)" in result.stderr


def test_ingest_search_and_digest(run, seed_files):
    result = run("ingest", str(seed_files[0]), "--date", "2024-11-06")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{seed_files[0].name}: page 0, stored, 8 articles (utf-8)")
    result = run("ingest", str(seed_files[1]), "--date", "2024-08-28")
    assert "stored, 9 articles" in result.stdout

    lines = run("search", "光伏").stdout.splitlines()
    assert lines[0].startswith("2024-11-06 · 高唐县 · [")
    assert lines[0].endswith("高唐：可再生能源产业跑出加速度")

    digest = run("digest", "--date", "2024-08-28").stdout
    assert digest.startswith("聊城日报 · 2024-08-28 · 9 篇\n\n【全市】")
    assert "可再生能源" not in digest
    only = run("digest", "--date", "2024-11-06", "--county", "冠县").stdout
    assert only.splitlines()[0] == "聊城日报 · 2024-11-06 · 1 篇"
    assert "电商赋能特色产业" in only


def test_ingest_same_file_twice_says_unchanged(run, seed_files):
    run("ingest", str(seed_files[0]), "--date", "2024-11-06")
    result = run("ingest", str(seed_files[0]), "--date", "2024-11-06")
    assert "page 0, unchanged, 8 articles" in result.stdout


def test_bad_file_one_line_error_and_nonzero_exit(run, seed_files, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run("ingest", str(bad), str(seed_files[0]), "--date", "2024-11-06")
    assert result.exit_code == 1
    assert result.stderr == "error: bad.txt: binary file: looks like a PNG image, not page text\n"
    assert "stored, 8 articles" in result.stdout


def test_bad_date_refused(run, seed_files):
    result = CliRunner().invoke(cli, ["ingest", str(seed_files[0]), "--date", "2024-13-01"])
    assert result.exit_code == 2
    assert "'2024-13-01' is not a date like 2026-11-20" in result.output


def test_search_refusal_is_a_message(run):
    result = run("search", "-光伏")
    assert result.exit_code == 1
    assert "没有可搜索的关键词" in result.output


def test_demo_ingests_samples_and_prints_digest_and_search(run, tmp_path):
    result = run("demo", "--db", str(tmp_path / "demo.db"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ingest 2026-11-21 2026-11-21_01.txt: stored, 6 articles" in out
    assert "ingest 2026-11-22 2026-11-22_issue.pdf: stored, 18 articles" in out  # the sample PDF issue
    assert "聊城日报 · 2026-11-22 · 18 篇" in out
    assert "$ paperdigest search 光伏" in out
    after = out.split("$ paperdigest search 光伏")[1]
    assert "莘县分布式光伏点亮乡村振兴路" in after.splitlines()[1]
    assert SAMPLES.exists()


def test_explain_names_county_evidence(run, seed_files):
    result = run("explain", str(seed_files[0]))
    assert result.exit_code == 0
    assert "高唐：可再生能源产业跑出加速度" in result.stdout
    assert "高唐县" in result.stdout
