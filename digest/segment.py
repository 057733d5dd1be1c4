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
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")


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

    def terms(self, text: str) -> list[str]:
        """Word-like tokens in text order, lower-cased, for a full-text index or query."""
        return [t.lower() for t in self._tokenizer.cut(text, HMM=True) if _WORDLIKE.search(t)]

    def parts(self, text: str) -> list[str]:
        """Shorter words inside long ones, so `时风` finds `时风集团` and `孪生` finds `数字孪生`.

        jieba's search mode gives the dictionary words inside a long token; the two-character
        pieces of tokens of three or more characters catch the names jieba does not know.
        """
        tokens = self.terms(text)
        whole = set(tokens)
        found: dict[str, None] = {}
        for t in self._tokenizer.cut_for_search(text, HMM=True):
            if _WORDLIKE.search(t):
                found[t.lower()] = None
        for t in tokens:
            if len(t) >= 3 and _CJK_ONLY.match(t):
                for i in range(len(t) - 1):
                    found[t[i:i + 2]] = None
        return [t for t in found if t not in whole]
