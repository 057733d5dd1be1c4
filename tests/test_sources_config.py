"""config/sources.toml: the shipped file loads; mistakes are refused with the file and the reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from digest.settings import ConfigError
from digest.sources.config import adhoc_source, load_sources
from digest.sources.webfetch import decode_html


def test_the_shipped_sources_file_loads_with_its_defaults():
    config = load_sources(ROOT / "config" / "sources.toml")
    lcrb = config.get("lcrb")
    assert (lcrb.paper, lcrb.kind, lcrb.times, lcrb.deadline) == ("聊城日报", "founder",
                                                                   ("05:00", "05:30", "06:00", "06:30"), "07:00")
    assert lcrb.entry_url(date(2024, 11, 6)) == "http://lcrb.lcxw.cn/lcrb/pc/layout/202411/06/node_01.html"
    assert lcrb.politeness.delay == 1.0 and lcrb.politeness.user_agent.startswith("paperdigest/")
    assert config.papers == ("聊城日报",)


def test_an_entry_page_given_as_url_is_used_as_it_is(tmp_path: Path):
    url = "http://x.test/paper/pc/layout/202411/06/node_01.html"
    assert adhoc_source("founder", url, paper="p", path=tmp_path / "none.toml").entry_url(date(2025, 1, 1)) == url


@pytest.mark.parametrize(("table", "reason"), [
    ('name = "a"\nkind = "rss"\nurl = "http://x.test/"', "kind 'rss' is not one of founder, feed"),
    ('name = "a"\nkind = "feed"\nurl = "ftp://x.test/"', "is not an http(s) URL"),
    ('name = "a"\nkind = "feed"', "`url` is required"),
    ('name = "a"\nkind = "feed"\nurl = "http://x.test/"\ntimes = ["5:00"]', "'5:00' is not a time like 05:30"),
    ('name = "a"\nkind = "founder"\nurl = "http://x.test/"\nentry = "{year}/node_01.html"', "unknown field"),
    ('name = "a"\nkind = "founder"\nurl = "http://x.test/"\narticle_links = "("', "not a regular expression"),
    ('name = "a"\nkind = "founder"\nurl = "http://x.test/"\ncolour = 1', "unknown keys colour"),
])
def test_mistakes_name_the_file_and_the_reason(tmp_path: Path, table: str, reason: str):
    path = tmp_path / "sources.toml"
    path.write_text(f"[[sources]]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert str(path) in str(err.value) and reason in str(err.value)


def test_a_feed_needs_a_paper_of_its_own(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text('[[sources]]\nname = "a"\npaper = "P"\nkind = "founder"\nurl = "http://x.test/"\n'
                    '[[sources]]\nname = "b"\npaper = "P"\nkind = "feed"\nurl = "http://x.test/rss"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="feed 'b' needs a paper of its own"):
        load_sources(path)


def test_no_file_no_sources(tmp_path: Path):
    assert load_sources(tmp_path / "missing.toml").sources == ()


def test_charset_order_meta_then_header_then_detection():
    gbk = '<meta charset="gbk"><p>聊城</p>'.encode("gbk")
    assert decode_html(gbk, "utf-8") == ('<meta charset="gbk"><p>聊城</p>', "gb18030")
    assert decode_html("<p>聊城</p>".encode("gbk"), "gb2312")[1] == "gb18030"
    assert decode_html("<p>聊城</p>".encode()) == ("<p>聊城</p>", "utf-8")
    assert decode_html("<p>聊城</p>".encode("gbk"), "utf-8")[1] == "gb18030 (declared utf-8)"
    with pytest.raises(UnicodeError, match="neither UTF-8 nor GB18030"):
        decode_html(b"<p>\xff\xff</p>")
