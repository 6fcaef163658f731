"""Every function a student must write states its contract in a docstring.

In a student release each solution block becomes ``raise NotImplementedError``,
so the signature and the docstring are all the student sees of the function.
A function without a docstring sends the student to other files to learn what
to compute; this test names each such function as ``file:function``.
"""

import textwrap
from pathlib import Path
from typing import List

from tools.grading.release import PROJECT_ROOT, project_files
from tools.grading.solutions import undocumented

# Spelled in pieces so that this file has no marker lines of its own.
BEGIN = "# BEGIN " + "SOLUTION"
END = "# END " + "SOLUTION"


def test_checker_names_an_undocumented_function() -> None:
    text = textwrap.dedent(
        f'''
        def documented(x):
            """Return x."""
            {BEGIN} task0_1
            return x
            {END}


        def outer():
            """Outer has a docstring, inner does not."""

            def inner(y):
                {BEGIN} task0_1
                return y
                {END}

            return inner
        '''
    )
    assert undocumented(text, "sample.py") == ["sample.py:outer.inner"]


def test_every_function_with_a_solution_block_has_a_docstring() -> None:
    root = Path(PROJECT_ROOT)
    missing: List[str] = []
    for relative in project_files(root):
        path = root / relative
        if path.suffix != ".py" or path.is_symlink():
            continue
        missing += undocumented(path.read_text(encoding="utf-8"), str(relative))
    assert not missing, (
        "these functions hold a solution block but no docstring; a student sees only "
        "their signature, so state the contract (Args/Returns, the maths, what ctx "
        "saves) in a docstring:\n  " + "\n  ".join(missing)
    )
