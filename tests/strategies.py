"""Hypothesis strategies shared by the Module 0/1 tests."""

from hypothesis import settings
from hypothesis.strategies import SearchStrategy, composite, floats, integers, lists

import minitorch

settings.register_profile("ci", deadline=None)
settings.load_profile("ci")

small_ints = integers(min_value=1, max_value=3)
small_floats = floats(min_value=-100, max_value=100, allow_nan=False)
med_ints = integers(min_value=1, max_value=20)


@composite
def scalars(draw, min_value: float = -100000, max_value: float = 100000) -> minitorch.Scalar:
    """A leaf ``Scalar`` with a value in the given range."""
    val = draw(floats(min_value=min_value, max_value=max_value))
    return minitorch.Scalar(val)


small_scalars: SearchStrategy = scalars(min_value=-100, max_value=100)


def assert_close(a: float, b: float, what: str = "") -> None:
    """Fail with both values when they differ by more than the course's tolerance.

    Args:
        a: the value the code under test computed.
        b: the expected value.
        what: names the computation in the failure message (e.g. ``"mul(2, 3)"``).
    """
    label = f"{what}: " if what else ""
    assert minitorch.operators.is_close(a, b), (
        f"{label}got {a}, expected {b} (they must agree to within 1e-2)"
    )


float_lists = lists(small_floats, min_size=0, max_size=10)
