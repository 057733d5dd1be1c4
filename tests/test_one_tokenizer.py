"""Issue 14.9: the index and the queries are always cut by the same tokenizer, across restarts.

Before, admins' topic keywords went into jieba's dictionary: after `/topic_kw 交通出行 +城乡公交`
and a restart, queries cut 城乡公交 whole while the stored articles had been indexed as
城乡 / 公交, and the search found nothing. Now the dictionary holds configuration only, and
an index built by another dictionary (config edited, an older release) is rebuilt at open.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from bot_fixtures import ADMIN, NOW, READER, TOKEN, BotDriver
from offline_request import OfflineRequest

from bot.app import build_application, make_services
from digest import reindex, search, store
from digest.dictionary import dictionary_words, index_fingerprint, load_segmenter
from digest.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]

WORD = "城乡公交"  # in samples/2026-11-20_02.txt; jieba alone cuts it 城乡 / 公交


@pytest.fixture
def db_file(seeded_db_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "restart.db"
    path.write_bytes(seeded_db_file.read_bytes())
    return path


@asynccontextmanager
async def running(settings: Settings, path: Path) -> AsyncIterator[BotDriver]:
    """The bot as `paperdigest run` starts it (make_services), on the database file at `path`."""
    services = make_services(settings, path, clock=lambda: NOW)
    api = OfflineRequest()
    application = build_application(services, token=TOKEN, request=api)
    try:
        async with application:
            yield BotDriver(application, api, services)
    finally:
        services.db.close()


async def found(bot: BotDriver, words: str) -> list[str]:
    [text] = await bot.send(f"/search {words}", user=READER)
    return [line for line in text.split("\n") if " · /a" in line]


async def test_a_topic_keyword_and_a_restart_do_not_change_what_is_found(bot_settings: Settings, db_file: Path):
    async with running(bot_settings, db_file) as bot:
        before = await found(bot, WORD)
        assert before, "the sample page is found"
        [edited] = await bot.send(f"/topic_kw 交通出行 +{WORD}:3", user=ADMIN)
        assert WORD in edited
        assert await found(bot, WORD) == before
    async with running(bot_settings, db_file) as bot:  # restarted: the admins' taxonomy is loaded
        assert WORD in dict(bot.services.pipeline.tagger.taxonomy.get("交通出行").keywords)
        assert await found(bot, WORD) == before


async def test_a_topic_keyword_jieba_splits_still_tags(bot_settings: Settings, db_file: Path):
    async with running(bot_settings, db_file) as bot:
        await bot.send(f"/topic_add 公交专题 {WORD}:50", user=ADMIN)
        stored = search.search(bot.db, bot.services.pipeline.segmenter, WORD, limit=1)[0]
        tags = bot.services.pipeline.tagger.tag(stored.article)
        assert tags.topic == "公交专题"
        assert any(e.match == WORD for e in tags.topic_evidence)


def with_userdict(settings: Settings, tmp_path: Path, *extra: str) -> Settings:
    assert settings.userdict_path is not None
    path = tmp_path / "userdict.txt"
    path.write_text(settings.userdict_path.read_text(encoding="utf-8") + "\n".join(extra) + "\n", encoding="utf-8")
    return dataclasses.replace(settings, userdict_path=path)


async def test_a_changed_dictionary_rebuilds_the_index_at_the_next_start(
    bot_settings: Settings, db_file: Path, tmp_path: Path
) -> None:
    async with running(bot_settings, db_file) as bot:
        before = await found(bot, WORD)
        assert reindex.stored_fingerprint(bot.db) == index_fingerprint(bot_settings)
    edited = with_userdict(bot_settings, tmp_path, WORD)
    assert index_fingerprint(edited) != index_fingerprint(bot_settings)
    async with running(edited, db_file) as bot:
        assert bot.services.pipeline.segmenter.terms(WORD) == [WORD], "now one word"
        assert reindex.stored_fingerprint(bot.db) == index_fingerprint(edited)
        assert await found(bot, WORD) == before
        assert await found(bot, "公交"), "its parts are still found"


def test_reindex_gives_the_index_ingest_gives(bot_settings: Settings, db_file: Path) -> None:
    db = store.connect(db_file)
    try:
        segmenter = load_segmenter(bot_settings)
        words = ["光伏", "城乡公交", "公交", "东古城镇", "时风", "马拉松", "\"数字孪生\"", "招聘 -光伏"]

        def found() -> list[list[int]]:
            return [[r.id for r in search.search(db, segmenter, w, limit=50)] for w in words]

        as_ingested = found()
        assert any(as_ingested)
        assert reindex.reindex(db, segmenter) == store.article_count(db)
        assert found() == as_ingested
    finally:
        db.close()


def test_an_index_without_a_fingerprint_is_rebuilt_once(bot_settings: Settings, db_file: Path) -> None:
    db = store.connect(db_file)
    try:
        segmenter = load_segmenter(bot_settings)
        assert reindex.stored_fingerprint(db) == segmenter.fingerprint, "the first ingest recorded it"
        with db.atomic():
            db.execute("DELETE FROM meta WHERE key = ?", [reindex.META_KEY])  # as an older release left it
        assert reindex.ensure_index(db, segmenter.fingerprint, lambda: segmenter) == store.article_count(db)
        assert reindex.ensure_index(db, segmenter.fingerprint, lambda: pytest.fail("loaded again")) == 0
    finally:
        db.close()


def test_an_empty_database_records_the_fingerprint_without_loading_jieba(bot_settings: Settings, tmp_path: Path):
    db = store.connect(tmp_path / "new.db")
    try:
        current = index_fingerprint(bot_settings)
        assert reindex.ensure_index(db, current, lambda: pytest.fail("jieba loaded for nothing")) == 0
        assert reindex.stored_fingerprint(db) == current
    finally:
        db.close()


def test_the_dictionary_is_configuration_only(bot_settings: Settings) -> None:
    words = set(dictionary_words(bot_settings))
    assert "东古城镇" in words and "光伏" in words
    assert WORD not in words


def test_the_command_line_reindexes_by_itself_and_on_demand(db_file: Path, tmp_path: Path) -> None:
    """`paperdigest search` after the user dictionary gained a word: the index is rebuilt first."""
    from click.testing import CliRunner

    from digest.cli import cli

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    with (config / "userdict.txt").open("a", encoding="utf-8") as userdict:
        userdict.write(f"\n{WORD}\n")

    def paperdigest(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config / "settings.toml"), "--db", str(db_file), *args],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    first = paperdigest("search", WORD)  # the first command after the edit rebuilds the index
    assert WORD in first
    db = store.connect(db_file)
    try:
        assert reindex.stored_fingerprint(db) == index_fingerprint(load_settings(config / "settings.toml"))
        articles = store.article_count(db)
    finally:
        db.close()
    assert paperdigest("search", WORD) == first
    assert paperdigest("reindex") == f"reindexed {articles} articles\n"
