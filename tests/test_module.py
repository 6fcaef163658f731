"""Module 0, task 0.4: the Module tree (parameters, children, train/eval)."""

import pytest
from hypothesis import given

import minitorch
from tests.strategies import med_ints, small_floats

VAL_A = 50.0
VAL_B = 100.0


class ModuleA1(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p1 = minitorch.Parameter(5)
        self.non_param = 10
        self.a = ModuleA2()
        self.b = ModuleA3()


class ModuleA2(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p2 = minitorch.Parameter(10)


class ModuleA3(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c = ModuleA4()


class ModuleA4(minitorch.Module):
    def __init__(self) -> None:
        super().__init__()
        self.p3 = minitorch.Parameter(15)


@pytest.mark.task0_4
def test_stacked_demo() -> None:
    """Parameters of nested modules get dotted names."""
    mod = ModuleA1()
    np_ = dict(mod.named_parameters())
    assert mod.p1.value == 5, "mod.p1 should be the Parameter assigned in __init__ (value 5)"
    assert mod.non_param == 10, "a plain attribute (non_param = 10) should stay a plain attribute"
    assert np_["p1"].value == 5, f"named_parameters() gave {sorted(np_)}; expected p1 with value 5"
    assert np_["a.p2"].value == 10, f"named_parameters() gave {sorted(np_)}; expected a.p2 (child a's p2) with value 10"
    assert np_["b.c.p3"].value == 15, f"named_parameters() gave {sorted(np_)}; expected b.c.p3 (grandchild b.c's p3) with value 15"
    assert len(mod.parameters()) == 3, f"expected 3 parameters (p1, a.p2, b.c.p3), got {len(mod.parameters())}"


class Module1(minitorch.Module):
    def __init__(self, size_a: int, size_b: int, val: float) -> None:
        super().__init__()
        self.module_a = Module2(size_a)
        self.module_b = Module2(size_b)
        self.parameter_a = minitorch.Parameter(val)


class Module2(minitorch.Module):
    def __init__(self, extra: int = 0) -> None:
        super().__init__()
        self.parameter_a = minitorch.Parameter(VAL_A)
        self.parameter_b = minitorch.Parameter(VAL_B)
        self.non_parameter = 10
        for i in range(extra):
            self.add_parameter(f"extra_parameter_{i}", None)


@pytest.mark.task0_4
@given(med_ints, med_ints)
def test_module(size_a: int, size_b: int) -> None:
    """Check the properties of a single module."""
    module = Module2()
    module.eval()
    assert not module.training, "eval() should set training to False"
    module.train()
    assert module.training, "train() should set training to True"
    assert len(module.parameters()) == 2, f"Module2() owns 2 parameters, parameters() gave {len(module.parameters())}"

    module = Module2(size_b)
    assert len(module.parameters()) == size_b + 2, f"Module2({size_b}) owns {size_b + 2} parameters, parameters() gave {len(module.parameters())}"

    module = Module2(size_a)
    named_parameters = dict(module.named_parameters())
    assert named_parameters["parameter_a"].value == VAL_A, f"named_parameters() gave {sorted(named_parameters)}; expected parameter_a = {VAL_A}"
    assert named_parameters["parameter_b"].value == VAL_B, f"named_parameters() gave {sorted(named_parameters)}; expected parameter_b = {VAL_B}"
    assert named_parameters["extra_parameter_0"].value is None, f"named_parameters() gave {sorted(named_parameters)}; expected extra_parameter_0 with value None"


@pytest.mark.task0_4
@given(med_ints, med_ints, small_floats)
def test_stacked_module(size_a: int, size_b: int, val: float) -> None:
    """Check the properties of a stacked module: train/eval reach every child."""
    module = Module1(size_a, size_b, val)
    module.eval()
    assert not module.training, "eval() should set training to False on the module itself"
    assert not module.module_a.training, "eval() should reach child module_a (training should be False)"
    assert not module.module_b.training, "eval() should reach child module_b (training should be False)"
    module.train()
    assert module.training, "train() should set training to True on the module itself"
    assert module.module_a.training, "train() should reach child module_a (training should be True)"
    assert module.module_b.training, "train() should reach child module_b (training should be True)"

    assert len(module.parameters()) == 1 + (size_a + 2) + (size_b + 2), f"expected {1 + (size_a + 2) + (size_b + 2)} parameters (own 1, module_a {size_a + 2}, module_b {size_b + 2}), got {len(module.parameters())}"

    named_parameters = dict(module.named_parameters())
    assert named_parameters["parameter_a"].value == val, f"named_parameters() gave {sorted(named_parameters)}; expected parameter_a = {val}"
    assert named_parameters["module_a.parameter_a"].value == VAL_A, f"named_parameters() gave {sorted(named_parameters)}; expected module_a.parameter_a = {VAL_A}"
    assert named_parameters["module_a.parameter_b"].value == VAL_B, f"named_parameters() gave {sorted(named_parameters)}; expected module_a.parameter_b = {VAL_B}"
    assert named_parameters["module_b.parameter_a"].value == VAL_A, f"named_parameters() gave {sorted(named_parameters)}; expected module_b.parameter_a = {VAL_A}"
    assert named_parameters["module_b.parameter_b"].value == VAL_B, f"named_parameters() gave {sorted(named_parameters)}; expected module_b.parameter_b = {VAL_B}"


class ModuleRun(minitorch.Module):
    def forward(self) -> int:
        return 10


def test_module_fail_forward() -> None:
    mod = minitorch.Module()
    with pytest.raises(NotImplementedError):
        mod()
    mod2 = ModuleRun()
    assert mod2.forward() == 10
    assert mod2() == 10


def test_module_requires_super_init() -> None:
    class Broken(minitorch.Module):
        def __init__(self) -> None:
            self.w = minitorch.Parameter(1.0)

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Broken()


def test_reassigning_an_attribute_moves_it_between_registries() -> None:
    mod = Module2()
    mod.parameter_a = 3  # no longer a parameter
    assert "parameter_a" not in dict(mod.named_parameters())
    assert mod.parameter_a == 3


def test_module_repr_lists_children() -> None:
    text = repr(Module1(1, 1, 0.0))
    assert "(module_a): Module2()" in text
