"""A pytest plugin for `make mutation` only: each mutant's tests run fastest first, on empty caches.

mutmut runs pytest with `-x` on the tests that reach the mutated function, in an arbitrary
order. Which test fails first never changes the verdict (killed or survived), only how soon a
killed mutant stops, so the cheap tests go first, by the durations mutmut recorded in its clean
run (`mutmut-stats.json` in the directory it runs the tests from). Without that file the order
is left alone. Loaded by `-p tests.mutation_order` in pyproject's [tool.mutmut] table.
"""

from __future__ import annotations

import json
import sys
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


_CACHES = (
    ("cajal_ref.compiler.evaluation", ("_SHIFTS", "_CONSTANTS", "_DIMS")),
    ("cajal_ref.compiler.lowering", ("_LOWERED_DEFS",)),
    ("cajal_ref.compiler.tensors", ("_IDENTITIES",)),
)
_LRU = ("cajal_ref.compiler.recurrence", ("_neurons", "_iterates"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Empty the compiler's process-wide caches before each mutant's tests.

    mutmut forks every mutant's run from a process whose caches (Sh, constants, dims, lowered
    prelude defs, identities, the cost model's counts) the unmutated code filled: a mutant in the
    code that fills them would never run. Emptied, they are refilled by the code under test.
    """
    del session
    for module_name, names in _CACHES:
        module = sys.modules.get(module_name)
        for name in names if module is not None else ():
            getattr(module, name).clear()
    module = sys.modules.get(_LRU[0])
    for name in _LRU[1] if module is not None else ():
        clear = getattr(getattr(module, name), "cache_clear", None)
        if clear is not None:
            clear()
