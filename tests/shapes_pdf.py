"""Typeset stories as a real PDF page (reportlab, its built-in CID font STSong-Light) and read it
back with poppler's `pdftotext -raw`, the dump the splitter was measured on: headlines above
bodies in a larger type, paragraphs indented two characters, a caption set to its photo's width,
columns filled top to bottom. Only for tests: needs reportlab and poppler-utils, skipped without."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shapes import Story, wrap

FONT = "STSong-Light"
BODY, HEAD, SUB, CAPTION = 9.0, 15.0, 10.5, 8.0  # point sizes
PAGE_W, PAGE_H, MARGIN, GAP = 842.0, 1190.0, 36.0, 14.0  # A3 portrait


def typeset(stories: list[Story], path: Path, columns: int = 4) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    col_w = (PAGE_W - 2 * MARGIN - (columns - 1) * GAP) / columns
    state = {"col": 0, "y": PAGE_H - MARGIN}

    def line(text: str, size: float, indent: float = 0.0) -> None:
        if state["y"] - size * 1.5 < MARGIN:
            state["col"] += 1
            state["y"] = PAGE_H - MARGIN
            if state["col"] == columns:
                pdf.showPage()
                state["col"] = 0
        state["y"] -= size * 1.5
        pdf.setFont(FONT, size)
        pdf.drawString(MARGIN + state["col"] * (col_w + GAP) + indent * size, state["y"], text)

    def block(text: str, size: float, width_factor: float = 1.0, indent: int = 0) -> None:
        chars = int(col_w * width_factor / size)
        pieces = wrap("\u3000" * indent + text, chars, kinsoku=True)
        for k, piece in enumerate(pieces):
            stripped = piece.lstrip("\u3000")
            line(stripped, size, indent=len(piece) - len(stripped) if k == 0 else 0)

    for story in stories:
        if story.kind == "photo":
            for p in story.paragraphs:
                block(p, CAPTION, width_factor=0.8)
            line("■ 本报记者 " + " ".join(story.reporters), CAPTION)
            state["y"] -= BODY
            continue
        if story.kicker:
            block(story.kicker, SUB)
        block(story.title, HEAD)
        if story.subtitle:
            block(story.subtitle, SUB)
        paragraphs = list(story.paragraphs)
        if story.kind == "feature":
            names = list(story.reporters)
            byline = "■ 本报记者 " + names[0] + ("" if len(names) < 2 else " 本报通讯员 " + " ".join(names[1:]))
            line(byline, BODY)
        elif story.reporters:
            names = list(story.reporters)
            credit = "记者 " + names[0] + ("" if len(names) < 2 else " 通讯员 " + " ".join(names[1:]))
            paragraphs[0] = f"本报讯（{credit}）" + paragraphs[0]
        for p in paragraphs:
            block(p, BODY, indent=2)
        state["y"] -= BODY
    pdf.save()


def pdftotext_raw(path: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\f", "\n")
