"""Search latency on a 100k-article archive, and jieba-segmented FTS against the trigram tokenizer.

    python benchmarks/search.py [--articles 100000]

Builds a temporary SQLite archive from the sample pages (their articles recombined paragraph by
paragraph under new dates, tokens cut once so building is quick), then times 20 typical queries
through digest.search.search. Goal: p95 < 20 ms.

It also measures ranking on the real pages (seeds and samples): for each article a query made of
words from its own title, and the mean reciprocal rank of that article, once with our
jieba-segmented index and once with SQLite's trigram tokenizer over raw text.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import store  # noqa: E402
from digest.models import Article  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.search import search  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.textfile import read_page  # noqa: E402

QUERIES = ["光伏", "防汛", "电商", "项目建设", "高唐县", "冠县 电商", '"数字孪生"', "农机 补贴", "新能源汽车",
           "公交", "乡村振兴", "医共体", "马拉松", "集中供暖", "阿胶", "大运河 旅游", "光伏 -时风", "营商环境",
           "教育", "东昌府区 蔬菜"]


def load_articles(pipeline: Pipeline) -> list[Article]:
    pages = sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    return [a for p in pages for a in pipeline.process(read_page(p)).articles]


class PreCut:
    """An indexer that looks up each paragraph's tokens, cut once, instead of running jieba again."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.segmenter = pipeline.segmenter
        self.cache: dict[str, tuple[list[str], list[str]]] = {}

    def _cut(self, text: str) -> tuple[list[str], list[str]]:
        out_terms: list[str] = []
        out_parts: list[str] = []
        for para in text.split("\n"):
            if para not in self.cache:
                self.cache[para] = (self.segmenter.terms(para), self.segmenter.parts(para))
            t, p = self.cache[para]
            out_terms += t
            out_parts += p
        return out_terms, out_parts

    def terms(self, text: str) -> list[str]:
        return self._cut(text)[0]

    def parts(self, text: str) -> list[str]:
        return self._cut(text)[1]


def build_archive(db_path: Path, pipeline: Pipeline, articles: list[Article], count: int) -> None:
    from digest.models import Page

    db = store.connect(db_path)
    indexer = PreCut(pipeline)
    rng = random.Random(7)
    paragraphs = [p for a in articles for p in a.paragraphs]
    start = date(2020, 1, 1)
    per_page = 8
    made = 0
    day = 0
    while made < count:
        pages = []
        for _ in range(4):
            batch = []
            for _ in range(per_page):
                base = rng.choice(articles)
                paras = (base.paragraphs[0], *rng.sample(paragraphs, k=min(4, len(paragraphs))))
                batch.append(Article(kind=base.kind, title=base.title, kicker=base.kicker, subtitle=base.subtitle,
                                     reporters=base.reporters, paragraphs=paras, county=base.county,
                                     topic=base.topic, summary=base.summary))
            pages.append(batch)
        for n, batch in enumerate(pages, start=1):
            page = Page(file=f"synthetic-{day}-{n}.txt", encoding="utf-8", text=f"{day}/{n}", articles=tuple(batch))
            store.store_page(db, page, paper="聊城日报", date=(start + timedelta(days=day)).isoformat(), page_no=n,
                             indexer=indexer)
            made += len(batch)
        day += 1
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    db.conn.commit()
    db.close()


def time_queries(db_path: Path, pipeline: Pipeline, rounds: int) -> list[float]:
    db = store.connect(db_path)
    for q in QUERIES:  # warm the page cache once, as a running bot would be
        search(db, pipeline.segmenter, q)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            search(db, pipeline.segmenter, q, limit=10)
            times.append((time.perf_counter() - t0) * 1000)
    db.close()
    return times


def ranking(pipeline: Pipeline, articles: list[Article]) -> tuple[float, float, int]:
    """Mean reciprocal rank of each article for a query of two words from its own title."""
    from digest.models import Page

    tmp = Path(tempfile.mkdtemp())
    db = store.connect(tmp / "rank.db")
    store.store_page(db, Page(file="all", encoding="utf-8", text="all", articles=tuple(articles)),
                     paper="p", date="2026-01-01", page_no=1, indexer=pipeline.segmenter)
    db.execute("CREATE VIRTUAL TABLE tri USING fts5 (title, body, tokenize = 'trigram')")
    db.execute("INSERT INTO tri (rowid, title, body) SELECT id, kicker || title || subtitle, body FROM articles")
    ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY seq")]
    rr_jieba, rr_tri, asked = [], [], 0
    for article_id, a in zip(ids, articles, strict=True):
        words = sorted({w for w in pipeline.segmenter.words(a.title) if len(w) >= 2}, key=len, reverse=True)[:2]
        if not words:
            continue
        asked += 1
        found = [r.id for r in search(db, pipeline.segmenter, " ".join(words), limit=10)]
        rr_jieba.append(1 / (found.index(article_id) + 1) if article_id in found else 0.0)
        expr = " AND ".join('"' + w + '"' for w in words)
        tri = [r[0] for r in db.execute("SELECT rowid FROM tri WHERE tri MATCH ? ORDER BY bm25(tri, 4.0, 1.0)"
                                        " LIMIT 10", [expr])]
        rr_tri.append(1 / (tri.index(article_id) + 1) if article_id in tri else 0.0)
    return statistics.mean(rr_jieba), statistics.mean(rr_tri), asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="Build the archive here (or reuse it if it exists).")
    parser.add_argument("--per-query", action="store_true", help="Print each query's median too.")
    args = parser.parse_args()
    t0 = time.perf_counter()
    pipeline = Pipeline.build(load_settings())
    articles = load_articles(pipeline)
    print(f"pipeline and {len(articles)} real articles: {time.perf_counter() - t0:.1f} s")

    mrr_jieba, mrr_tri, asked = ranking(pipeline, articles)
    print(f"ranking, {asked} title queries: MRR jieba-segmented {mrr_jieba:.3f} · trigram {mrr_tri:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.keep or Path(tmp) / "archive.db"
        if not db_path.exists():
            t0 = time.perf_counter()
            build_archive(db_path, pipeline, articles, args.articles)
            print(f"archive of {args.articles:,} articles built in {time.perf_counter() - t0:.0f} s")
        count = store.article_count(store.connect(db_path))
        print(f"archive: {count:,} articles, {db_path.stat().st_size / 1e6:.0f} MB")
        times = time_queries(db_path, pipeline, args.rounds)
    if args.per_query:
        for i, q in enumerate(QUERIES):
            mine = times[i::len(QUERIES)]
            print(f"  {q:<16} median {statistics.median(mine):6.1f} ms")
    q = statistics.quantiles(times, n=100)
    print(f"{len(QUERIES)} queries x {args.rounds}: p50 {statistics.median(times):.1f} ms · p95 {q[94]:.1f} ms"
          f" · max {max(times):.1f} ms  (goal p95 < 20 ms)")


if __name__ == "__main__":
    main()
