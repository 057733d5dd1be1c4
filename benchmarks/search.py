"""Search at archive scale: latency per query class on a realistic archive, and ranking quality.

    python benchmarks/search.py --articles 1000000 [--keep /work/bench-cache/a1m.db]

Builds (or reuses, with --keep) an archive made by benchmarks/archive.py: years of daily issues
whose words follow real Chinese news, stored through digest.store's batched path. Prints the
build time, the file's size and bytes an article, then for each query class (a word in more
than half the articles, two common words, a rare word, a phrase, an exclusion, `--days 30`, no
match) the number of matches and p50/p95 over the rounds, and the first query of a new
process-like connection with the file evicted from the OS page cache (cold). Goals: p95 under
20 ms for every class, cold first query under 200 ms, under 4 KB an article.

It also measures ranking on the real pages (seeds and samples): for each article a query made of
words from its own title, and the mean reciprocal rank of that article, once with our
jieba-segmented index and once with SQLite's trigram tokenizer over raw text.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import archive  # noqa: E402

from digest import store  # noqa: E402
from digest.models import Article  # noqa: E402
from digest.pipeline import Pipeline  # noqa: E402
from digest.search import parse_query, search  # noqa: E402
from digest.settings import load_settings  # noqa: E402
from digest.sources.textfile import read_page  # noqa: E402

END = date(2026, 11, 30)
# Query classes; the rare class is filled with words of low corpus frequency from jieba's dictionary.
CLASSES: dict[str, list[str]] = {
    "common word (>50%)": ["聊城", "发展", "工作"],
    "two common words": ["发展 工作", "聊城 项目", "企业 建设"],
    "rare word": [],
    "phrase": ["项目建设", '"高质量发展"', "乡村振兴"],
    "exclusion": ["光伏 -时风", "聊城 -发展", "电商 -冠县"],
    "--days 30": ["聊城", "光伏", "发展 工作"],
    "no match": ["量子纠缠", "火星基地 殖民", "zzqx"],
}


def rare_words(count: int = 3) -> list[str]:
    """Dictionary words so rare in jieba's corpus (frequency 40-60) that few articles hold them."""
    import jieba

    words = []
    for line in (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if 40 <= int(freq) <= 60 and len(word) >= 2 and archive._CJK_ONLY.match(word):
            words.append(word)
    return random.Random(3).sample(words, count)


def load_articles(pipeline: Pipeline) -> list[Article]:
    pages = sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    return [a for p in pages for a in pipeline.process(read_page(p)).articles]


def matches(db, pipeline: Pipeline, text: str, days: int | None) -> int:
    """How many live articles match (every year, no ranking window): the class's size."""
    expr = parse_query(text, pipeline.segmenter).to_fts()
    total = 0
    for year in store.index_years(db):
        name = store.fts_table(year)
        sql = f"SELECT count(*) FROM {name} f"
        params: list = []
        if days is not None:
            sql += " JOIN articles a ON a.id = f.rowid AND a.date >= date(?, ?)"
            params += [END.isoformat(), f"-{days} days"]
        sql += f" WHERE {name} MATCH ? AND f.rowid NOT IN (SELECT id FROM fts_dead)"
        total += db.execute(sql, [*params, expr]).fetchone()[0]
    return total


def evict(path: Path) -> None:
    """Drop the file from the OS page cache (posix_fadvise), so the next read goes to the disk."""
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def cold_first_query(db_path: Path, pipeline: Pipeline, text: str) -> tuple[float, float]:
    """(open + schema check, first search) in ms on a new connection, the file evicted from cache."""
    evict(db_path)
    t0 = time.perf_counter()
    db = store.connect(db_path)
    t1 = time.perf_counter()
    search(db, pipeline.segmenter, text, today=END)
    t2 = time.perf_counter()
    db.close()
    return (t1 - t0) * 1000, (t2 - t1) * 1000


def time_classes(db_path: Path, pipeline: Pipeline, rounds: int) -> None:
    db = store.connect(db_path)
    print("wall = elapsed time; cpu = this process's CPU time (the machine is shared, so wall includes waiting)")
    print(f"{'class':<20} {'queries / matches':<40} wall p50   p95   cpu p50   p95")
    worst = worst_cpu = 0.0
    for name, queries in CLASSES.items():
        days = 30 if name == "--days 30" else None
        for q in queries:  # warm, as a running bot would be
            search(db, pipeline.segmenter, q, days=days, today=END)
        times: list[float] = []
        cpu: list[float] = []
        for _ in range(rounds):
            for q in queries:
                t0, c0 = time.perf_counter(), time.process_time()
                search(db, pipeline.segmenter, q, days=days, today=END, limit=10)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        counts = " / ".join(f"{matches(db, pipeline, q, days):,}" for q in queries)
        p95, cpu95 = statistics.quantiles(times, n=20)[18], statistics.quantiles(cpu, n=20)[18]
        worst, worst_cpu = max(worst, p95), max(worst_cpu, cpu95)
        print(f"{name:<20} {' | '.join(queries)}\n{'':<20} {counts:<40} {statistics.median(times):6.1f} {p95:6.1f}"
              f"   {statistics.median(cpu):6.1f} {cpu95:6.1f}")
    db.close()
    print(f"worst p95 of any class: wall {worst:.1f} ms, cpu {worst_cpu:.1f} ms (goal < 20 ms)")


def ranking(pipeline: Pipeline, articles: list[Article]) -> tuple[float, float, int]:
    """Mean reciprocal rank of each article for a query of two words from its own title."""
    from digest.models import Page

    tmp = Path(tempfile.mkdtemp())
    db = store.connect(tmp / "rank.db")
    store.store_page(db, Page(file="all", encoding="utf-8", text="all", articles=tuple(articles)),
                     paper="p", date="2026-01-01", page_no=1, indexer=pipeline.segmenter)
    ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY seq")]
    db.execute("CREATE VIRTUAL TABLE tri USING fts5 (title, body, tokenize = 'trigram')")
    for article_id, a in zip(ids, articles, strict=True):
        db.execute("INSERT INTO tri (rowid, title, body) VALUES (?, ?, ?)",
                   [article_id, a.kicker + a.title + a.subtitle, a.body])
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
    args = parser.parse_args()
    t0 = time.perf_counter()
    pipeline = Pipeline.build(load_settings())
    articles = load_articles(pipeline)
    print(f"pipeline and {len(articles)} real articles: {time.perf_counter() - t0:.1f} s")
    CLASSES["rare word"] = rare_words()

    mrr_jieba, mrr_tri, asked = ranking(pipeline, articles)
    print(f"ranking, {asked} title queries: MRR jieba-segmented {mrr_jieba:.3f} · trigram {mrr_tri:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.keep or Path(tmp) / "archive.db"
        if not db_path.exists():
            figures = archive.build(db_path, pipeline, args.articles, end=END)
            print(f"archive of {figures['articles']:,} articles (mean {figures['mean_chars']:.0f} characters of body)"
                  f" built in {figures['seconds']:.0f} s, {figures['articles'] / figures['seconds']:,.0f} articles/s"
                  f" (of which optimize {figures['optimize_seconds']:.0f} s)")
        db = store.connect(db_path)
        count = store.article_count(db)
        years = len(store.index_years(db))
        db.close()
        size = db_path.stat().st_size
        print(f"archive: {count:,} articles over {years} years, {size / 1e6:,.0f} MB,"
              f" {size / count:,.0f} bytes an article"
              " (goal < 4,096)")
        opened, first = cold_first_query(db_path, pipeline, "聊城")
        print(f"cold (file evicted from the page cache): open {opened:.1f} ms, first query 聊城 {first:.1f} ms"
              " (goal < 200 ms)")
        time_classes(db_path, pipeline, args.rounds)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end")


if __name__ == "__main__":
    main()
