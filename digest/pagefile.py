"""Read one page file into text, or refuse it with a reason a person can act on.

Pages arrive as UTF-8 or GB18030 (sometimes UTF-16 with a BOM) from PDF-to-text tools; anything
else (empty, binary, an image renamed .txt, a 50 MB dump) is refused before it reaches the
splitter, so nothing half-read is ever stored.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Magic numbers of files people mistake for text.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP archive or Office document",
    b"GIF8": "a GIF image",
}
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


def decode_page(data: bytes, file: str, max_bytes: int = 8_000_000) -> PageText:
    """Decode a page's bytes, detecting UTF-8, GB18030 or a BOM, and check it is Chinese text."""
    if len(data) > max_bytes:
        raise PageError(file, f"{len(data) / 1e6:.1f} MB is too large for a page (limit {max_bytes / 1e6:.0f} MB)")
    if not data.strip():
        raise PageError(file, "empty file" if not data else "only white space")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise PageError(file, f"binary file: looks like {what}, not page text")
    text, encoding = _decode(data, file)
    if _CONTROL.search(text[:100_000]):
        raise PageError(file, "binary file: control characters in the text")
    visible = re.sub(r"\s", "", text)
    if len(_CJK.findall(visible)) < 0.3 * len(visible):
        raise PageError(file, f"not Chinese page text (decoded as {encoding}, too few Chinese characters)")
    return PageText(file=file, text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)


def _decode(data: bytes, file: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "") + " (BOM)"
            except UnicodeDecodeError as exc:
                raise PageError(file, f"broken {codec} text at byte {exc.start}") from exc
    if b"\x00" in data:
        raise PageError(file, "binary file: it holds NUL bytes")
    # UTF-8 is strict enough that a clean decode is proof; GB18030 decodes almost anything, so it
    # comes second, and charset-normalizer only names what else it might be for the error.
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        guess = charset_normalizer.from_bytes(data[:200_000]).best()
        named = f" (it looks like {guess.encoding})" if guess else ""
        raise PageError(file, f"neither UTF-8 nor GB18030 text{named}: bad byte at {exc.start}") from exc


def read_page(path: Path | str, max_bytes: int = 8_000_000) -> PageText:
    """Read and decode a page file; every failure is a PageError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise PageError(path.name, f"{size / 1e6:.1f} MB is too large for a page (limit {max_bytes / 1e6:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise PageError(path.name, "no such file") from exc
    except IsADirectoryError as exc:
        raise PageError(path.name, "is a directory, not a page file") from exc
    except PermissionError as exc:
        raise PageError(path.name, "permission denied") from exc
    return decode_page(data, path.name, max_bytes)
