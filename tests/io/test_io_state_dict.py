"""Key renaming, layout transposes and the missing/unexpected/shape report."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.io.state_dict import (
    StateDictReport,
    compare_state_dicts,
    rename_keys,
    strip_prefix,
    transpose_keys,
)


def test_rules_apply_in_order_with_groups() -> None:
    state = {
        "module._blocks.0._bn1.weight": 1,
        "module._blocks.12._depthwise_conv.weight": 2,
        "module._fc.bias": 3,
    }
    rules = [
        (r"^module\.", ""),
        (r"^_blocks\.(\d+)\.", r"blocks.\1."),
        (r"\._?bn(\d)\.", r".bn\1."),
        (r"_depthwise_conv", "conv_dw"),
        (r"^_fc\.", "classifier."),
    ]
    renamed = rename_keys(state, rules)
    assert list(renamed.items()) == [
        ("blocks.0.bn1.weight", 1),
        ("blocks.12.conv_dw.weight", 2),
        ("classifier.bias", 3),
    ]
    # Order matters: the second rule only matches once the first has removed "module.".
    assert "module._blocks.0._bn1.weight" in rename_keys(state, rules[1:2])


def test_unmatched_keys_keep_their_names_and_values_are_untouched() -> None:
    w = np.ones(3)
    renamed = rename_keys({"a.weight": w, "b": 2}, [(r"^a\.", "x.")])
    assert renamed == {"x.weight": w, "b": 2} and renamed["x.weight"] is w


def test_collisions_are_refused() -> None:
    with pytest.raises(ValueError, match="'module.fc.w' and 'fc.w' to 'fc.w'"):
        rename_keys({"module.fc.w": 1, "fc.w": 2}, [(r"^module\.", "")])


def test_strip_prefix_is_literal() -> None:
    assert strip_prefix({"module.a": 1, "moduleXb": 2, "x.module.c": 3}, "module.") == {
        "a": 1,
        "moduleXb": 2,
        "x.module.c": 3,
    }


def test_transpose_keys() -> None:
    dense = np.arange(6.0).reshape(2, 3)
    kernel = np.zeros((3, 3, 4, 8))
    state = {"dense.kernel": dense, "conv.kernel": kernel, "conv.bias": np.ones(8)}
    out = transpose_keys(state, r"^dense\.kernel$")
    np.testing.assert_array_equal(out["dense.kernel"], dense.T)
    assert out["dense.kernel"].flags.c_contiguous and out["conv.bias"] is state["conv.bias"]
    out = transpose_keys(state, r"^conv\.kernel$", axes=(3, 2, 0, 1))  # TF HWIO -> OIHW
    assert out["conv.kernel"].shape == (8, 4, 3, 3)
    with pytest.raises(ValueError, match=r"axes \(3, 2, 0, 1\) need 4 dimensions"):
        transpose_keys(state, r"kernel$", axes=(3, 2, 0, 1))


def test_report_lists_missing_unexpected_and_mismatched() -> None:
    expected = {"fc.weight": (10, 4), "fc.bias": np.zeros(10), "bn.running_mean": (4,)}
    loaded = {"fc.weight": np.zeros((4, 10)), "fc.bias": np.zeros(10), "head.w": np.zeros(1)}
    report = compare_state_dicts(expected, loaded)
    assert report == StateDictReport(
        missing_keys=["bn.running_mean"],
        unexpected_keys=["head.w"],
        shape_mismatches=[("fc.weight", (10, 4), (4, 10))],
    )
    assert not report.ok
    text = str(report)
    assert "missing keys (1)" in text and "  bn.running_mean" in text
    assert "unexpected keys (1)" in text and "  head.w" in text
    assert "fc.weight: (10, 4) vs (4, 10)" in text
    with pytest.raises(ValueError, match="do not fit the model:\nmissing keys"):
        report.raise_if_incompatible()


def test_matching_report_and_ignore_patterns() -> None:
    expected = {"bn.weight": (3,), "bn.num_batches_tracked": ()}
    loaded = {"bn.weight": np.ones(3), "extra.num_batches_tracked": np.array(0)}
    report = compare_state_dicts(expected, loaded, ignore=[r"num_batches_tracked$"])
    assert report.ok and "matches" in str(report)
    report.raise_if_incompatible()
    assert not compare_state_dicts(expected, loaded).ok
