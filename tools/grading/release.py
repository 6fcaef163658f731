"""Write the student release: the whole project with reference solutions stripped.

Usage::

    python -m tools.grading.release DEST [--only task1_2] [--force] [--src ROOT]

Every ``.py`` file goes through :func:`strip_solutions`; every other file is
copied as is, except that the release is a student's repository: its
README is written for the student (:mod:`~tools.grading.student_readme`),
the Makefile loses its maintainer targets, and the maintainer's tools
(:data:`MAINTAINER_ONLY`) are left out. Caches, virtualenvs, git metadata
and earlier releases are left out too (see :data:`EXCLUDED_NAMES`). The copy is built in a temporary folder next
to ``DEST`` and renamed into place at the end, so a failed release leaves no
half-written ``DEST`` behind.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterator, List, Optional, Sequence

from tools.grading import student_readme
from tools.grading.solutions import find_blocks, strip_solutions
from tools.grading.tasks import format_task, parse_task_id, sort_tasks

__all__ = ["strip_solutions", "make_release", "project_files", "Release", "main"]

# Left out wherever they appear: tool caches, environments, build output.
# build/ and dist/ matter: they hold copies of the package *with* solutions.
EXCLUDED_NAMES = (
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "*.egg-info",
    ".ipynb_checkpoints",
    "*.nbi",
    "*.nbc",
    "*.pyc",
    "build",
    "dist",
)
# Left out only at the top of the project: our own outputs.
EXCLUDED_AT_ROOT = (".grading", "student")
# The maintainer's tools: a student's repository has no solutions to strip or check,
# and no CI of ours. Relative to the project root.
MAINTAINER_ONLY = (
    ".ci",
    "tools/grading/release.py",
    "tools/grading/check.py",
    "tools/grading/solutions.py",
    "tools/grading/student_readme.py",
    "tools/grading/student_check.py",
    "tests/grading",  # the maintainer's tests: grading tools, stub docstrings, lessons
)
# Lines between these two markers in the Makefile are maintainer-only targets.
MAKEFILE_MAINTAINER = re.compile(r"^# BEGIN MAINTAINER.*?^# END MAINTAINER[^\n]*\n", re.M | re.S)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _excluded(name: str, at_root: bool) -> bool:
    if at_root and name in EXCLUDED_AT_ROOT:
        return True
    return any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED_NAMES)


def is_maintainer_only(relative: Path) -> bool:
    """True for a path (relative to the root) that stays out of a student's release."""
    text = relative.as_posix()
    return any(text == item or text.startswith(item + "/") for item in MAINTAINER_ONLY)


def project_files(root: Path, skip: Sequence[Path] = ()) -> Iterator[Path]:
    """Yield the project's files, relative to ``root``, in a stable order.

    Args:
        root: the project root.
        skip: absolute folders to leave out as well (e.g. a release inside ``root``).

    Yields:
        Relative paths of files (and of symlinks, which are not followed).
    """
    root = root.resolve()
    skipped = {Path(p).resolve() for p in skip}
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        at_root = here == root
        dirnames[:] = sorted(
            d for d in dirnames if not _excluded(d, at_root) and (here / d).resolve() not in skipped
        )
        for name in sorted(filenames):
            if not _excluded(name, at_root):
                yield (here / name).relative_to(root)
        # os.walk lists symlinked folders in dirnames but never enters them: copy the link.
        for name in dirnames:
            if (here / name).is_symlink():
                yield (here / name).relative_to(root)


@dataclass
class Release:
    """What :func:`make_release` did.

    Attributes:
        dest: the release folder.
        src: the project it was made from.
        files: how many files were written.
        stripped: number of solution blocks stripped, per task id.
        kept: number of solution blocks kept (``only=`` mode), per task id.
        locations: per stripped task, the files and functions the student writes.
    """

    dest: Path
    src: Path = Path(".")
    files: int = 0
    stripped: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    locations: student_readme.Locations = field(default_factory=dict)

    def summary(self) -> str:
        """A short human report, one line per task."""
        lines = [f"wrote {self.files} files to {self.dest}"]
        for task in sort_tasks(self.stripped):
            lines.append(f"  {format_task(task)} ({task}): stripped {self.stripped[task]} block(s)")
        if self.kept:
            lines.append(
                f"  kept {sum(self.kept.values())} block(s) of {len(self.kept)} other task(s)"
            )
        if not self.stripped:
            lines.append("  no solution blocks stripped")
        return "\n".join(lines)


def _check_dest(src: Path, dest: Path, force: bool) -> None:
    if dest == src or dest in src.parents:
        raise ValueError(f"refusing to release into {dest}: it contains the project itself")
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest} exists and is not a folder; pick another DEST")
    if not dest.is_dir() or not any(dest.iterdir()):
        return
    if not force:
        raise ValueError(f"{dest} is not empty; pass --force to replace it")
    if dest.is_relative_to(src):
        parts = dest.relative_to(src).parts
        if not any(_excluded(part, at_root=i == 0) for i, part in enumerate(parts)):
            raise ValueError(
                f"refusing to replace {dest}: it is part of the project; "
                "release into student/ or outside the project"
            )


def make_release(
    src_root: Path | str,
    dest: Path | str,
    only: Optional[str] = None,
    force: bool = False,
    stub: str = "raise",
    keep: Collection[str] = (),
) -> Release:
    """Copy the project at ``src_root`` to ``dest`` with solutions stripped.

    Args:
        src_root: the project root (the folder with ``pyproject.toml``).
        dest: where the release goes; must not exist, be empty, or ``force`` must be set.
        only: strip only this task id; other tasks keep their solutions.
        force: replace a non-empty ``dest``.
        stub: what replaces a solution, ``"raise"`` (the release) or ``"pass"``
            (``make check-grading``'s lazy student).
        keep: tasks whose solutions stay (a student who has done them).

    Returns:
        A :class:`Release` with counts of files and stripped blocks.

    Raises:
        ValueError: for a bad ``dest`` or malformed solution blocks; ``dest``
            is left untouched in that case.
    """
    src = Path(src_root).resolve()
    target = Path(dest).resolve()
    if only is not None:
        parse_task_id(only)
    _check_dest(src, target, force)
    files = list(project_files(src, skip=[target]))  # listed before we write anything
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    shutil.copymode(src, staging)  # mkdtemp makes it private (0700)
    release = Release(dest=target, src=src)
    try:
        for relative in files:
            if is_maintainer_only(relative):
                continue
            _copy_file(src / relative, staging / relative, only, release, stub, keep)
        if (src / "README.md").is_file():
            (staging / "README.md").write_text(
                student_readme.render(release.locations), encoding="utf-8"
            )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return release


def _copy_file(
    source: Path,
    dest: Path,
    only: Optional[str],
    release: Release,
    stub: str = "raise",
    keep: Collection[str] = (),
) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    release.files += 1
    if source.is_symlink():
        os.symlink(os.readlink(source), dest)
        return
    if source.name == "Makefile" and source.parent == release.src:
        text = source.read_text(encoding="utf-8")
        dest.write_text(MAKEFILE_MAINTAINER.sub("", text), encoding="utf-8")
        shutil.copystat(source, dest)
        return
    if source.suffix != ".py":
        shutil.copy2(source, dest)
        return
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{source}: not UTF-8 text ({error.reason}); save it as UTF-8") from None
    blocks = find_blocks(text, filename=str(source))
    relative = source.relative_to(release.src).as_posix()
    for block in blocks:
        stripped = (only is None or block.task == only) and block.task not in keep
        counter = release.stripped if stripped else release.kept
        counter[block.task] += 1
        if stripped:
            names = release.locations.setdefault(block.task, {}).setdefault(relative, [])
            if block.name not in names:
                names.append(block.name)
    with open(dest, "w", encoding="utf-8", newline="") as out:
        out.write(strip_solutions(text, only=only, filename=str(source), stub=stub, keep=keep))
    shutil.copystat(source, dest)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.grading.release",
        description="Write the student release: the project with solution blocks stripped.",
    )
    parser.add_argument("dest", type=Path, help="folder to write (must be empty or absent)")
    parser.add_argument("--only", metavar="TASK", help="strip just this task, e.g. task1_2")
    parser.add_argument("--force", action="store_true", help="replace a non-empty DEST")
    parser.add_argument("--src", type=Path, default=PROJECT_ROOT, help="project root to copy")
    args = parser.parse_args(argv)
    try:
        release = make_release(args.src, args.dest, only=args.only, force=args.force)
    except ValueError as error:
        print(f"release: error: {error}", file=sys.stderr)
        return 2
    print(release.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
