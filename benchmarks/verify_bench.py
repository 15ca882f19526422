"""Throughput and coverage of the differential tests (issue "Step 3").

- Throughput: closed ground programs checked per second of CPU time by property 1
  (compile_K(t) = enc(eval(t)), K = max(peak, 1)), generation included and not
  (wall-clock rate shown too; it is lower when other processes share the cores).
- Coverage of 1000 generated programs (`programs(defs=prelude, opaque=("Img",))`):
  the share containing each construct, the share with higher-order types, with a
  recurrent weight, and the size distribution.
- Issue 15's seven areas, one row per shape: how often the generated programs (and the
  exact bindings of `exact_inputs`) reach it, and for areas 5–7 how often the property that
  exercises the area on generated programs held (size guard one entry under the result,
  ill-formed variants refused with a CajalError, Bool results decoded to the interpreter's).

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
from cajal_ref.compiler import compile_term
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import load_workspace
from cajal_ref.spaces import decode, dim
from cajal_ref.syntax import (
    BOOL,
    NAT,
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
from cajal_ref.verification import areas
from cajal_ref.verification.exact_inputs import ENTRY_KINDS, ExactCase, check_exact, exact_cases, kinds_of
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


AREA_TARGET = 0.05
"""Each generated shape in ≥ 5 % of programs (or exact cases); the checks of areas 5–7 always hold."""


def _share(items: list[Any], predicate: Callable[[Any], bool]) -> float:
    return sum(map(predicate, items)) / max(1, len(items))


def _size_guard_trips(program: Program, defs: dict[str, Any]) -> bool:
    """(5) compiled with max_entries one under its result's entries, the program is refused."""
    k, opaque = 2, {"Img": 2}
    entries = dim(program.type, k, opaque)
    try:
        compile_term(program.term, (), defs, nat_bound=k, max_entries=entries - 1, opaque_dims=opaque)
    except CajalError as err:
        return err.kind is ErrorKind.SIZE_LIMIT and f"the limit is {entries - 1:,}" in err.message
    return False


def _refused(program: Program, defs: dict[str, Any]) -> bool:
    """(6) every ill-formed variant is refused with a CajalError (never another exception)."""
    for _, term in areas.ill_formed_variants(program):
        try:
            compile_term(term, program.context, defs, nat_bound=2, opaque_dims={"Img": 2})
        except CajalError:
            continue
        except Exception:
            return False
        return False
    return True


def _decodes(program: Program, defs: dict[str, Any]) -> bool | None:
    """(7) a closed Bool program's compiled vector decodes to the interpreter's value."""
    try:
        result = evaluate(program.term, {}, defs, fuel=10**5)
    except CajalError:
        return None
    k = max(1, result.peak)
    compiled = compile_term(program.term, (), defs, nat_bound=k)
    return bool(decode(compiled.tensor, program.type) == result.value)


def area_coverage(count: int = 300) -> list[tuple[str, float, str]]:
    """(row, share, target) for each of issue 15's shapes."""
    ws = load_workspace()
    def_types = prelude_def_types(ws.defs)
    progs = collect(programs(defs=def_types, opaque=("Img",)), count)
    cases: list[ExactCase] = collect(exact_cases(def_types), count)
    checked = [c for c in cases if check_exact(c, ws.defs).checked]
    kinds = kinds_of(cases)
    big = {"int just under 2^62", "int near 2^62", "int near 2^63", "int near 2^64"}
    rows = [
        ("(1) `if` whose branches meet shared variables in another order", _share(progs, areas.reordered_if)),
        ("(2) a bound entry ≥ 2^62 − 4 (exact cases)", _share(cases, lambda c: bool(big & set(c.kinds)))),
        (
            "(2) two linear variables bound to ints near 2^32 (products past 2^64)",
            _share(cases, lambda c: set(c.kinds) == {"int near 2^32"} and len(c.program.context) >= 2),
        ),
        ("(2) exact cases checked (peak ≤ 5, the rest skipped)", len(checked) / max(1, len(cases))),
        ("(3) an `iter` inside another `iter`'s count or base", _share(progs, areas.iter_in_count_or_base)),
        (
            "(3) a recurrent weight in an `if` condition inside a step",
            _share(progs, areas.weight_in_if_condition(def_types)),
        ),
        ("(3) a binder that shadows a def", _share(progs, areas.shadows_a_def(def_types))),
    ]
    rows += [(f"(4) a bound entry of kind: {k}", kinds[k]) for k in ENTRY_KINDS if k != "small int"]
    out = [(name, share, f"≥ {100 * AREA_TARGET:.0f} %") for name, share in rows]
    ground = [p for p in progs if not p.context and p.type in (BOOL, NAT)]
    guards = [_size_guard_trips(p, ws.defs) for p in progs if not p.context]
    refused = [_refused(p, ws.defs) for p in progs]
    bools = [r for r in (_decodes(p, ws.defs) for p in ground if p.type == BOOL) if r is not None]
    out += [
        ("(5) size guard refuses one entry under the result (closed)", _share(guards, bool), "100 %"),
        ("(6) ill-formed variants refused with a CajalError", _share(refused, bool), "100 %"),
        ("(7) closed Bool results decode to the interpreter's value", _share(bools, bool), "100 %"),
    ]
    return out


def _mark(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _area_ok(share: float, target: str) -> bool:
    return share >= (1.0 if target == "100 %" else AREA_TARGET)


def markdown(rate: dict[str, float], cov: dict[str, Any], area_rows: list[tuple[str, float, str]]) -> str:
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
    lines += ["", "### Issue 15's areas: how often the generated programs reach each shape", ""]
    lines += ["| shape | share | target | met |", "|---|---:|---:|:---:|"]
    for name, share, target in area_rows:
        lines.append(f"| {name} | {100 * share:.1f} % | {target} | {_mark(_area_ok(share, target))} |")
    return "\n".join(lines)


def main(count: int = 1000, out: Callable[[str], Any] = print, budget: int = BUDGET) -> int:
    rate = throughput(count, budget)
    cov = coverage(count)
    area_rows = area_coverage(min(count, 300))
    out(markdown(rate, cov, area_rows))
    ok = (
        rate["programs/s (generate + check)"] >= TARGET_RATE
        and rate["mean size"] >= TARGET_MEAN_SIZE
        and all(s >= TARGET_CONSTRUCT for s in cov["constructs"].values())
        and cov["higher-order"] >= TARGET_HIGHER_ORDER
        and cov["recurrent weight"] >= TARGET_RECURRENT
        and all(_area_ok(share, target) for _, share, target in area_rows)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.verify_bench")
    parser.add_argument("count", type=int, nargs="?", default=1000)
    parser.add_argument("--budget", type=int, default=BUDGET, help="size budget (160: about 90 nodes)")
    args = parser.parse_args()
    sys.exit(main(args.count, budget=args.budget))
