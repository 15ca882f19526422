"""Types for the program generator, and inhabitation: can a goal still be finished?

`types(...)` draws types up to a size; `inhabited(goal, resources)` answers whether a
term of type `goal` can use exactly the given non-ground resources (function and
opaque values), which the generator asks before every split of a context. `tensor_cost`
estimates a subterm's tensor so that generated programs stay compilable.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import product

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from ..syntax import (
    BOOL,
    NAT,
    Arrow,
    BoolT,
    NatT,
    Opaque,
    Type,
    is_ground,
    show_type,
)

Context = Sequence[tuple[str, Type]]
"""Free variables of a program, in order (SPEC §8: the order of declaration)."""

DEFAULT_BUDGET = 28
"""Default upper bound of the size budget; generated terms are then typically 10–40 nodes."""

# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


def type_size(t: Type) -> int:
    """Number of type constructors in t (Bool and Nat count 1, an arrow 1 plus its parts)."""
    if isinstance(t, Arrow):
        return 1 + type_size(t.dom) + type_size(t.cod)
    return 1


def type_order(t: Type) -> int:
    """0 for base types, 1 for A -o B with A base, 1 + order of the domain otherwise."""
    if isinstance(t, Arrow):
        return max(type_order(t.dom) + 1, type_order(t.cod))
    return 0


def is_higher_order(t: Type) -> bool:
    """A function type taking (somewhere along its spine) a function argument."""
    return type_order(t) >= 2


def spine(t: Type) -> tuple[list[Type], Type]:
    """`A1 -o ... -o An -o B` (B not an arrow) as ([A1..An], B)."""
    args: list[Type] = []
    while isinstance(t, Arrow):
        args.append(t.dom)
        t = t.cod
    return args, t


def mentions_opaque(t: Type) -> bool:
    if isinstance(t, Arrow):
        return mentions_opaque(t.dom) or mentions_opaque(t.cod)
    return isinstance(t, Opaque)


def types(max_size: int = 5, *, opaque: Sequence[str] = (), max_order: int = 2) -> SearchStrategy[Type]:
    """Types with at most `max_size` constructors and order ≤ `max_order`.

    Shrinks towards Bool. `opaque` names opaque base types (declared with `type NAME`)
    that may occur as base types.
    """
    bases: list[Type] = [BOOL, NAT, *(Opaque(name) for name in opaque)]

    def build(size: int, order: int) -> SearchStrategy[Type]:
        base = st.sampled_from(bases)
        if size < 3 or order < 1:
            return base

        @st.composite
        def arrow_type(draw: DrawFn) -> Type:
            dom_size = draw(st.integers(1, size - 2))
            dom = draw(build(dom_size, order - 1))
            cod = draw(build(size - 1 - type_size(dom), order))
            return Arrow(dom, cod)

        return st.one_of(base, arrow_type())

    return build(max_size, max_order)


# ---------------------------------------------------------------------------
# Inhabitation: can a goal still be finished from these resources?
# ---------------------------------------------------------------------------


def _norm(resources: Sequence[Type]) -> tuple[Type, ...]:
    """The non-ground resources, in a canonical order (ground ones are always consumable)."""
    return tuple(sorted((t for t in resources if not is_ground(t)), key=show_type))


NOMINAL_DIMS = {BoolT: 2, NatT: 4, Opaque: 2}
"""Dimensions used to estimate a subterm's tensor size while generating (Nat at K = 3)."""

DEFAULT_MAX_COST = 1024
"""Largest estimated tensor (nominal entries) of a subterm the generator creates on its own.

A subterm `Γ ⊢ t : A` compiles to a tensor of dim A · Π dim Γ entries; without a bound,
`app` and `let` could pick function types whose tensors exhaust memory.
"""


def nominal_dim(t: Type) -> int:
    if isinstance(t, Arrow):
        return nominal_dim(t.dom) * nominal_dim(t.cod)
    return NOMINAL_DIMS[type(t)]


def tensor_cost(goal: Type, resources: Sequence[Type]) -> int:
    """The nominal number of entries of the tensor of a term of `goal` over `resources`."""
    cost = nominal_dim(goal)
    for t in resources:
        cost *= nominal_dim(t)
    return cost


def inhabited(goal: Type, resources: Sequence[Type] = ()) -> bool:
    """Whether `finish` can build a term of `goal` using each resource exactly once.

    Complete for the constructions the generator uses: introduce the goal's arrows,
    apply function resources to arguments built from some of the other resources,
    return a resource of the goal type, and consume Bool/Nat resources. It decides,
    e.g., that `o : Img ⊢ ? : Bool` has no term (nothing can consume an opaque value).
    """
    return _inhabited(goal, _norm(resources))


@lru_cache(maxsize=65536)
def _inhabited(goal: Type, res: tuple[Type, ...]) -> bool:
    # every step strictly decreases the total size of goal and resources, so this terminates
    if isinstance(goal, Arrow):
        return _inhabited(goal.cod, _norm((*res, goal.dom)))
    if not res:
        return is_ground(goal)
    if len(res) == 1 and res[0] == goal:
        return True
    return _application_plan(goal, res) is not None


def _application_plan(goal: Type, res: tuple[Type, ...]) -> tuple[int, tuple[int, ...]] | None:
    """A function resource to apply and the other resources that build its argument."""
    for i, fn in enumerate(res):
        if not isinstance(fn, Arrow) or (i > 0 and res[i - 1] == fn):
            continue
        rest = res[:i] + res[i + 1 :]
        for mask in sorted(product((0, 1), repeat=len(rest)), key=sum):
            arg = tuple(r for r, m in zip(rest, mask, strict=True) if m)
            keep = tuple(r for r, m in zip(rest, mask, strict=True) if not m)
            if _inhabited(fn.dom, _norm(arg)) and _inhabited(goal, _norm((*keep, fn.cod))):
                chosen = tuple(j + (j >= i) for j, m in enumerate(mask) if m)
                return i, chosen
    return None

