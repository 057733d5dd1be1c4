"""Split Chinese news text into sentences the summariser can lift verbatim.

A summary is only as good as its units: a sentence must keep its closing quote (`……。”`), must
not break inside a quotation or a number such as `2.077亿元`, and must never run across a
paragraph break. `sentence_spans` gives offsets, so a caller can trim a sentence (a stray
dateline, a photo credit) and still know it is a verbatim slice of the text.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# Marks that end a sentence. The half-width `.` is left out on purpose: in Chinese text it is a
# decimal point (2.077亿元) or part of a Latin abbreviation, almost never a full stop. `；` and
# `……` join clauses of one sentence in news prose, so they do not end one either.
_END = frozenset("。！？!?")
# What may follow an end mark and still belong to the sentence: closing quotes and brackets.
_CLOSERS = frozenset("”’」』）)》〉】\"'")
_QUOTE_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_QUOTE_CLOSERS = frozenset(_QUOTE_PAIRS.values())
_END_SEARCH = re.compile("[" + re.escape("".join(_END)) + "]")
_MARKS = re.compile("[" + re.escape("".join(_END | set(_QUOTE_PAIRS) | _QUOTE_CLOSERS) + '"') + "]")
# After `。”`, a short attribution (`”刘奕博说。`) finishes the quoted sentence rather than
# starting a new one; keeping it attached names the speaker in the summary.
_ATTRIBUTION = re.compile(
    r"[^。！？!?“”‘’「」『』\n]{0,40}?(?:说|表示|介绍|称|道|指出|坦言|感慨|告诉记者)[。！？!?]"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` in order; paragraphs (`\\n`) always end a sentence."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in `text`, white space trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        for start, end in _paragraph_spans(paragraph, 0, len(paragraph), respect_quotes=True):
            spans.append((offset + start, offset + end))
        offset += len(paragraph) + 1
    return spans


def _paragraph_spans(
    text: str, begin: int, stop: int, *, respect_quotes: bool
) -> list[tuple[int, int]]:
    """Sentence offsets within text[begin:stop]; end marks inside quotes split nothing."""
    spans: list[tuple[int, int]] = []
    start = begin
    depth = 0  # open full-width quotes
    half_open = False  # an ASCII `"` is open
    resume = begin  # marks before this were consumed with an end mark
    for mark in _MARKS.finditer(text, begin, stop):  # visit only the characters that matter
        i = mark.start()
        if i < resume:
            continue
        char = text[i]
        if char in _QUOTE_PAIRS:
            depth += 1
        elif char in _QUOTE_CLOSERS:
            depth = max(0, depth - 1)
        elif char == '"':
            half_open = not half_open
        else:  # an end mark
            end = i + 1
            while end < stop and (text[end] in _END or text[end] == "…"):
                end += 1  # a run such as `！？` or `?!` ends once
            open_after, half_after, closed_quote = depth, half_open, False
            while end < stop and text[end] in _CLOSERS:
                if text[end] in _QUOTE_CLOSERS:
                    open_after, closed_quote = max(0, open_after - 1), True
                elif text[end] == '"':
                    half_after, closed_quote = not half_after, True
                end += 1
            if not respect_quotes or (open_after == 0 and not half_after):
                if closed_quote:
                    match = _ATTRIBUTION.match(text, end, stop)
                    if match:
                        end = match.end()
                _add(spans, text, start, end)
                start, depth, half_open = end, 0, False
            else:
                depth, half_open = open_after, half_after
            resume = end
    if respect_quotes and (depth or half_open) and _END_SEARCH.search(text, start, stop):
        # A quotation left open to the end of the paragraph (print continues long quotes across
        # paragraphs, or the dump lost a mark): splitting inside it is the lesser harm.
        spans.extend(_paragraph_spans(text, start, stop, respect_quotes=False))
    else:
        _add(spans, text, start, stop)
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    """Append text[start:end] trimmed of white space, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
