"""Tests for the student-release machinery (tools.grading.solutions / release)."""

import textwrap
from pathlib import Path

import pytest

from tools.grading.release import main, make_release
from tools.grading.solutions import find_blocks, strip_solutions
from tools.grading.tasks import TASKS, format_task

# Spelled in pieces so that this file has no real marker lines of its own
# (the release and the grading check scan every .py file, tests included).
BEGIN = "# BEGIN " + "SOLUTION"
END = "# END " + "SOLUTION"


def source(template: str) -> str:
    """Dedent ``template`` and turn ``#<begin>``/``#<end>`` into real markers."""
    return textwrap.dedent(template).replace("#<begin>", BEGIN).replace("#<end>", END)


SAMPLE = source(
    '''
    import math


    def add(x: float, y: float) -> float:
        """Add."""
        #<begin> task0_1
        return x + y
        #<end>


    class Scalar:
        def __init__(self, value: float) -> None:
            self.value = value

        def log(
            self,
        ) -> "Scalar":
            #<begin> task1_2
            return Scalar(math.log(self.value))
            #<end>
    '''
)


def test_format_task() -> None:
    assert format_task("task1_2") == "Task 1.2"
    assert len(TASKS) == 24 and TASKS["task4_5"].points > 0
    with pytest.raises(ValueError):
        format_task("task12")


def test_strip_replaces_every_block_with_a_named_stub() -> None:
    out = strip_solutions(SAMPLE)
    assert '    raise NotImplementedError("Task 0.1: implement add")\n' in out
    assert '        raise NotImplementedError("Task 1.2: implement Scalar.log")\n' in out
    assert "SOLUTION" not in out
    assert "return x + y" not in out and "math.log" not in out
    assert "self.value = value" in out  # code outside blocks stays
    compile(out, "<stripped>", "exec")


def test_only_strips_one_task_and_unmarks_the_rest() -> None:
    out = strip_solutions(SAMPLE, only="task1_2")
    assert '    """Add."""\n    return x + y\n\n' in out
    assert "Task 1.2: implement Scalar.log" in out and "Task 0.1" not in out
    assert "SOLUTION" not in out
    compile(out, "<stripped>", "exec")


def test_text_without_blocks_is_unchanged() -> None:
    text = "def f():\n    return 1\n"
    assert strip_solutions(text) == text
    assert strip_solutions(text, only="task0_1") == text


def test_enclosing_name_handles_nesting_and_control_flow() -> None:
    text = source(
        """
        def outer(xs):
            def helper():
                return 1

            for x in xs:
                if (
                    x
                ):
                    #<begin> task2_1
                    print(x)
                    #<end>
            def inner():
                #<begin> task2_2
                pass
                #<end>
        """
    )
    names = [block.name for block in find_blocks(text)]
    assert names == ["outer", "outer.inner"]
    out = strip_solutions(text)
    assert '            raise NotImplementedError("Task 2.1: implement outer")\n' in out
    compile(out, "<stripped>", "exec")


def test_crlf_line_endings_survive() -> None:
    text = SAMPLE.replace("\n", "\r\n")
    out = strip_solutions(text)
    assert 'raise NotImplementedError("Task 0.1: implement add")\r\n' in out
    assert "\n" not in out.replace("\r\n", "")


@pytest.mark.parametrize(
    "template, message",
    [
        (
            "def f():\n    #<begin> task1_1\n    pass\n",
            "mod.py:2: BEGIN SOLUTION task1_1 is never closed",
        ),
        ("def f():\n    pass\n    #<end>\n", "mod.py:3: END SOLUTION without"),
        (
            "def f():\n    #<begin> task1_1\n    #<begin> task1_2\n    #<end>\n    #<end>\n",
            "mod.py:3: nested solution block",
        ),
        ("#<begin> task1_1\nx = 1\n#<end>\n", "mod.py:1: solution block at indentation 0"),
        (
            "def f():\n    #<begin> task1\n    pass\n    #<end>\n",
            "mod.py:2: unknown task id 'task1'",
        ),
        ("def f():\n    #<begin>\n    pass\n    #<end>\n", "mod.py:2: unknown task id ''"),
        ("def f():\n    #<begin> task1_1\n    #<end> task1_2\n", "mod.py:3: END SOLUTION task1_2"),
        (
            "class C:\n    #<begin> task1_1\n    x = 1\n    #<end>\n",
            "mod.py:2: solution block is not",
        ),
        (
            "if True:\n    #<begin> task1_1\n    x = 1\n    #<end>\n",
            "mod.py:2: solution block is not",
        ),
    ],
)
def test_malformed_blocks_name_file_and_line(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        strip_solutions(source(template), filename="mod.py")


def test_only_must_be_a_task_id() -> None:
    with pytest.raises(ValueError, match="not a task id"):
        strip_solutions(SAMPLE, only="1_2")


def make_project(root: Path) -> Path:
    """A tiny project tree with the things a release must copy and must leave out."""
    files = {
        "pyproject.toml": "[project]\nname = 'demo'\n",
        "README.md": "# demo\n",
        "pkg/__init__.py": "",
        "pkg/ops.py": SAMPLE,
        "pkg/data.bin": "\x00\x01",
        "tests/test_ops.py": "def test_x():\n    assert True\n",
        "lessons/01.ipynb": "{}",
        "lessons/student/notes.md": "a nested 'student' folder is ordinary content\n",
        # left out:
        ".git/HEAD": "ref: main\n",
        ".venv/bin/python": "",
        "pkg/__pycache__/ops.cpython-311.pyc": "",
        "pkg/ops.ops-1.py311.nbi": "",
        "pkg/ops.ops-1.py311.1.nbc": "",
        ".pytest_cache/x": "",
        ".hypothesis/x": "",
        ".ruff_cache/x": "",
        "demo.egg-info/PKG-INFO": "",
        "lessons/.ipynb_checkpoints/01.ipynb": "",
        ".grading/task1_1-x/pkg/ops.py": SAMPLE,
        "student/pkg/ops.py": SAMPLE,
        "build/lib/pkg/ops.py": SAMPLE,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def listing(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_make_release_copies_the_project_without_solutions(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    release = make_release(src, tmp_path / "out")
    out = tmp_path / "out"
    assert listing(out) == {
        "pyproject.toml",
        "README.md",
        "pkg/__init__.py",
        "pkg/ops.py",
        "pkg/data.bin",
        "tests/test_ops.py",
        "lessons/01.ipynb",
        "lessons/student/notes.md",
    }
    assert release.files == 8
    assert dict(release.stripped) == {"task0_1": 1, "task1_2": 1}
    assert (out / "pkg/ops.py").read_text() == strip_solutions(SAMPLE)
    assert (out / "pkg/data.bin").read_text() == "\x00\x01"
    assert not list(tmp_path.glob(".out.*"))  # no staging folder left behind


def test_make_release_only_one_task(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    release = make_release(src, tmp_path / "out", only="task0_1")
    assert dict(release.stripped) == {"task0_1": 1} and dict(release.kept) == {"task1_2": 1}
    assert (tmp_path / "out/pkg/ops.py").read_text() == strip_solutions(SAMPLE, only="task0_1")


def test_make_release_refuses_a_non_empty_dest_unless_forced(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="not empty"):
        make_release(src, dest)
    assert listing(dest) == {"old.txt"}
    make_release(src, dest, force=True)
    assert "old.txt" not in listing(dest) and "pkg/ops.py" in listing(dest)
    with pytest.raises(ValueError, match="contains the project"):
        make_release(src, tmp_path, force=True)
    with pytest.raises(ValueError, match="part of the project"):
        make_release(src, src / "pkg", force=True)
    make_release(src, src / "student", force=True)  # an earlier release may be replaced


def test_make_release_into_the_project_skips_itself(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    make_release(src, src / "releases" / "v1")
    files = listing(src / "releases" / "v1")
    assert "pkg/ops.py" in files and not any(f.startswith("releases") for f in files)


def test_make_release_leaves_nothing_behind_on_error(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    (src / "pkg/broken.py").write_text(source("def f():\n    #<begin> task1_1\n"))
    with pytest.raises(ValueError, match="broken.py:2"):
        make_release(src, tmp_path / "out")
    assert list(tmp_path.iterdir()) == [src]


def test_cli_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = make_project(tmp_path / "src")
    assert main([str(tmp_path / "out"), "--src", str(src), "--only", "task1_2"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 8 files" in printed and "Task 1.2 (task1_2): stripped 1 block(s)" in printed
    assert main([str(tmp_path / "out"), "--src", str(src)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_release_is_a_students_repository(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src")
    (src / "Makefile").write_text(
        "grade:\n\tpython -m grade\n"
        "# BEGIN MAINTAINER (left out of the student's release)\n"
        "student:\n\tpython -m release\n"
        "# END MAINTAINER\n"
        "lessons:\n\tpython run_all.py\n"
    )
    for name in ("tools/grading/check.py", "tools/grading/release.py",
                 "tools/grading/grade.py", ".ci/run", "tests/grading/test_x.py"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("# tool\n")
    make_release(src, tmp_path / "out")
    out = tmp_path / "out"
    files = listing(out)
    assert "tools/grading/grade.py" in files  # the student grades their own work
    assert not {"tools/grading/check.py", "tools/grading/release.py", ".ci/run",
                "tests/grading/test_x.py"} & files
    makefile = (out / "Makefile").read_text()
    assert "grade:" in makefile and "lessons:" in makefile and "student:" not in makefile
    readme = (out / "README.md").read_text()
    assert readme.startswith("# minitorch: your course repository")
    # The README names the files and functions of each stripped task, read from the blocks.
    assert "| Task 1.2 | Scalar forward | 10 | `pkg/ops.py`: `Scalar.log` |" in readme
    assert "make grade TASK=1.2" in readme
