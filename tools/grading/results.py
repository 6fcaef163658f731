"""Tally a pytest run per task: which tests carry which task marker, and how they did.

:class:`TaskResults` is a pytest plugin *object*: pass it to
``pytest.main(args, plugins=[results])`` and read :meth:`TaskResults.tallies`
afterwards. Tests without a ``task<module>_<n>`` marker are ignored.

The module is also a plugin on its own, for runs in a subprocess::

    MINITORCH_GRADING_RESULTS=out.json python -m pytest -p tools.grading.results

writes the tallies to ``out.json`` as ``{"task1_2": {"passed": 3, ...}, ...}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tools.grading.tasks import is_task_id

RESULTS_ENV = "MINITORCH_GRADING_RESULTS"


@dataclass
class Tally:
    """Outcomes of one task's tests.

    ``skipped`` includes expected failures (xfail); ``not_run`` counts tests
    that were collected but never reported (the run stopped early, e.g. ``-x``).
    """

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_run: int = 0

    @property
    def total(self) -> int:
        """Every collected test of the task."""
        return self.passed + self.failed + self.skipped + self.not_run

    @property
    def ok(self) -> bool:
        """True if no test failed or went unrun (skips are allowed)."""
        return self.failed == 0 and self.not_run == 0


class TaskResults:
    """A pytest plugin that records the task markers and outcomes of a run."""

    def __init__(self) -> None:
        self.tasks_of: Dict[str, Tuple[str, ...]] = {}
        self.outcomes: Dict[str, str] = {}
        self.collection_errors: List[str] = []
        self.collection_messages: Dict[str, str] = {}

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Remember files that failed to import: their tests are never graded."""
        if report.failed:
            nodeid = report.nodeid or "<session>"
            self.collection_errors.append(nodeid)
            lines = str(report.longrepr).strip().splitlines()
            self.collection_messages[nodeid] = lines[-1] if lines else ""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Record the task markers of every selected test."""
        for item in session.items:
            tasks = sorted({mark.name for mark in item.iter_markers() if is_task_id(mark.name)})
            if tasks:
                self.tasks_of[item.nodeid] = tuple(tasks)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold setup/call/teardown reports into one outcome; a failure anywhere wins."""
        if report.nodeid not in self.tasks_of or self.outcomes.get(report.nodeid) == "failed":
            return
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped:
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call":
            self.outcomes[report.nodeid] = "passed"

    def tallies(self) -> Dict[str, Tally]:
        """Per task id, the count of each outcome. Tasks without tests are absent."""
        tallies: Dict[str, Tally] = {}
        for nodeid, tasks in self.tasks_of.items():
            outcome = self.outcomes.get(nodeid, "not_run")
            for task in tasks:
                tally = tallies.setdefault(task, Tally())
                setattr(tally, outcome, getattr(tally, outcome) + 1)
        return tallies


def fail_fast_hypothesis() -> None:
    """Make hypothesis report a failure at once instead of shrinking it first.

    Shrinking searches for the smallest failing input, which is worth seconds
    when a student reads one failure (``make grade TASK=1.2``), not when a
    release fails hundreds of property tests at once (minutes in all).
    """
    from hypothesis import Phase, settings

    settings.register_profile(
        "grading-table", phases=[Phase.explicit, Phase.reuse, Phase.generate], deadline=None
    )
    settings.load_profile("grading-table")


def write_json(tallies: Dict[str, Tally], collection_errors: List[str], path: Path) -> None:
    """Save tallies (and collection errors, under the key ``"_collection_errors"``)."""
    data: Dict[str, object] = {task: asdict(tally) for task, tally in tallies.items()}
    data["_collection_errors"] = collection_errors
    Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")


def read_json(path: Path) -> Tuple[Dict[str, Tally], List[str]]:
    """Load what :func:`write_json` saved: ``(tallies, collection_errors)``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    errors = data.pop("_collection_errors", [])
    return {task: Tally(**counts) for task, counts in data.items()}, errors


_RESULTS = pytest.StashKey[TaskResults]()


def pytest_configure(config: pytest.Config) -> None:
    """When loaded with ``-p``, start recording if :data:`RESULTS_ENV` names a file."""
    fail_fast_hypothesis()
    if os.environ.get(RESULTS_ENV):
        results = TaskResults()
        config.stash[_RESULTS] = results
        config.pluginmanager.register(results, "minitorch-task-results")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Write the recorded tallies to the file named by :data:`RESULTS_ENV`."""
    results = config.stash.get(_RESULTS, None)
    if results is not None:
        write_json(results.tallies(), results.collection_errors, Path(os.environ[RESULTS_ENV]))
