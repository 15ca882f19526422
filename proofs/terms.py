"""Small terms the checks compile, built directly as syntax trees (no parser involved).

Each is the smallest term that exposes one primitive of the compiler with *generic*
inputs: every free variable is bound to independent symbols, so the term's value is
the primitive applied to arbitrary vectors and matrices.
"""

from __future__ import annotations

from functools import cache

from cajal_ref.checker import DefInfo
from cajal_ref.loader import load_workspace
from cajal_ref.syntax import NAT, App, Arrow, BoolLit, If, Iter, Let, Term, Type, Var


def v(name: str) -> Var:
    return Var(name)


def app(fn: Term, *args: Term) -> Term:
    """fn a₁ … aₙ (left-associated)."""
    result = fn
    for a in args:
        result = App(result, a)
    return result


def if_mix(cond: str, fn: str) -> If:
    """`if c then h true else h false`: the two branches are the two columns of h's matrix,
    i.e. independent generic vectors of V(B); both branches use h (they share their context)."""
    return If(v(cond), app(v(fn), BoolLit(True)), app(v(fn), BoolLit(False)))


def iter_apply(count: Term, base: Term, step_fn: str, var: str = "y") -> Iter:
    """`iter count { zero => base | succ y => s y }`: the recurrent neuron with step matrix s."""
    return Iter(count, base, var, app(v(step_fn), v(var)))


def iter_step(count: Term, base: Term, step: Term, var: str = "y") -> Iter:
    return Iter(count, base, var, step)


def let(name: str, bound: Term, body: Term) -> Let:
    return Let(name, bound, body)


@cache
def prelude_defs() -> dict[str, DefInfo]:
    """The checked prelude defs (closed), by name, in load order."""
    return dict(load_workspace().defs)


def if_step(cond: str = "c", fn: str = "s", var: str = "y") -> If:
    """`if c then s true y else s false y`: a step whose matrix c_t·S_true + c_f·S_false the
    compiler must build itself (both branches use s and y: they share their context)."""
    return If(v(cond), app(v(fn), BoolLit(True), v(var)), app(v(fn), BoolLit(False), v(var)))


def recurrent_body(param_type: Type, state: Type) -> tuple[Iter, list[tuple[str, Type]]]:
    """`iter n { zero => b | succ y => g x y }` and its context (n, b, g): x runs in the step,
    so a binder of x binds a recurrent weight (x must then be Bool or Nat)."""
    body = Iter(v("n"), v("b"), "y", app(v("g"), v("x"), v("y")))
    ctx: list[tuple[str, Type]] = [("n", NAT), ("b", state), ("g", Arrow(param_type, Arrow(state, state)))]
    return body, ctx
