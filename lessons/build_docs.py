"""Render the executed lessons to a static site (``make docs``).

Usage:
    python lessons/build_docs.py                      # build/lessons -> build/docs
    python lessons/build_docs.py --executed D --out O

Input: a folder of executed notebooks, as ``python lessons/run_all.py
--output-dir build/lessons`` (and so ``make lessons``) writes them. A lesson
whose executed copy is missing, older than its source ``.ipynb``, or holds an
error output is executed first, so ``make docs`` right after ``make lessons``
runs nothing twice.

Output: one HTML page per lesson, its figures embedded as PNGs (the pages
need no other file), and ``index.html``: the course map, each lesson with its
module and the graded tasks of that module (from
``tools.grading.tasks.TASKS``), linked to its page.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path
from typing import List, NamedTuple, Optional

import nbformat
from nbconvert import HTMLExporter

LESSONS = Path(__file__).resolve().parent
ROOT = LESSONS.parent
for _path in (LESSONS, ROOT):  # run_all beside this file; minitorch from the checkout
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from run_all import execute, notebooks  # noqa: E402

from tools.grading.tasks import TASKS, format_task, parse_task_id  # noqa: E402


class Lesson(NamedTuple):
    """One page of the site."""

    number: int  # the NN of NN_topic.ipynb: the course module it belongs to
    title: str  # the notebook's first heading
    page: str  # the HTML file name
    tasks: List[str]  # "Task 4.3 (Pooling)", the graded tasks of its module


def has_errors(nb: nbformat.NotebookNode) -> bool:
    """True if any cell of an executed notebook ended in an error."""
    return any(
        output.get("output_type") == "error"
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def is_stale(source: Path, executed: Path) -> bool:
    """Must ``source`` be executed again? Yes if its executed copy is missing,
    not newer than the source, or failed (a failed run is kept by ``run_all``)."""
    if not executed.exists() or executed.stat().st_mtime <= source.stat().st_mtime:
        return True
    return has_errors(nbformat.read(executed, as_version=4))


def ensure_executed(sources: List[Path], executed_dir: Path, timeout: int = 900) -> List[Path]:
    """The executed copy of each source, running those that are stale.

    Raises:
        nbclient.exceptions.CellExecutionError: if a lesson fails (as ``make lessons`` would).
    """
    done = []
    for source in sources:
        executed = executed_dir / source.name
        if is_stale(source, executed):
            print(f"executing {source.name} ...", flush=True)
            execute(source, timeout, executed_dir)
        else:
            print(f"reusing   {executed}", flush=True)
        done.append(executed)
    return done


def lesson_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The text of the notebook's first markdown heading (``fallback`` if it has none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s*(.+)$", cell.source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return fallback


def module_tasks(number: int) -> List[str]:
    """The graded tasks of course module ``number``, as "Task 4.3 (Pooling)", in order."""
    found = sorted(
        (parse_task_id(task_id), task_id) for task_id in TASKS if parse_task_id(task_id)[0] == number
    )
    return [f"{format_task(task_id)} ({TASKS[task_id].title})" for _, task_id in found]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a page is never half written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_lesson(executed: Path, out_dir: Path, exporter: Optional[HTMLExporter] = None) -> Lesson:
    """Write ``executed`` as ``out_dir/<name>.html`` (figures inline) and describe it.

    Raises:
        ValueError: if the file name does not start with a two-digit lesson number.
    """
    match = re.match(r"(\d\d)_", executed.name)
    if match is None:
        raise ValueError(f"{executed}: a lesson's name starts with its number, e.g. 04_networks.ipynb")
    nb = nbformat.read(executed, as_version=4)
    title = lesson_title(nb, executed.stem)
    body, _ = (exporter or HTMLExporter(template_name="lab")).from_notebook_node(
        nb, resources={"metadata": {"name": title}}
    )
    # A link back to the course map at the top of every page.
    nav = '<p style="margin: 1em 2em"><a href="index.html">&larr; course map</a></p>'
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    page = executed.stem + ".html"
    write_atomic(out_dir / page, body)
    number = int(match.group(1))
    return Lesson(number, title, page, module_tasks(number))


def render_index(lessons: List[Lesson], out_dir: Path) -> Path:
    """Write ``out_dir/index.html``: the course map, one row per lesson."""
    rows = []
    for lesson in lessons:
        tasks = "<br>".join(html.escape(t) for t in lesson.tasks) or "&mdash;"
        rows.append(
            f"<tr><td>{lesson.number}</td>"
            f'<td><a href="{html.escape(lesson.page)}">{html.escape(lesson.title)}</a></td>'
            f"<td>{tasks}</td></tr>"
        )
    text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>minitorch: the course</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 0.4em 0.8em; text-align: left; vertical-align: top; }}
</style></head>
<body>
<h1>minitorch: the course</h1>
<p>Each lesson, executed, with its figures. Modules 0 to 4 hold the graded tasks
(<code>make grade TASK=4.3</code> grades one).</p>
<table>
<tr><th>Module</th><th>Lesson</th><th>Graded tasks</th></tr>
{chr(10).join(rows)}
</table>
</body></html>
"""
    path = out_dir / "index.html"
    write_atomic(path, text)
    return path


def build_site(executed: List[Path], out_dir: Path) -> Path:
    """Render every executed lesson and the index into ``out_dir``; return the index's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    lessons = [render_lesson(path, out_dir, exporter) for path in executed]
    return render_index(lessons, out_dir)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "lessons",
                        help="folder of executed notebooks (run_all.py --output-dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "docs", help="the site's folder")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell, for stale lessons")
    args = parser.parse_args(argv)
    sources = notebooks([])
    if not sources:
        print(f"no lesson notebooks in {LESSONS}", file=sys.stderr)
        return 1
    index = build_site(ensure_executed(sources, args.executed, args.timeout), args.out)
    print(f"wrote {len(sources)} lessons and {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
