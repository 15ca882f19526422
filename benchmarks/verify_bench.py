"""Throughput and coverage of the differential tests (issue "Step 3").

- Throughput: closed ground programs checked per second of CPU time by property 1
  (compile_K(t) = enc(eval(t)), K = max(peak, 1)), generation included and not
  (wall-clock rate shown too; it is lower when other processes share the cores).
- Coverage of 1000 generated programs (`programs(defs=prelude, opaque=("Img",))`):
  the share containing each construct, the share with higher-order types, with a
  recurrent weight, and the size distribution.

Targets: ≥ 200 programs/s at mean size ≥ 30 nodes (size budget 40; `--budget 160` for
programs of about 90 nodes); every construct in ≥ 5 % of
programs; ≥ 20 % higher-order; ≥ 20 % with a recurrent weight.

Run: `python -m benchmarks.verify_bench` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy

from cajal_ref.checker import Derivation, check_term
from cajal_ref.loader import load_workspace
from cajal_ref.syntax import (
    App,
    Arrow,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Succ,
    Var,
    Zero,
    bound_recurrent_weights,
    size,
    subterms,
)
from cajal_ref.verification.strategies import (
    Program,
    closed_ground_programs,
    is_higher_order,
    prelude_def_types,
    programs,
)
from cajal_ref.verification.verify import check_closed_ground

TARGET_RATE = 200.0
TARGET_MEAN_SIZE = 30.0
BUDGET = 40
"""Size budget of the throughput programs: a mean of about 32 nodes (the generator's default
budget gives about 21). `--budget 160` gives programs of about 90 nodes on average, the
size of the authors' test programs."""
TARGET_CONSTRUCT = 0.05
TARGET_HIGHER_ORDER = 0.20
TARGET_RECURRENT = 0.20
MAX_PEAK = 6
"""Property 1 runs at K = peak; programs whose peak exceeds this are generated but skipped."""


def collect(strategy: SearchStrategy[Any], count: int) -> list[Any]:
    """`count` examples from a strategy, by a derandomized hypothesis run (reproducible)."""
    out: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(x: Any) -> None:
        out.append(x)

    run()
    return out


def constructs(program: Program, defs: set[str]) -> set[str]:
    """The constructs a program uses (def references and opaque types included)."""
    found: set[str] = set()
    bound: set[str] = {n for n, _ in program.context}
    for sub in subterms(program.term):
        match sub:
            case Var(name):
                found.add("def reference" if name in defs and name not in bound else "var")
            case BoolLit():
                found.add("true/false")
            case Zero():
                found.add("zero")
            case Numeral():
                found.add("numeral")
            case Succ():
                found.add("succ")
            case If():
                found.add("if")
            case Lam(x, _, _):
                found.add("fun")
                bound.add(x)
            case App():
                found.add("application")
            case Iter(_, _, y, _):
                found.add("iter")
                bound.add(y)
            case Let(x, _, _):
                found.add("let")
                bound.add(x)
    if any("Img" in str(t) for _, t in program.context) or "Img" in str(program.type):
        found.add("opaque type")
    return found


CONSTRUCTS = (
    "var",
    "true/false",
    "if",
    "zero",
    "numeral",
    "succ",
    "fun",
    "application",
    "iter",
    "let",
    "def reference",
    "opaque type",
)


def _walk(d: Derivation) -> list[Derivation]:
    out, stack = [], [d]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.premises)
    return out


def higher_order(program: Program, defs: dict[str, Any]) -> bool:
    """Some subterm has a higher-order type, or an iteration carries a function as its state."""
    if any(is_higher_order(t) for _, t in program.context) or is_higher_order(program.type):
        return True
    typing = check_term(program.term, program.context, defs, types={"Img"})
    return any(
        is_higher_order(node.type) or (node.rule == "Iter" and isinstance(node.type, Arrow))
        for node in _walk(typing.derivation)
    )


def recurrent(program: Program, defs: dict[str, Any]) -> bool:
    """A step uses an outer variable: a context variable or one bound by fun/let/a step."""
    typing = check_term(program.term, program.context, defs, types={"Img"})
    return bool(typing.recurrent_weights) or bool(bound_recurrent_weights(program.term))


def throughput(count: int = 1000, budget: int = BUDGET) -> dict[str, float]:
    ws = load_workspace()
    def_types = prelude_def_types(ws.defs)
    # CPU time of this process: the machine may be shared, and wall time would count others' work
    started, wall = time.process_time(), time.perf_counter()
    progs = collect(closed_ground_programs(defs=def_types, budget=budget), count)
    generated = time.process_time()
    checked = skipped = 0
    sizes = []
    for p in progs:
        result = check_closed_ground(p.term, p.type, ws.defs, max_bound=MAX_PEAK)
        if not result.agree:
            raise AssertionError(result.counterexample.describe() if result.counterexample else "")
        if result.checked == 0:
            skipped += 1
            continue
        checked += 1
        sizes.append(size(p.term))
    done, wall_done = time.process_time(), time.perf_counter()
    return {
        "programs": float(len(progs)),
        "checked": float(checked),
        "skipped (peak > 6 or out of fuel)": float(skipped),
        "mean size": statistics.fmean(sizes) if sizes else 0.0,
        "checks/s (check only)": checked / max(done - generated, 1e-9),
        "programs/s (generate + check)": checked / max(done - started, 1e-9),
        "programs/s (generate + check, wall clock)": checked / max(wall_done - wall, 1e-9),
    }


def coverage(count: int = 1000) -> dict[str, Any]:
    ws = load_workspace()
    def_types = prelude_def_types(ws.defs)
    progs = collect(programs(defs=def_types, opaque=("Img",)), count)
    names = set(def_types)
    shares = dict.fromkeys(CONSTRUCTS, 0)
    ho = rec = 0
    sizes = []
    for p in progs:
        for c in constructs(p, names):
            shares[c] += 1
        ho += higher_order(p, ws.defs)
        rec += recurrent(p, ws.defs)
        sizes.append(size(p.term))
    n = len(progs)
    sizes.sort()
    return {
        "programs": n,
        "constructs": {c: shares[c] / n for c in CONSTRUCTS},
        "higher-order": ho / n,
        "recurrent weight": rec / n,
        "sizes": {
            "min": sizes[0],
            "p25": sizes[n // 4],
            "median": sizes[n // 2],
            "mean": statistics.fmean(sizes),
            "p75": sizes[3 * n // 4],
            "p95": sizes[(95 * n) // 100],
            "max": sizes[-1],
        },
    }


def _mark(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def markdown(rate: dict[str, float], cov: dict[str, Any]) -> str:
    lines = ["### Differential testing: throughput (property 1, closed ground programs)", ""]
    lines += ["| measure | value | target | met |", "|---|---:|---:|:---:|"]
    mean_ok = rate["mean size"] >= TARGET_MEAN_SIZE
    for key, value in rate.items():
        target, met = "", ""
        if key == "programs/s (generate + check)":
            target, met = f"≥ {TARGET_RATE:.0f}", _mark(value >= TARGET_RATE and mean_ok)
        if key == "mean size":
            target, met = f"≥ {TARGET_MEAN_SIZE:.0f}", _mark(mean_ok)
        shown = f"{value:.1f}" if not float(value).is_integer() else f"{int(value)}"
        lines.append(f"| {key} | {shown} | {target} | {met} |")
    lines += ["", f"### Coverage of {cov['programs']} generated programs", ""]
    lines += ["| share of programs with | value | target | met |", "|---|---:|---:|:---:|"]
    for c, share in cov["constructs"].items():
        lines.append(f"| {c} | {100 * share:.1f} % | ≥ 5 % | {_mark(share >= TARGET_CONSTRUCT)} |")
    ho, rec = cov["higher-order"], cov["recurrent weight"]
    lines.append(f"| higher-order types | {100 * ho:.1f} % | ≥ 20 % | {_mark(ho >= TARGET_HIGHER_ORDER)} |")
    lines.append(f"| a recurrent weight | {100 * rec:.1f} % | ≥ 20 % | {_mark(rec >= TARGET_RECURRENT)} |")
    lines += ["", "| size (nodes) | " + " | ".join(cov["sizes"]) + " |"]
    lines.append("|---|" + "---:|" * len(cov["sizes"]))
    lines.append(
        "| | "
        + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in cov["sizes"].values())
        + " |"
    )
    return "\n".join(lines)


def main(count: int = 1000, out: Callable[[str], Any] = print, budget: int = BUDGET) -> int:
    rate = throughput(count, budget)
    cov = coverage(count)
    out(markdown(rate, cov))
    ok = (
        rate["programs/s (generate + check)"] >= TARGET_RATE
        and rate["mean size"] >= TARGET_MEAN_SIZE
        and all(s >= TARGET_CONSTRUCT for s in cov["constructs"].values())
        and cov["higher-order"] >= TARGET_HIGHER_ORDER
        and cov["recurrent weight"] >= TARGET_RECURRENT
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.verify_bench")
    parser.add_argument("count", type=int, nargs="?", default=1000)
    parser.add_argument("--budget", type=int, default=BUDGET, help="size budget (160: about 90 nodes)")
    args = parser.parse_args()
    sys.exit(main(args.count, budget=args.budget))
