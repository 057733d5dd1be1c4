"""Read a PDF page or a whole issue into articles, or refuse it with one reason a person can act on.

The characters are read by `pdf_extract` in a child process with a wall-clock and memory budget
(a hostile PDF can loop or allocate without end inside any parser); the layout is worked out
here, in this process, by `pdf_layout`. Whatever is wrong with a file (not a PDF, truncated,
encrypted, scanned, fonts with no Unicode map, too many pages) is a PageError naming the file,
raised before anything is stored.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from digest.models import Article, SkippedBlock
from digest.settings import IngestSettings
from digest.sources.pdf_layout import PageMeta, layout_page
from digest.sources.textfile import PageError, printable_name

ENCODING = "pdf"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PRIVATE = re.compile(r"[\ue000-\uf8ff\U000f0000-\U0010ffff]")


@dataclass(frozen=True)
class PdfPage:
    """One page of the PDF, split: its number (from the header, else its position) and metadata."""

    number: int
    meta: PageMeta
    articles: list[Article]
    skipped: list[SkippedBlock]
    text: str
    engine: str = ""


@dataclass(frozen=True)
class PdfIssue:
    file: str
    pages: list[PdfPage] = field(default_factory=list)


def is_pdf(path: Path | str) -> bool:
    """Whether the file goes to the PDF reader: a `.pdf` name (it is then refused if it is no PDF),
    or the magic bytes `%PDF-` in the first KB, whatever the name."""
    if str(path).lower().endswith(".pdf"):
        return True
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            return False  # a pipe or a device would block the read; the text reader refuses it
        with Path(path).open("rb") as f:
            return b"%PDF-" in f.read(1024)
    except OSError:
        return False


def read_pdf(path: Path | str, limits: IngestSettings, first_page: int = 1) -> PdfIssue:
    """Read every page of a PDF into articles; a PageError for anything that is not a readable paper."""
    path = Path(path)
    name = printable_name(path.name)
    data = _read_bytes(path, name, limits.max_pdf_bytes)
    if b"%PDF-" not in data[:1024]:
        raise PageError(name, "not a PDF (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise PageError(name, "truncated or corrupt PDF: no end-of-file marker (an interrupted download?)")
    pages = _extract(path, name, limits)
    return PdfIssue(file=name, pages=_split(pages, name, first_page))


def read_pdf_bytes(data: bytes, name: str, limits: IngestSettings | None = None) -> PdfIssue:
    """A PDF that came over the network (an e-paper page's PDF), read like a file of that name."""
    with tempfile.TemporaryDirectory(prefix="paperdigest-pdf-") as folder:
        path = Path(folder) / (printable_name(Path(name).name) or "page.pdf")
        path.write_bytes(data)
        issue = read_pdf(path, limits or IngestSettings())
    return issue


def _read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise PageError(name, "not a regular file")
        if info.st_size > max_bytes:
            size, limit = info.st_size / 1e6, max_bytes / 1e6
            raise PageError(name, f"{size:.1f} MB is too large for a PDF (limit {limit:.0f} MB)")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise PageError(name, "no such file") from exc
    except PermissionError as exc:
        raise PageError(name, "permission denied") from exc
    except OSError as exc:
        raise PageError(name, f"cannot be read: {exc.strerror or exc}") from exc


def _extract(path: Path, name: str, limits: IngestSettings, engine: str = "pdfium") -> list[dict]:
    """Run pdf_extract in a child process within the time and memory budget."""
    command = [sys.executable, "-m", "digest.sources.pdf_extract", str(path), "--engine", engine,
               "--max-pages", str(limits.max_pdf_pages), "--max-memory-mb", str(limits.pdf_memory_mb)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=limits.pdf_seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PageError(name, f"reading it took longer than {limits.pdf_seconds:g} s, the limit: "
                              "a broken or hostile PDF?") from exc
    try:
        result = json.loads(done.stdout)
    except ValueError as exc:
        crash = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise PageError(name, f"corrupt PDF: the reader failed ({crash[0][:120]})") from exc
    if "error" in result:
        raise PageError(name, result["error"])
    return result["pages"]


def _check_text(pages: list[dict], name: str) -> None:
    """Refuse what has no readable text: scanned pages, or fonts whose text means nothing."""
    ink = "".join(c[0] for p in pages for c in p["chars"] if not c[0].isspace())
    if not ink:
        if any(p["images"] for p in pages):
            raise PageError(name, "scanned page, no text layer; OCR is not supported")
        raise PageError(name, "no text in it (blank pages or text drawn as shapes)")
    cjk, private = len(_CJK.findall(ink)), len(_PRIVATE.findall(ink))
    if private > 0.05 * len(ink):
        raise PageError(name, "its fonts have no Unicode map (text comes out as private-use code points); "
                              "export the PDF with embedded Unicode fonts")
    if cjk < 0.3 * len(ink):
        raise PageError(name, "no Chinese text in it: its fonts have no usable Unicode map, "
                              "or it is not a Chinese page")


def _split(pages: list[dict], name: str, first_page: int) -> list[PdfPage]:
    _check_text(pages, name)
    out: list[PdfPage] = []
    for index, page in enumerate(pages):
        if not any(not c[0].isspace() for c in page["chars"]):
            continue  # a picture-only page (an advertisement) or a blank one holds no article
        laid = layout_page(page)
        out.append(PdfPage(number=laid.meta.number or first_page + index, meta=laid.meta, articles=laid.articles,
                           skipped=laid.skipped, text=laid.text, engine=page.get("engine", "")))
    numbers = [p.number for p in out]
    if len(set(numbers)) < len(numbers):  # A2 and B2 in one file: number by position instead
        out = [PdfPage(first_page + i, p.meta, p.articles, p.skipped, p.text, p.engine) for i, p in enumerate(out)]
    return out
