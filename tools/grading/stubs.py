"""Which graded tasks are still stubs in this copy of minitorch?

In a student's release every unfinished function raises
``NotImplementedError("Task 1.2: implement ...")``. Reading the source for
those lines tells which tasks are left, without running anything: ``make
demo`` uses it to say what must be done before it can run. (In the reference
edition nothing is left.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from tools.grading.tasks import format_task, sort_tasks

ROOT = Path(__file__).resolve().parents[2]
# Where solutions live: the package, and the run scripts holding the training loops.
SOURCES = (ROOT / "minitorch", ROOT / "project")
STUB = re.compile(r"""raise NotImplementedError\(["']Task (\d+)\.(\d+):""")


def unfinished_tasks(
    among: Optional[Iterable[str]] = None, sources: Sequence[Path] = SOURCES
) -> List[str]:
    """Task ids whose stubs are still in the source, in course order.

    Args:
        among: only these task ids (default: any).
        sources: the folders to read (``minitorch/`` and ``project/``).
    """
    found = set()
    for folder in sources:
        for path in folder.rglob("*.py"):
            for module, number in STUB.findall(path.read_text(encoding="utf-8", errors="replace")):
                found.add(f"task{module}_{number}")
    if among is not None:
        found &= set(among)
    return sort_tasks(found)


def require_tasks(tasks: Iterable[str], what: str) -> bool:
    """Print what is missing (and return False) if any of ``tasks`` is unfinished.

    Args:
        tasks: the task ids ``what`` needs.
        what: the program, for the message (e.g. "make demo").
    """
    missing = unfinished_tasks(tasks)
    if not missing:
        return True
    names = ", ".join(format_task(task) for task in missing)
    print(f"{what} runs on the framework you are building, and these tasks are not done yet: "
          f"{names}.\n`make grade` shows where you are; come back when they pass.")
    return False
