"""`python -m proofs`: run every machine check of proofs/metatheory.md §7, one line per case.

Each line gives the theorem, the rule (the case of the induction), the identity checked,
the K and types covered, and the verdict. The exit status is 0 only if every check
passed and every rule of the typing system is covered for T2 and for T3.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from cajal_ref.rules import RULES

from .framework import FULL, QUICK, Outcome
from .run import run_checks


def _coverage_gaps(outcomes: list[Outcome]) -> list[str]:
    """The (theorem, rule) pairs of T2 and T3 that no check covered."""
    covered = {(o.theorem, o.rule) for o in outcomes}
    return [f"{thm} {rule}" for thm in ("T2", "T3") for rule in RULES if (thm, rule) not in covered]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller bounds (K ≤ 3, dims ≤ 4), as the tests use"
    )
    parser.add_argument("--max-k", type=int, default=None, help="check K = 0 … MAX_K (default 6)")
    parser.add_argument(
        "--only",
        default=None,
        help="run only checks whose theorem or rule is this (e.g. Iter, T3; 'coq': only the Coq proof)",
    )
    parser.add_argument(
        "--skip-coq", action="store_true", help="do not run coqc on the mechanized proof (proofs/coq/)"
    )
    args = parser.parse_args(argv)

    bounds = QUICK if args.quick else FULL
    if args.max_k is not None:
        if args.max_k < 0:
            parser.error("--max-k must be ≥ 0")
        bounds = replace(
            bounds,
            max_k=args.max_k,
            nested_k=min(bounds.nested_k, args.max_k),
            nested_k3=min(bounds.nested_k3, args.max_k),
        )
    only = args.only
    if only == "coq":
        return _coq()

    print(
        "Machine checks of the metatheory (proofs/metatheory.md §7): generic symbolic inputs, sympy, "
        "the project's compiler."
    )
    start = time.perf_counter()
    outcomes = run_checks(
        bounds,
        select=(lambda c: only in (c.theorem, c.rule)) if only else None,
        report=lambda o: print(o.line(), flush=True),
    )
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not o.ok]
    gaps = [] if only else _coverage_gaps(outcomes)
    for gap in gaps:
        print(f"MISSING  {gap}: no check covers this case")
    total = sum(o.instances for o in outcomes)
    verdict = "all proved" if not failed and not gaps and outcomes else "FAILED"
    print(f"{len(outcomes)} checks, {total} instances, {len(failed)} failed, {elapsed:.1f}s: {verdict}")
    coq = 0 if only or args.skip_coq else _coq()
    return 0 if verdict == "all proved" and coq == 0 else 1


def _coq() -> int:
    """Check the mechanized proof with coqc and the Python compiler against it (proofs/coq_check.py)."""
    from .coq_check import run_coq

    print("Mechanized proof (proofs/coq/, metatheory.md §9): coqc, Print Assumptions, cross-check cases.")
    outcome = run_coq(report=lambda line: print(line, flush=True))
    print("Coq: " + ("all proved, all cases agree" if outcome.ok else "FAILED"))
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
