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

`verify_def` checks one def over every tuple of basis inputs when all its inputs
(context variables and arguments) are first-order — a complete proof of T2 for that
def at that K, by T3 — and over sampled values for higher-order inputs.

This module imports the interpreter and the compiler; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from ..compiler import DEFAULT_MAX_ENTRIES, compile_term
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
    tabulatable,
    tabulate,
)
from .strategies import Program, inhabited, spine, values

DEFAULT_NAT_BOUND = 9
CHECK_FUEL = 100_000
"""Interpreter steps a generated program may take. Nested iterations can grow as towers
of exponentials; a program that needs more steps is skipped (its peak is far above any
bound it could be compiled at)."""
VERIFY_FUEL = 200_000
"""Interpreter steps per input of `verify_def` (an input needing more is skipped: its peak
is then far above any K a tensor can be built at)."""
MAX_TUPLES = 20_000
"""Above this many input tuples `verify_def` samples tuples instead of enumerating them."""

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
        bound = nat_bound ** depths.get(name, 0)
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


# ---------------------------------------------------------------------------
# Verifying defs (the `cajal verify` command)
# ---------------------------------------------------------------------------


@dataclass
class DefReport:
    """What `cajal verify` reports for one def."""

    name: str
    type: Type
    inputs_checked: int = 0
    skipped: int = 0
    complete: bool = True
    counterexample: Counterexample | None = None
    error: str | None = None
    """Why the def could not be checked (e.g. too large to compile at this K)."""

    @property
    def agree(self) -> bool:
        return self.counterexample is None and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": show_type(self.type),
            "inputs_checked": self.inputs_checked,
            "skipped_over_bound": self.skipped,
            "complete": self.complete,
            "agree": self.agree,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "error": self.error,
        }


def sample_values(
    t: Type,
    defs: Defs,
    *,
    nat_bound: int,
    samples: int,
    opaque_dims: OpaqueDims | None = None,
    def_types: Mapping[str, Type] | None = None,
) -> list[RelatedValue]:
    """Related values of a higher-order type: closed defs of that type, tables, closed `fun`s.

    Drawn by a derandomized hypothesis run, so `cajal verify` is reproducible.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    found: dict[str, RelatedValue] = {}
    for name, info in defs.items():
        if info.type == t and not getattr(info, "context", ()) and len(found) < samples:
            found[name] = closed_value(
                Var(name), t, defs, nat_bound=nat_bound, opaque_dims=opaque_dims, label=name
            )
    want = samples - len(found)
    if want <= 0:
        return list(found.values())
    strategies: list[Any] = []
    if tabulatable(t):
        strategies.append(table_values(t, nat_bound, opaque_dims))
    if inhabited(t):
        strategies.append(values(t, defs=def_types, max_literal=min(3, nat_bound)))
    if not strategies:
        return list(found.values())
    drawn: list[Any] = []

    @settings(
        max_examples=max(want * 3, 10),
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(*strategies))
    def collect(x: Any) -> None:
        drawn.append(x)

    collect()
    for x in drawn:
        if len(found) >= samples:
            break
        rv = x if isinstance(x, RelatedValue) else _closed_or_none(x, t, defs, nat_bound, opaque_dims)
        if rv is not None and rv.label not in found:
            found[rv.label] = rv
    return list(found.values())


def _closed_or_none(
    term: Term, t: Type, defs: Defs, nat_bound: int, opaque_dims: OpaqueDims | None
) -> RelatedValue | None:
    try:
        return closed_value(term, t, defs, nat_bound=nat_bound, opaque_dims=opaque_dims)
    except CajalError:
        return None


def table_values(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> Any:
    """A hypothesis strategy of tabulated related values of a type whose arrows have first-order domains."""
    from hypothesis import strategies as st

    if not isinstance(t, Arrow):
        return st.sampled_from(basis(t, nat_bound, opaque_dims))
    if isinstance(t.dom, Arrow):
        raise ValueError(f"{show_type(t)} has a higher-order domain: no tables")
    n = dim(t.dom, nat_bound, opaque_dims)
    cod = t.cod
    return st.lists(table_values(cod, nat_bound, opaque_dims), min_size=n, max_size=n).map(
        lambda outs: tabulate(t, outs, nat_bound)
    )


def related_values(
    t: Type,
    nat_bound: int,
    defs: Defs,
    *,
    opaque_dims: OpaqueDims | None = None,
    def_types: Mapping[str, Type] | None = None,
) -> Any:
    """A hypothesis strategy of related pairs R_t(vector, value).

    First-order: the basis. Function types: tables (when every domain is first-order)
    and closed value terms, evaluated and compiled at K = nat_bound.
    """
    from hypothesis import strategies as st

    if is_first_order(t):
        return st.sampled_from(basis(t, nat_bound, opaque_dims))
    options = []
    if tabulatable(t):
        options.append(table_values(t, nat_bound, opaque_dims))
    if inhabited(t):
        options.append(
            values(t, defs=def_types, max_literal=min(3, nat_bound)).map(
                lambda term: closed_value(term, t, defs, nat_bound=nat_bound, opaque_dims=opaque_dims)
            )
        )
    if not options:
        raise ValueError(f"no related values of type {show_type(t)} can be built")
    return st.one_of(*options)


def argument_sources(
    t: Type,
    nat_bound: int,
    defs: Defs,
    *,
    opaque_dims: OpaqueDims | None = None,
    def_types: Mapping[str, Type] | None = None,
    per_type: int = 2,
) -> Any:
    """A strategy of argument sources for checking R_t: the basis at first-order domains,
    `per_type` drawn related values at each higher-order domain along t's spine."""
    from hypothesis import strategies as st

    domains: list[Type] = []
    for d in spine(t)[0]:
        if not is_first_order(d) and d not in domains:
            domains.append(d)

    @st.composite
    def build(draw: Any) -> Callable[[Type], list[RelatedValue]]:
        drawn = {
            d: draw(
                st.lists(
                    related_values(d, nat_bound, defs, opaque_dims=opaque_dims, def_types=def_types),
                    min_size=1,
                    max_size=per_type,
                )
            )
            for d in domains
        }

        def source(a: Type) -> list[RelatedValue]:
            if is_first_order(a):
                return basis(a, nat_bound, opaque_dims)
            chosen: list[RelatedValue] = drawn[a]
            return chosen

        return source

    return build()


def _input_lists(
    types_: Sequence[Type],
    defs: Defs,
    *,
    nat_bound: int,
    samples: int,
    opaque_dims: OpaqueDims | None,
    def_types: Mapping[str, Type],
) -> list[list[RelatedValue]]:
    cache: dict[Type, list[RelatedValue]] = {}
    out = []
    for t in types_:
        if t not in cache:
            if is_first_order(t):
                cache[t] = basis(t, nat_bound, opaque_dims)
            else:
                cache[t] = sample_values(
                    t,
                    defs,
                    nat_bound=nat_bound,
                    samples=samples,
                    opaque_dims=opaque_dims,
                    def_types=def_types,
                )
        out.append(cache[t])
    return out


def _tuples(lists: list[list[RelatedValue]], limit: int) -> tuple[Iterator[tuple[RelatedValue, ...]], bool]:
    """Every tuple of the product, or (over `limit`) a deterministic spread of `limit` tuples."""
    if _count(lists) <= limit:
        return product(*lists), True

    def spread() -> Iterator[tuple[RelatedValue, ...]]:
        for i in range(limit):
            yield tuple(lst[(i * (j + 1) + j) % len(lst)] for j, lst in enumerate(lists))

    return spread(), False


def _count(lists: Sequence[Sequence[RelatedValue]]) -> int:
    total = 1
    for lst in lists:
        total *= len(lst)
    return total


def size_refusal(
    t: Type,
    context: Sequence[tuple[str, Type]],
    inputs: Sequence[Type],
    nat_bound: int,
    opaque_dims: OpaqueDims | None,
    max_entries: int,
) -> str | None:
    """Why a def cannot be checked at this K within max_entries, measured before anything is built.

    The def's tensor has dim A · Π dim Aᵢ entries; the basis of each first-order input type
    is dim² entries. Both are counted exactly (Python ints), so K = 10⁶ is refused at once.
    """
    try:
        tensor = dim(t, nat_bound, opaque_dims)
        for _, a in context:
            tensor *= dim(a, nat_bound, opaque_dims)
        bases = sum(dim(a, nat_bound, opaque_dims) ** 2 for a in set(inputs) if is_first_order(a))
    except CajalError as err:
        return err.message
    for what, entries in (("its compiled tensor", tensor), ("the basis vectors of its inputs", bases)):
        if entries > max_entries:
            return (
                f"{what} would need {entries:,} entries at K = {nat_bound}; the limit is "
                f"{max_entries:,} entries: choose a smaller K (--nat-bound)"
            )
    return None


def verify_def(
    info: Any,
    defs: Defs,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    samples: int = 8,
    opaque_dims: OpaqueDims | None = None,
    max_tuples: int = MAX_TUPLES,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> DefReport:
    """Check T2 for one def over its inputs: context variables, then the arguments of its type.

    Complete (every basis tuple, hence every input by T3) when every input is first-order;
    sampled otherwise. Inputs whose evaluation has peak > K are skipped (and counted).
    A def that cannot be compiled at this K (too large) is reported with an error note.
    """
    context: tuple[tuple[str, Type], ...] = tuple(getattr(info, "context", ()))
    args, _ = spine(info.type)
    def_types = {n: d.type for n, d in defs.items() if not getattr(d, "context", ())}
    report = DefReport(info.name, info.type)
    inputs = [t for _, t in context] + args
    report.complete = all(is_first_order(t) for t in inputs)
    report.error = size_refusal(info.type, context, inputs, nat_bound, opaque_dims, max_entries)
    if report.error is not None:
        report.complete = False
        return report
    lists = _input_lists(
        inputs, defs, nat_bound=nat_bound, samples=samples, opaque_dims=opaque_dims, def_types=def_types
    )
    if any(not lst for lst in lists):
        report.complete = False
        report.error = "no values could be sampled for some input type"
        return report
    by_type = {t: lst for t, lst in zip(inputs[len(context) :], lists[len(context) :], strict=True)}
    per_ctx_limit = max(1, max_tuples // max(1, _count(lists[len(context) :])))
    ctx_tuples, ctx_complete = _tuples(lists[: len(context)], per_ctx_limit)
    report.complete = report.complete and ctx_complete
    term = info.body if context else Var(info.name)
    weights = sorted(set(step_free_vars(info.body)) & {n for n, _ in context})
    compiled: dict[tuple[int, ...], tuple[Any, tuple[tuple[str, Type], ...]]] = {}
    for ctx_values in ctx_tuples:
        env = {n: v for (n, _), v in zip(context, ctx_values, strict=True)}
        key = tuple(id(env[n]) for n in weights)  # compile once per binding of the recurrent weights
        if key not in compiled:
            bindings = {n: binding_value(env[n], nat_bound, opaque_dims) for n in weights}
            try:
                compiled[key] = compiled_tensor(
                    term, context, defs, nat_bound=nat_bound, bindings=bindings, opaque_dims=opaque_dims
                )
            except CajalError as err:
                report.error = f"cannot compile at K = {nat_bound}: {err.message}"
                return report
        tensor, axes = compiled[key]
        rel = check_related(
            link(tensor, [env[n].vector for n, _ in axes]),
            instance(term, env, defs, VERIFY_FUEL),
            info.type,
            nat_bound,
            opaque_dims=opaque_dims,
            arguments=lambda t: by_type[t] if t in by_type else basis(t, nat_bound, opaque_dims),
        )
        report.inputs_checked += rel.checked
        report.skipped += rel.skipped
        if rel.disagreement is not None:
            d = rel.disagreement
            shown = " ".join([info.name, *(f"({a})" if " " in a else a for a in d.arguments)])
            report.counterexample = Counterexample(
                shown,
                nat_bound,
                tuple((n, env[n].label) for n, _ in context),
                d.arguments,
                d.expected,
                d.found,
                f"def {info.name} : {show_type(info.type)}",
            )
            break
    return report


def program_text(program: Program) -> str:
    return show_term(program.term)


def verify_defs(
    defs: Defs,
    names: Sequence[str],
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    samples: int = 8,
    opaque_dims: OpaqueDims | None = None,
) -> list[DefReport]:
    return [
        verify_def(defs[n], defs, nat_bound=nat_bound, samples=samples, opaque_dims=opaque_dims)
        for n in names
    ]
