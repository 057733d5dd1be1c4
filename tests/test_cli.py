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
    assert result.stdout.startswith(f"{seed_files[0].name}: 2024-11-06 page 1, stored, 8 articles (utf-8)")
    result = run("ingest", str(seed_files[1]), "--date", "2024-08-28")
    assert result.stdout.startswith(f"{seed_files[1].name}: 2024-08-28 page 4, stored, 9 articles")

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
    assert "2024-11-06 page 1, unchanged, 8 articles" in result.stdout


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
    assert "2026-11-21_01.txt: 2026-11-21 page 1, stored, 6 articles" in out
    assert "2026-11-22_issue.pdf: 2026-11-22 pages 1, 2, 3, 4, stored, 18 articles" in out  # the sample PDF
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


# --- issue 13: habits of a person at a terminal ---

def sample_copy(tmp_path, name: str, extra: str = "", source: str = "2026-11-20_01.txt"):
    """A sample page under another name (its date and page come from the name), optionally changed."""
    path = tmp_path / name
    path.write_text((SAMPLES / source).read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_global_options_anywhere_are_the_same(run, pipeline, tmp_path, monkeypatch):
    other = tmp_path / "other.db"
    runner = CliRunner()
    page = sample_copy(tmp_path, "2026-11-21_01.txt", source="2026-11-21_01.txt")
    assert runner.invoke(cli, ["ingest", str(page), "--db", str(other)]).exit_code == 0
    before = runner.invoke(cli, ["--db", str(other), "search", "光伏"])
    after = runner.invoke(cli, ["search", "--db", str(other), "光伏"])
    last = runner.invoke(cli, ["search", "光伏", "--db", str(other)])
    assert before.exit_code == after.exit_code == last.exit_code == 0
    assert before.stdout == after.stdout == last.stdout
    assert "[" in before.stdout  # found something: the option was not searched for as text
    assert runner.invoke(cli, ["digest", "--db", str(other)]).stdout.startswith("聊城日报 · 2026-11-21 · 6 篇")


def test_db_in_a_missing_folder_is_an_error_not_a_new_folder(run, tmp_path):
    missing = tmp_path / "no" / "such" / "x.db"
    result = CliRunner().invoke(cli, ["search", "光伏", "--db", str(missing)])
    assert result.exit_code == 1
    assert f"folder {missing.parent} does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_date_from_the_file_name_in_both_forms(run, tmp_path):
    dashed = run("ingest", str(sample_copy(tmp_path, "2024-11-06_02.txt")))
    assert dashed.stdout.startswith("2024-11-06_02.txt: 2024-11-06 page 2, stored, 6 articles")
    plain = run("ingest", str(sample_copy(tmp_path, "20241107.txt")))
    assert plain.stdout.startswith("20241107.txt: 2024-11-07 page 1, stored, 6 articles")


def test_no_date_anywhere_is_an_error_never_today(run, tmp_path):
    result = run("ingest", str(sample_copy(tmp_path, "page.txt")))
    assert result.exit_code == 1
    assert result.stderr == ("error: page.txt: no date: give --date YYYY-MM-DD or put it in the name"
                             " (2024-11-06_01.txt)\n")
    assert run("digest").exit_code == 1  # nothing was stored


def test_other_text_for_a_stored_page_needs_replace(run, tmp_path):
    assert run("ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt"))).exit_code == 0
    changed = sample_copy(tmp_path, "fixed.txt", extra="\n另据了解，该项目明年还将扩建。\n")
    refused = run("ingest", str(changed), "--date", "2024-11-06", "--page", "1")
    assert refused.exit_code == 1
    assert refused.stderr == ("error: fixed.txt: page 1 of 2024-11-06 is already stored (from 2024-11-06_01.txt)"
                              " with other text; give --replace to replace it\n")
    same = run("ingest", str(sample_copy(tmp_path, "again.txt")), "--date", "2024-11-06", "--page", "1")
    assert same.exit_code == 0 and "page 1, unchanged" in same.stdout
    replaced = run("ingest", str(changed), "--date", "2024-11-06", "--page", "1", "--replace")
    assert replaced.exit_code == 0 and "2024-11-06 page 1, replaced" in replaced.stdout


def test_page_with_several_files_is_a_usage_error(run, tmp_path):
    a, b = sample_copy(tmp_path, "2024-11-06_01.txt"), sample_copy(tmp_path, "2024-11-06_02.txt")
    result = run("ingest", str(a), str(b), "--page", "3")
    assert result.exit_code == 2
    assert "--page numbers one file; 2 were given" in result.stderr


def test_page_zero_in_a_name_is_not_a_page_number():
    from digest.ingest import page_number

    assert page_number("000_ed6e154ad0e1db3a.txt", default=1) == 1
    assert page_number("004_7b08079bb29a2088.txt", default=1) == 4
    assert page_number("2024-11-06.txt", default=1) == 1
    assert page_number("20241106_03.txt", default=1) == 3


def test_county_short_names_and_unknown_names(run, tmp_path):
    run("ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt")))
    short = run("digest", "--county", "阳谷")
    assert short.exit_code == 0 and short.stdout.startswith("聊城日报 · 2024-11-06 · 1 篇\n\n【阳谷县】")
    unknown = run("digest", "--county", "北京")
    assert unknown.exit_code == 2
    assert "unknown county '北京'; counties: 全市、东昌府区" in unknown.stderr
    assert "高唐→高唐县" in unknown.stderr


def test_topic_prefix_and_unknown_topic(run, tmp_path):
    run("ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt")))
    nothing = run("digest", "--topic", "体育")
    assert nothing.exit_code == 0
    assert nothing.stdout.startswith("聊城日报 · 2024-11-06 · 0 篇")
    assert nothing.stderr == "nothing on 2024-11-06 for all counties · 体育赛事 (6 articles that day)\n"
    unknown = run("digest", "--topic", "足球")
    assert unknown.exit_code == 2 and "unknown topic '足球'; topics: 项目建设" in unknown.stderr


def test_no_paper_that_day_and_empty_database_are_errors(run, tmp_path):
    empty = run("digest")
    assert empty.exit_code == 1 and "no articles of 聊城日报 stored yet" in empty.stderr
    assert run("search", "光伏").exit_code == 1
    run("ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt")))
    missing = run("digest", "--date", "2024-11-07")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: no paper stored for 2024-11-07 (latest: 2024-11-06)\n"
    unmatched = run("search", "北京烤鸭")
    assert unmatched.exit_code == 0 and unmatched.stderr.startswith("no article matches 北京烤鸭")


def test_inbox_typo_is_an_error(run, tmp_path):
    result = run("inbox", str(tmp_path / "typo"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_init_writes_an_editable_config_that_is_then_used(run, tmp_path):
    target = tmp_path / "conf"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "settings.toml").is_file() and (target / "region" / "liaocheng.toml").is_file()
    assert (target / "topics.toml").is_file()
    assert f"export PAPERDIGEST_CONFIG={target / 'settings.toml'}" in result.stdout
    again = CliRunner().invoke(cli, ["init", str(target)])
    assert again.exit_code == 1 and "already exists (use --force" in again.stderr
    (target / "settings.toml").write_text('[paper]\nname = "测试日报"\n', encoding="utf-8")
    info = CliRunner().invoke(cli, ["info", "--config", str(target), "--db", str(tmp_path / "i.db")])
    assert info.exit_code == 0, info.output
    assert f"config:      {target / 'settings.toml'} (--config)" in info.stdout
    assert "paper:       测试日报, times in Asia/Shanghai" in info.stdout


def test_init_default_goes_to_the_user_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(cli, ["init"])
    written = tmp_path / "xdg" / "paperdigest" / "settings.toml"
    assert result.exit_code == 0 and written.is_file()
    info = CliRunner().invoke(cli, ["info", "--db", str(tmp_path / "i.db")])
    assert f"config:      {written} (user config folder)" in info.stdout


def test_info_names_files_and_counts_in_the_paper_time_zone(run, tmp_path):
    run("ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt")))
    db = tmp_path / "cli.db"
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE pages SET ingested_at = '2024-11-05T21:31:05+00:00'")
    conn.close()
    out = run("info").stdout
    assert f"database:    {db} (--db)" in out
    assert "stored:      6 articles on 1 pages of 1 issues, 2024-11-06 to 2024-11-06" in out
    assert "last ingest: 2024-11-06 05:31" in out


def test_info_does_not_create_the_database(tmp_path):
    db = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["info", "--db", str(db)])
    assert result.exit_code == 0 and "not created yet" in result.stdout
    assert not db.exists()


def test_chat_works_on_a_copy_unless_db_is_given(run, tmp_path, monkeypatch):
    real = tmp_path / "real.db"
    monkeypatch.setenv("PAPERDIGEST_DB", str(real))
    CliRunner().invoke(cli, ["ingest", str(sample_copy(tmp_path, "2024-11-06_01.txt"))])
    result = CliRunner().invoke(cli, ["chat"], input="/subscribe\n")
    assert result.exit_code == 0, result.output
    assert "已订阅" in result.stdout
    assert f"chat works on a copy of {real}" in result.stderr
    assert "subscribers: 0 active of 0" in CliRunner().invoke(cli, ["info"]).stdout
    direct = CliRunner().invoke(cli, ["chat", "--db", str(real)], input="/subscribe\n")
    assert direct.exit_code == 0 and "chat works on" not in direct.stderr, direct.output
    assert "subscribers: 1 active of 1" in CliRunner().invoke(cli, ["info"]).stdout, direct.output
