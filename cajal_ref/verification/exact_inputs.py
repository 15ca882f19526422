"""Exact inputs beyond basis vectors, and the law that checks them (issue 15, areas 2 and 4).

The differential properties feed the compiler basis vectors, whose entries are 0 and 1; the
compiler's switch from int64 to exact Python integers, and its handling of Fractions, sympy
numbers, bools and numpy integers, then never matter. Here a program's non-recurrent
variables are bound to vectors whose entries are drawn from every exact kind a user may pass
(`exact_entries`), among them integers near 2³² (whose products pass 2⁶⁴), just under and
past 2⁶², near 2⁶³ and 2⁶⁴, and the result is checked
against T3's linearity: a program is linear in each variable that no iteration step uses, so

    compile(t)[x := Σᵢ vᵢ·eᵢ, …] = Σ over basis combinations of Πₓ vₓ[i] · enc(eval(t, env))

where every term of the right-hand side comes from the interpreter, and the sum is done by
sympy (exact, independent of the compiler's arithmetic). Recurrent weights are bound to one
basis value each. Nat inputs are supported on 0..`SUPPORT` and K is chosen at least the
interpreter's peak over that support, so T2's proviso (K ≥ peak) holds for every term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from ..checker import check_term
from ..compiler import compile_term
from ..diagnostics import CajalError, ErrorKind
from ..interpreter import evaluate
from ..spaces import dim, enc
from ..syntax import BOOL, Type
from .checks import CHECK_FUEL, show_term
from .strategies import Program, programs

ENTRY_KINDS = (
    "small int",
    "int near 2^32",
    "int just under 2^62",
    "int near 2^62",
    "int near 2^63",
    "int near 2^64",
    "Fraction",
    "sympy Rational",
    "sympy irrational",
    "bool",
    "numpy int",
)
"""The kinds of exact scalar `exact_entries` draws, each about equally often."""

SUPPORT = 2
"""Nat inputs are nonzero only on e_0..e_SUPPORT (so that K ≥ the peak stays small)."""

MAX_K = 5
"""Programs whose peak over the support exceeds this are skipped."""


def _near(power: int, draw: DrawFn) -> int:
    sign = -1 if draw(st.booleans()) else 1
    return sign * ((1 << power) + draw(st.integers(-3, 3)))


@st.composite
def exact_entries(draw: DrawFn, kind: str | None = None) -> tuple[str, Any]:
    """(kind, value): one exact scalar of the given kind, or of a kind drawn from ENTRY_KINDS."""
    kind = kind or draw(st.sampled_from(ENTRY_KINDS))
    value: Any
    if kind == "small int":
        value = draw(st.integers(-3, 3))
    elif kind == "int just under 2^62":
        value = (-1 if draw(st.booleans()) else 1) * (2**62 - 1 - draw(st.integers(0, 3)))
    elif kind.startswith("int near"):
        value = _near(int(kind.rpartition("^")[2]), draw)
    elif kind == "Fraction":  # odd over even: never an integer
        value = Fraction(2 * draw(st.integers(-4, 4)) + 1, 2 * draw(st.integers(1, 4)))
    elif kind == "sympy Rational":
        value = sympy.Rational(2 * draw(st.integers(-4, 4)) + 1, 2 * draw(st.integers(1, 4)))
    elif kind == "sympy irrational":
        base = draw(st.sampled_from([sympy.sqrt(2), sympy.pi, sympy.sqrt(3) / 2]))
        value = draw(st.integers(-2, 2).filter(bool)) * base
    elif kind == "bool":
        value = draw(st.booleans())
    else:
        value = np.int64(draw(st.sampled_from([-2, -1, 0, 1, 2, 3, 2**62 - 1, -(2**62)])))
    return kind, value


@dataclass(frozen=True)
class ExactCase:
    """An open first-order program, an exact vector per linear variable, a basis index per weight."""

    program: Program
    vectors: tuple[tuple[str, tuple[Any, ...]], ...]
    """Entries for e_0, e_1, … (Bool: true, false; Nat: only the first SUPPORT + 1 are used)."""
    kinds: tuple[str, ...]
    weights: tuple[tuple[str, int], ...]

    def describe(self) -> str:
        shown = "; ".join(f"{n} = ({', '.join(map(str, v))})" for n, v in self.vectors)
        return f"`{show_term(self.program.term)}` with {shown}"


def exact_cases(def_types: Mapping[str, Type] | None = None, **kwargs: Any) -> SearchStrategy[ExactCase]:
    """Open ground programs over Bool/Nat variables, with exact bindings drawn for them."""

    @st.composite
    def build(draw: DrawFn) -> ExactCase:
        program = draw(
            programs(closed=False, ground=True, first_order_context=True, defs=def_types, **kwargs)
        )
        vectors, kinds, weights = [], [], []
        # half the cases take every entry from one kind, half of those from ints near 2³²:
        # products of two of them (an `if` on a bound condition, an `iter` on a bound count)
        # pass 2⁶⁴, where int64 arithmetic would wrap
        mode = draw(st.integers(0, 3))
        theme = None if mode < 2 else "int near 2^32" if mode == 2 else draw(st.sampled_from(ENTRY_KINDS))
        for name, t in program.context:
            width = 2 if t == BOOL else SUPPORT + 1
            drawn = [draw(exact_entries(theme)) for _ in range(width)]
            kinds += [k for k, _ in drawn]
            vectors.append((name, tuple(v for _, v in drawn)))
            weights.append((name, draw(st.integers(0, width - 1))))
        return ExactCase(program, tuple(vectors), tuple(kinds), tuple(weights))

    return build()


def _domain(t: Type) -> list[Any]:
    return [True, False] if t == BOOL else list(range(SUPPORT + 1))


def _sym(x: Any) -> Any:
    """A drawn entry as a sympy number (the expectation's arithmetic is sympy's, not numpy's)."""
    if isinstance(x, bool | np.bool_):
        return sympy.Integer(int(x))
    if isinstance(x, np.integer):
        return sympy.Integer(int(x))
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    return sympy.sympify(x)


@dataclass(frozen=True)
class ExactResult:
    checked: bool
    """False when skipped: the peak over the support exceeds MAX_K, or the fuel ran out."""
    failure: str | None = None
    nat_bound: int = 0
    compiled: str = ""
    expected: str = ""


def check_exact(case: ExactCase, defs: Mapping[str, Any]) -> ExactResult:
    """compile_K(t) with the case's bindings against the interpreter's sum (see the module doc)."""
    program = case.program
    context = list(program.context)
    recurrent = set(check_term(program.term, context, defs).recurrent_weights)
    weight_index = dict(case.weights)
    vectors = dict(case.vectors)
    domains = [
        [_domain(t)[weight_index[n]]] if n in recurrent else _domain(t) for n, t in context
    ]
    columns: list[tuple[dict[str, Any], Any]] = []
    peak = 1
    for combo in product(*domains):
        env = dict(zip((n for n, _ in context), combo, strict=True))
        try:
            result = evaluate(program.term, env, defs, fuel=CHECK_FUEL)
        except CajalError as err:
            if err.kind is ErrorKind.FUEL:
                return ExactResult(False)
            raise
        peak = max(peak, result.peak, *(v for v in combo if type(v) is int))
        columns.append((env, result.value))
    if peak > MAX_K:
        return ExactResult(False)
    k = peak
    want = [sympy.Integer(0)] * dim(program.type, k)
    for env, value in columns:
        coefficient = sympy.Integer(1)
        for name, t in context:
            if name not in recurrent:
                coefficient *= _sym(vectors[name][_domain(t).index(env[name])])
        encoded = enc(value, program.type, k)
        if encoded is not None:
            want = [w + coefficient * int(e) for w, e in zip(want, encoded, strict=True)]
    bindings: dict[str, Any] = {}
    for name, t in context:
        if name in recurrent:
            vector = enc(_domain(t)[weight_index[name]], t, k)
            assert vector is not None
            bindings[name] = vector
        else:
            entries = list(vectors[name])
            bindings[name] = entries + [0] * (dim(t, k) - len(entries))
    compiled = compile_term(program.term, context, defs, nat_bound=k, bindings=bindings)
    got = list(compiled.tensor.reshape(-1))
    if len(got) == len(want) and all(sympy.expand(_sym(g) - w) == 0 for g, w in zip(got, want, strict=True)):
        return ExactResult(True, None, k)
    shown_got, shown_want = f"({', '.join(map(str, got))})", f"({', '.join(map(str, want))})"
    return ExactResult(
        True,
        f"{case.describe()} at K = {k}: compiled {shown_got}, interpreter's sum {shown_want}",
        k,
        shown_got,
        shown_want,
    )


def kinds_of(cases: Sequence[ExactCase]) -> dict[str, float]:
    """The share of cases binding at least one entry of each kind (the benchmark's coverage rows)."""
    n = max(1, len(cases))
    return {kind: sum(kind in c.kinds for c in cases) / n for kind in ENTRY_KINDS}


__all__ = [
    "ENTRY_KINDS",
    "MAX_K",
    "SUPPORT",
    "ExactCase",
    "ExactResult",
    "check_exact",
    "exact_cases",
    "exact_entries",
    "kinds_of",
]
