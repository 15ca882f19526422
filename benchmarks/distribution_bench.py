"""Compile time over generated programs: what a new user's programs cost, not hand-picked ones.

1,000 well-typed programs from the differential tester's generator (`programs(defs=prelude)`,
derandomized, so the same programs every run) are compiled at K = 9: lowering and exact
evaluation, best wall time of two runs each (the CPU clock ticks in 4 ms steps here).
Context variables that are recurrent weights are bound to fixed 0/1 matrices (the
compiler needs their values); the others are axes.

Targets (issue 14): every program compiles; max ≤ 100 ms; p99 ≤ 20 ms.

Measured on one set of 1,000 programs (2 shared cores, load 5–10, the two trees run one
after the other, twice; `PYTHONPATH=that/tree` as below): session start (f43b9a1) median
3.7–4.3 ms, p99 49 ms, max 90–171 ms, total 7.7–8.7 s → now median 2.1–2.5 ms, p99
14–18 ms, max 26–28 ms, total 3.0–3.7 s, none refused. What the tail did: an applied
def (`compose` above all) built its own 10⁶-entry matrix, a variable of a large function
type built its identity to be applied, and per-basis steps built all K+1 columns where
their states visit a few; now a `fun` applied runs on its arguments, an identity is
applied as a copy, and a step builds the columns its states need.

Run: `python -m benchmarks distribution` (`--programs N`, `--k K`). Against another tree
of the project, e.g. a checkout before a change: `cd that/tree && python -m
benchmarks.distribution_bench` (`python -m` puts the current directory first on the
path, so PYTHONPATH alone does not switch trees; a program over `CAP_SECONDS` of CPU is
stopped and shown as `> cap`).
"""

from __future__ import annotations

import argparse
import math
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.verify_bench import collect
from cajal_ref.compiler import compile_program, lower
from cajal_ref.diagnostics import CajalError
from cajal_ref.loader import load_workspace
from cajal_ref.printer import show_term
from cajal_ref.spaces import value_shape
from cajal_ref.syntax import show_type, size
from cajal_ref.verification.strategies import Program, prelude_def_types, programs

PROGRAMS = 1000
K = 9
CAP_SECONDS = 30.0
TARGET_MAX = 0.100
TARGET_P99 = 0.020
BEFORE = (
    "Recorded, not rerun: on the same 1,000 programs at K = 9 (two runs, 2 shared cores, load "
    "5–10) the session-start compiler (f43b9a1) gave median 3.7–4.3 ms, p99 49 ms, max 90–171 ms, "
    "total 7.7–8.7 s, and this one median 2.1–2.5 ms, p99 14–18 ms, max 26–28 ms, total 3.0–3.7 s."
)


@dataclass
class Timing:
    program: Program
    nodes: int
    seconds: float
    entries: int = 0
    refused: str = ""


class _Cap(Exception):
    pass


def _on_cap(signum: int, frame: Any) -> None:
    raise _Cap


def weight_value(t: Any, k: int) -> Any:
    """A fixed exact value for a recurrent weight: 0/1 entries in a checkerboard."""
    shape = value_shape(t, k)
    return np.indices(shape).sum(axis=0) % 2


def time_program(program: Program, defs: Any, k: int, runs: int = 2) -> Timing:
    """Best wall time of `runs` compilations (lowering + exact evaluation).

    Wall time, not CPU time: the CPU clock here ticks in 4 ms steps, too coarse for
    programs that compile in a millisecond; the best of two runs discounts other load.
    """
    nodes = size(program.term)
    best = math.inf
    signal.setitimer(signal.ITIMER_PROF, CAP_SECONDS)
    try:
        for _ in range(runs):
            start = time.perf_counter()
            try:
                lowered = lower(program.term, program.context, defs)
                weights = lowered.recurrent_weights
                bindings = {n: weight_value(t, k) for n, t in program.context if n in weights}
                compiled = compile_program(lowered, nat_bound=k, bindings=bindings)
            except CajalError as err:
                return Timing(program, nodes, time.perf_counter() - start, refused=f"{err.kind.value}")
            best = min(best, time.perf_counter() - start)
        return Timing(program, nodes, best, int(compiled.tensor.size))
    except _Cap:
        return Timing(program, nodes, CAP_SECONDS, refused="> cap")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def report(timings: list[Timing], k: int) -> str:
    seconds = [t.seconds for t in timings]
    refused = [t for t in timings if t.refused]
    total = sum(seconds)
    top = sorted(timings, key=lambda t: t.seconds, reverse=True)[:10]
    p99, worst = percentile(seconds, 0.99), max(seconds)
    lines = [
        f"{len(timings):,} generated programs at K = {k}: median size "
        f"{statistics.median(t.nodes for t in timings):.0f} nodes (mean "
        f"{statistics.mean(t.nodes for t in timings):.1f}), total {total:.2f} s (best of two runs each).",
        "",
        "| statistic | time | target |",
        "|---|---:|---|",
        f"| median | {_ms(statistics.median(seconds))} | |",
        f"| p99 | {_ms(p99)} | ≤ 20 ms: {'yes' if p99 <= TARGET_P99 else 'NO'} |",
        f"| max | {_ms(worst)} | ≤ 100 ms: {'yes' if worst <= TARGET_MAX else 'NO'} |",
        f"| over 100 ms | {sum(s > TARGET_MAX for s in seconds)} programs | 0 |",
        f"| refused | {len(refused)} programs | 0: {'yes' if not refused else 'NO'} |",
        f"| share of all time in the 2 slowest | {sum(t.seconds for t in top[:2]) / total:.0%} | |",
        "",
        "The 10 slowest:",
        "",
        "| time | nodes | result entries | type | program |",
        "|---:|---:|---:|---|---|",
    ]
    for t in top:
        text = show_term(t.program.term)
        text = text if len(text) <= 70 else text[:69] + "…"
        entries = t.refused or f"{t.entries:,}"
        kind = show_type(t.program.type)
        lines.append(f"| {_ms(t.seconds)} | {t.nodes} | {entries} | {kind} | `{text}` |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distribution_bench")
    parser.add_argument("--programs", type=int, default=PROGRAMS)
    parser.add_argument("--k", type=int, default=K)
    args = parser.parse_args(argv if argv is not None else [])
    ws = load_workspace()
    generated = collect(programs(defs=prelude_def_types(ws.defs)), args.programs)
    signal.signal(signal.SIGPROF, _on_cap)
    timings = [time_program(p, ws.defs, args.k) for p in generated]
    print("## Compile time over generated programs\n")
    print(report(timings, args.k))
    print(f"\n{BEFORE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
