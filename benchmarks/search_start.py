"""Cold `paperdigest search 光伏`: the jieba dictionary cache and the lazy tokenizer at work.

    python benchmarks/search_start.py [--runs 5]

Each run is a new process, as a person typing the command starts one. Measured on a database
holding the sample pages, with a cache folder of its own:

- `python -c pass`: the interpreter alone, the yardstick (figures are also given as a ratio);
- first search: nothing cached yet, jieba's dictionary is built with our words and written out;
- later searches: the cached dictionary, looked up lazily for the query's few words;
- in-process: loading the cached dictionary whole (what ingest and the bot do once) vs lazily.

Goal (issue 13): a cold search under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def in_process(cache: Path) -> tuple[float, float]:
    """Seconds to load the cached dictionary whole, and lazily, in a fresh interpreter each."""
    code = ("import time, sys; sys.path.insert(0, {root!r}); from digest import segment;"
            "from digest.settings import load_settings; from digest.dictionary import load_segmenter;"
            "s = load_settings(); t = time.perf_counter(); load_segmenter(s, lazy={lazy}).terms('光伏');"
            "print(time.perf_counter() - t)")
    env = {**os.environ, "PAPERDIGEST_CACHE_DIR": str(cache)}
    return tuple(float(subprocess.run([sys.executable, "-c", code.format(root=str(ROOT), lazy=lazy)], env=env,
                                      check=True, capture_output=True, text=True).stdout) for lazy in (False, True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paperdigest = [sys.executable, "-m", "digest.cli"]
    with tempfile.TemporaryDirectory(prefix="paperdigest-start-") as folder:
        cache, db = Path(folder) / "cache", Path(folder) / "demo.db"
        env = {**os.environ, "PAPERDIGEST_CACHE_DIR": str(cache), "PAPERDIGEST_DB": str(db)}
        subprocess.run([*paperdigest, "demo", "--db", str(db)], env={**env, "PAPERDIGEST_CACHE_DIR": folder},
                       check=True, stdout=subprocess.DEVNULL, cwd=folder)
        baseline = statistics.median(timed([sys.executable, "-c", "pass"], env) for _ in range(args.runs))
        first = timed([*paperdigest, "search", "光伏"], env)
        later = [timed([*paperdigest, "search", "光伏"], env) for _ in range(args.runs)]
        whole, lazy = in_process(cache)
    median = statistics.median(later)
    print(f"python -c pass          {baseline:.3f} s")
    print(f"search 光伏, no cache    {first:.3f} s  ({first / baseline:.1f}x)  builds and writes the cache")
    print(f"search 光伏, cached      {median:.3f} s  ({median / baseline:.1f}x)  median of {args.runs};"
          f" min {min(later):.3f}, max {max(later):.3f}  [{'ok' if median < 1 else 'TOO SLOW'}: goal < 1 s]")
    print(f"dictionary load         whole {whole:.3f} s, lazy {lazy:.3f} s (in process, cached)")


if __name__ == "__main__":
    main()
