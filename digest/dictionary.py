"""The words our tokenizer knows beyond jieba's own, and the tokenizer made from them.

Only configuration goes in: the region's names and config/userdict.txt. Topic keywords do not:
admins edit those while the bot runs (/topic_kw), and a dictionary that changed with them would
cut stored articles one way and later queries another ("数字乡村" found before a restart, not
after). Topics are matched over tokens instead (digest/tagging.py finds a keyword jieba splits
as a run of tokens), which needs no dictionary entry.
"""

from __future__ import annotations

import functools
from pathlib import Path

from digest.region import Region, load_region
from digest.segment import Segmenter, fingerprint
from digest.settings import Settings
from digest.stopwords import load_stopwords


def dictionary_words(settings: Settings, region: Region | None = None) -> tuple[str, ...]:
    """Region names, then the user dictionary (same format as the stop-word file: a word a line)."""
    if region is None:
        return _words_from_files(settings.region_path, settings.userdict_path)
    return _words(region, settings.userdict_path)


@functools.lru_cache(maxsize=8)
def _words_from_files(region_path: Path, userdict_path: Path | None) -> tuple[str, ...]:
    """Read once per process: a command checks the index's fingerprint, then loads the tokenizer."""
    return _words(load_region(region_path), userdict_path)


def _words(region: Region, userdict_path: Path | None) -> tuple[str, ...]:
    extra = load_stopwords(userdict_path) if userdict_path else frozenset()
    return (*region.dictionary_words(), *sorted(extra))


def index_fingerprint(settings: Settings) -> str:
    """The fingerprint of the tokenizer `load_segmenter(settings)` gives, without loading jieba."""
    return fingerprint(dictionary_words(settings))


def load_segmenter(settings: Settings, region: Region | None = None, *, lazy: bool = False) -> Segmenter:
    """The one tokenizer for indexing and querying; `lazy` for a process that cuts only a query."""
    return Segmenter(words=dictionary_words(settings, region), stopwords=load_stopwords(settings.stopwords_path),
                     lazy=lazy)
