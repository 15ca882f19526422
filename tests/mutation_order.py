"""A pytest plugin for `make mutation` only: each mutant's tests run fastest first.

mutmut runs pytest with `-x` on the tests that reach the mutated function, in an arbitrary
order. Which test fails first never changes the verdict (killed or survived), only how soon a
killed mutant stops, so the cheap tests go first, by the durations mutmut recorded in its clean
run (`mutmut-stats.json` in the directory it runs the tests from). Without that file the order
is left alone. Loaded by `-p tests.mutation_order` in pyproject's [tool.mutmut] table.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest


@cache
def _durations() -> dict[str, float]:
    stats = Path("mutmut-stats.json")
    if not stats.is_file():
        return {}
    recorded = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    return {str(k): float(v) for k, v in recorded.items()}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    durations = _durations()
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
