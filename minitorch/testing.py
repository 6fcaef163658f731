"""A catalogue of small math functions that the tests run through every engine.

``MathTest`` writes each function with the float operators of Module 0;
``MathTestVariable`` writes the same functions with methods of ``Scalar`` /
``Tensor``. Pairing them (``_comp_testing``) lets one test compare an
engine's forward pass and gradients against plain-float math.
"""

from __future__ import annotations

from typing import Any, Callable, List, Tuple

from . import operators

__all__ = ["MathTest", "MathTestVariable"]

Fn = Callable[..., Any]


class MathTest:
    """Functions of floats, built from ``minitorch.operators``."""

    @staticmethod
    def neg(a: Any) -> Any:
        "Negate the argument"
        return -a

    @staticmethod
    def addConstant(a: Any) -> Any:
        "Add constant to the argument"
        return 5 + a

    @staticmethod
    def square(a: Any) -> Any:
        "Manual square"
        return a * a

    @staticmethod
    def cube(a: Any) -> Any:
        "Manual cube"
        return a * a * a

    @staticmethod
    def subConstant(a: Any) -> Any:
        "Subtract a constant from the argument"
        return a - 5

    @staticmethod
    def multConstant(a: Any) -> Any:
        "Multiply a constant to the argument"
        return 5 * a

    @staticmethod
    def div(a: Any) -> Any:
        "Divide by a constant"
        return a / 5

    @staticmethod
    def inv(a: Any) -> Any:
        "Invert after adding"
        return operators.inv(a + 3.5)

    @staticmethod
    def sig(a: Any) -> Any:
        "Apply sigmoid"
        return operators.sigmoid(a)

    @staticmethod
    def log(a: Any) -> Any:
        "Apply log to a large value"
        return operators.log(a + 100000)

    @staticmethod
    def relu(a: Any) -> Any:
        "Apply relu"
        return operators.relu(a + 5.5)

    @staticmethod
    def exp(a: Any) -> Any:
        "Apply exp to a smaller value"
        return operators.exp(a - 200)

    @staticmethod
    def explog(a: Any) -> Any:
        return operators.log(a + 100000) + operators.exp(a - 200)

    @staticmethod
    def add2(a: Any, b: Any) -> Any:
        "Add two arguments"
        return a + b

    @staticmethod
    def mul2(a: Any, b: Any) -> Any:
        "Mul two arguments"
        return a * b

    @staticmethod
    def div2(a: Any, b: Any) -> Any:
        "Divide two arguments"
        return a / (b + 5.5)

    @staticmethod
    def gt2(a: Any, b: Any) -> Any:
        return operators.lt(b, a + 1.2)

    @staticmethod
    def lt2(a: Any, b: Any) -> Any:
        return operators.lt(a + 1.2, b)

    @staticmethod
    def eq2(a: Any, b: Any) -> Any:
        return operators.eq(a, (b + 5.5))

    @staticmethod
    def sum_red(a: Any) -> Any:
        return operators.sum(a)

    @staticmethod
    def mean_red(a: Any) -> Any:
        return operators.sum(a) / float(len(a))

    @staticmethod
    def mean_full_red(a: Any) -> Any:
        return operators.sum(a) / float(len(a))

    @staticmethod
    def complex(a: Any) -> Any:
        return (
            operators.log(
                operators.sigmoid(operators.relu(operators.relu(a * 10 + 7) * 6 + 5) * 10)
            )
            / 50
        )

    @classmethod
    def _tests(
        cls,
    ) -> Tuple[List[Tuple[str, Fn]], List[Tuple[str, Fn]], List[Tuple[str, Fn]]]:
        """The functions of this class, grouped as one-argument, two-argument and reductions."""
        one_arg: List[Tuple[str, Fn]] = []
        two_arg: List[Tuple[str, Fn]] = []
        red_arg: List[Tuple[str, Fn]] = []
        for k in dir(MathTest):
            if callable(getattr(MathTest, k)) and not k.startswith("_"):
                base_fn = getattr(cls, k)
                tup = (k, base_fn)
                if k.endswith("2"):
                    two_arg.append(tup)
                elif k.endswith("red"):
                    red_arg.append(tup)
                else:
                    one_arg.append(tup)
        return one_arg, two_arg, red_arg

    @classmethod
    def _comp_testing(
        cls,
    ) -> Tuple[
        List[Tuple[str, Fn, Fn]], List[Tuple[str, Fn, Fn]], List[Tuple[str, Fn, Fn]]
    ]:
        """Triples ``(name, float version, engine version)`` for each group."""
        one_arg, two_arg, red_arg = MathTest._tests()
        one_argv, two_argv, red_argv = cls._tests()
        one_arg = [(n1, f1, f2) for (n1, f1), (_, f2) in zip(one_arg, one_argv)]
        two_arg = [(n1, f1, f2) for (n1, f1), (_, f2) in zip(two_arg, two_argv)]
        red_arg = [(n1, f1, f2) for (n1, f1), (_, f2) in zip(red_arg, red_argv)]
        return one_arg, two_arg, red_arg


class MathTestVariable(MathTest):
    """The same functions written with methods of ``Scalar``/``Tensor``."""

    @staticmethod
    def inv(a: Any) -> Any:
        return 1.0 / (a + 3.5)

    @staticmethod
    def sig(x: Any) -> Any:
        return x.sigmoid()

    @staticmethod
    def log(x: Any) -> Any:
        return (x + 100000).log()

    @staticmethod
    def relu(x: Any) -> Any:
        return (x + 5.5).relu()

    @staticmethod
    def exp(a: Any) -> Any:
        return (a - 200).exp()

    @staticmethod
    def explog(a: Any) -> Any:
        return (a + 100000).log() + (a - 200).exp()

    @staticmethod
    def sum_red(a: Any) -> Any:
        return a.sum(0)

    @staticmethod
    def mean_red(a: Any) -> Any:
        return a.mean(0)

    @staticmethod
    def mean_full_red(a: Any) -> Any:
        return a.mean()

    @staticmethod
    def eq2(a: Any, b: Any) -> Any:
        return a == (b + 5.5)

    @staticmethod
    def gt2(a: Any, b: Any) -> Any:
        return a + 1.2 > b

    @staticmethod
    def lt2(a: Any, b: Any) -> Any:
        return a + 1.2 < b

    @staticmethod
    def complex(a: Any) -> Any:
        return (((a * 10 + 7).relu() * 6 + 5).relu() * 10).sigmoid().log() / 50
