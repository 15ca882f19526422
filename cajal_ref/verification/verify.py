"""`cajal verify`: T2 checked for whole defs, over every basis input or sampled values.

`verify_def` checks one def over every tuple of basis inputs when all its inputs
(context variables and arguments) are first-order — a complete proof of T2 for that
def at that K, by T3 — and over sampled values for higher-order inputs. The checks of
one program (`check_closed_ground`, `check_substitution`, `check_linking`,
`check_degrees`) live in `checks.py` and are re-exported here.

This module imports the interpreter and the compiler; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from ..compiler import DEFAULT_MAX_ENTRIES
from ..diagnostics import CajalError
from ..syntax import Arrow, Term, Type, Var, is_first_order, show_type, step_free_vars
from .checks import (
    CHECK_FUEL,
    DEFAULT_NAT_BOUND,
    VERIFY_FUEL,
    Check,
    Counterexample,
    Defs,
    binding_value,
    check_closed_ground,
    check_degrees,
    check_linking,
    check_substitution,
    closed_value,
    compile_closed,
    compiled_tensor,
    default_arguments,
    instance,
    show_term,
    step_depths,
    symbols_for,
)
from .relation import OpaqueDims, RelatedValue, basis, check_related, dim, link, tabulatable, tabulate
from .strategies import Program, inhabited, spine, values

MAX_TUPLES = 20_000
"""Above this many input tuples `verify_def` samples tuples instead of enumerating them."""

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


__all__ = [
    "CHECK_FUEL",
    "DEFAULT_NAT_BOUND",
    "MAX_TUPLES",
    "VERIFY_FUEL",
    "Check",
    "Counterexample",
    "DefReport",
    "argument_sources",
    "binding_value",
    "check_closed_ground",
    "check_degrees",
    "check_linking",
    "check_substitution",
    "closed_value",
    "compile_closed",
    "compiled_tensor",
    "default_arguments",
    "instance",
    "program_text",
    "related_values",
    "sample_values",
    "show_term",
    "size_refusal",
    "step_depths",
    "symbols_for",
    "table_values",
    "verify_def",
    "verify_defs",
]
