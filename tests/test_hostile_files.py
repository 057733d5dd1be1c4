"""Bad page files: each is refused with one clear line naming the file and the reason, or parsed
correctly; a refused file leaves the database exactly as it was (every table, byte for byte).

The corpus is tests/badinput/ (small files, made by tests/badinput/generate.py); files too big
to commit (a 50 MB line) are made here, once per session.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from badinput.generate import BROKEN_AT, corpus
from click.testing import CliRunner, Result
from conftest import ROOT

from digest import cli as cli_module
from digest import ingest, store
from digest.cli import cli
from digest.models import Article
from digest.pipeline import Pipeline
from digest.sources.textfile import MAX_PAGE_CHARS, PageError, read_page

BADINPUT = Path(__file__).parent / "badinput"
DAY = "2026-11-20"

# The three articles of the corpus page, as (kind, title, subtitle, reporters).
PAGE_ARTICLES = [
    ("news", "粮食生产再获丰收", "全市新建高标准农田12万亩", ("王晓东", "刘芳")),
    ("photo", "", "", ("陈亮",)),
    ("feature", "小轴承转出大市场", "", ("赵敏", "孙伟")),
]
TRADITIONAL_ARTICLES = [
    ("news", "糧食生產再獲豐收", "全市新建高標準農田12萬畝", ("王曉東", "劉芳")),
    ("photo", "", "", ("陳亮",)),
    ("feature", "小軸承轉出大市場", "", ("趙敏", "孫偉")),
]
EMOJI_ARTICLES = [*PAGE_ARTICLES[:2], ("feature", "小轴承转出大市场🚚", "", ("赵敏", "孙伟"))]

# File -> the reason it is refused with.
REFUSED = {
    "empty.txt": "empty file",
    "whitespace.txt": "only white space",
    "fullwidth_spaces.txt": "only white space",
    "binary.txt": "binary file: it holds NUL bytes",
    "png_renamed.txt": "binary file: looks like a PNG image, not page text",
    "utf16_no_bom.txt": "binary file: it holds NUL bytes (UTF-16 text needs a byte-order mark; save it as UTF-8)",
    "broken_utf8.txt": f"broken UTF-8 text: 3 undecodable places, the first at byte {BROKEN_AT}",
    "truncated_utf8.txt": "broken UTF-8 text: 1 undecodable place, the first at byte 993",  # in the last character
    "control_chars.txt": "binary file: control characters in the text",
    "latin.txt": "not Chinese page text (decoded as utf-8, too few Chinese characters)",
    "headlines_only.txt": "no article body found (only headlines or bylines)",
    "dateline_only.txt": "no article body found (only headlines or bylines)",
}
# File -> (encoding, articles) it is parsed into.
PARSED = {
    "ok_utf8.txt": ("utf-8", PAGE_ARTICLES),
    "gb18030.txt": ("gb18030", PAGE_ARTICLES),
    "utf8_bom.txt": ("utf-8 (BOM)", PAGE_ARTICLES),
    "utf16_bom.txt": ("utf-16 (BOM)", PAGE_ARTICLES),
    "utf16be_bom.txt": ("utf-16 (BOM)", PAGE_ARTICLES),
    "crlf.txt": ("utf-8", PAGE_ARTICLES),
    "traditional.txt": ("utf-8", TRADITIONAL_ARTICLES),
    "emoji.txt": ("utf-8", EMOJI_ARTICLES),
    "repeated_twice.txt": ("utf-8", PAGE_ARTICLES),  # the repeat is dropped and reported
}


def snapshot(path: Path) -> list[str]:
    """Every table's schema and rows, through a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def summary(articles: Sequence[Article]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(a.kind, a.title, a.subtitle, a.reporters) for a in articles]


@pytest.fixture(scope="session")
def fifty_mb_line(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 50 MB line of Chinese text, written once per session."""
    path = tmp_path_factory.mktemp("big") / "one_line_50mb.txt"
    chunk = ("粮食总产量预计比上年增长" * 10_000).encode()
    with path.open("wb") as f:
        for _ in range(50_000_000 // len(chunk) + 1):
            f.write(chunk)
    return path


@pytest.fixture
def stored_db(tmp_path: Path, pipeline: Pipeline) -> Path:
    """A database already holding page 1 of DAY, which a bad file must not disturb."""
    path = tmp_path / "hostile.db"
    db = store.connect(path)
    ingest.ingest_files(db, pipeline, [BADINPUT / "ok_utf8.txt"], paper="聊城日报", date=DAY, page=1)
    db.close()
    return path


@pytest.fixture
def run(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, stored_db: Path) -> Callable[..., Result]:
    """`paperdigest --db stored_db ARGS` through CliRunner, on the session's pipeline."""
    monkeypatch.setattr(cli_module.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", str(stored_db), *args], catch_exceptions=False)
    return invoke


def test_committed_corpus_is_what_the_generator_makes() -> None:
    made = corpus()
    assert sorted(p.name for p in BADINPUT.glob("*.txt")) == sorted(made)
    for name, data in made.items():
        assert (BADINPUT / name).read_bytes() == data, f"{name}: run python tests/badinput/generate.py"
    assert set(made) == set(REFUSED) | set(PARSED)


@pytest.mark.parametrize(("name", "reason"), REFUSED.items())
def test_refused_with_the_file_and_the_reason(name: str, reason: str, pipeline: Pipeline) -> None:
    with pytest.raises(PageError) as err:
        pipeline.process(read_page(BADINPUT / name))
    assert (err.value.file, err.value.reason) == (name, reason)
    assert str(err.value) == f"{name}: {reason}"


@pytest.mark.parametrize(("name", "expected"), PARSED.items())
def test_parsed_correctly(name: str, expected: tuple[str, list], pipeline: Pipeline) -> None:
    encoding, articles = expected
    page = pipeline.process(read_page(BADINPUT / name))
    assert page.encoding == encoding
    assert summary(page.articles) == articles
    assert page.articles[0].paragraphs[0].startswith(("11月12日，记者从市农业农村局", "11月12日，記者從市農業農村局"))


@pytest.mark.parametrize(("name", "reason"), REFUSED.items())
def test_cli_ingest_prints_one_error_line_and_changes_nothing(
    name: str, reason: str, run: Callable[..., Result], stored_db: Path
) -> None:
    before = snapshot(stored_db)
    result = run("ingest", str(BADINPUT / name), "--date", DAY, "--page", "1")
    assert result.exit_code == 1
    assert result.stderr == f"error: {name}: {reason}\n"
    assert result.stdout == ""
    assert snapshot(stored_db) == before


def test_real_command_prints_nothing_but_the_error_lines(stored_db: Path) -> None:
    """Outside CliRunner logging reaches the terminal too: a refused file must not be told twice."""
    names = ["empty.txt", "png_renamed.txt", "headlines_only.txt", "broken_utf8.txt"]
    before = snapshot(stored_db)
    result = subprocess.run(
        [sys.executable, "-m", "digest.cli", "--db", str(stored_db), "ingest", *(str(BADINPUT / n) for n in names),
         "--date", DAY], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PAPERDIGEST_CONFIG": str(ROOT / "config" / "settings.toml")},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {n}: {REFUSED[n]}" for n in names]
    assert result.stdout == ""
    assert snapshot(stored_db) == before


@pytest.mark.parametrize("name", ["empty.txt", "png_renamed.txt", "broken_utf8.txt"])
def test_cli_parse_prints_the_same_error_line(name: str, run: Callable[..., Result]) -> None:
    result = run("parse", str(BADINPUT / name))
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"error: {name}: {REFUSED[name]}\n", "")


def test_a_bad_file_among_good_ones_costs_only_itself(run: Callable[..., Result], stored_db: Path) -> None:
    result = run("ingest", str(BADINPUT / "gb18030.txt"), str(BADINPUT / "png_renamed.txt"), "--date", "2026-11-21")
    assert result.exit_code == 1
    assert result.stdout.startswith("gb18030.txt: 2026-11-21 page 1, stored, 3 articles (gb18030)")
    assert result.stderr == "error: png_renamed.txt: binary file: looks like a PNG image, not page text\n"


def test_fifty_megabyte_line_refused_before_reading(
    fifty_mb_line: Path, run: Callable[..., Result], stored_db: Path
) -> None:
    before = snapshot(stored_db)
    result = run("ingest", str(fifty_mb_line), "--date", DAY, "--page", "1")
    name = fifty_mb_line.name
    assert (result.exit_code, result.stderr) == (1, f"error: {name}: 50.0 MB is too large for a page (limit 8 MB)\n")
    assert snapshot(stored_db) == before


def test_long_line_within_the_byte_limit_refused_by_length(tmp_path: Path, pipeline: Pipeline) -> None:
    """2 MB passes the byte limit, but 700,000 characters would cost the summariser minutes."""
    path = tmp_path / "long.txt"
    text = "本报讯（记者 王晓东）" + "粮食总产量预计比上年增长。" * 54_000 + "\n\n标题\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PageError) as err:
        read_page(path)
    assert err.value.reason == f"{len(text):,} characters is too long for a page (limit {MAX_PAGE_CHARS:,})"
    assert len(text) == 702_016


def test_longest_allowed_page_of_short_sentences_is_parsed_quickly(tmp_path: Path, pipeline: Pipeline) -> None:
    """The summariser's worst case (many short sentences) at the length limit: seconds, not minutes."""
    path = tmp_path / "long.txt"
    body = "粮食增产了。" * ((MAX_PAGE_CHARS - 100) // 6)
    path.write_text(f"本报讯（记者 王晓东）{body}\n\n粮食生产再获丰收\n", encoding="utf-8")
    [article] = pipeline.process(read_page(path)).articles
    assert (article.title, article.body) == ("粮食生产再获丰收", body)
    assert article.summary.startswith("粮食增产了。")


def test_repeated_page_stored_once_with_the_repeat_reported(
    run: Callable[..., Result], stored_db: Path
) -> None:
    result = run("ingest", str(BADINPUT / "repeated_twice.txt"), "--date", "2026-11-22")
    assert result.exit_code == 0
    assert "3 articles" in result.stdout
    db = store.connect(stored_db)
    assert [s.article.title for s in store.articles_on(db, "2026-11-22")] == [t for _, t, _, _ in PAGE_ARTICLES]
    [skipped] = db.execute("SELECT skipped FROM pages WHERE file = 'repeated_twice.txt'").fetchone()
    assert skipped.count("小轴承转出大市场") == 1
    db.close()


def test_real_page_repeated_twice_gives_its_articles_once(seed_files: list[Path], pipeline: Pipeline,
                                                          tmp_path: Path) -> None:
    for seed in seed_files:
        text = read_page(seed).text
        twice = tmp_path / seed.name
        twice.write_text(text + "\n" + text, encoding="utf-8")
        once, doubled = pipeline.process(read_page(seed)), pipeline.process(read_page(twice))
        assert doubled.articles == once.articles
        assert [s.reason for s in doubled.skipped] == [f"repeats article {i} of this page"
                                                      for i in range(1, len(once.articles) + 1)]


def test_not_a_file(tmp_path: Path, run: Callable[..., Result], stored_db: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    before = snapshot(stored_db)
    result = run("ingest", str(fifo), str(tmp_path / "missing.txt"), str(tmp_path), "--date", DAY)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: pipe.txt: not a regular file",
        "error: missing.txt: no such file",
        f"error: {tmp_path.name}: is a directory, not a page file",
    ]
    assert snapshot(stored_db) == before


def test_file_name_with_a_newline_still_gives_one_line(tmp_path: Path, run: Callable[..., Result]) -> None:
    odd = tmp_path / "page\nerror: forged.txt"
    odd.write_bytes(b"")
    result = run("ingest", str(odd), "--date", DAY)
    assert result.stderr == "error: page?error: forged.txt: empty file\n"
