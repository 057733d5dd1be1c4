"""Characters, picture boxes and rules of each PDF page, read in a child process with limits.

A PDF is a program: a hostile one can make a parser loop or allocate without bound. So the
parent (digest.sources.pdf) runs this module as `python -m digest.sources.pdf_extract FILE`
with a wall-clock timeout, and the child caps its own address space before it opens the file.
It prints one JSON object: {"pages": [...]} or {"error": "reason"}.

Two engines give the same plain data, so `benchmarks/pdf.py` can compare them: pypdfium2
(PDFium, Apache-2.0/BSD: the default, chosen by measurement) and pdfplumber (pdfminer.six, MIT).
A char is [text, x0, x1, baseline, size, font]: y grows downwards from the top of the page, and
the baseline is used rather than the glyph box, which is empty for fonts that are not embedded.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import sys
from typing import Any

# A page holds some 10,000 characters and a few hundred drawing objects; far more is hostile.
MAX_CHARS_PER_PAGE = 60_000
MAX_OBJECTS_PER_PAGE = 20_000
_BOX_MIN = 24.0  # points: smaller filled shapes are ornaments, not pictures
_RULE_MAX = 3.0  # points: thinner shapes are rules

Char = list[Any]


class ExtractError(Exception):
    pass


def _shape(x0: float, top: float, x1: float, bottom: float, image: bool) -> list[Any] | None:
    w, h = x1 - x0, bottom - top
    if w >= _BOX_MIN and h >= _BOX_MIN:
        return [round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2), "picture" if image else "box"]
    if (w >= _BOX_MIN and h <= _RULE_MAX) or (h >= _BOX_MIN and w <= _RULE_MAX):
        return [round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2), "rule"]
    return None


def extract_pdfium(path: str, max_pages: int, fill_in: bool = True) -> list[dict[str, Any]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise ExtractError("encrypted PDF: it needs a password to open") from exc
        raise ExtractError(f"corrupt PDF: {exc}") from exc
    if len(pdf) > max_pages:
        raise ExtractError(f"{len(pdf)} pages is too many (limit {max_pages})")
    box = raw.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    name = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    pages = []
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        count = textpage.count_chars()
        if count > MAX_CHARS_PER_PAGE:
            raise ExtractError(f"page {index + 1} holds {count:,} characters (limit {MAX_CHARS_PER_PAGE:,})")
        fonts: dict[str, int] = {}
        chars: list[Char] = []
        for i in range(count):
            code = raw.FPDFText_GetUnicode(textpage, i)
            if raw.FPDFText_IsGenerated(textpage, i) or code in (0, 0xFFFE, 0xFFFF) or code > 0x10FFFF:
                continue
            ch = chr(code)
            if ch.isspace() and ch not in " \u3000":
                continue  # a drawn space is kept: it says two runs of text are one line
            # The loose box spans the glyph's advance: a tight box makes `“` look like a gap.
            raw.FPDFText_GetLooseCharBox(textpage, i, box)
            raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
            size = raw.FPDFText_GetFontSize(textpage, i)
            raw.FPDFText_GetFontInfo(textpage, i, name, len(name), flags)
            font = fonts.setdefault(name.value.decode("latin-1", "replace"), len(fonts))
            if size <= 1.0:  # a font scaled by its matrix: take the glyph box's width
                size = max(box.top - box.bottom, 1.0)
            chars.append([ch, round(box.left, 2), round(box.right, 2), round(height - oy.value, 2),
                          round(size, 2), font])
        shapes = []
        images = unread = 0
        kinds = [raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_TEXT]
        for n, obj in enumerate(page.get_objects(filter=kinds, max_depth=4)):
            if n > MAX_OBJECTS_PER_PAGE:
                raise ExtractError(f"page {index + 1} holds over {MAX_OBJECTS_PER_PAGE:,} drawing objects")
            left, low, right, high = obj.get_bounds()
            if obj.type == raw.FPDF_PAGEOBJ_TEXT:
                # PDFium leaves out of its text a text object it finds no width for: one character
                # of a font that is not embedded (a headline's last line `路`). Such a page is
                # read again with pdfminer, slower but complete.
                unread += right - left < 0.01
                continue
            image = obj.type == raw.FPDF_PAGEOBJ_IMAGE
            images += image
            shape = _shape(left, height - high, right, height - low, image)
            if shape:
                shapes.append(shape)
        pages.append({"width": round(width, 2), "height": round(height, 2), "chars": chars,
                      "fonts": list(fonts), "shapes": shapes, "images": images, "engine": "pdfium"})
        if unread and fill_in:
            pages[-1].update(_add_pdfminer_chars(path, index, chars, list(fonts)))
        textpage.close()
        page.close()
    pdf.close()
    return pages


_plumber_pdf: Any = None


def _add_pdfminer_chars(path: str, index: int, chars: list[Char], fonts: list[str]) -> dict[str, Any]:
    """The page's characters with those PDFium left out added from pdfminer (the file is opened
    once per process). Each engine misses what the other reads (pdfminer drops `·` of the CID
    font), so PDFium's characters stay and pdfminer's fill in where PDFium has none."""
    global _plumber_pdf
    import pdfplumber

    if _plumber_pdf is None:
        _plumber_pdf = pdfplumber.open(path)
    extra, extra_fonts = _plumber_chars(_plumber_pdf.pages[index])
    # pdfminer's baseline is estimated from its box: shift it onto PDFium's by the median offset
    # of the characters both read (in ems: it grows with the type size).
    where: dict[tuple[str, int], list[float]] = {}
    for c in chars:
        where.setdefault((c[0], round(c[1])), []).append(c[3])
    offsets = sorted((base - c[3]) / c[4] for c in extra for base in where.get((c[0], round(c[1])), ())
                     if abs(base - c[3]) < 0.5 * c[4])
    shift = offsets[len(offsets) // 2] if offsets else 0.0
    # What PDFium skips is a text object of one character (a line of its own: `路`, `。`); a
    # pdfminer character is taken only where PDFium has no character near it on that line, so
    # a line PDFium read is never doubled, even where pdfminer places its characters otherwise.
    grid = {(round(c[3] / 4), int(c[1] // 8)) for c in chars}
    merged = list(chars)
    for c in extra:
        base = c[3] + shift * c[4]
        near = {(round(base / 4) + dy, int(x // 8)) for dy in (-1, 0, 1)
                for x in (c[1] - 0.4 * c[4], c[1], (c[1] + c[2]) / 2, c[2], c[2] + 0.4 * c[4])}
        if not near & grid:
            font = fonts.index(extra_fonts[c[5]]) if extra_fonts[c[5]] in fonts else len(fonts)
            if font == len(fonts):
                fonts.append(extra_fonts[c[5]])
            merged.append([c[0], c[1], c[2], round(base, 2), c[4], font])
    return {"chars": merged, "fonts": fonts, "engine": "pdfium+pdfminer"}


def _plumber_chars(page: Any) -> tuple[list[Char], list[str]]:
    fonts: dict[str, int] = {}
    chars = []
    for c in page.chars:
        if c["text"].isspace() and c["text"] not in " \u3000":
            continue
        font = fonts.setdefault(c["fontname"], len(fonts))
        # pdfminer's box is the font's ascent..descent: its bottom is near the baseline.
        baseline = c["bottom"] - 0.12 * c["size"]
        chars.append([c["text"], round(c["x0"], 2), round(c["x1"], 2), round(baseline, 2), round(c["size"], 2), font])
    page.flush_cache()
    return chars, list(fonts)


def extract_pdfplumber(path: str, max_pages: int) -> list[dict[str, Any]]:
    """The alternative engine (pdfminer.six): slower, pure Python; kept for the benchmark."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
    except PDFPasswordIncorrect as exc:
        raise ExtractError("encrypted PDF: it needs a password to open") from exc
    except Exception as exc:
        raise ExtractError(f"corrupt PDF: {exc}") from exc
    with pdf:
        if len(pdf.pages) > max_pages:
            raise ExtractError(f"{len(pdf.pages)} pages is too many (limit {max_pages})")
        pages = []
        for page in pdf.pages:
            chars, fonts = _plumber_chars(page)
            shapes = [s for s in (
                _shape(o["x0"], o["top"], o["x1"], o["bottom"], kind == "images")
                for kind in ("rects", "lines", "images") for o in getattr(page, kind)) if s]
            pages.append({"width": float(page.width), "height": float(page.height), "chars": chars,
                          "fonts": fonts, "shapes": shapes, "images": len(page.images), "engine": "pdfminer"})
        return pages


def extract_pdfium_only(path: str, max_pages: int) -> list[dict[str, Any]]:
    """PDFium without pdfminer's fill-in: for the benchmark (what a PDF with embedded fonts costs)."""
    return extract_pdfium(path, max_pages, fill_in=False)


ENGINES = {"pdfium": extract_pdfium, "pdfium-only": extract_pdfium_only, "pdfplumber": extract_pdfplumber}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="pdfium")
    parser.add_argument("--max-pages", type=int, default=48)
    parser.add_argument("--max-memory-mb", type=int, default=1024)
    args = parser.parse_args(argv)
    limit = args.max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: dict[str, Any] = {"pages": ENGINES[args.engine](args.file, args.max_pages)}
    except ExtractError as exc:
        result = {"error": str(exc)}
    except MemoryError:
        result = {"error": f"reading it took more than {args.max_memory_mb} MB of memory"}
    json.dump(result, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
