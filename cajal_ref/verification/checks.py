"""The correctness theorem as executable checks: compiler against interpreter (SPEC §6).

Three views of T2 and one of T3, each a function of one program (hypothesis tests,
the mutant harness and the benchmark all call these):

- `check_closed_ground`: compile_K(t) = enc(eval(t)) for a closed ground t, K ≥ peak;
- `check_substitution`: substitute closed value terms for the free variables, then
  compare compile and eval of the closed program with the logical relation;
- `check_linking`: compile t open, contract its tensor with the compiled inputs (the
  recurrent weights bound at compile time), compare with eval in the environment of
  the inputs' values;
- `check_degrees`: compile over symbolic inputs; degree 1 in each non-recurrent
  variable, ≤ K^d in a recurrent weight used under d iteration steps (T3, §9).

`verify.py` applies them to whole defs (`cajal verify`). This module imports the
interpreter and the compiler; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compiler import compile_term
from ..diagnostics import CajalError, ErrorKind
from ..interpreter import Evaluation, Value, evaluate, evaluate_tracking
from ..syntax import (
    Arrow,
    Iter,
    Lam,
    Let,
    Term,
    Type,
    Var,
    children,
    deep_recursion,
    is_first_order,
    show_type,
    step_free_vars,
)
from .relation import (
    Instance,
    OpaqueDims,
    PeakLedger,
    RelatedValue,
    RelationCheck,
    Vector,
    basis,
    check_related,
    dim,
    enc,
    exact,
    link,
    show_value,
    show_vector,
    substitute,
)
from .strategies import Program

DEFAULT_NAT_BOUND = 9
CHECK_FUEL = 100_000
"""Interpreter steps a generated program may take. Nested iterations can grow as towers
of exponentials; a program that needs more steps is skipped (its peak is far above any
bound it could be compiled at)."""
VERIFY_FUEL = 200_000
"""Interpreter steps per input of `verify_def` (an input needing more is skipped: its peak
is then far above any K a tensor can be built at)."""

Defs = Mapping[str, Any]
"""Def name -> the checker's DefInfo (anything with `.body`, `.type`, `.context`)."""


def show_term(term: Term) -> str:
    from ..printer import show_term as printer_show_term

    return printer_show_term(term)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Counterexample:
    """A program and inputs on which the two semantics disagree, readable and serialisable."""

    program: str
    nat_bound: int
    inputs: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] = ()
    interpreter: str = ""
    compiled: str = ""
    note: str = ""

    def describe(self) -> str:
        lines = [f"program:      {self.program}"]
        if self.inputs:
            lines.append("inputs:       " + ", ".join(f"{n} = {v}" for n, v in self.inputs))
        if self.arguments:
            lines.append("applied to:   " + " ".join(f"({a})" for a in self.arguments))
        lines.append(f"K:            {self.nat_bound}")
        lines.append(f"interpreter:  {self.interpreter}")
        lines.append(f"compiled:     {self.compiled}")
        if self.note:
            lines.append(f"note:         {self.note}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "nat_bound": self.nat_bound,
            "inputs": {n: v for n, v in self.inputs},
            "arguments": list(self.arguments),
            "interpreter": self.interpreter,
            "compiled": self.compiled,
            "note": self.note,
        }


@dataclass(frozen=True)
class Check:
    """The outcome of one property on one program: comparisons made, skipped, first failure."""

    checked: int
    skipped: int = 0
    counterexample: Counterexample | None = None

    @property
    def agree(self) -> bool:
        return self.counterexample is None


def _from_relation(
    rel: RelationCheck, program: str, nat_bound: int, inputs: tuple[tuple[str, str], ...] = ()
) -> Check:
    cex = None
    if rel.disagreement is not None:
        d = rel.disagreement
        cex = Counterexample(program, nat_bound, inputs, d.arguments, d.expected, d.found)
    return Check(rel.checked, rel.skipped, cex)


# ---------------------------------------------------------------------------
# Compiling and evaluating values
# ---------------------------------------------------------------------------


def compiled_tensor(
    term: Term,
    context: Sequence[tuple[str, Type]],
    defs: Defs,
    *,
    nat_bound: int,
    bindings: Mapping[str, Any] | None = None,
    opaque_dims: OpaqueDims | None = None,
) -> tuple[Any, tuple[tuple[str, Type], ...]]:
    """The compiled tensor (exact entries) and its context axes (unbound variables, in order)."""
    compiled = compile_term(
        term,
        tuple(context),
        defs,
        nat_bound=nat_bound,
        bindings=dict(bindings or {}),
        opaque_dims=dict(opaque_dims or {}),
    )
    return compiled.tensor, tuple(compiled.context)


def binding_value(value: RelatedValue, nat_bound: int, opaque_dims: OpaqueDims | None) -> Any:
    """The compiler's form of a bound input: a vector, or a (dim B, dim A) matrix for A -o B."""
    t = value.type
    if isinstance(t, Arrow):
        rows = dim(t.cod, nat_bound, opaque_dims)
        return value.vector.reshape(rows, -1)
    return value.vector


def compile_closed(
    term: Term, t: Type, defs: Defs, *, nat_bound: int, opaque_dims: OpaqueDims | None = None
) -> Vector:
    tensor, _ = compiled_tensor(term, (), defs, nat_bound=nat_bound, opaque_dims=opaque_dims)
    return exact(tensor)


def closed_value(
    term: Term,
    t: Type,
    defs: Defs,
    *,
    nat_bound: int,
    opaque_dims: OpaqueDims | None = None,
    label: str | None = None,
    fuel: int = CHECK_FUEL,
) -> RelatedValue:
    """A closed term as a related pair: its compiled vector and its (peak-tracked) value."""
    value, peak = evaluate_tracking(term, {}, defs, fuel=fuel)
    vector = compile_closed(term, t, defs, nat_bound=nat_bound, opaque_dims=opaque_dims)

    def fresh() -> tuple[Any, Callable[[], int]]:
        return evaluate_tracking(term, {}, defs, fuel=fuel)

    return RelatedValue(t, vector, value, label or show_term(term), term, peak, fresh)


def _evaluate(term: Term, env: Mapping[str, Any], defs: Defs, fuel: int) -> Evaluation | None:
    """Evaluate, or None when the program needs more than `fuel` steps."""
    try:
        return evaluate(term, env, defs, fuel=fuel)
    except CajalError as err:
        if err.kind is ErrorKind.FUEL:
            return None
        raise


def instance(term: Term, inputs: Mapping[str, RelatedValue], defs: Defs, fuel: int) -> Instance:
    """Fresh evaluations of `term` in an environment of fresh input values, with their peaks."""

    def make() -> tuple[Value, PeakLedger]:
        env: dict[str, Any] = {}
        readers: list[Callable[[], int]] = []
        for name, rv in inputs.items():
            env[name], peak = rv.instance()
            readers.append(peak)
        value, peak = evaluate_tracking(term, env, defs, fuel=fuel)
        return value, PeakLedger([peak, *readers])

    return make


# ---------------------------------------------------------------------------
# Property 1: closed ground programs
# ---------------------------------------------------------------------------


def check_closed_ground(
    term: Term,
    t: Type,
    defs: Defs,
    *,
    nat_bound: int | None = None,
    min_bound: int = 1,
    max_bound: int | None = None,
    fuel: int = CHECK_FUEL,
) -> Check:
    """compile_K(t) = enc(eval(t)), with K = nat_bound or max(peak, min_bound).

    With an explicit `nat_bound` below the peak the program is skipped (T2 says nothing);
    so is a program needing K > max_bound, or more than `fuel` interpreter steps.
    """
    result = _evaluate(term, {}, defs, fuel)
    if result is None:
        return Check(0, 1)
    k = nat_bound if nat_bound is not None else max(result.peak, min_bound)
    if result.peak > k or (max_bound is not None and k > max_bound):
        return Check(0, 1)
    vector = compile_closed(term, t, defs, nat_bound=k)
    expected = enc(result.value, t, k)
    if list(vector) == list(expected):
        return Check(1)
    cex = Counterexample(show_term(term), k, (), (), show_value(result.value), show_vector(vector, t))
    return Check(1, 0, cex)


# ---------------------------------------------------------------------------
# Property 2: substitution
# ---------------------------------------------------------------------------


def default_arguments(
    nat_bound: int, opaque_dims: OpaqueDims | None = None
) -> Callable[[Type], list[RelatedValue]]:
    """The basis at first-order types; higher-order arguments must be supplied."""

    def source(t: Type) -> list[RelatedValue]:
        if is_first_order(t):
            return basis(t, nat_bound, opaque_dims)
        raise ValueError(f"no arguments given for the higher-order type {show_type(t)}")

    return source


def check_substitution(
    program: Program,
    closed_values: Mapping[str, Term],
    defs: Defs,
    *,
    nat_bound: int,
    arguments: Callable[[Type], Sequence[RelatedValue]] | None = None,
    fuel: int = CHECK_FUEL,
) -> Check:
    """Substitute closed value terms for the free variables; R_A(compile(t[v/x]), eval(t[v/x]))."""
    closed = substitute(program.term, closed_values)
    vector = compile_closed(closed, program.type, defs, nat_bound=nat_bound)
    rel = check_related(
        vector,
        instance(closed, {}, defs, fuel),
        program.type,
        nat_bound,
        arguments=arguments or default_arguments(nat_bound),
    )
    return _from_relation(rel, show_term(closed), nat_bound)


# ---------------------------------------------------------------------------
# Property 3: linking
# ---------------------------------------------------------------------------


def check_linking(
    program: Program,
    inputs: Mapping[str, RelatedValue],
    defs: Defs,
    *,
    nat_bound: int,
    arguments: Callable[[Type], Sequence[RelatedValue]] | None = None,
    opaque_dims: OpaqueDims | None = None,
    weights: Sequence[str] | None = None,
    fuel: int = CHECK_FUEL,
) -> Check:
    """Compile the open term, bind its recurrent weights, contract the rest with the inputs.

    `weights` are the context variables used in some step (default: computed from the
    term); they are bound at compile time, the others become axes and are linked.
    """
    names = [n for n, _ in program.context]
    recurrent = set(weights) if weights is not None else set(step_free_vars(program.term)) & set(names)
    bindings = {n: binding_value(inputs[n], nat_bound, opaque_dims) for n in names if n in recurrent}
    tensor, axes = compiled_tensor(
        program.term,
        program.context,
        defs,
        nat_bound=nat_bound,
        bindings=bindings,
        opaque_dims=opaque_dims,
    )
    vector = link(tensor, [inputs[n].vector for n, _ in axes])
    rel = check_related(
        vector,
        instance(program.term, {n: inputs[n] for n in names}, defs, fuel),
        program.type,
        nat_bound,
        opaque_dims=opaque_dims,
        arguments=arguments or default_arguments(nat_bound, opaque_dims),
    )
    shown_inputs = tuple((n, inputs[n].label) for n in names)
    return _from_relation(rel, show_term(program.term), nat_bound, shown_inputs)


# ---------------------------------------------------------------------------
# Property 4: multilinearity (T3)
# ---------------------------------------------------------------------------


def step_depths(term: Term) -> dict[str, int]:
    """For each free variable, the largest number of iteration steps around one of its uses."""
    depths: dict[str, int] = {}

    def walk(t: Term, bound: frozenset[str], depth: int) -> None:
        match t:
            case Var(name):
                if name not in bound:
                    depths[name] = max(depths.get(name, 0), depth)
            case Lam(x, _, body):
                walk(body, bound | {x}, depth)
            case Let(x, b, body):
                walk(b, bound, depth)
                walk(body, bound | {x}, depth)
            case Iter(n, b, y, s):
                walk(n, bound, depth)
                walk(b, bound, depth)
                walk(s, bound | {y}, depth + 1)
            case _:
                for child in children(t):
                    walk(child, bound, depth)

    with deep_recursion():
        walk(term, frozenset(), 0)
    return depths


def symbols_for(name: str, t: Type, nat_bound: int, opaque_dims: OpaqueDims | None) -> Any:
    """A vector (or matrix, for a function type) of fresh sympy symbols for a context variable."""
    import sympy

    size = dim(t, nat_bound, opaque_dims)
    flat = np.array([sympy.Symbol(f"{name}_{i}") for i in range(size)], dtype=object)
    if isinstance(t, Arrow):
        return flat.reshape(dim(t.cod, nat_bound, opaque_dims), -1)
    return flat


def check_degrees(
    program: Program,
    defs: Defs,
    *,
    nat_bound: int,
    opaque_dims: OpaqueDims | None = None,
) -> Check:
    """Compile over symbolic inputs: degree ≤ 1 in each non-recurrent variable's symbols,
    ≤ K^d in a recurrent weight used under d steps (SPEC §6, §9).

    Every variable is bound to symbols (so the result is one vector of polynomials);
    non-recurrent variables could as well be axes, by linearity.
    """
    import sympy

    names = [n for n, _ in program.context]
    depths = step_depths(program.term)
    bindings = {n: symbols_for(n, t, nat_bound, opaque_dims) for n, t in program.context}
    tensor, _ = compiled_tensor(
        program.term,
        program.context,
        defs,
        nat_bound=nat_bound,
        bindings=bindings,
        opaque_dims=opaque_dims,
    )
    entries = [sympy.expand(e) for e in np.asarray(tensor, dtype=object).reshape(-1)]
    checked = 0
    for name in names:
        gens = list(np.asarray(bindings[name], dtype=object).reshape(-1))
        # K^d for K ≥ 1; at K = 0 a weight under steps still has degree ≤ 1 (Degree.v, T3_degree_K0)
        bound = max(nat_bound, 1) ** depths.get(name, 0)
        for i, entry in enumerate(entries):
            checked += 1
            degree = _degree(entry, gens)
            if degree > bound:
                kind = "recurrent weight" if depths.get(name, 0) else "variable"
                cex = Counterexample(
                    show_term(program.term),
                    nat_bound,
                    tuple((n, "symbols") for n in names),
                    (),
                    f"degree ≤ {bound} in {kind} `{name}` (used under {depths.get(name, 0)} steps)",
                    f"entry {i} has degree {degree}: {entry}",
                    "T3 (multilinearity)",
                )
                return Check(checked, 0, cex)
    return Check(checked)


def _degree(expr: Any, gens: list[Any]) -> int:
    import sympy

    if not any(expr.has(g) for g in gens):
        return 0
    return int(sympy.Poly(expr, *gens).total_degree())
