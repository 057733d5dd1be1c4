"""Shared fixtures: settings from config/, one pipeline (one jieba load) per test session, real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest import store
from digest.pipeline import Pipeline
from digest.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SAMPLES = ROOT / "samples"


@pytest.fixture(autouse=True)
def _own_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real per-user config and data folders, or follows the shell's
    PAPERDIGEST_* variables: `paperdigest init` in a test must not change a developer's setup."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("PAPERDIGEST_CONFIG", raising=False)
    monkeypatch.delenv("PAPERDIGEST_DB", raising=False)


@pytest.fixture(autouse=True)
def _no_configured_sources(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test fetches from the real sites of config/sources.toml: a test names its own local sources."""
    monkeypatch.setenv("PAPERDIGEST_SOURCES", str(tmp_path_factory.getbasetemp() / "no-sources.toml"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "config" / "settings.toml")


@pytest.fixture(scope="session")
def pipeline(settings: Settings) -> Pipeline:
    return Pipeline.build(settings)


@pytest.fixture(scope="session")
def segmenter(pipeline: Pipeline):
    """The pipeline's own tokenizer: region names and stop words loaded, built once."""
    return pipeline.segmenter


@pytest.fixture
def db(tmp_path: Path):
    database = store.connect(tmp_path / "test.db")
    yield database
    database.close()


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    return json.loads((SEEDS / "gold.json").read_text(encoding="utf-8"))


# --- tagging fixtures ---
# Region, taxonomy and tagger from config/, on the session's one `segmenter` (region names loaded).
@pytest.fixture(scope="session")
def region():
    from digest.region import load_region

    return load_region(ROOT / "config" / "region" / "liaocheng.toml")


@pytest.fixture(scope="session")
def taxonomy():
    from digest.topics import load_taxonomy

    return load_taxonomy(ROOT / "config" / "topics.toml")


@pytest.fixture(scope="session")
def tagger(region, taxonomy, segmenter):
    from digest.tagging import Tagger

    return Tagger(region, taxonomy, segmenter)
# --- end tagging fixtures ---


# --- bot fixtures ---
# The bot's fixtures live in tests/bot_fixtures.py (seeded database copy, Services, BotDriver).
from bot_fixtures import bot, bot_db, bot_services, bot_settings, seeded_db_file  # noqa: E402, F401

# --- end bot fixtures ---


# --- summariser fixtures (issue 3) ---
# The summarisers share the session's one `segmenter` above (stop words from config/stopwords.txt).
@pytest.fixture(scope="session")
def textrank4zh_summarizer(segmenter):
    """The textrank4zh baseline, built once: its first call loads jieba's global dictionary (~0.7 s)."""
    from digest.summarize import make_summarizer

    return make_summarizer("textrank4zh", segmenter)
# --- end summariser fixtures ---


# --- jieba's dictionary cache (digest/segment.py) ---
# One cache folder per test session, never the user's: the first Segmenter builds it, the rest reuse it.
def pytest_configure(config: pytest.Config) -> None:
    import os
    import tempfile

    os.environ["PAPERDIGEST_CACHE_DIR"] = tempfile.mkdtemp(prefix="paperdigest-cache-")
# --- end jieba's dictionary cache ---


@pytest.fixture
def close_opened_connections(monkeypatch: pytest.MonkeyPatch):
    """Connections a test opens to look at what was stored are closed after it (3.13 warns of
    unclosed ones); closing one the code closed already is harmless."""
    opened = []
    real = store.connect

    def connect(path, *args, **kwargs):
        db = real(path, *args, **kwargs)
        opened.append(db)
        return db

    monkeypatch.setattr(store, "connect", connect)
    yield
    for db in opened:
        db.close()


@pytest.fixture
def site():
    """A small web site on loopback (tests/websites.py), for the fetch tests."""
    from websites import Site, serve

    with serve(Site()) as s:
        yield s
