"""The program shapes an independent mutation tool found unreached (issue 15), as predicates.

Each predicate says whether a generated program has one of the shapes, so that the benchmark
(`python -m benchmarks verify`) can show how often the generators reach it and the tests can
assert they do. Areas 2 and 4 (exact inputs) are properties of the bindings drawn by
`exact_inputs`; the rest are shapes of the term itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from ..syntax import BOOL, NAT, If, Iter, Lam, Let, Term, Type, Var, free_vars, subterms
from .strategies import Program, terms


def _variable_order(term: Term, names: frozenset[str]) -> list[str]:
    seen: list[str] = []
    for sub in subterms(term):
        if isinstance(sub, Var) and sub.name in names and sub.name not in seen:
            seen.append(sub.name)
    return seen


def reordered_if(program: Program) -> bool:
    """(1) an `if` whose else branch meets the branches' shared variables in another order."""
    for sub in subterms(program.term):
        if isinstance(sub, If):
            first = _variable_order(sub.then, free_vars(sub.then))
            if len(first) > 1 and first != _variable_order(sub.else_, free_vars(sub.then)):
                return True
    return False


def reordered_if_programs(
    defs: Mapping[str, Type] | None = None, budget: int = 14
) -> SearchStrategy[Program]:
    """(1) `b, x, y ⊢ if b then t(x, y) else u(y, x)`: the branches are drawn with the context
    in opposite orders, so their tensors often carry x's and y's axes in opposite orders and
    the compiler must re-align them (rare in `programs`, where branches are mostly small)."""

    @st.composite
    def build(draw: DrawFn) -> Program:
        ground: list[Type] = [BOOL, NAT]
        a, b, goal = (draw(st.sampled_from(ground)) for _ in range(3))
        then = draw(terms(goal, (("x", a), ("y", b)), defs=defs, budget=budget))
        else_ = draw(terms(goal, (("y", b), ("x", a)), defs=defs, budget=budget))
        return Program(goal, (("c", BOOL), ("x", a), ("y", b)), If(Var("c"), then, else_))

    return build()


def iter_in_count_or_base(program: Program) -> bool:
    """(3) an `iter` inside another `iter`'s count or base."""
    for sub in subterms(program.term):
        if isinstance(sub, Iter):
            inside = (*subterms(sub.count), *subterms(sub.base))
            if any(isinstance(s, Iter) for s in inside):
                return True
    return False


def weight_in_if_condition(defs: Collection[str] = ()) -> Callable[[Program], bool]:
    """(3) a recurrent weight inside an `if` condition within a step (a variable bound outside
    the step; references to `defs` do not count)."""

    def found(program: Program) -> bool:
        for sub in subterms(program.term):
            if isinstance(sub, Iter):
                outer = free_vars(sub.step) - {sub.step_var} - set(defs)
                for inner in subterms(sub.step):
                    if isinstance(inner, If) and free_vars(inner.cond) & outer:
                        return True
        return False

    return found


def _binders(term: Term) -> Iterator[str]:
    for sub in subterms(term):
        if isinstance(sub, Lam):
            yield sub.param
        elif isinstance(sub, Let):
            yield sub.name
        elif isinstance(sub, Iter):
            yield sub.step_var


def shadows_a_def(defs: Collection[str]) -> Callable[[Program], bool]:
    """(3) a fun/let/step binder named after a def (it hides the def in its scope)."""
    return lambda program: any(name in defs for name in _binders(program.term))




def ill_formed_variants(program: Program) -> list[tuple[str, Term]]:
    """(6) terms that bypass the checker: the compiler must refuse each with a CajalError.

    An unbound name applied to the term, the term where its type is wrong (`succ` of a
    non-Nat, an `if` on a non-Bool), and, for open programs, the term applied to itself
    through a `fun` (every free variable used twice)."""
    from ..syntax import NAT, App, BoolLit, Succ

    t = program.term
    wrong = If(t, BoolLit(True), BoolLit(False)) if program.type == NAT else Succ(t)
    out: list[tuple[str, Term]] = [("unbound", App(Var("__unbound__"), t)), ("type", wrong)]
    if program.context:
        out.append(("twice", App(Lam("__twice__", program.type, t), t)))
    return out


__all__ = [
    "ill_formed_variants",
    "iter_in_count_or_base",
    "reordered_if",
    "reordered_if_programs",
    "shadows_a_def",
    "weight_in_if_condition",
]
