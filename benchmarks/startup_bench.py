"""Start-up time of the `cajal` command (issue 14, item 4).

Each command is run REPEAT times as a fresh process (what a user waits for); the
median wall time is reported, with `python -c pass` as the floor no CLI can beat on
this machine. Target: `cajal eval -e "not true"` in ≤ 300 ms. The process runs
`python -m cajal_ref.cli`, the same code as the installed `cajal` script.

Run: `python -m benchmarks startup` (prints a Markdown table). The structural side
(no numpy, sympy, matplotlib or JAX on the eval path) is a test:
tests/test_cli_startup.py.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

REPEAT = 10
TARGET_MS = 300.0

COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "cajal eval -e 'not true'": ["-m", "cajal_ref.cli", "eval", "-e", "not true"],
    "cajal check (the prelude)": ["-m", "cajal_ref.cli", "check"],
    "cajal compile -e not": ["-m", "cajal_ref.cli", "compile", "-e", "not"],
    "cajal --help": ["-m", "cajal_ref.cli", "--help"],
}


def median_ms(args: list[str], repeat: int = REPEAT) -> tuple[float, float]:
    """(median, min) wall milliseconds of `python ARGS` over `repeat` fresh processes."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main(out: Callable[[str], Any] = print) -> int:
    rows = {name: median_ms(args) for name, args in COMMANDS.items()}
    out(f"## Start-up (median of {REPEAT} fresh processes)\n")
    out("| command | median ms | min ms |")
    out("|---|---:|---:|")
    for name, (median, least) in rows.items():
        out(f"| {name} | {median:.0f} | {least:.0f} |")
    eval_median = rows["cajal eval -e 'not true'"][0]
    verdict = "met" if eval_median <= TARGET_MS else "NOT met"
    out(f"\ntarget: eval ≤ {TARGET_MS:.0f} ms: {verdict} ({eval_median:.0f} ms)")
    return 0 if eval_median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
