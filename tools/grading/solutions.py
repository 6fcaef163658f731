"""Find reference-solution blocks in source text and replace them by stubs.

A solution is a run of lines inside a function body, fenced by two comments
at the same indentation: a ``BEGIN SOLUTION`` comment naming the task (for
example ``task1_2``) and an ``END SOLUTION`` comment. Stripping replaces the
fence and everything in it by one line::

    raise NotImplementedError("Task 1.2: implement Scalar.__add__")

so the student copy still imports, and each unfinished function fails loudly
(and only when called) with the name of the task that fixes it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Collection, List, Optional

from tools.grading.tasks import format_task, is_task_id, parse_task_id

# Loose on purpose: "#BEGIN  SOLUTION" is a typo we would rather report than ignore.
MARKER = re.compile(r"^(?P<indent>[ \t]*)#\s*(?P<kind>BEGIN|END)\s+SOLUTION\b(?P<rest>.*)$")
DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+)?(?P<kind>def|class)[ \t]+(?P<name>\w+)")
# Headers that open an indented body without naming it (if/for/with/try...).
COMPOUND = re.compile(
    r"^[ \t]*(?:if|elif|else|for|while|with|try|except|finally|match|case|async)\b"
)


@dataclass(frozen=True)
class Block:
    """One solution block.

    Attributes:
        task: the task id, e.g. ``"task1_2"``.
        begin: 1-based line number of the BEGIN marker.
        end: 1-based line number of the END marker.
        indent: the whitespace before the BEGIN marker.
        name: the enclosing function, qualified by its classes (``"Scalar.__add__"``).
    """

    task: str
    begin: int
    end: int
    indent: str
    name: str

    def stub(self, kind: str = "raise") -> str:
        """The line (without newline) that replaces this block in a student copy.

        Args:
            kind: ``"raise"`` (the release: a ``NotImplementedError`` naming the
                task) or ``"pass"`` (a lazy "solution" that does nothing, which
                ``make check-grading`` uses to prove such answers earn nothing).
        """
        if kind == "pass":
            return f"{self.indent}pass"
        message = f"{format_task(self.task)}: implement {self.name}"
        return f'{self.indent}raise NotImplementedError("{message}")'


def _width(line: str) -> int:
    """Indentation width of ``line``, counting a tab as 8 columns like Python does."""
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def enclosing_name(lines: List[str], index: int, filename: str = "<text>") -> str:
    """Name the function around ``lines[index]`` by scanning upward.

    Each line indented less than the current level is a header of an enclosing
    body: ``def``/``class`` headers give a name part, ``if``/``for``/... headers
    just lower the level, and anything else (the ``) -> float:`` that closes a
    multi-line signature, a docstring line) is ignored.

    Args:
        lines: the file's lines.
        index: 0-based index of the BEGIN marker line.
        filename: used in error messages.

    Returns:
        ``"function"``, ``"Class.method"`` or ``"outer.inner"``.

    Raises:
        ValueError: if the innermost enclosing definition is not a function.
    """
    level = _width(lines[index])
    names: List[str] = []
    innermost: Optional[str] = None
    for line in reversed(lines[:index]):
        if not line.strip() or _width(line) >= level:
            continue
        definition = DEFINITION.match(line)
        if definition:
            innermost = innermost or definition.group("kind")
            names.append(definition.group("name"))
        elif not COMPOUND.match(line):
            continue
        level = _width(line)
        if level == 0:
            break
    if innermost != "def":
        raise ValueError(
            f"{filename}:{index + 1}: solution block is not inside a function body; "
            "move it into the function the student must write"
        )
    return ".".join(reversed(names))


def find_blocks(text: str, filename: str = "<text>") -> List[Block]:
    """List the solution blocks of ``text`` in order, checking that they are well formed.

    Args:
        text: Python source.
        filename: used in error messages.

    Returns:
        The blocks, top to bottom.

    Raises:
        ValueError: naming ``filename`` and the line, for an END without BEGIN,
            a BEGIN without END, nested blocks, a block at indentation 0, or a
            task id that is not of the form ``task<module>_<n>``.
    """
    lines = text.splitlines()
    blocks: List[Block] = []
    open_task: Optional[str] = None
    open_index = 0
    for index, line in enumerate(lines):
        marker = MARKER.match(line)
        if marker is None:
            continue
        where = f"{filename}:{index + 1}"
        label = marker.group("rest").strip()
        if marker.group("kind") == "BEGIN":
            if open_task is not None:
                raise ValueError(
                    f"{where}: nested solution block (the block opened on line "
                    f"{open_index + 1} is still open); close it with END SOLUTION first"
                )
            if not is_task_id(label):
                raise ValueError(
                    f"{where}: unknown task id {label!r} after BEGIN SOLUTION; "
                    "write it as task<module>_<n>, e.g. task1_2"
                )
            if not marker.group("indent"):
                raise ValueError(
                    f"{where}: solution block at indentation 0; "
                    "blocks must sit inside a function body"
                )
            open_task, open_index = label, index
        else:
            if open_task is None:
                raise ValueError(f"{where}: END SOLUTION without a matching BEGIN SOLUTION")
            if label and label != open_task:
                raise ValueError(
                    f"{where}: END SOLUTION {label} closes the block BEGIN SOLUTION "
                    f"{open_task} opened on line {open_index + 1}"
                )
            begin = lines[open_index]
            blocks.append(
                Block(
                    task=open_task,
                    begin=open_index + 1,
                    end=index + 1,
                    indent=begin[: len(begin) - len(begin.lstrip())],
                    name=enclosing_name(lines, open_index, filename),
                )
            )
            open_task = None
    if open_task is not None:
        raise ValueError(
            f"{filename}:{open_index + 1}: BEGIN SOLUTION {open_task} is never closed; "
            "add an END SOLUTION line"
        )
    return blocks


def strip_solutions(
    text: str,
    only: Optional[str] = None,
    filename: str = "<text>",
    stub: str = "raise",
    keep: Collection[str] = (),
) -> str:
    """Replace solution blocks by ``raise NotImplementedError(...)`` stubs.

    Args:
        text: Python source.
        only: a task id; if given, strip only that task's blocks. Other blocks
            keep their code but lose their marker lines, so the result looks
            like a student copy that has finished every other task.
        filename: used in error messages.
        stub: what replaces a block, ``"raise"`` or ``"pass"`` (see :meth:`Block.stub`).
        keep: task ids whose blocks keep their code (a student who has done them).

    Returns:
        The stripped source. Text without blocks comes back unchanged.

    Raises:
        ValueError: if the blocks are malformed (see :func:`find_blocks`) or
            ``only`` is not a task id.
    """
    if only is not None:
        parse_task_id(only)
    blocks = find_blocks(text, filename)
    if not blocks:
        return text
    lines = text.splitlines(keepends=True)
    out: List[str] = []
    done = 0  # lines[:done] are already handled
    for block in blocks:
        out.extend(lines[done : block.begin - 1])
        if (only is None or block.task == only) and block.task not in keep:
            marker = lines[block.begin - 1]
            newline = marker[len(marker.rstrip("\r\n")) :]
            out.append(block.stub(stub) + newline)
        else:
            out.extend(lines[block.begin : block.end - 1])
        done = block.end
    out.extend(lines[done:])
    return "".join(out)


def undocumented(text: str, filename: str) -> List[str]:
    """Name the functions around solution blocks in ``text`` that have no docstring.

    Args:
        text: Python source.
        filename: the file's name, used in the result.

    Returns:
        ``"filename:Qualified.name"`` for each undocumented enclosing function,
        once per function, top to bottom.
    """
    blocks = find_blocks(text, filename)
    if not blocks:
        return []
    functions = [
        node
        for node in ast.walk(ast.parse(text, filename))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    missing: List[str] = []
    for block in blocks:
        around = [f for f in functions if f.lineno <= block.begin <= (f.end_lineno or 0)]
        # The innermost function is the one that starts last.
        innermost = max(around, key=lambda f: f.lineno)
        entry = f"{filename}:{block.name}"
        if ast.get_docstring(innermost) is None and entry not in missing:
            missing.append(entry)
    return missing
