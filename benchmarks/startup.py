"""How long `paperdigest` takes to start, as a ratio to `python -c pass` measured in the same run.

A ratio, not seconds: on a shared machine both numbers move together. Goals (issue 13):
`--help` within 3x of a bare interpreter, a cold `search 光伏` under 1 s. Each command runs in a
fresh process (cold in the interpreter; the OS file cache is warm after the first round), the
median of N rounds is reported. The database is built once from the sample pages.

    python benchmarks/startup.py [--rounds 7]
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
BIN = Path(sys.executable).parent
PAPERDIGEST = [str(BIN / "paperdigest")] if (BIN / "paperdigest").exists() else [sys.executable, "-m", "digest.cli"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "startup.db")
        env = {**os.environ, "PAPERDIGEST_DB": db, "XDG_CONFIG_HOME": str(Path(tmp) / "config")}
        env.pop("PAPERDIGEST_CONFIG", None)
        subprocess.run([*PAPERDIGEST, "ingest", *sorted(str(p) for p in (ROOT / "samples").glob("*.txt"))],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--help": [*PAPERDIGEST, "--help"],
            "--version": [*PAPERDIGEST, "--version"],
            "info": [*PAPERDIGEST, "info"],
            "digest": [*PAPERDIGEST, "digest"],
            "search 光伏": [*PAPERDIGEST, "search", "光伏"],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):  # interleaved, so a burst of load hits every case alike
            for name, argv in cases.items():
                times[name].append(timed(argv, env))
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<16}{'median':>10}{'ratio':>8}   ({args.rounds} rounds, Python {sys.version.split()[0]})")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<16}{median * 1000:>8.0f} ms{median / base:>7.1f}x")


if __name__ == "__main__":
    main()
