"""Task 0.2 is graded by mutation: do your property tests catch broken operators?

In Task 0.2 you write property tests (``test_sigmoid``, ``test_transitive``,
``test_symmetric``, ``test_distribute``, ``test_other`` in
``tests/test_operators.py``). A test that checks nothing (``pass``) passes,
so passing is not what earns the points. Each case below takes one of your
tests and

1. runs it on the real operators: it must pass (a test that always fails
   catches nothing either);
2. runs it again with one operator replaced by a deliberately broken one
   (a *mutant*) that breaks the property your test's docstring states: your
   test must now fail.

This is how mutation testing measures a test suite: by the bugs it kills.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, NamedTuple

import pytest

import minitorch.operators as operators
import tests.test_operators as student_tests


class Mutant(NamedTuple):
    """A student test and a broken operator it should catch."""

    test: str  # the name of the property test in tests/test_operators.py
    operator: str  # the operator replaced by the mutant
    broken: Callable[..., float]
    bug: str  # what is wrong with it, for the failure message


def _flipped_sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(x)) if x <= 0 else math.exp(-x) / (1.0 + math.exp(-x))


MUTANTS = [
    Mutant("test_sigmoid", "sigmoid", _flipped_sigmoid, "sigmoid(-x): decreasing"),
    Mutant("test_sigmoid", "sigmoid", lambda x: operators.sigmoid(x) + 0.1,
           "sigmoid(x) + 0.1: leaves [0, 1] and sigmoid(0) != 0.5"),
    Mutant("test_transitive", "lt", lambda a, b: 1.0 if a <= b else 0.0, "a <= b: lt(a, a) is 1"),
    Mutant("test_transitive", "lt", lambda a, b: 1.0 if a != b else 0.0,
           "a != b: not transitive"),
    Mutant("test_symmetric", "mul", lambda x, y: x * y + x, "x * y + x: not symmetric"),
    Mutant("test_distribute", "mul", lambda x, y: x * y + 1.0,
           "x * y + 1: symmetric but not distributive"),
    Mutant("test_distribute", "add", lambda x, y: x + y + 1.0, "x + y + 1: not distributive"),
    Mutant("test_other", "relu", lambda x: (x if x > 0 else 0.0) + 1.0,
           "relu(x) + 1: not idempotent"),
    Mutant("test_other", "neg", lambda x: -abs(x), "-|x|: neg(neg(x)) != x"),
]


def _replace(monkeypatch: pytest.MonkeyPatch, name: str, fn: Callable[..., float]) -> None:
    """Swap operator ``name`` in minitorch.operators and in the tests' own imports."""
    monkeypatch.setattr(operators, name, fn)
    if hasattr(student_tests, name):
        monkeypatch.setattr(student_tests, name, fn)


@pytest.mark.task0_2
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.test}-{m.operator}-{m.bug[:12]}")
def test_property_test_catches_mutant(mutant: Mutant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Your property test passes on the real operators and fails on this mutant."""
    test = getattr(student_tests, mutant.test)
    try:
        test()
    except Exception as error:  # noqa: BLE001 - any failure means the test is not done
        pytest.fail(
            f"{mutant.test} must pass on the real operators first, but it raised "
            f"{type(error).__name__}: {error}"
        )
    _replace(monkeypatch, mutant.operator, mutant.broken)
    caught: Dict[str, BaseException] = {}
    try:
        test()
    except Exception as error:  # noqa: BLE001 - a failing test is what we want
        caught["error"] = error
    assert caught, (
        f"{mutant.test} did not notice a broken {mutant.operator} ({mutant.bug}); "
        f"check the property its docstring states"
    )
