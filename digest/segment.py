"""One explicit jieba tokenizer per dictionary and process, its finished dictionary cached on disk.

jieba's module-level functions share a hidden global tokenizer on the default dictionary; we
build our own `jieba.Tokenizer` with our words (region names, config/userdict.txt) added and
pass it to whoever needs it.

Loading costs: jieba builds its prefix dictionary (about 500,000 entries) from dict.txt in
1.5-2 s, or reads its own cache of the plain dictionary in about 0.6 s, and then our words
are added. So the finished dictionary, our words included, is kept on disk as a small SQLite
file named by its `fingerprint` (jieba's version, our words and their frequencies), built on
first use and never again until the words change. Two ways to use it:

- whole (`lazy=False`): read into memory once per process, for whoever segments much text
  (ingest, the bot, tagging, summaries);
- `lazy=True`: look up only the pieces of the text being cut (a query of a few words needs a
  few dozen look-ups). Same frequencies, so exactly the same cut, without paying the load for
  one `paperdigest search`.

The fingerprint also names what the full-text index was built with (digest/reindex.py): index
and queries must always segment alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Bump when terms() or parts() change what goes into the index: the fingerprint changes with it.
INDEX_FORMAT = 1
CACHE_ENV = "PAPERDIGEST_CACHE_DIR"

# A token worth counting: it holds at least one CJK character, letter or digit.
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
_LOADED: dict[tuple[str, bool], Any] = {}  # (fingerprint, lazy) -> tokenizer: one load per process
_LOCK = threading.Lock()


def word_frequency(word: str) -> int:
    """A high frequency makes jieba keep the whole name even inside longer runs."""
    return max(2000, 200 * len(word))


def fingerprint(words: Iterable[str]) -> str:
    """What decides how text is cut: jieba's version, our words and their frequencies, our format.

    Computed without importing jieba, so a command can tell whether the index is current cheaply.
    """
    digest = hashlib.sha256(f"jieba {_jieba_version()}\nformat {INDEX_FORMAT}\n".encode())
    for word in sorted(set(w for w in words if w)):
        digest.update(f"{word}\t{word_frequency(word)}\n".encode())
    return digest.hexdigest()[:32]


def _jieba_version() -> str:
    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:  # pragma: no cover - jieba vendored without metadata
        return "unknown"


def cache_dir() -> Path:
    """$PAPERDIGEST_CACHE_DIR, else the per-user cache folder."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("paperdigest"))


def _import_jieba() -> Any:
    """`import jieba`, without the 0.25 s jieba 0.42 spends importing pkg_resources.

    jieba imports pkg_resources only to open its own bundled files, and falls back to opening
    them by path when the import fails; both read the same bytes. So pkg_resources is hidden for
    the duration of jieba's import only (anyone else who imports it later still gets it).
    """
    hidden = "jieba" not in sys.modules and "pkg_resources" not in sys.modules
    if hidden:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hidden and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary build to stderr otherwise
    return jieba


class _DiskFrequencies:
    """jieba's FREQ mapping, answered from the cache file one look-up at a time (kept once asked)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._known: dict[str, int | None] = {}
        self._lock = threading.Lock()
        weakref.finalize(self, conn.close)  # closed with its tokenizer, or at exit: never left to the collector

    def get(self, word: str, default: Any = None) -> Any:
        try:
            found = self._known[word]
        except KeyError:
            with self._lock:
                row = self._conn.execute("SELECT n FROM freq WHERE word = ?", [word]).fetchone()
            found = self._known[word] = row[0] if row else None
        return default if found is None else found

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return int(found)


def _cache_path(folder: Path, print_: str) -> Path:
    return folder / f"jieba-{print_}.sqlite"


@contextlib.contextmanager
def _open_cache(path: Path, print_: str) -> Iterator[tuple[sqlite3.Connection, int] | None]:
    """The cache file's connection and jieba's `total`, or None when missing, foreign or damaged."""
    if not path.is_file():
        yield None
        return
    conn = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        log.warning("jieba cache %s unreadable (%s): building it again", path, exc)
        yield None
        return
    if meta.get("fingerprint") != print_ or "total" not in meta:
        conn.close()
        yield None
        return
    yield conn, int(meta["total"])


def _write_cache(path: Path, print_: str, freq: dict[str, int], total: int) -> None:
    """Write the finished dictionary next to `path` and move it into place whole (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        conn = sqlite3.connect(temp)
        with conn:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [("fingerprint", print_), ("total", str(total))])
        conn.close()
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _build(words: tuple[str, ...], print_: str, folder: Path) -> Any:
    """jieba's dictionary with our words, in memory, also written to the cache when it can be."""
    jieba = _import_jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(folder) if folder.is_dir() else None  # jieba's own cache of dict.txt
    tokenizer.initialize()
    for word in words:
        tokenizer.add_word(word, freq=word_frequency(word))
    try:
        _write_cache(_cache_path(folder, print_), print_, tokenizer.FREQ, tokenizer.total)
    except (OSError, sqlite3.Error) as exc:  # a read-only home: slower starts, same results
        log.warning("cannot cache jieba's dictionary in %s: %s", folder, exc)
    return tokenizer


def _load(words: tuple[str, ...], lazy: bool) -> Any:
    print_ = fingerprint(words)
    with _LOCK:
        for key in ((print_, lazy), (print_, False)):  # a whole dictionary already loaded serves lazy use too
            if key in _LOADED:
                return _LOADED[key]
        folder = cache_dir()
        jieba = _import_jieba()
        with _open_cache(_cache_path(folder, print_), print_) as cached:
            if cached is None:
                tokenizer = _build(words, print_, folder)
                lazy = False
            else:
                conn, total = cached
                tokenizer = jieba.Tokenizer()
                tokenizer.total = total
                if lazy:
                    tokenizer.FREQ = _DiskFrequencies(conn)
                else:
                    tokenizer.FREQ = dict(conn.execute("SELECT word, n FROM freq"))
                    conn.close()
                tokenizer.initialized = True
        _LOADED[(print_, lazy)] = tokenizer
        return tokenizer


class Segmenter:
    """Cut Chinese text into words; names added to the dictionary are never split.

    `words` is the whole dictionary addition: it must not depend on anything an admin edits at
    run time (topic keywords), or text indexed before an edit would be cut unlike queries after.
    """

    def __init__(self, words: Iterable[str] = (), stopwords: Iterable[str] = (), *, lazy: bool = False) -> None:
        self.words_added = tuple(dict.fromkeys(w for w in words if w))
        self.fingerprint = fingerprint(self.words_added)
        self.stopwords = frozenset(stopwords)
        self._tokenizer = _load(self.words_added, lazy)

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
