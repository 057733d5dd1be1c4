"""Read one page file into text, or refuse it with a reason a person can act on.

Pages arrive as UTF-8 or GB18030 (sometimes UTF-16 with a BOM) from PDF-to-text tools; anything
else (empty, binary, an image renamed .txt, a 50 MB dump, UTF-8 with broken bytes) is refused
before it reaches the splitter, so nothing half-read is ever stored.
"""

from __future__ import annotations

import codecs
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Magic numbers of files people mistake for text.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP archive or Office document",
    b"GIF8": "a GIF image",
}
# A page is 5,000-10,000 characters. The summariser's sentence graph is quadratic in an article's
# sentences: 100,000 characters cost 8 s, a million minutes and gigabytes. So a longer text is
# refused whatever its size in bytes (max_bytes is per deployment; this bound protects the pipeline).
MAX_PAGE_CHARS = 50_000
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class PageError(Exception):
    """A page file that cannot be read as page text; str() names the file and the reason."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class PageText:
    file: str
    text: str
    encoding: str


def decode_page(data: bytes, file: str, max_bytes: int = 8_000_000, max_chars: int = MAX_PAGE_CHARS) -> PageText:
    """Decode a page's bytes, detecting UTF-8, GB18030 or a BOM, and check it is Chinese text."""
    if len(data) > max_bytes:
        raise PageError(file, _too_large(len(data), max_bytes))
    if not data.strip():
        raise PageError(file, "empty file" if not data else "only white space")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise PageError(file, f"binary file: looks like {what}, not page text")
    text, encoding = _decode(data, file)
    if len(text) > max_chars:
        raise PageError(file, f"{len(text):,} characters is too long for a page (limit {max_chars:,})")
    if _CONTROL.search(text[:100_000]):
        raise PageError(file, "binary file: control characters in the text")
    visible = re.sub(r"\s", "", text)
    if not visible:
        # Full-width spaces or a BOM alone: blank, though not to bytes.strip().
        raise PageError(file, "only white space")
    if len(_CJK.findall(visible)) < 0.3 * len(visible):
        raise PageError(file, f"not Chinese page text (decoded as {encoding}, too few Chinese characters)")
    return PageText(file=file, text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)


def _too_large(size: int, max_bytes: int) -> str:
    return f"{size / 1e6:.1f} MB is too large for a page (limit {max_bytes / 1e6:.0f} MB)"


def _decode(data: bytes, file: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "") + " (BOM)"
            except UnicodeDecodeError as exc:
                raise PageError(file, f"broken {codec} text at byte {exc.start}") from exc
    if b"\x00" in data:
        hint = " (UTF-16 text needs a byte-order mark; save it as UTF-8)" if _looks_utf16(data) else ""
        raise PageError(file, f"binary file: it holds NUL bytes{hint}")
    # UTF-8 is strict enough that a clean decode is proof; GB18030 decodes almost anything, so it
    # comes second, and charset-normalizer only names what else it might be for the error.
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_broken_utf8(data, file, exc)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        guess = charset_normalizer.from_bytes(data[:200_000]).best()
        named = f" (it looks like {guess.encoding})" if guess else ""
        raise PageError(file, f"neither UTF-8 nor GB18030 text{named}: bad byte at {exc.start}") from exc


def _refuse_broken_utf8(data: bytes, file: str, exc: UnicodeDecodeError) -> None:
    """UTF-8 Chinese with a few bad bytes (a cut download, one flipped byte) is broken UTF-8, not
    GB18030: say where it breaks rather than let GB18030 guess (and name the wrong byte)."""
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    if len(_CJK.findall(loose)) >= 10 * bad:
        places = f"{bad} undecodable places" if bad > 1 else "1 undecodable place"
        raise PageError(file, f"broken UTF-8 text: {places}, the first at byte {exc.start}")


def _looks_utf16(data: bytes) -> bool:
    """Whether NUL-laden bytes read cleanly as Chinese UTF-16 text whose BOM was lost."""
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        visible = re.sub(r"\s", "", text)
        # A page has lines; ASCII read as UTF-16 has none, though its letter pairs look like CJK.
        if "\n" in text and not _CONTROL.search(text) and len(_CJK.findall(visible)) >= 0.3 * len(visible):
            return True
    return False


def read_page(path: Path | str, max_bytes: int = 8_000_000) -> PageText:
    """Read and decode a page file; every failure is a PageError naming the file."""
    path = Path(path)
    name = printable_name(path.name)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise PageError(name, "is a directory, not a page file")
        if not stat.S_ISREG(info.st_mode):
            raise PageError(name, "not a regular file")
        if info.st_size > max_bytes:
            raise PageError(name, _too_large(info.st_size, max_bytes))
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError as exc:
        raise PageError(name, "no such file") from exc
    except IsADirectoryError as exc:
        raise PageError(name, "is a directory, not a page file") from exc
    except PermissionError as exc:
        raise PageError(name, "permission denied") from exc
    except OSError as exc:
        raise PageError(name, f"cannot be read: {exc.strerror or exc}") from exc
    return decode_page(data, name, max_bytes)


def printable_name(name: str) -> str:
    """A file name safe for a one-line message: control characters (a newline in an uploaded
    file's name) become `?`."""
    return _CONTROL_ANY.sub("?", name)
