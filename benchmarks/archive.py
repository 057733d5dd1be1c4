"""A realistic archive for the search benchmark: years of daily issues, stored by the real store path.

    python benchmarks/archive.py --articles 100000 --out /work/bench-cache/a100k.db

Words follow real Chinese news: sentences come from many distinct texts (the sample and seed
pages of 聊城日报, the CLTS and LCSTS news corpora in ../shared/data), and every paragraph
carries a clause of words drawn from jieba's own frequency dictionary (349k words, weighted by
their corpus counts), which gives the archive a long tail of rare words. Local sentences (the
paper's own) and general news are mixed so that 聊城 appears in about three quarters of the
articles, as in the real paper. Headlines come from the pages and the corpora's summaries.

Issues are daily, 8 pages a day, 4-8 articles a page, ending on --end; each article has a
county and a topic from config/. Each sentence is cut by jieba once; articles reuse those
tokens (an indexer that looks them up), so building is limited by SQLite, not by jieba. Pages
go through digest.store.store_pages, batched as a bulk ingest would; splitting, tagging and
summarising are measured by benchmarks/ingest.py instead (the summary here is the lead).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from digest import store  # noqa: E402
from digest.models import Article, Page  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.textfile import read_page  # noqa: E402
from digest.sources.textpage import split_page  # noqa: E402
from digest.topics import load_taxonomy  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
PAGES_A_DAY = 8
PAPER = "聊城日报"


@dataclass(frozen=True)
class Cut:
    """A sentence and its index tokens, cut by the pipeline's tokenizer once."""

    text: str
    terms: tuple[str, ...]
    parts: tuple[str, ...]


class KnownTokens:
    """The indexer store_pages is given: the tokens of each text it is asked about were made with
    the text, by the same Segmenter the real ingest uses, so nothing is cut twice."""

    def __init__(self) -> None:
        self.terms_of: dict[str, list[str]] = {}
        self.parts_of: dict[str, list[str]] = {}

    def terms(self, text: str) -> list[str]:
        return self.terms_of[text]

    def parts(self, text: str) -> list[str]:
        return self.parts_of[text]

    def clear(self) -> None:
        self.terms_of.clear()
        self.parts_of.clear()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) >= 6]


class Corpus:
    """Sentence pools (local, general), headline pool and the dictionary's long tail."""

    def __init__(self, pipeline: Pipeline, rng: random.Random) -> None:
        self.rng = rng
        seg = pipeline.segmenter
        pages = sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
        local_articles = [a for p in pages for a in split_page(read_page(p).text)[0]]
        local = [s for a in local_articles for para in a.paragraphs for s in _sentences(para)]
        general: list[str] = []
        titles = [a.title for a in local_articles if a.title]
        for name in ("summ_clts.jsonl", "summ_lcsts.jsonl"):
            for line in (DATA / name).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                general += _sentences(row["text"])
                summary = row["summary"].strip().rstrip("。")
                if 6 <= len(summary) <= 30:
                    titles.append(summary)

        def cut(text: str) -> Cut:
            return Cut(text, tuple(seg.terms(text)), tuple(seg.parts(text)))

        self.local = [cut(s) for s in dict.fromkeys(local)]
        self.general = [cut(s) for s in dict.fromkeys(general)]
        self.liaocheng = [c for c in self.local if "聊城" in c.text]
        self.titles = [cut(t) for t in dict.fromkeys(titles)]
        words, weights = [], []
        dict_txt = Path(jieba.__file__).parent / "dict.txt"
        for line in dict_txt.read_text(encoding="utf-8").splitlines():
            word, freq, *_ = line.split(" ")
            if _CJK_ONLY.match(word):
                words.append(word)
                weights.append(int(freq))
        self.tail_words = words
        self.tail_cum = list(itertools.accumulate(weights))
        self.counties = (*pipeline.region.counties, pipeline.region.city_label)
        self.topics = load_taxonomy(pipeline.settings.topics_path).names

    def describe(self) -> str:
        return (f"{len(self.local):,} local sentences, {len(self.general):,} general news sentences,"
                f" {len(self.titles):,} headlines, {len(self.tail_words):,} dictionary words")

    def tail_clause(self) -> Cut:
        """3-6 words drawn by their frequency in jieba's dictionary: the long tail of a real vocabulary."""
        words = self.rng.choices(self.tail_words, cum_weights=self.tail_cum, k=self.rng.randint(3, 6))
        text = "，".join(words) + "。"
        parts = [w[i:i + 2] for w in words if len(w) >= 3 for i in range(len(w) - 1)]
        return Cut(text, tuple(words), tuple(parts))

    def article(self, indexer: KnownTokens) -> Article:
        rng = self.rng
        is_local = rng.random() < 0.7
        paragraphs: list[list[Cut]] = []
        for n in range(rng.randint(3, 6)):
            pool = self.local if is_local and rng.random() < 0.75 else self.general
            sentences = rng.sample(pool, k=rng.randint(1, 3))
            if n == 0 and is_local and rng.random() < 0.9:
                sentences[0] = rng.choice(self.liaocheng)
            paragraphs.append([*sentences, self.tail_clause()])
        title = rng.choice(self.titles)
        county = rng.choice(self.counties)
        topic = rng.choice(self.topics)
        texts = ["".join(c.text for c in para) for para in paragraphs]
        body = "\n".join(texts)
        lead = paragraphs[0][0].text
        article = Article(kind="article", kicker="", title=title.text, subtitle="", reporters=(),
                          paragraphs=tuple(texts), summary=lead, county=county, counties=(county,),
                          topic=topic, topics=(topic,))
        cuts = [c for para in paragraphs for c in para]
        indexer.terms_of[title.text] = list(title.terms)
        indexer.terms_of[body] = [t for c in cuts for t in c.terms]
        whole = set(title.terms) | {t for c in cuts for t in c.terms}
        parts = dict.fromkeys(p for c in (title, *cuts) for p in c.parts if p not in whole)
        indexer.parts_of[title.text + "\n" + body] = list(parts)
        return article


def issue_dates(articles: int, end: date) -> Iterator[date]:
    """Enough daily issues to hold `articles` (about 48 a day), oldest first, ending on `end`."""
    days = articles // (PAGES_A_DAY * 6) + 2
    start = end - timedelta(days=days - 1)
    return (start + timedelta(days=n) for n in range(days))


def build(db_path: Path, pipeline: Pipeline, count: int, *, end: date, batch_pages: int = 400, seed: int = 7,
          progress: bool = True) -> dict[str, float]:
    """Build the archive; returns its figures (seconds, articles, bytes, mean article characters)."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    corpus = Corpus(pipeline, rng)
    print(f"corpus: {corpus.describe()} ({time.perf_counter() - t0:.0f} s)", flush=True)
    db = store.connect(db_path)
    db.execute("PRAGMA cache_size = -65536")
    indexer = KnownTokens()
    made, chars, batch = 0, 0, []
    t_build = time.perf_counter()
    for day in issue_dates(count, end):
        for page_no in range(1, PAGES_A_DAY + 1):
            n = min(rng.randint(4, 8), count - made)
            if n <= 0:
                break
            articles = tuple(corpus.article(indexer) for _ in range(n))
            chars += sum(len(a.body) for a in articles)
            made += n
            page = Page(file=f"{day}_{page_no:02d}.txt", encoding="utf-8", text=f"{day}/{page_no}/{seed}",
                        articles=articles)
            batch.append(store.PageToStore(page, PAPER, day.isoformat(), page_no))
            if len(batch) >= batch_pages:
                store.store_pages(db, batch, indexer=indexer)
                batch.clear()
                indexer.clear()
                if progress:
                    rate = made / (time.perf_counter() - t_build)
                    print(f"\r  {made:>9,} / {count:,} articles · {day} · {rate:,.0f} articles/s", end="",
                          file=sys.stderr, flush=True)
        if made >= count:
            break
    if batch:
        store.store_pages(db, batch, indexer=indexer)
    if progress:
        print(file=sys.stderr)
    t_opt = time.perf_counter()
    store.optimize_index(db)
    optimize_s = time.perf_counter() - t_opt
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"seconds": time.perf_counter() - t_build, "optimize_seconds": optimize_s, "articles": made,
            "bytes": db_path.stat().st_size, "mean_chars": chars / max(1, made)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 30))
    args = parser.parse_args()
    if args.out.exists():
        sys.exit(f"error: {args.out}: exists; remove it or choose another file")
    figures = build(args.out, Pipeline.build(load_settings()), args.articles, end=args.end)
    print(f"{figures['articles']:,} articles (mean {figures['mean_chars']:.0f} characters of body) built in"
          f" {figures['seconds']:.0f} s (optimize {figures['optimize_seconds']:.0f} s):"
          f" {figures['bytes'] / 1e6:.0f} MB, {figures['bytes'] / figures['articles']:,.0f} bytes an article")


if __name__ == "__main__":
    main()
