"""The term builder behind `terms` and `programs`: choices read from hypothesis-drawn bytes.

A `_Builder` grows a term of a requested type that uses every variable of its context
exactly once, never making a choice it cannot complete (it asks `inhabited` before
splitting a context), and closes the term with the smallest construction when its
size budget runs out, so that failures shrink to small programs.

Its choices (which construct, which split, which constant) are read from chunks of
bytes drawn from hypothesis (`_Choices`), one draw per 32 choices rather than one per
choice: a hypothesis draw costs tens of microseconds, and a 30-node program makes about
fifty choices. Replay is unchanged (the bytes are the example), and shrinking still
works: hypothesis shrinks bytes towards zero, and choice 0 is always the simplest
(`finish`, the first option, `false`, `zero`), as an exhausted or zeroed chunk reads 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from typing import TypeVar

from hypothesis import strategies as st
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
from .type_strategies import (
    DEFAULT_MAX_COST,
    _application_plan,
    _inhabited,
    _norm,
    tensor_cost,
)

_T = TypeVar("_T")

# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


_CHUNK = 32
_CHUNKS = st.binary(min_size=_CHUNK, max_size=_CHUNK)


class _Choices:
    """Choices in range(n), read from bytes drawn `_CHUNK` at a time (one byte per choice
    of fewer than 257 options, two below 65537, else four)."""

    def __init__(self, draw: DrawFn) -> None:
        self.draw = draw
        self.buffer = b""
        self.position = 0

    def below(self, n: int) -> int:
        if n <= 1:
            return 0
        width = 1 if n <= 256 else 2 if n <= 65536 else 4
        if self.position + width > len(self.buffer):
            self.buffer, self.position = self.draw(_CHUNKS), 0
        value = int.from_bytes(self.buffer[self.position : self.position + width], "big")
        self.position += width
        return value % n


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
    binder_choices: tuple[Type, ...] = ()
    """The default binder types, chosen from the byte stream (else `binder_types` is drawn)."""
    choices: _Choices | None = None
    def_heads: dict[Type, list[tuple[str, tuple[Type, ...]]]] | None = None
    """The defs by result type (`heads`), built on first use."""
    shadowed: set[str] = field(default_factory=set)
    """Defs hidden by a binder of the same name in the current scope."""

    def __post_init__(self) -> None:
        self.choices = _Choices(self.draw)

    def below(self, n: int) -> int:
        """A choice in range(n); 0 is the simplest."""
        assert self.choices is not None
        return self.choices.below(n)

    def pick(self, options: Sequence[_T]) -> _T:
        return options[self.below(len(options))]

    def binder_type(self) -> Type:
        if self.binder_choices:
            return self.pick(self.binder_choices)
        return self.draw(self.binder_types)

    # -- names and leaves ---------------------------------------------------

    def fresh(self, t: Type) -> str:
        prefix = {BoolT: "b", NatT: "n", Arrow: "f", Opaque: "o"}[type(t)]
        while True:
            self.counter += 1
            name = f"{prefix}{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def binder(self, t: Type) -> str:
        """A name for a fun/let/step binder: fresh, or one time in eight a def's name that is
        not shadowed already (the binder then hides the def in its scope; issue 15, area 3)."""
        if self.defs and self.below(8) == 7:
            free = [name for name in self.defs if name not in self.shadowed]
            if free:
                return self.pick(free)
        return self.fresh(t)

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """While a binder named after a def is in scope, `heads` does not offer that def."""
        if name not in self.defs:
            yield
            return
        self.shadowed.add(name)
        try:
            yield
        finally:
            self.shadowed.discard(name)

    def const(self, t: Type) -> Term:
        if isinstance(t, BoolT):
            return BoolLit(self.below(2) == 1)
        if isinstance(t, NatT):
            value = self.below(self.max_literal + 2)
            return Zero() if value == 0 else Numeral(value - 1)
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
        chosen = self.pick(options)
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
            out[self.pick(fitting)].append(r)
        # keep the context order stable inside each part (readable programs)
        position = {id(r): i for i, r in enumerate(res)}
        return [sorted(part, key=lambda r: position[id(r)]) for part in out]

    def share_in_branches(self, split: list[list[_Res]]) -> list[list[_Res]]:
        """Three times in four, move Bool/Nat variables from an `if`'s condition to its branches
        until they share two: the branches can then meet them in different orders (area 1)."""
        cond, branches = split
        movable = [r for r in cond if is_ground(r.type)]
        need = 2 - sum(is_ground(r.type) for r in branches)
        if need <= 0 or len(movable) < need or not self.below(4):
            return split
        moved = movable[:need]
        return [[r for r in cond if all(r is not m for m in moved)], [*branches, *moved]]

    def budgets(self, budget: int, count: int) -> list[int]:
        remaining = max(0, budget - 1 - count)
        shares = [self.below(4) for _ in range(count)]
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
        if self.def_heads is None:
            self.def_heads = _def_heads(self.defs)
        for name, def_args in self.def_heads.get(goal, ()):
            if name not in self.shadowed and (def_args or not res):
                found.append((Var(name), list(def_args), None))
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
        if len(res) >= 2:
            kinds += ["if"] * 6  # branches that share several variables (issue 15, area 1)
        if not self.strict_iter and any(r.may_recur for r in res):
            kinds += ["iter"] * 5  # a chance for a recurrent weight
        kinds.sort(key=_KINDS_SHRINK_ORDER.index)
        kind = self.pick(kinds)
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
                name = self.binder(goal.dom)
                with self.scope(name):
                    body = self.gen(goal.cod, [*res, self.bind(name, goal.dom)], budget - 1)
                return Lam(name, goal.dom, body)
            case "if":
                split = self.split(res, [_Part(BOOL), _Part(goal)], limit=limit)
                if split is None:
                    return None
                split = self.share_in_branches(split)
                b_cond, b_then, b_else = self.budgets(budget, 3)
                cond = self.gen(BOOL, split[0], b_cond)
                then = self.gen(goal, split[1], b_then)
                # the else branch may meet its variables in the opposite order: the compiler
                # then re-aligns the branches' axes (issue 15, area 1); False shrinks to the plain if
                shared = split[1][::-1] if len(split[1]) > 1 and self.below(4) else split[1]
                return If(cond, then, self.gen(goal, shared, b_else))
            case "head":
                head, args, head_res = self.pick(heads)
                rest = [r for r in res if r is not head_res]
                split = self.split(rest, [_Part(a) for a in args], limit=limit)
                if split is None:
                    return None
                term: Term = head
                for arg_type, arg_res, b in zip(args, split, self.budgets(budget, len(args)), strict=True):
                    term = App(term, self.gen(arg_type, arg_res, b))
                return term
            case "app":
                dom = self.binder_type()
                split = self.split(res, [_Part(Arrow(dom, goal)), _Part(dom)], limit=limit)
                if split is None:
                    return None
                b_fn, b_arg = self.budgets(budget, 2)
                return App(self.gen(Arrow(dom, goal), split[0], b_fn), self.gen(dom, split[1], b_arg))
            case "let":
                bound_type = self.binder_type()
                split = self.split(res, [_Part(bound_type), _Part(goal, (bound_type,))], limit=limit)
                if split is None:
                    return None
                b_bound, b_body = self.budgets(budget, 2)
                bound = self.gen(bound_type, split[0], b_bound)
                name = self.binder(bound_type)
                with self.scope(name):
                    body = self.gen(goal, [*split[1], self.bind(name, bound_type)], b_body)
                return Let(name, bound, body)
            case "iter":
                forced = None
                weights = [r for r in res if r.may_recur] if not self.strict_iter else []
                if weights and self.below(4) > 0:
                    # make the step use an outer variable: a recurrent weight (SPEC §3)
                    forced = (self.pick(weights), 2)
                split = self.split(
                    res, [_Part(NAT), _Part(goal), _Part(goal, (goal,), step=True)], forced, limit
                )
                if split is None:
                    return None
                b_count, b_base, b_step = self.budgets(budget, 3)
                count = self.gen(NAT, split[0], b_count)
                base = self.gen(goal, split[1], b_base)
                y = self.binder(goal)
                with self.scope(y):
                    step = self.gen(goal, [*split[2], self.bind(y, goal)], b_step)
                return Iter(count, base, y, step)
        raise AssertionError(kind)


_HeadIndex = dict[Type, list[tuple[str, tuple[Type, ...]]]]
_HEADS_CACHE: dict[tuple[str, ...], tuple[tuple[Type, ...], _HeadIndex]] = {}


def _def_heads(defs: Mapping[str, Type]) -> _HeadIndex:
    """For each type B: the defs `name : A1 -o ... -o Ak -o B` (k ≥ 0) with their argument types.

    Cached by the defs' names and the identity of their types (the same mapping is passed
    for every program of a run; hashing the types each time would cost more than the index)."""
    names, def_types = tuple(defs), tuple(defs.values())
    cached = _HEADS_CACHE.get(names)
    if cached is not None and all(a is b for a, b in zip(cached[0], def_types, strict=True)):
        return cached[1]
    if len(_HEADS_CACHE) > 32:
        _HEADS_CACHE.clear()
    index: _HeadIndex = {}
    for name, def_type in defs.items():
        args: list[Type] = []
        t = def_type
        index.setdefault(t, []).append((name, ()))
        while isinstance(t, Arrow):
            args.append(t.dom)
            t = t.cod
            index.setdefault(t, []).append((name, tuple(args)))
    _HEADS_CACHE[names] = (def_types, index)
    return index


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

