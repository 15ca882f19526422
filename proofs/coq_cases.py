"""Cross-check cases tying the Python compiler to the verified one in proofs/coq/.

Each case is a program (a prelude def, or a generated closed or open program), a bound K,
values for the program's free variables, and the tensor the *Python* compiler produced for
it. It is written as a Coq `Example` stating `compile K ρ t = tensor`, proved by computation
(`vm_compute`) against the compiler that T2 and T3 are proved for. If the two compilers
ever disagree, the Coq file fails to check and `python -m proofs` fails.

Open programs have every free variable bound to an exact rational value (a vector, or a
row-major matrix for a function type), drawn by a seeded `random.Random`: the check then
covers non-basis inputs and recurrent weights, where the compiled map is a polynomial.

`python -m proofs.coq_cases --out FILE` writes the cases; `proofs/coq_check.py` runs them.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cajal_ref.checker import DefInfo, check_term
from cajal_ref.compiler import compile_term
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import load_workspace
from cajal_ref.syntax import (
    App,
    Arrow,
    BoolLit,
    BoolT,
    If,
    Iter,
    Lam,
    Let,
    NatT,
    Numeral,
    Opaque,
    Succ,
    Term,
    Type,
    Var,
    Zero,
)

KS = (0, 1, 2, 3)
"""The bounds K every case is compiled at."""

MAX_ENTRIES = 1100
"""Cases whose tensor is larger are skipped."""

MAX_COST = 25_000
"""Cases whose estimated Coq evaluation cost (`coq_cost`) is larger are skipped, so that the whole
check stays within seconds: the verified compiler recompiles a `fun`'s body for every basis
vector of its parameter, where the Python compiler shares what does not depend on it."""

GENERATED = 300
"""Generated programs: a third closed, a third open, a third open over an opaque type too."""

OPAQUE_DIMS = {"Img": 2}
"""The opaque type of the generated programs and its dimension (`TOpq 1` in Coq: dimension d + 1)."""


class Unsupported(Exception):
    """A program outside the Coq development's language."""


def coq_type(t: Type) -> str:
    if isinstance(t, BoolT):
        return "TBool"
    if isinstance(t, NatT):
        return "TNat"
    if isinstance(t, Arrow):
        return f"(TArr {coq_type(t.dom)} {coq_type(t.cod)})"
    if isinstance(t, Opaque) and t.name in OPAQUE_DIMS:
        return f"(TOpq {OPAQUE_DIMS[t.name] - 1})"
    raise Unsupported(f"type {t!r}")


def dim(t: Type, k: int) -> int:
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, NatT):
        return k + 1
    if isinstance(t, Arrow):
        return dim(t.dom, k) * dim(t.cod, k)
    if isinstance(t, Opaque) and t.name in OPAQUE_DIMS:
        return OPAQUE_DIMS[t.name]
    raise Unsupported(f"type {t!r}")


def _synth(term: Term, env: Mapping[str, Type], defs: Mapping[str, DefInfo]) -> Type:
    """The type of a well-typed term (to desugar `let x = t in u` into `(fun x : A => u) t`)."""
    if isinstance(term, Var):
        return env[term.name] if term.name in env else defs[term.name].type
    if isinstance(term, BoolLit):
        return BoolT()
    if isinstance(term, (Zero, Succ, Numeral)):
        return NatT()
    if isinstance(term, If):
        return _synth(term.then, env, defs)
    if isinstance(term, Lam):
        return Arrow(term.param_type, _synth(term.body, {**env, term.param: term.param_type}, defs))
    if isinstance(term, App):
        fn = _synth(term.fn, env, defs)
        assert isinstance(fn, Arrow)
        return fn.cod
    if isinstance(term, Iter):
        return _synth(term.base, env, defs)
    if isinstance(term, Let):
        bound = _synth(term.bound, env, defs)
        return _synth(term.body, {**env, term.name: bound}, defs)
    raise Unsupported(f"term {term!r}")


def coq_term(term: Term, scope: Sequence[tuple[str, Type]], defs: Mapping[str, DefInfo]) -> str:
    """The term with de Bruijn indices; `scope` lists the variables in scope, innermost first.

    Numerals become `Succ` towers, `let` the application of a `fun`, a def its closed body.
    """
    env = dict(reversed(scope))

    def go(t: Term, sc: list[tuple[str, Type]]) -> str:
        if isinstance(t, Var):
            for i, (name, _) in enumerate(sc):
                if name == t.name:
                    return f"(Var {i})"
            return go(defs[t.name].body, [])
        if isinstance(t, BoolLit):
            return "Tru" if t.value else "Fls"
        if isinstance(t, Zero):
            return "Zero"
        if isinstance(t, Numeral):
            out = "Zero"
            for _ in range(t.value):
                out = f"(Succ {out})"
            return out
        if isinstance(t, Succ):
            return f"(Succ {go(t.arg, sc)})"
        if isinstance(t, If):
            return f"(If {go(t.cond, sc)} {go(t.then, sc)} {go(t.else_, sc)})"
        if isinstance(t, Lam):
            return f"(Lam {coq_type(t.param_type)} {go(t.body, [(t.param, t.param_type), *sc])})"
        if isinstance(t, App):
            return f"(App {go(t.fn, sc)} {go(t.arg, sc)})"
        if isinstance(t, Iter):
            state = _synth(t.base, {**env, **dict(reversed(sc))}, defs)
            step = go(t.step, [(t.step_var, state), *sc])
            return f"(Iter {go(t.count, sc)} {go(t.base, sc)} {step})"
        if isinstance(t, Let):
            a = _synth(t.bound, {**env, **dict(reversed(sc))}, defs)
            body = go(t.body, [(t.name, a), *sc])
            return f"(App (Lam {coq_type(a)} {body}) {go(t.bound, sc)})"
        raise Unsupported(f"term {t!r}")

    return go(term, list(scope))


def coq_rational(x: Any) -> str:
    f = Fraction(x)
    num = f"({f.numerator})" if f.numerator < 0 else str(f.numerator)
    return f"q {num} {f.denominator}"


def coq_vector(entries: Sequence[Any]) -> str:
    return "[" + "; ".join(coq_rational(e) for e in entries) + "]"


@dataclass(frozen=True)
class Case:
    """One program at one K: free variables bound to `inputs`, and the Python compiler's output.

    For a closed program, `evaluation` is the Python interpreter's (value, peak); the value is
    None for a function.
    """

    label: str
    k: int
    context: tuple[tuple[str, Type], ...]
    term: Term
    inputs: tuple[tuple[Fraction, ...], ...]
    output: tuple[Fraction, ...]
    type: Type | None = None
    evaluation: tuple[bool | int | None, int] | None = None

    def coq(self, index: int, defs: Mapping[str, DefInfo]) -> str:
        """Examples, each proved by computation: the term compiles to the Python tensor, the
        checker `tc` (sound for `lty`) gives it its type, and for a closed program the evaluator
        (sound for `ev`) finds the Python interpreter's value and peak; then T2's corollary."""
        scope = list(reversed(self.context))
        env = "[" + "; ".join(coq_vector(v) for v in reversed(self.inputs)) + "]"
        name = f"t_{index:04d}"
        ex = f"Example case_{index:04d}"
        qed = "Proof. vm_compute. reflexivity. Qed.\n"
        out = [
            f"(* {self.label} at K = {self.k} *)\n",
            f"Definition {name} : tm :=\n  {coq_term(self.term, scope, defs)}.\n",
            f"Example case_{index:04d} :\n  compile {self.k} (env_of {env}) {name}\n"
            f"  = {coq_vector(self.output)}.\n"
            "Proof. apply by_computation. vm_compute. reflexivity. Qed.\n",
        ]
        if self.type is not None:
            ctx = "[" + "; ".join(f"Some {coq_type(t)}" for _, t in scope) + "]"
            out.append(f"{ex}_typed : tc {ctx} {name} = Some {coq_type(self.type)}.\n{qed}")
        if self.evaluation is not None:
            value, peak = self.evaluation
            if value is None:
                out.append(f"{ex}_peak : peak_of (eval FUEL [] {name}) = Some {peak}.\n{qed}")
            else:
                v = f"(VB {str(value).lower()})" if isinstance(value, bool) else f"(VN {value})"
                out.append(f"{ex}_eval : eval FUEL [] {name} = Some ({v}, {peak}).\n{qed}")
                if peak <= self.k and self.type is not None:
                    out.append(
                        f"Example case_{index:04d}_T2 : compile_closed {self.k} {name} = enc {self.k} {v}.\n"
                        f"Proof. apply (closed_ground_instance {self.k} {name} {coq_type(self.type)} {v} "
                        f"{peak}); vm_compute; reflexivity. Qed.\n"
                    )
        return "".join(out)


def _flat(array: Any) -> tuple[Fraction, ...]:
    return tuple(Fraction(x) for x in array.reshape(-1).tolist())


def _random_value(t: Type, k: int, rng: random.Random) -> tuple[Fraction, ...]:
    return tuple(Fraction(rng.randint(-3, 3), rng.choice((1, 1, 2, 3))) for _ in range(dim(t, k)))


def _binding(t: Type, k: int, value: tuple[Fraction, ...]) -> Any:
    import numpy as np

    array = np.array(value, dtype=object)
    return array.reshape(dim(t.cod, k), -1) if isinstance(t, Arrow) else array


def coq_cost(term: Term, env: Mapping[str, Type], defs: Mapping[str, DefInfo], k: int) -> int:
    """A rough count of the work `compile` in proofs/coq/Compile.v does on `term` at K."""

    def go(t: Term, en: dict[str, Type]) -> int:
        if isinstance(t, Var):
            return 1 if t.name in en else go(defs[t.name].body, {})
        if isinstance(t, (BoolLit, Zero)):
            return 2
        if isinstance(t, Numeral):
            return (t.value + 1) * (k + 1)
        if isinstance(t, Succ):
            return go(t.arg, en) + k + 1
        if isinstance(t, If):
            return go(t.cond, en) + go(t.then, en) + go(t.else_, en) + dim(_synth(t.then, en, defs), k)
        if isinstance(t, Lam):
            d = dim(t.param_type, k)
            body = go(t.body, {**en, t.param: t.param_type})
            return d * body + dim(_synth(t, en, defs), k) ** 2 // max(d, 1)
        if isinstance(t, App):
            return go(t.fn, en) + go(t.arg, en) + dim(_synth(t.fn, en, defs), k)
        if isinstance(t, Iter):
            a = _synth(t.base, en, defs)
            d = dim(a, k)
            step = go(t.step, {**en, t.step_var: a})
            return go(t.count, en) + go(t.base, en) + d * step + (k + 1) * d * d
        if isinstance(t, Let):
            a = _synth(t.bound, en, defs)
            return go(App(Lam(t.name, a, t.body), t.bound), en)
        raise Unsupported(f"term {t!r}")

    return go(term, dict(env))


def _too_big(
    term: Term, t: Type, context: Sequence[tuple[str, Type]], k: int, defs: Mapping[str, DefInfo]
) -> bool:
    try:
        return (
            dim(t, k) > MAX_ENTRIES
            or any(dim(c, k) > MAX_ENTRIES for _, c in context)
            or coq_cost(term, dict(context), defs, k) > MAX_COST
        )
    except Unsupported:
        return True


def make_case(
    label: str,
    term: Term,
    context: Sequence[tuple[str, Type]],
    k: int,
    defs: Mapping[str, DefInfo],
    rng: random.Random,
) -> Case | None:
    """Compile `term` with the Python compiler at K, its free variables bound to random values."""
    typing = check_term(term, tuple(context), defs, types=frozenset(OPAQUE_DIMS))
    if _too_big(term, typing.type, context, k, defs):
        return None
    inputs = tuple(_random_value(t, k, rng) for _, t in context)
    bindings = {name: _binding(t, k, v) for (name, t), v in zip(context, inputs, strict=True)}
    compiled = compile_term(
        term, tuple(context), defs, nat_bound=k, bindings=bindings, opaque_dims=dict(OPAQUE_DIMS)
    )
    evaluation: tuple[bool | int | None, int] | None = None
    if not context:
        result = evaluate(term, defs=defs)
        value = result.value if isinstance(result.value, (bool, int)) else None
        evaluation = (value, result.peak)
    return Case(label, k, tuple(context), term, inputs, _flat(compiled.tensor), typing.type, evaluation)


def _draw_programs(closed: bool, count: int, opaque: tuple[str, ...] = ()) -> list[Any]:
    """`count` programs from the project's generator (derandomized: the same every run)."""
    from hypothesis import HealthCheck, Phase, given, settings

    from cajal_ref.verification.strategies import prelude_def_types, programs

    drawn: list[Any] = []
    strategy = programs(
        closed=closed, defs=prelude_def_types(), budget=20, max_literal=3, max_context=2, opaque=opaque
    )

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(program: Any) -> None:
        drawn.append(program)

    collect()
    return drawn


def generated_programs(count: int) -> list[tuple[str, Term, tuple[tuple[str, Type], ...]]]:
    """`count` programs as (label, term, context): closed, open, and open over `Img`."""
    batches = [("closed", True, ()), ("open", False, ()), ("open over Img", False, tuple(OPAQUE_DIMS))]
    return [
        ("generated " + label, p.term, tuple(p.context))
        for label, closed, opaque in batches
        for p in _draw_programs(closed, count // 3, opaque)
    ]


@dataclass(frozen=True)
class Crash:
    """The Python compiler raised on a well-typed program the verified compiler compiles."""

    label: str
    k: int
    program: str
    error: str


def _attempt(
    label: str,
    term: Term,
    context: Sequence[tuple[str, Type]],
    k: int,
    defs: Mapping[str, DefInfo],
    rng: random.Random,
) -> Case | Crash | None:
    from cajal_ref.verification.verify import show_term

    try:
        return make_case(label, term, context, k, defs, rng)
    except Unsupported:
        return None
    except Exception as exc:  # any crash of the compiler under test is a finding
        ctx = ", ".join(f"{n} : {t}" for n, t in context)
        return Crash(label, k, f"[{ctx}] {show_term(term)}", f"{type(exc).__name__}: {exc}")


def cases(generated: int = GENERATED, ks: Sequence[int] = KS) -> Iterator[Case | Crash]:
    """The prelude defs at every K, then the generated programs, each at one K in turn."""
    defs = dict(load_workspace().defs)
    rng = random.Random(2511_14953)
    for name in defs:
        for k in ks:
            case = _attempt(f"def {name}", Var(name), (), k, defs, rng)
            if case is not None:
                yield case
    seen: set[str] = set()
    for i, (label, term, context) in enumerate(generated_programs(generated)):
        key = repr((term, context))
        if key in seen:
            continue
        seen.add(key)
        case = _attempt(label, term, context, ks[i % len(ks)], defs, rng)
        if case is not None:
            yield case


HEADER = """(* Generated by proofs/coq_cases.py from the Python compiler: do not edit. *)
From Coq Require Import List ZArith.
From Cajal Require Import Vec Syntax Compile Direct Correct Decide Check.
Import ListNotations.

"""


def write_cases(path: str, generated: int = GENERATED) -> tuple[int, list[Crash]]:
    """Write the cases as one Coq file; returns how many were written, and the crashes."""
    import os
    import tempfile

    defs = dict(load_workspace().defs)
    parts = [HEADER]
    count = 0
    crashes: list[Crash] = []
    for case in cases(generated):
        if isinstance(case, Crash):
            crashes.append(case)
            continue
        count += 1
        parts.append(case.coq(count, defs) + "\n")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(parts))
    os.replace(tmp, path)
    return count, crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs.coq_cases", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the Coq file to write")
    parser.add_argument("--generated", type=int, default=GENERATED, help="how many generated programs")
    args = parser.parse_args(argv)
    n, crashes = write_cases(args.out, args.generated)
    print(f"{n} cases written to {args.out}")
    for crash in crashes:
        print(f"PYTHON COMPILER CRASHED on {crash.label} at K = {crash.k}: {crash.error}\n  {crash.program}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
