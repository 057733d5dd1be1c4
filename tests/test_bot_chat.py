"""Terminal mode: the same handlers as one local user, plain text out, no token and no network."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing

import httpx
import pytest
from bot_fixtures import SAMPLES

from bot import app as bot_app
from bot.chat import LOCAL_USER, local_settings, run_chat
from digest import store


@pytest.fixture
def chat(bot_settings, pipeline, seeded_db_file, tmp_path, monkeypatch):
    """Run a scripted terminal session on a copy of the seeded database; returns its output."""
    db_path = tmp_path / "chat.db"
    with closing(sqlite3.connect(seeded_db_file)) as source, closing(sqlite3.connect(db_path)) as target:
        source.backup(target)
    monkeypatch.setattr(bot_app.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))

    async def no_network(*args, **kwargs):
        raise AssertionError("the terminal chat touched the network")

    monkeypatch.setattr(httpx.AsyncClient, "send", no_network)

    def run(script: str, admin: bool = False) -> str:
        output = io.StringIO()
        run_chat(bot_settings, db_path, admin=admin, input=io.StringIO(script), output=output)
        return output.getvalue()

    run.db_path = db_path
    return run


def test_a_reader_session_in_plain_text_with_numbered_buttons(chat):
    out = chat("/start\n/subscribe\n/counties\n2\n3\n1\n光伏\n/digest\n/a13\n:quit\n/help\n")
    assert out.startswith("paperdigest 终端模式：你是订阅者")
    assert "› /start\n你好！我每天早上把聊城日报的电子版" in out
    assert "<b>" not in out and "&lt;" not in out
    assert "[1] 全部 ✓\n[2] 全市  [3] 东昌府区  [4] 茌平区\n" in out
    assert "» 县市区：全市\n（已更新）\n" in out
    assert "[1] 全部\n[2] 全市 ✓  [3] 东昌府区 ✓  [4] 茌平区\n" in out
    assert "🔎 “光伏”：第 1–3 条" in out
    assert "聊城日报 · 2026-11-21\n共 6 篇" in out, "the county filter was reset to all by [1]"
    assert "莘县分布式光伏点亮乡村振兴路\n聊城日报 · 2026-11-21 · 第 1 版 · 莘县" in out
    assert "/help" not in out.split(":quit")[-1] and "命令一览" not in out, "nothing after :quit"


def test_numbers_choose_only_while_a_keyboard_is_shown(chat):
    out = chat("/subscribe\n/counties\n99\n14\n2\n")
    after_99 = out.split("› 99\n")[1].split("› 14")[0]
    assert "“99”" in after_99 and "已更新" not in after_99, "out of range: a search, not a tap"
    assert "› 14\n（已更新）\n已保存。县市区：全部\n› 2\n" in out
    assert "“2”" in out.split("› 2\n")[1], "after 完成 the keyboard is gone: 2 is a search"


def test_an_admin_uploads_a_page_from_the_terminal(chat):
    page = SAMPLES / "2026-11-20_02.txt"
    out = chat(f"/ingest 2026-11-22\n:file {page}\n:file /no/such/file.txt\n/stats\n", admin=True)
    assert "你是管理员" in out
    assert "✅ 2026-11-20_02.txt：2026-11-22 第 2 版，已入库，6 篇" in out
    assert "读不了文件" in out
    assert "文章：41 篇，最新一期 2026-11-22" in out
    with closing(store.connect(chat.db_path)) as db:
        assert len(store.articles_on(db, "2026-11-22")) == 6


def test_a_reader_is_no_admin_in_the_terminal(chat):
    out = chat("/stats\n")
    assert "抱歉，这个命令只有管理员可以使用。" in out


def test_an_empty_archive_says_how_to_fill_it(bot_settings, pipeline, tmp_path, monkeypatch):
    monkeypatch.setattr(bot_app.Pipeline, "build", classmethod(lambda cls, settings, taxonomy=None: pipeline))
    output = io.StringIO()
    run_chat(bot_settings, tmp_path / "empty.db", admin=False, input=io.StringIO("/digest\n"), output=output)
    assert "里还没有文章：先运行 paperdigest ingest" in output.getvalue()
    assert output.getvalue().endswith("› /digest\n还没有任何文章入库。\n")


def test_the_local_user_becomes_an_admin_only_when_asked(bot_settings):
    assert LOCAL_USER not in local_settings(bot_settings, admin=False).bot.admins
    assert local_settings(bot_settings, admin=True).bot.admins == (*bot_settings.bot.admins, LOCAL_USER)
