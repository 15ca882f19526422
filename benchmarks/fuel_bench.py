"""How long the default evaluation budget lasts (issue 12: a runaway evaluation ends in seconds).

The interpreter's fuel counts work (term nodes evaluated), never time, so whether a
program finishes is the same everywhere; what this measures is the CPU time a runaway
evaluation takes to exhaust `DEFAULT_FUEL` on this machine. Target: ≤ 5 s each.

Run: `python -m benchmarks fuel` (prints a Markdown table). The located error itself
is tested in tests/test_limits.py.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import DEFAULT_FUEL, evaluate
from cajal_ref.loader import load_workspace

TARGET_S = 5.0

RUNAWAYS = (
    "iter 100 { zero => 1 | succ y => mult 2 y }",
    "is_even 1000000000",
    "iter 30 { zero => 1 | succ y => double y }",
)


def cpu_seconds_to_exhaust(text: str) -> float:
    ws = load_workspace()
    term = ws.check_expression(text).term
    start = time.process_time()
    try:
        evaluate(term, {}, ws.defs)
    except CajalError as err:
        assert err.kind is ErrorKind.FUEL
    else:
        raise AssertionError(f"`{text}` finished within the default budget")
    return time.process_time() - start


def main(out: Callable[[str], Any] = print) -> int:
    rows = {text: cpu_seconds_to_exhaust(text) for text in RUNAWAYS}
    out(f"## Runaway evaluations: CPU time to spend the default fuel ({DEFAULT_FUEL:,} steps)\n")
    out("| expression | CPU s |")
    out("|---|---:|")
    for text, seconds in rows.items():
        shown = text.replace("|", "\\|")  # a pipe inside a Markdown table cell
        out(f"| `{shown}` | {seconds:.2f} |")
    worst = max(rows.values())
    verdict = "met" if worst <= TARGET_S else "NOT met"
    out(f"\ntarget: each ≤ {TARGET_S:.0f} s: {verdict} (worst {worst:.2f} s)")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
