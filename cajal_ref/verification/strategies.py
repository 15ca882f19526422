"""Hypothesis strategies for well-typed *linear* Cajal programs (SPEC §3).

Public entry points (others may import them to test their own Cajal implementations):

- `types(...)`: types up to a size (ground, function, optionally opaque);
- `terms(type, context, ...)`: terms of a requested type that use every variable of a
  requested context exactly once (the two branches of an `if` share their context);
- `values(type, ...)`: closed value terms (`true`, numerals, `fun`s) of a type;
- `programs(...)`: (type, context, term) triples, open and closed, first- and higher-order.

Every draw yields a well-typed term, also while hypothesis shrinks, because the
generator never makes a choice it cannot complete: before splitting a context between
subterms it asks `inhabited(goal, resources)` whether each part can still be finished.
That question only concerns the *non-ground* resources (function and opaque values):
a Bool or Nat variable can always be consumed (`if b then k else k`,
`iter n { zero => k | succ y => y }`). When the size budget runs out, `finish` closes
the term with the smallest such construction, so failures shrink to small programs.

Iteration steps use outer variables (recurrent weights): Bool/Nat variables bound by
`fun`/`let`/a step, and free context variables of any type. A function- or
opaque-typed variable bound by `fun`/`let`/a step is never used inside a step (SPEC §3).
All choices come from hypothesis (bytes it draws, no `random`), so replay and shrinking work.

The generator lives in `term_builder.py`, types and inhabitation in `type_strategies.py`;
their public names are importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from ..syntax import (
    BOOL,
    NAT,
    Arrow,
    BoolLit,
    BoolT,
    Lam,
    NatT,
    Numeral,
    Opaque,
    Term,
    Type,
    Var,
    is_ground,
    show_type,
)
from .term_builder import _Builder, _Res
from .type_strategies import (
    DEFAULT_BUDGET,
    DEFAULT_MAX_COST,
    NOMINAL_DIMS,
    Context,
    inhabited,
    is_higher_order,
    mentions_opaque,
    nominal_dim,
    spine,
    tensor_cost,
    type_order,
    type_size,
    types,
)

# ---------------------------------------------------------------------------
# Public strategies
# ---------------------------------------------------------------------------


def default_binder_types(opaque: Sequence[str] = ()) -> SearchStrategy[Type]:
    """Types for let-bound variables and the argument of a generated application.

    Mostly ground, sometimes first- or second-order, kept small so that compiled
    tensors stay small ((K+1)³ entries for (Nat -o Nat) -o Nat).
    """
    return st.sampled_from(_default_binder_list(tuple(opaque)))


def _default_binder_list(opaque: tuple[str, ...]) -> tuple[Type, ...]:
    nat_nat = Arrow(NAT, NAT)
    choices: list[Type] = [
        NAT,
        BOOL,
        nat_nat,
        Arrow(BOOL, BOOL),
        Arrow(NAT, BOOL),
        Arrow(BOOL, NAT),
        Arrow(nat_nat, NAT),
        Arrow(BOOL, Arrow(BOOL, BOOL)),
    ]
    for name in opaque:
        choices += [Opaque(name), Arrow(Opaque(name), Opaque(name))]
    return tuple(choices)


def _check_request(t: Type, context: Context) -> None:
    names = [n for n, _ in context]
    if len(set(names)) != len(names):
        raise InvalidArgument(f"context has a repeated variable: {names}")
    if not inhabited(t, [ty for _, ty in context]):
        shown = ", ".join(f"{n} : {show_type(ty)}" for n, ty in context)
        raise InvalidArgument(
            f"no linear term of type {show_type(t)} uses exactly the context [{shown}] "
            "(an opaque or function value there cannot be consumed)"
        )


def _builder(
    draw: DrawFn,
    context: Context,
    defs: Mapping[str, Type] | None,
    max_literal: int,
    strict_iter: bool,
    binder_types: SearchStrategy[Type] | None,
    max_cost: int = DEFAULT_MAX_COST,
) -> _Builder:
    defs = dict(defs or {})
    opaque_names = sorted({name for _, t in context for name in _opaque_names(t)})
    return _Builder(
        draw=draw,
        defs=defs,
        max_literal=max_literal,
        strict_iter=strict_iter,
        binder_types=binder_types if binder_types is not None else default_binder_types(opaque_names),
        # the default is chosen from the builder's byte stream (cheaper than a draw)
        binder_choices=_default_binder_list(tuple(opaque_names)) if binder_types is None else (),
        max_cost=max_cost,
        taken={n for n, _ in context} | set(defs),
    )


def _opaque_names(t: Type) -> set[str]:
    if isinstance(t, Arrow):
        return _opaque_names(t.dom) | _opaque_names(t.cod)
    return {t.name} if isinstance(t, Opaque) else set()


def terms(
    type: Type,
    context: Context = (),
    *,
    defs: Mapping[str, Type] | None = None,
    budget: int = DEFAULT_BUDGET,
    max_literal: int = 3,
    strict_iter: bool = False,
    binder_types: SearchStrategy[Type] | None = None,
    max_cost: int = DEFAULT_MAX_COST,
) -> SearchStrategy[Term]:
    """Well-typed linear terms `context ⊢ t : type`.

    `context` lists free variables (any type; they may be recurrent weights, i.e. be
    used inside an iteration step). `defs` maps names of closed defs to their types;
    generated terms may reference them (any number of times). `budget` bounds the size
    (the drawn budget shrinks to 1, the smallest term). `strict_iter` never lets a
    step use an outer variable. `binder_types` draws the types of let-bound variables
    and of generated applications' arguments. `max_cost` bounds the estimated tensor
    size of every subterm the generator introduces (see `tensor_cost`). Raises
    InvalidArgument if no term exists (an opaque variable that nothing can consume).
    """
    _check_request(type, context)

    @st.composite
    def build(draw: DrawFn) -> Term:
        return _draw_term(draw, type, context, defs, budget, max_literal, strict_iter, binder_types, max_cost)

    return build()


def _draw_term(
    draw: DrawFn,
    goal: Type,
    context: Context,
    defs: Mapping[str, Type] | None,
    budget: int,
    max_literal: int,
    strict_iter: bool,
    binder_types: SearchStrategy[Type] | None,
    max_cost: int,
) -> Term:
    builder = _builder(draw, context, defs, max_literal, strict_iter, binder_types, max_cost)
    size_budget = 1 + builder.below(max(1, budget))  # from the byte stream; shrinks to 1
    res = [_Res(Var(n), t, True) for n, t in context]
    return builder.gen(goal, res, size_budget)


def values(
    type: Type,
    *,
    defs: Mapping[str, Type] | None = None,
    budget: int = 10,
    max_literal: int = 3,
) -> SearchStrategy[Term]:
    """Closed value terms of `type`: `true`/`false`, numerals ≤ max_literal, or a `fun`.

    Raises InvalidArgument for a type with no closed term (e.g. one returning an opaque type).
    """
    _check_request(type, ())
    if isinstance(type, BoolT):
        return st.sampled_from([BoolLit(False), BoolLit(True)])
    if isinstance(type, NatT):
        return st.integers(0, max_literal).map(Numeral)
    if not isinstance(type, Arrow):
        raise InvalidArgument(f"opaque type {show_type(type)} has no closed values")
    dom, cod = type.dom, type.cod

    @st.composite
    def build(draw: DrawFn) -> Term:
        builder = _builder(draw, (), defs, max_literal, False, None)
        name = builder.fresh(dom)
        size_budget = 1 + builder.below(max(1, budget))  # from the byte stream; shrinks to 1
        return Lam(name, dom, builder.gen(cod, [builder.bind(name, dom)], size_budget))

    return build()


@dataclass(frozen=True)
class Program:
    """A generated program: `context ⊢ term : type`."""

    type: Type
    context: tuple[tuple[str, Type], ...]
    term: Term

    def __iter__(self) -> Any:
        return iter((self.type, self.context, self.term))


def context_types(*, opaque: Sequence[str] = ()) -> SearchStrategy[Type]:
    """Types of generated free variables: ground, first-order, sometimes second-order."""
    nat_nat = Arrow(NAT, NAT)
    choices: list[Type] = [
        NAT,
        BOOL,
        nat_nat,
        Arrow(BOOL, BOOL),
        Arrow(NAT, BOOL),
        Arrow(BOOL, Arrow(NAT, NAT)),
        Arrow(nat_nat, NAT),
    ]
    for name in opaque:
        o = Opaque(name)
        choices += [o, Arrow(o, o), Arrow(BOOL, o)]
    return st.sampled_from(choices)


def programs(
    *,
    closed: bool | None = None,
    ground: bool | None = None,
    max_context: int = 3,
    defs: Mapping[str, Type] | None = None,
    budget: int = DEFAULT_BUDGET,
    max_literal: int = 3,
    strict_iter: bool = False,
    opaque: Sequence[str] = (),
    first_order_context: bool = False,
    context_type: SearchStrategy[Type] | None = None,
    max_cost: int = DEFAULT_MAX_COST,
) -> SearchStrategy[Program]:
    """(type, context, term) triples.

    `closed=True` gives empty contexts, `False` non-empty ones, None either.
    `ground=True` restricts the program's type to Bool/Nat. `opaque` names opaque
    types that may occur (with `type NAME` declared and a dimension chosen by the
    caller). `first_order_context` keeps free variables Bool, Nat or opaque;
    `context_type` draws the free variables' types (default `context_types`).
    A request whose own tensor estimate exceeds `max_cost` loses free variables.
    """
    ctx_type: SearchStrategy[Type]
    if context_type is not None:
        ctx_type = context_type
    elif first_order_context:
        ctx_type = st.sampled_from([BOOL, NAT, *(Opaque(n) for n in opaque)])
    else:
        ctx_type = context_types(opaque=opaque)
    result_type: SearchStrategy[Type] = st.sampled_from([BOOL, NAT]) if ground else types(4, opaque=opaque)

    @st.composite
    def build(draw: DrawFn) -> Program:
        low = 1 if closed is False else 0
        high = 0 if closed else max(max_context, low)
        ctx_list = [draw(ctx_type) for _ in range(draw(st.integers(low, high)))]
        counts: dict[str, int] = {}
        context: list[tuple[str, Type]] = []
        for t in ctx_list:
            prefix = {BoolT: "p", NatT: "m", Arrow: "g", Opaque: "img"}[type(t)]
            counts[prefix] = counts.get(prefix, 0) + 1
            context.append((f"{prefix}{counts[prefix]}", t))
        goal = draw(result_type)
        while len(context) > low and tensor_cost(goal, [t for _, t in context]) > max_cost:
            context.pop()
        if not inhabited(goal, [t for _, t in context]):
            # repair deterministically rather than filter: an opaque result can consume
            # opaque inputs; else drop what cannot be consumed
            candidates: list[Type] = (
                []
                if ground
                else sorted({Opaque(n) for _, t in context for n in _opaque_names(t)}, key=show_type)
            )
            goal = next(
                (c for c in candidates if inhabited(c, [t for _, t in context])),
                BOOL if ground or not draw(st.booleans()) else NAT,
            )
            while not inhabited(goal, [t for _, t in context]):
                context = [c for c in context if is_ground(c[1])] if context else []
                if closed is False and not context:
                    context = [("m1", NAT)]
        # not draw(terms(...)): building a composite strategy per example is slow
        term = _draw_term(draw, goal, tuple(context), defs, budget, max_literal, strict_iter, None, max_cost)
        return Program(goal, tuple(context), term)

    return build()


def closed_ground_programs(**kwargs: Any) -> SearchStrategy[Program]:
    """Closed programs of type Bool or Nat (the first view of T2)."""
    return programs(closed=True, ground=True, **kwargs)


def prelude_def_types(defs: Mapping[str, Any] | None = None) -> dict[str, Type]:
    """Types of the closed defs of a workspace (default: the prelude), for `defs=`.

    Accepts the checker's DefInfo mapping (anything with `.type` and `.context`).
    """
    if defs is None:
        from ..loader import load_workspace

        defs = load_workspace().defs
    return {name: info.type for name, info in defs.items() if not getattr(info, "context", ())}



# ---------------------------------------------------------------------------
# `st.from_type` and the public names
# ---------------------------------------------------------------------------

# Registered on import, so `st.from_type(Program)` or `st.builds(f)` over annotated
# arguments draws well-typed programs and types without naming these functions.
st.register_type_strategy(Program, programs())
st.register_type_strategy(Arrow, types(5).filter(lambda t: isinstance(t, Arrow)))
st.register_type_strategy(BoolT, st.just(BOOL))
st.register_type_strategy(NatT, st.just(NAT))

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_COST",
    "NOMINAL_DIMS",
    "Context",
    "Program",
    "closed_ground_programs",
    "context_types",
    "default_binder_types",
    "inhabited",
    "is_higher_order",
    "mentions_opaque",
    "nominal_dim",
    "prelude_def_types",
    "programs",
    "spine",
    "tensor_cost",
    "terms",
    "type_order",
    "type_size",
    "types",
    "values",
]
