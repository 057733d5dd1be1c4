"""Summariser benchmark on human reference summaries: ROUGE at equal length, the summary rules, speed.

Usage (from the repository):
    nice -n 10 .venv/bin/python benchmarks/summarize.py [--split test|tune|all] [--repeat N] [--set key=value ...]

Quality: character-level ROUGE-1/2/L F1 (white space removed) against the human summaries of
../shared/data/summ_clts.jsonl (CLTS, long news and features) and summ_lcsts.jsonl (LCSTS, short
news). A longer summary scores differently for its length alone, so every system is also
compared with the text's own opening cut to the very same length, article by article ("lead@len").
Rows are split in two: even rows are the tuning half (parameters were chosen on it), odd rows
the held-out half; `--split test` (the default) reports the held-out half only.

Rules, on every article (the titled seed and sample articles too): summaries that start with a
connective or a reference to something not shown, repeat the title, do not end a sentence (cut),
or fall outside 60-120 characters. Speed: median milliseconds per article beside one jieba cut
of the same body, the floor no jieba-based summariser can beat. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digest.models import Article
from digest.segment import Segmenter
from digest.settings import CONFIG_DIR
from digest.stopwords import load_stopwords
from digest.summarize import TextRankSummarizer, load_openers, make_summarizer

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BANNED = re.compile(r"本报讯|本报记者|通讯员|■")
BUDGET = 120


@dataclass(frozen=True)
class Item:
    source: str
    article: Article
    reference: str = ""


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def reference_items(name: str, split: str) -> list[Item]:
    """One reference set: even rows are the tuning half, odd rows the held-out half."""
    rows = [json.loads(line) for line in (SHARED / "data" / f"summ_{name}.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    keep = {"tune": (0,), "test": (1,), "all": (0, 1)}[split]
    return [Item(name, Article(kind="news", title="", paragraphs=tuple(row["text"].split("\n"))), row["summary"])
            for i, row in enumerate(rows) if i % 2 in keep]


def titled_items() -> list[Item]:
    """The seed pages' gold articles and the sample pages' articles: titled, no reference."""
    items = []
    for gold in json.loads((SHARED / "seeds" / "gold.json").read_text(encoding="utf-8")):
        items.append(Item("gold", Article(kind=gold["kind"], title=gold["title"], paragraphs=(gold["body"],))))
    from digest.sources.textfile import read_page
    from digest.sources.textpage import split_page

    for path in sorted((REPO / "samples").glob("*.txt")):
        items += [Item("samples", a) for a in split_page(read_page(path).text)[0] if a.paragraphs]
    return items


def ngrams(text: str, n: int) -> Counter[str]:
    return Counter(text[i : i + n] for i in range(max(0, len(text) - n + 1)))


def f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def lcs(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if char == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge(candidate: str, reference: str) -> tuple[float, float, float]:
    """Character-level ROUGE-1, ROUGE-2 and ROUGE-L F1, white space removed."""
    cand, ref = squash(candidate), squash(reference)
    if not cand or not ref:
        return 0.0, 0.0, 0.0
    scores = []
    for n in (1, 2):
        c, r = ngrams(cand, n), ngrams(ref, n)
        scores.append(f1(sum((c & r).values()), sum(c.values()), sum(r.values())))
    scores.append(f1(lcs(cand, ref), len(cand), len(ref)))
    return scores[0], scores[1], scores[2]


def summary_ok(summary: str, body: str) -> bool:
    """The extractiveness rule of shared/tools/score_pages.py, restated."""
    s, b = squash(summary), squash(body)
    if not s or len(s) > 160 or BANNED.search(s):
        return False
    parts = [p for p in re.split(r"(?<=[。！？；…])", s) if p]
    return all(p.rstrip("。！？；…”’\"") in b for p in parts)


def rule_breaks(summary: str, article: Article, openers: tuple[str, ...]) -> Counter[str]:
    """Which of the issue's summary rules this summary breaks (an empty Counter when none)."""
    s, title = squash(summary), squash(article.title)
    out: Counter[str] = Counter()
    if not s:
        return Counter({"empty": 1})
    out["opener"] = s.startswith(openers)
    out["title"] = bool(title) and (title in s or s in title)
    out["cut"] = s.endswith("…") or s.rstrip("”’」』）)\"'")[-1:] not in "。！？!?"
    out["long"] = len(s) > BUDGET
    out["short"] = len(s) < 60 and len(squash(article.body)) >= 120
    out["not extractive"] = not summary_ok(summary, article.body)
    return +out


def best_times(methods: dict[str, Callable[[Article], object]], items: list[Item], repeat: int) -> dict[str, float]:
    """Median over articles of each method's best-of-`repeat` milliseconds (all methods on one
    article before the next, so a burst of load on a shared machine hits them alike)."""
    per_article: dict[str, list[float]] = {name: [] for name in methods}
    for item in items:
        for name, fn in methods.items():
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                fn(item.article)
                best = min(best, (time.perf_counter() - start) * 1000)
            per_article[name].append(best)
    return {name: statistics.median(times) for name, times in per_article.items()}


def quality_table(methods: dict[str, Callable[[Article], str]], items: list[Item], title: str) -> dict[str, float]:
    """Print ROUGE of each method and of the lead cut to each summary's length; return ΔRL per method."""
    reference = statistics.fmean(len(squash(i.reference)) for i in items)
    text = statistics.fmean(len(squash(i.article.body)) for i in items)
    print(f"\n{title}: {len(items)} articles, reference mean {reference:.1f} chars, text mean {text:.0f} chars")
    header = (f"{'system':<14} {'chars':>6} | {'R1':>6} {'R2':>6} {'RL':>6} | {'lead@len R1':>11} {'R2':>6} {'RL':>6}"
              f" | {'ΔRL':>6}")
    print(header)
    print("-" * len(header))
    deltas = {}
    for name, fn in methods.items():
        ours, lead, lengths = [], [], []
        for item in items:
            summary = squash(fn(item.article))
            lengths.append(len(summary))
            ours.append(rouge(summary, item.reference))
            lead.append(rouge(squash(item.article.body)[: len(summary)], item.reference))
        a = [statistics.fmean(col) for col in zip(*ours, strict=True)]
        b = [statistics.fmean(col) for col in zip(*lead, strict=True)]
        deltas[name] = a[2] - b[2]
        print(f"{name:<14} {statistics.fmean(lengths):>6.1f} | {a[0]:>6.3f} {a[1]:>6.3f} {a[2]:>6.3f}"
              f" | {b[0]:>11.3f} {b[1]:>6.3f} {b[2]:>6.3f} | {deltas[name]:>+6.3f}")
    return deltas


def parse_value(text: str) -> float | bool:
    return text.lower() == "true" if text.lower() in ("true", "false") else float(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test",
                        help="which half of each reference set (parameters were tuned on `tune`)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per article (best taken); 0: no timing")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a TextRankSummarizer parameter for `ours` (for tuning on --split tune)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    segmenter = Segmenter(stopwords=load_stopwords(CONFIG_DIR / "stopwords.txt"))
    overrides = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    ours = (TextRankSummarizer(segmenter, BUDGET, 3, **overrides) if overrides
            else make_summarizer("textrank", segmenter))
    methods: dict[str, Callable[[Article], str]] = {
        "textrank4zh": make_summarizer("textrank4zh", segmenter),
        "lead-1": make_summarizer("lead", segmenter, max_sentences=1),
        "lead (budget)": make_summarizer("lead", segmenter),
        "ours": ours,
    }
    clts, lcsts = reference_items("clts", args.split), reference_items("lcsts", args.split)
    titled = titled_items()
    half = {"test": "the held-out half", "tune": "the tuning half", "all": "both halves"}[args.split]
    print(f"budget {BUDGET} chars, 3 sentences; split: {args.split} ({half})")
    deltas = {"CLTS": quality_table(methods, clts, "CLTS"), "LCSTS": quality_table(methods, lcsts, "LCSTS")}

    openers = load_openers()
    everything = [*titled, *clts, *lcsts]
    print(f"\nrules on {len(everything)} articles ({len(titled)} titled seed/sample articles + the above):")
    for name, fn in methods.items():
        breaks: Counter[str] = Counter()
        for item in everything:
            breaks += rule_breaks(fn(item.article), item.article, openers)
        print(f"  {name:<14} " + (", ".join(f"{k} {v}" for k, v in sorted(breaks.items())) or "none broken"))

    if args.repeat > 0:
        floor = "jieba cut"
        timed = {"news articles (seeds, samples, CLTS)": [*titled, *reference_items("clts", "all")],
                 "LCSTS short texts (100)": reference_items("lcsts", "all")[:100]}
        for fn in methods.values():  # warm up: textrank4zh loads jieba's global dictionary on first use
            fn(titled[0].article)
        ratios = []
        for label, items in timed.items():
            times = best_times({floor: lambda a: segmenter.cut(a.body), **methods}, items, args.repeat)
            ratios.append(times["ours"] / times[floor])
            print(f"\nspeed on {label}, median ms an article (best of {args.repeat}): "
                  + " · ".join(f"{k} {v:.2f}" for k, v in times.items())
                  + f" · ours {ratios[-1]:.2f}x the jieba cut")
        print(f"goals: ours {ratios[0]:.2f}x the jieba cut on news, {ratios[1]:.2f}x on short texts (want <= 2);"
              f" ΔRL vs lead@len: CLTS {deltas['CLTS']['ours']:+.3f} (want >= +0.02),"
              f" LCSTS {deltas['LCSTS']['ours']:+.3f} (want >= 0)")


if __name__ == "__main__":
    main()
