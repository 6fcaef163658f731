"""Every step that can take long shows progress: bars in a terminal, plain lines every tenth in a log."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.layers.modules import Linear
from minitorch.learner.callback import progress
from minitorch.learner.data import ArrayDataset, DataLoader
from minitorch.learner.features import compute_features
from tests.learner_helpers import learner


def test_log_progress_prints_a_line_per_tenth_with_rate_and_time_left(capsys) -> None:
    steps = [0]  # the fake clock: one second per step
    bar = progress.LogProgress(20, "train", clock=lambda: float(steps[0]))
    bar.set_postfix_str("0.5000")
    for _ in range(20):
        steps[0] += 1
        bar.update(1)
    bar.close()
    lines = capsys.readouterr().out.splitlines()
    # Quiet for the first LOG_AFTER_S (5) seconds, then a line at 30%, 40%, ... 100%.
    assert [line.split()[1] for line in lines] == [f"{p}%" for p in range(30, 101, 10)]
    assert lines[0] == "train:  30% 6/20 [00:06 elapsed, 00:14 left, 1 it/s] 0.5000"


def test_a_quick_pass_leaves_the_log_alone(capsys) -> None:
    bar = progress.progress_bar(100, "train", mode="log")
    for _ in range(100):
        bar.update(1)
    assert capsys.readouterr().out == ""


@pytest.fixture
def log_every_tenth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "LOG_AFTER_S", 0.0)


def test_get_preds_outside_a_fit_shows_progress_in_a_log(capsys, log_every_tenth) -> None:
    learn = learner(cbs=progress.ProgressCallback(mode="log"))
    learn.get_preds()
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[-1].startswith("valid: 100% 2/2")


def test_get_preds_shows_a_bar_in_a_terminal(capsys) -> None:
    learn = learner(cbs=progress.ProgressCallback(mode="terminal"))
    learn.get_preds()
    assert "valid" in capsys.readouterr().err


def test_compute_features_shows_progress(capsys, log_every_tenth) -> None:
    x = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    loader = DataLoader(ArrayDataset(x, np.zeros(50, dtype=np.int64)), 5)
    feats, _ = compute_features(Linear(2, 3), loader)
    assert feats.shape == (50, 3)
    lines = capsys.readouterr().out.splitlines()  # pytest's capture is not a terminal: log lines
    assert [line.split()[1] for line in lines] == [f"{p}%" for p in range(10, 101, 10)]
    assert all(line.startswith("features:") and "left" in line for line in lines)


def test_progress_over_an_iterable_without_a_length() -> None:
    assert list(progress.progress(iter(range(3)), "x", mode="log")) == [0, 1, 2]
