"""``make bench``: run every ``bench/bench_*.py`` in turn, optionally beside N busy processes.

Usage: python bench/run_all.py [--load N] [NAME ...]

``--load N`` starts N processes that spin on the CPU for the whole run, to
measure how each framework copes with a busy machine (a shared laptop, a CI
runner). NAME filters the benchmarks by a word of their file name.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, busy_processes, child_env, processor_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=0, help="busy processes beside the benchmarks")
    parser.add_argument("names", nargs="*", help="only benchmarks whose file name holds one of these")
    args = parser.parse_args()
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(n in s.stem for n in args.names)]
    print(f"processor: {processor_model()}; busy processes beside the benchmarks: {args.load}")
    failed = []
    with busy_processes(args.load):
        for script in scripts:
            print(f"\n== {script.relative_to(ROOT)}", flush=True)
            start = time.perf_counter()
            done = subprocess.run([sys.executable, str(script)], env=child_env())
            if done.returncode != 0:
                failed.append(script.name)
            print(f"({time.perf_counter() - start:.0f} s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
