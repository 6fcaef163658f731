"""No lesson shows a reference solution: the student's release ships the lessons as they are.

A lesson cell "shows" a solution block when it contains two or more of the
block's code lines, or the whole of a one-line block. (Short idioms such as
``(a,) = ctx.saved_values`` are not a solution on their own.)
"""

import json
from pathlib import Path
from typing import List, Set, Tuple

from tools.grading.release import PROJECT_ROOT, project_files
from tools.grading.solutions import find_blocks


def solution_blocks(root: Path) -> List[Tuple[str, Set[str]]]:
    """Each solution block's task and its code lines (stripped, comments and short lines left out)."""
    blocks = []
    for relative in project_files(root):
        if relative.suffix != ".py" or "grading" in relative.parts:
            continue
        text = (root / relative).read_text(encoding="utf-8")
        lines = text.splitlines()
        for block in find_blocks(text, str(relative)):
            body = {line.strip() for line in lines[block.begin : block.end - 1]}
            code = {line for line in body if len(line) >= 12 and not line.startswith("#")}
            if code:
                blocks.append((f"{block.task} {relative}:{block.name}", code))
    return blocks


def shown(cell: str, code: Set[str]) -> bool:
    hits = sum(line in cell for line in code)
    return hits >= 2 or (len(code) == 1 and hits == 1 and len(next(iter(code))) >= 15)


def test_no_lesson_cell_shows_a_solution() -> None:
    root = Path(PROJECT_ROOT)
    blocks = solution_blocks(root)
    found = []
    for notebook in sorted((root / "lessons").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            source = "".join(cell["source"])
            found += [f"{notebook.name} cell {index}: {name}" for name, code in blocks
                      if shown(source, code)]
    assert not found, "lesson cells that show a reference solution:\n  " + "\n  ".join(found)
