"""Machine checks for the metatheory of Cajal(⊸, 2, N) (see proofs/metatheory.md).

Every inductive case of T2 (compiler correctness) and T3 (multilinearity, degree) rests
on one algebraic identity of the compiler's primitives. The checks in `t2`, `t3` and
`lemmas` prove those identities with sympy over generic symbolic inputs, for every K
and every type up to stated bounds, by calling the project's own compiler — so a bug in
the compiler breaks a proof check. `python -m proofs` runs them all.
"""

from __future__ import annotations

from .framework import FULL, QUICK, REGISTRY, Bounds, Check, Outcome
from .run import run_checks

__all__ = ["FULL", "QUICK", "REGISTRY", "Bounds", "Check", "Outcome", "run_checks"]
