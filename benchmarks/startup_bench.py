"""Start-up time of the `cajal` command (issue 14, item 4).

Each command is run REPEAT times as a fresh process (what a user waits for); the
median wall and CPU times are reported, with `python -c pass` as the floor no CLI can
beat on this machine. Target: `cajal eval -e "not true"` in ≤ 300 ms. The process runs
`python -m cajal_ref.cli`, the same code as the installed `cajal` script.

Run: `python -m benchmarks startup` (prints a Markdown table). The structural side
(no numpy, sympy, matplotlib or JAX on the eval path) is a test:
tests/test_cli_startup.py.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
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


def user_environment(cache: str) -> dict[str, str]:
    """The environment with bytecode caching on (in `cache`), as an installed `cajal` has it,
    even where PYTHONDONTWRITEBYTECODE is set (it would time the compiling of every module)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def timings(args: list[str], env: dict[str, str], repeat: int = REPEAT) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of `python ARGS` over `repeat` fresh processes, after one
    warm-up run that fills the bytecode cache.

    CPU time (user + system of the child) hardly moves when other jobs share the cores;
    on an idle machine the wall time is close to it.
    """
    subprocess.run([sys.executable, *args], capture_output=True, check=True, env=env)
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True, env=env)
        walls.append((time.perf_counter() - start) * 1000)
        after = os.times()
        user = after.children_user - before.children_user
        cpus.append((user + after.children_system - before.children_system) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(out: Callable[[str], Any] = print) -> int:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cajal-pycache-") as cache:
        env = user_environment(cache)
        rows = {name: timings(args, env) for name, args in COMMANDS.items()}
    machine = f"load average {load:.1f} on {os.cpu_count()} CPUs"
    out(f"## Start-up (median of {REPEAT} fresh processes; {machine})\n")
    out("| command | wall ms | CPU ms |")
    out("|---|---:|---:|")
    for name, (wall, cpu) in rows.items():
        out(f"| {name} | {wall:.0f} | {cpu:.0f} |")
    eval_wall, eval_cpu = rows["cajal eval -e 'not true'"]
    verdict = "met" if eval_wall <= TARGET_MS else "NOT met"
    measured = f"{eval_wall:.0f} ms wall, {eval_cpu:.0f} ms CPU"
    out(f"\ntarget: eval ≤ {TARGET_MS:.0f} ms wall: {verdict} ({measured})")
    return 0 if eval_wall <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
