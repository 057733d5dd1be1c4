"""Commands that do not segment text never import jieba (its import and dictionary cost up to 2 s),
and the quick ones not numpy or Telegram either. Timings are measured by benchmarks/startup.py;
this holds what makes them fast, in a fresh interpreter."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

PROBE = """
import json, sys
from digest.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({m: m in sys.modules for m in ("jieba", "numpy", "telegram", "sqlite_utils")}), file=sys.stderr)
"""


def loaded(*args: str) -> dict[str, bool]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("startup") / "s.db"
    from click.testing import CliRunner

    from digest.cli import cli

    assert CliRunner().invoke(cli, ["--db", str(db), "ingest", str(SAMPLES / "2026-11-21_01.txt")]).exit_code == 0
    return db


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["info"], ["search", "--help"]])
def test_quick_commands_import_nothing_heavy(args, stored):
    assert loaded("--db", str(stored), *args) == {"jieba": False, "numpy": False, "telegram": False,
                                                  "sqlite_utils": False}


def test_digest_from_stored_data_never_loads_jieba_or_telegram(stored):
    modules = loaded("--db", str(stored), "digest", "--county", "高唐")
    assert modules["jieba"] is False and modules["telegram"] is False
