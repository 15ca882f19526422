"""Running the registered checks (imported for their registration side effect)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import lemmas, t2, t3
from .framework import FULL, REGISTRY, Bounds, Check, Outcome

_MODULES = (t2, t3, lemmas)


def run_checks(
    bounds: Bounds = FULL,
    *,
    select: Callable[[Check], bool] | None = None,
    report: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every registered check (or those `select` keeps), reporting each outcome as it ends."""
    outcomes = []
    for item in _selected(REGISTRY, select):
        outcome = item.run(bounds)
        if report is not None:
            report(outcome)
        outcomes.append(outcome)
    return outcomes


_ORDER = ("T2", "T3", "Lemma 6", "Cor 3.2")


def _selected(checks: Iterable[Check], select: Callable[[Check], bool] | None) -> list[Check]:
    """The selected checks, T2 first, then T3, then the lemmas (registration order within each)."""
    kept = [c for c in checks if select is None or select(c)]
    return sorted(kept, key=lambda c: _ORDER.index(c.theorem) if c.theorem in _ORDER else len(_ORDER))
