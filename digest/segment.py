"""One explicit jieba tokenizer per process, with the region's names in its dictionary.

jieba's module-level functions share a hidden global tokenizer on the default dictionary; we
build our own `jieba.Tokenizer`, load it once (about 0.6 s) and pass it to whoever needs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba

log = logging.getLogger(__name__)

# A token worth counting: it holds at least one CJK character, letter or digit.
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


class Segmenter:
    """Cut Chinese text into words; region names added to the dictionary are never split."""

    def __init__(self, words: Iterable[str] = (), stopwords: Iterable[str] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary build to stderr otherwise
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self.stopwords = frozenset(stopwords)
        for word in words:
            if word:
                # A high frequency makes jieba keep the whole name even inside longer runs.
                self._tokenizer.add_word(word, freq=max(2000, 200 * len(word)))

    def cut(self, text: str) -> list[str]:
        """Every token, punctuation and spaces included, in text order (jieba's precise mode)."""
        return list(self._tokenizer.cut(text, HMM=True))

    def words(self, text: str) -> list[str]:
        """Content tokens only: no punctuation, white space or stop words."""
        return [
            t for t in self._tokenizer.cut(text, HMM=True)
            if _WORDLIKE.search(t) and t not in self.stopwords and not t.isspace()
        ]

    def search_terms(self, text: str) -> list[str]:
        """Tokens for a full-text index: jieba's search mode also yields the parts of long words."""
        return [t for t in self._tokenizer.cut_for_search(text, HMM=True) if _WORDLIKE.search(t)]
