"""A pytest plugin for `make mutation` only: each mutant's tests run fastest first.

mutmut runs pytest with `-x` on the tests that reach the mutated function, in an arbitrary
order. Which test fails first never changes the verdict (killed or survived), only how soon a
killed mutant stops, so the cheap tests go first, by the durations mutmut recorded in its clean
run (`mutmut-stats.json` in the directory it runs the tests from). Without that file the order
is left alone. Loaded by `-p tests.mutation_order` in pyproject's [tool.mutmut] table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

_read: dict[float, dict[str, float]] = {}
"""The durations last read, by the file's modification time: mutmut forks every mutant's run
from a process that read the file before its new tests were timed, so a cache must not
outlive the file."""


def _durations() -> dict[str, float]:
    stats = Path("mutmut-stats.json")
    if not stats.is_file():
        return {}
    mtime = stats.stat().st_mtime
    if mtime not in _read:
        recorded = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
        _read.clear()
        _read[mtime] = {str(k): float(v) for k, v in recorded.items()}
    return _read[mtime]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    durations = _durations()
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
