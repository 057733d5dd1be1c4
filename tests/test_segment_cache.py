"""jieba's finished dictionary, our words included, is cached on disk and reused (issue 13, fast start).

The cache is named by the dictionary's fingerprint, so changed words make a new one; a damaged
file is rebuilt; a lazy tokenizer (one query) reads only what it looks up, and cuts exactly as
the whole dictionary does.
"""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from digest import segment
from digest.segment import Segmenter, fingerprint

WORDS = ("城乡公交", "东古城镇", "光伏")
TEXTS = [
    "11月19日，记者从市交通运输局获悉，我市加快推进城乡公交一体化，新开通线路12条。",
    "冠县东古城镇分布式光伏电站并网发电，时风集团数字孪生平台上线。",
    "Ａ股 AI 5G 光伏+储能 “客货邮”融合发展，农村群众寄取包裹不出村。",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the dictionary for WORDS, built once for this module."""
    folder = tmp_path_factory.mktemp("jieba-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(segment.CACHE_ENV, str(folder))
        mp.setattr(segment, "_LOADED", {})
        Segmenter(WORDS)
    return folder


@pytest.fixture
def fresh_process(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """As a new process: nothing loaded yet, the module's cache folder in use."""
    monkeypatch.setenv(segment.CACHE_ENV, str(cache))
    monkeypatch.setattr(segment, "_LOADED", {})
    return cache


def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: object, *args: object) -> None:
        pytest.fail("jieba built its dictionary although the cache holds it")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", fail)


def test_the_cache_is_named_by_the_fingerprint(cache: Path) -> None:
    assert [p.name for p in cache.glob("jieba-*.sqlite")] == [f"jieba-{fingerprint(WORDS)}.sqlite"]
    assert fingerprint(WORDS) == fingerprint(reversed(WORDS)), "order does not matter"
    assert fingerprint(WORDS) != fingerprint(WORDS[:2])


def test_a_new_process_reads_the_cache_instead_of_building(fresh_process: Path, monkeypatch) -> None:
    no_build(monkeypatch)
    whole = Segmenter(WORDS)
    assert whole.terms("推进城乡公交一体化") == ["推进", "城乡公交", "一体化"]
    assert Segmenter(WORDS, stopwords={"推进"})._tokenizer is whole._tokenizer, "loaded once per process"


def test_lazy_cuts_exactly_as_the_whole_dictionary(fresh_process: Path, monkeypatch) -> None:
    no_build(monkeypatch)
    lazy = Segmenter(WORDS, lazy=True)
    assert isinstance(lazy._tokenizer.FREQ, segment._DiskFrequencies), "nothing loaded whole"
    monkeypatch.setattr(segment, "_LOADED", {})
    whole = Segmenter(WORDS)
    assert isinstance(whole._tokenizer.FREQ, dict)
    for text in TEXTS:
        assert lazy.cut(text) == whole.cut(text)
        assert lazy.terms(text) == whole.terms(text)
        assert lazy.parts(text) == whole.parts(text)


def test_changed_words_make_a_new_cache_and_a_damaged_one_is_rebuilt(fresh_process: Path) -> None:
    more = (*WORDS, "客货邮")
    damaged = fresh_process / f"jieba-{fingerprint(more)}.sqlite"
    damaged.write_bytes(b"not a database")
    segmenter = Segmenter(more)
    assert segmenter.terms("客货邮融合") == ["客货邮", "融合"]
    assert damaged.stat().st_size > 1_000_000, "rebuilt whole"
    assert (fresh_process / f"jieba-{fingerprint(WORDS)}.sqlite").is_file(), "the other dictionary's cache stays"


def test_an_unwritable_cache_folder_still_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(segment.CACHE_ENV, str(blocker / "cache"))
    monkeypatch.setattr(segment, "_LOADED", {})
    assert Segmenter(WORDS).terms("城乡公交") == ["城乡公交"]
    assert "cannot cache jieba's dictionary" in caplog.text
