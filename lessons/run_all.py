"""Execute every lesson notebook headless (``make lessons``), or strip outputs.

Usage:
    python lessons/run_all.py                 # run all lessons/NN_*.ipynb in order
    python lessons/run_all.py 01_autodiff     # run the lessons whose name contains a word
    python lessons/run_all.py --strip         # remove outputs before committing
    python lessons/run_all.py --output-dir D  # also keep the executed notebooks in D

Each notebook runs with its own folder as the working directory and the
repository root on ``PYTHONPATH``, exactly as a student opening it in
Jupyter from a checkout. Nothing is written back: a run never dirties git.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

LESSONS = Path(__file__).resolve().parent
ROOT = LESSONS.parent


def notebooks(words: list[str]) -> list[Path]:
    """The lesson notebooks in course order, filtered by ``words`` if given."""
    found = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    if words:
        found = [p for p in found if any(w in p.stem for w in words)]
    return found


def strip(path: Path) -> bool:
    """Remove outputs and execution counts; return True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            changed = True
        cell["outputs"] = []
        cell["execution_count"] = None
    if changed:
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
    return changed


def execute(path: Path, timeout: int, output_dir: Path | None = None) -> float:
    """Run one notebook top to bottom; return the seconds it took.

    With ``output_dir``, the executed notebook (outputs and figures included)
    is written there under the same name, even when a cell failed.
    """
    nb = nbformat.read(path, as_version=4)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    # Figures render to files, never to a window.
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, output_dir / path.name)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("words", nargs="*", help="only lessons whose name contains one of these")
    parser.add_argument("--strip", action="store_true", help="strip outputs instead of running")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--output-dir", type=Path, help="also write the executed notebooks here")
    args = parser.parse_args()

    paths = notebooks(args.words)
    if not paths:
        print("no lesson notebooks matched", file=sys.stderr)
        return 1
    if args.strip:
        for p in paths:
            print(f"{p.name}: {'stripped' if strip(p) else 'already clean'}")
        return 0

    failed = []
    for p in paths:
        print(f"running {p.name} ...", flush=True)
        try:
            seconds = execute(p, args.timeout, args.output_dir)
        except CellExecutionError as err:
            failed.append(p.name)
            print(f"FAILED {p.name}:\n{err}", flush=True)
            continue
        print(f"ok      {p.name} ({seconds:.1f} s)", flush=True)
    if failed:
        print(f"{len(failed)} lesson(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(paths)} lessons ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
