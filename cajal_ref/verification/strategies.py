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
All choices are hypothesis draws (no `random`), so replay and shrinking work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from ..syntax import (
    BOOL,
    NAT,
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


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Res:
    """A linear resource: a variable (or, inside `finish`, an application of one) and its type."""

    term: Term
    type: Type
    may_recur: bool
    """May occur inside an iteration step (be a recurrent weight) — SPEC §3."""


@dataclass(frozen=True)
class _Part:
    """One subterm of a split: its goal type, extra resources it binds, and whether it is a step."""

    goal: Type
    extra: tuple[Type, ...] = ()
    step: bool = False


_KINDS_SHRINK_ORDER = ("finish", "var", "const", "succ", "lam", "if", "head", "app", "let", "iter")


@dataclass
class _Builder:
    draw: DrawFn
    defs: Mapping[str, Type]
    max_literal: int
    strict_iter: bool
    binder_types: SearchStrategy[Type]
    max_cost: int = DEFAULT_MAX_COST
    taken: set[str] = field(default_factory=set)
    counter: int = 0

    # -- names and leaves ---------------------------------------------------

    def fresh(self, t: Type) -> str:
        prefix = {BoolT: "b", NatT: "n", Arrow: "f", Opaque: "o"}[type(t)]
        while True:
            self.counter += 1
            name = f"{prefix}{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def const(self, t: Type) -> Term:
        if isinstance(t, BoolT):
            return BoolLit(self.draw(st.booleans()))
        if isinstance(t, NatT):
            value = self.draw(st.integers(0, self.max_literal))
            if value == 0 and self.draw(st.booleans()):
                return Zero()
            return Numeral(value)
        raise AssertionError(f"no constant of type {show_type(t)}")

    def bind(self, name: str, t: Type) -> _Res:
        """A variable bound by fun/let/a step: a recurrent weight only if Bool or Nat."""
        return _Res(Var(name), t, is_ground(t))

    # -- finishing: the smallest construction using every resource -----------

    def finish(self, goal: Type, res: list[_Res]) -> Term:
        """The smallest term of `goal` using each resource once, its value depending on all of them.

        Function resources are applied (to arguments finished from other resources)
        until only ground values remain; those are then folded into the result, so a
        mistake in compiling any of them shows in the result.
        """
        if isinstance(goal, Arrow):
            name = self.fresh(goal.dom)
            return Lam(name, goal.dom, self.finish(goal.cod, [*res, self.bind(name, goal.dom)]))
        ground = [r for r in res if is_ground(r.type)]
        core = self.finish_core(goal, [r for r in res if not is_ground(r.type)], ground)
        if core is None:
            # a ground goal and only ground resources: start from one of the goal's type
            same = next((r for r in ground if r.type == goal), None)
            if same is not None:
                ground.remove(same)
                core = same.term
            else:
                core = self.const(goal)
        for r in ground:
            core = self.consume(r, core, goal)
        return core

    def finish_core(self, goal: Type, res: list[_Res], ground: list[_Res]) -> Term | None:
        """Use up the non-ground resources; ground results of applications go to `ground`."""
        if not res:
            return None
        if len(res) == 1 and res[0].type == goal:
            return res[0].term
        order = sorted(range(len(res)), key=lambda i: show_type(res[i].type))
        plan = _application_plan(goal, tuple(res[i].type for i in order))
        if plan is None:
            raise AssertionError("finish called on an uninhabited goal")
        fn = res[order[plan[0]]]
        arg_res = [res[order[j]] for j in plan[1]]
        keep = [r for r in res if r is not fn and all(r is not a for a in arg_res)]
        assert isinstance(fn.type, Arrow)
        same = next((r for r in ground if r.type == fn.type.dom), None) if not arg_res else None
        if same is not None:
            # feed a ground value of the domain's type: `g y` rather than `g 0` and a consumed y
            ground.remove(same)
            arg = same.term
        else:
            arg = self.finish(fn.type.dom, arg_res)
        applied = _Res(App(fn.term, arg), fn.type.cod, fn.may_recur)
        if is_ground(applied.type):
            ground.insert(0, applied)
            return self.finish_core(goal, keep, ground)
        return self.finish_core(goal, [*keep, applied], ground)

    def consume(self, r: _Res, core: Term, goal: Type) -> Term:
        """Fold a Bool/Nat value into `core`: `iter n` runs a small step on it n times,
        a Bool chooses between `core` and one step of it."""
        y = self.fresh(goal)
        step = _tiny_step(goal, y)
        if isinstance(r.type, NatT):
            return Iter(r.term, core, y, step)
        if _small(core) and is_ground(goal):
            return If(r.term, core, _tiny_step_of(goal, core))
        return Iter(If(r.term, Numeral(1), Zero()), core, y, step)

    # -- splitting a context between subterms ----------------------------------

    def split(
        self,
        res: list[_Res],
        parts: list[_Part],
        forced: tuple[_Res, int] | None = None,
        limit: int | None = None,
    ) -> list[list[_Res]] | None:
        """Draw a partition of `res` over `parts` in which every part can be finished.

        `forced` puts one resource into a given part (used to make a step use an outer
        variable). No part may have an estimated tensor larger than `limit`.
        """
        limit = limit if limit is not None else self.max_cost
        ground = [r for r in res if is_ground(r.type)]
        non = [r for r in res if not is_ground(r.type)]
        allowed = [
            [
                p
                for p, part in enumerate(parts)
                if (not part.step or (r.may_recur and not self.strict_iter))
                and (forced is None or forced[0] is not r or forced[1] == p)
            ]
            for r in non
        ]
        options = []
        for assignment in product(*allowed):
            assigned = [
                [*(r.type for r, a in zip(non, assignment, strict=True) if a == p), *part.extra]
                for p, part in enumerate(parts)
            ]
            if all(
                _inhabited(part.goal, _norm(types_)) and tensor_cost(part.goal, types_) <= limit
                for part, types_ in zip(parts, assigned, strict=True)
            ):
                options.append(assignment)
        if not options:
            return None
        chosen = self.draw(st.sampled_from(options))
        out: list[list[_Res]] = [[] for _ in parts]
        for r, p in zip(non, chosen, strict=True):
            out[p].append(r)
        for r in ground:
            if forced is not None and forced[0] is r:
                out[forced[1]].append(r)
                continue
            slots = [p for p, part in enumerate(parts) if not part.step or not self.strict_iter]
            costs = {
                p: tensor_cost(parts[p].goal, [*(x.type for x in out[p]), *parts[p].extra, r.type])
                for p in slots
            }
            fitting = [p for p in slots if costs[p] <= limit] or [min(slots, key=costs.__getitem__)]
            out[fitting[self.draw(st.integers(0, len(fitting) - 1))]].append(r)
        # keep the context order stable inside each part (readable programs)
        position = {id(r): i for i, r in enumerate(res)}
        return [sorted(part, key=lambda r: position[id(r)]) for part in out]

    def budgets(self, budget: int, count: int) -> list[int]:
        remaining = max(0, budget - 1 - count)
        shares = [self.draw(st.integers(0, 3)) for _ in range(count)]
        total = sum(shares) or count
        if sum(shares) == 0:
            shares = [1] * count
        return [1 + remaining * s // total for s in shares]

    # -- the random generator ---------------------------------------------------

    def heads(self, goal: Type, res: list[_Res]) -> list[tuple[Term, list[Type], _Res | None]]:
        """Variables and defs whose type ends in `goal` after k ≥ 1 arguments (defs: k ≥ 0)."""
        found: list[tuple[Term, list[Type], _Res | None]] = []
        for r in res:
            args, t = [], r.type
            while isinstance(t, Arrow):
                args.append(t.dom)
                t = t.cod
                if t == goal:
                    found.append((r.term, list(args), r))
        for name, def_type in self.defs.items():
            args, t = [], def_type
            if t == goal and not res:
                found.append((Var(name), [], None))
            while isinstance(t, Arrow):
                args.append(t.dom)
                t = t.cod
                if t == goal:
                    found.append((Var(name), list(args), None))
        return found

    def gen(self, goal: Type, res: list[_Res], budget: int) -> Term:
        if budget <= 1:
            return self.finish(goal, res)
        kinds: list[str] = ["finish"]
        if len(res) == 1 and res[0].type == goal:
            kinds += ["var"] * 2
        if not res and is_ground(goal):
            kinds += ["const"]
        if isinstance(goal, NatT):
            kinds += ["succ"]
        if isinstance(goal, Arrow):
            kinds += ["lam"] * 6
        heads = self.heads(goal, res)
        if heads:
            kinds += ["head"] * 4
        kinds += ["if"] * 2 + ["app"] * 2 + ["let"] + ["iter"] * 4
        if not self.strict_iter and any(r.may_recur for r in res):
            kinds += ["iter"] * 5  # a chance for a recurrent weight
        kinds.sort(key=_KINDS_SHRINK_ORDER.index)
        kind = self.draw(st.sampled_from(kinds))
        term = self.build(kind, goal, res, budget, heads)
        return term if term is not None else self.finish(goal, res)

    def build(
        self,
        kind: str,
        goal: Type,
        res: list[_Res],
        budget: int,
        heads: list[tuple[Term, list[Type], _Res | None]],
    ) -> Term | None:
        limit = max(self.max_cost, tensor_cost(goal, [r.type for r in res]))
        match kind:
            case "var":
                return res[0].term
            case "finish" | "const":
                return self.finish(goal, res)
            case "succ":
                return Succ(self.gen(NAT, res, budget - 1))
            case "lam":
                assert isinstance(goal, Arrow)
                name = self.fresh(goal.dom)
                body = self.gen(goal.cod, [*res, self.bind(name, goal.dom)], budget - 1)
                return Lam(name, goal.dom, body)
            case "if":
                split = self.split(res, [_Part(BOOL), _Part(goal)], limit=limit)
                if split is None:
                    return None
                b_cond, b_then, b_else = self.budgets(budget, 3)
                cond = self.gen(BOOL, split[0], b_cond)
                return If(cond, self.gen(goal, split[1], b_then), self.gen(goal, split[1], b_else))
            case "head":
                head, args, head_res = self.draw(st.sampled_from(heads))
                rest = [r for r in res if r is not head_res]
                split = self.split(rest, [_Part(a) for a in args], limit=limit)
                if split is None:
                    return None
                term: Term = head
                for arg_type, arg_res, b in zip(args, split, self.budgets(budget, len(args)), strict=True):
                    term = App(term, self.gen(arg_type, arg_res, b))
                return term
            case "app":
                dom = self.draw(self.binder_types)
                split = self.split(res, [_Part(Arrow(dom, goal)), _Part(dom)], limit=limit)
                if split is None:
                    return None
                b_fn, b_arg = self.budgets(budget, 2)
                return App(self.gen(Arrow(dom, goal), split[0], b_fn), self.gen(dom, split[1], b_arg))
            case "let":
                bound_type = self.draw(self.binder_types)
                split = self.split(res, [_Part(bound_type), _Part(goal, (bound_type,))], limit=limit)
                if split is None:
                    return None
                b_bound, b_body = self.budgets(budget, 2)
                bound = self.gen(bound_type, split[0], b_bound)
                name = self.fresh(bound_type)
                body = self.gen(goal, [*split[1], self.bind(name, bound_type)], b_body)
                return Let(name, bound, body)
            case "iter":
                forced = None
                weights = [r for r in res if r.may_recur] if not self.strict_iter else []
                if weights and self.draw(st.integers(0, 3)) > 0:
                    # make the step use an outer variable: a recurrent weight (SPEC §3)
                    forced = (self.draw(st.sampled_from(weights)), 2)
                split = self.split(
                    res, [_Part(NAT), _Part(goal), _Part(goal, (goal,), step=True)], forced, limit
                )
                if split is None:
                    return None
                b_count, b_base, b_step = self.budgets(budget, 3)
                count = self.gen(NAT, split[0], b_count)
                base = self.gen(goal, split[1], b_base)
                y = self.fresh(goal)
                step = self.gen(goal, [*split[2], self.bind(y, goal)], b_step)
                return Iter(count, base, y, step)
        raise AssertionError(kind)


def _tiny_step(goal: Type, y: str) -> Term:
    """A one-node-ish step on the state `y`: succ on Nat, negation on Bool, identity otherwise."""
    return _tiny_step_of(goal, Var(y))


def _tiny_step_of(goal: Type, state: Term) -> Term:
    if isinstance(goal, NatT):
        return Succ(state)
    if isinstance(goal, BoolT):
        return If(state, BoolLit(False), BoolLit(True))
    return state


def _small(t: Term) -> bool:
    return isinstance(t, (Var, BoolLit, Zero, Numeral)) or (isinstance(t, Succ) and _small(t.arg))


# ---------------------------------------------------------------------------
# Public strategies
# ---------------------------------------------------------------------------


def default_binder_types(opaque: Sequence[str] = ()) -> SearchStrategy[Type]:
    """Types for let-bound variables and the argument of a generated application.

    Mostly ground, sometimes first- or second-order, kept small so that compiled
    tensors stay small ((K+1)³ entries for (Nat -o Nat) -o Nat).
    """
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
    return st.sampled_from(choices)


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
    size_budget = draw(st.integers(1, max(1, budget)))
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
        size_budget = draw(st.integers(1, max(1, budget)))
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
