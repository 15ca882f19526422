"""The direct (source) semantics of SPEC §4: the specification the compiler is tested against.

Values are Python `bool`s, unbounded `int`s, and Python callables for functions;
opaque values are whatever the caller supplies. Evaluation also reports its *peak*,
the largest natural number it constructed (numerals, `succ` results, iteration
states), which is what the bounded correctness theorem T2 is stated over.

This module shares no evaluation code with the compiler (it imports neither the
compiler nor anything that does): agreement between the two is the point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .diagnostics import CajalError, ErrorKind, Related
from .syntax import (
    App,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Succ,
    Term,
    Var,
    Zero,
    deep_recursion,
)

Value = Any
"""bool | int | Callable[[Value], Value] | an opaque value."""

DEFAULT_FUEL = 2_000_000
"""Evaluation steps (term nodes evaluated) an evaluation may take before it is stopped.

Every well-typed program terminates (T1), but `iter` nests into exponentials
(2^100 steps terminate only in theory), so a budget turns a hang into an error.
The budget counts work, not time, so whether an evaluation finishes is the same on
every machine; the default ends a runaway evaluation in a few seconds of CPU
(benchmarks/fuel_bench.py measures it). Raise it with `--fuel N` or `fuel=N`.
"""


class _OutOfFuel(CajalError):
    """The FUEL error while it propagates: `located` once it points at user-written code."""

    located = False


def _user_written(term: Term) -> bool:
    source = term.span.source
    return bool(source.text) and not source.library


class DefBodies(Protocol):
    """Anything mapping a def's name to an object with a closed `body` term."""

    def __contains__(self, name: object, /) -> bool: ...
    def __getitem__(self, name: str, /) -> Any: ...


@dataclass(frozen=True)
class Evaluation:
    value: Value
    peak: int


class _Evaluator:
    def __init__(self, defs: DefBodies, fuel: int) -> None:
        self.defs = defs
        self.fuel = fuel
        self.budget = fuel
        self.peak = 0
        self.def_values: dict[str, Value] = {}
        self.current: Term | None = None

    def nat(self, n: int) -> int:
        if n > self.peak:
            self.peak = n
        return n

    def out_of_fuel(self, term: Term) -> _OutOfFuel:
        err = _OutOfFuel(
            ErrorKind.FUEL,
            f"evaluation stopped: its budget of {self.budget:,} steps is spent; the program terminates, "
            "but not soon (raise the budget with --fuel N)",
            term.span if term.span.source.text else None,
        )
        err.located = _user_written(term)
        return err

    def eval(self, t: Term, env: Mapping[str, Value]) -> Value:
        self.fuel -= 1  # one step per node evaluated: the budget counts work
        if self.fuel < 0:
            raise self.out_of_fuel(t)
        try:
            match t:
                case Var(name):
                    if name in env:
                        return env[name]
                    return self.def_value(t)
                case BoolLit(value):
                    return value
                case Zero():
                    return self.nat(0)
                case Numeral(value):
                    return self.nat(value)
                case Succ(arg):
                    return self.nat(self.eval(arg, env) + 1)
                case If(cond, then, else_):
                    return self.eval(then if self.eval(cond, env) else else_, env)
                case Lam(param, _, body):
                    return self.closure(param, body, env)
                case App(fn, arg):
                    f = self.eval(fn, env)
                    return f(self.eval(arg, env))
                case Iter(count, base, step_var, step):
                    n = self.eval(count, env)
                    state = self.eval(base, env)
                    self.observe(state)
                    for _ in range(n):
                        state = self.eval(step, {**env, step_var: state})
                        self.observe(state)
                    return state
                case Let(name, bound, body):
                    return self.eval(body, {**env, name: self.eval(bound, env)})
        except _OutOfFuel as err:
            # report the budget at the innermost user-written code being evaluated, with
            # the place in the prelude where it ran out as a note
            if not err.located and _user_written(t):
                if err.span is not None:
                    err.related = (Related(err.span, "the budget ran out here"), *err.related)
                err.span, err.located = t.span, True
            raise

    def observe(self, state: Value) -> None:
        # an iteration state of type Nat counts towards the peak (bool is an int subclass)
        if isinstance(state, int) and not isinstance(state, bool):
            self.nat(state)

    def closure(self, param: str, body: Term, env: Mapping[str, Value]) -> Callable[[Value], Value]:
        def apply(arg: Value) -> Value:
            return self.eval(body, {**env, param: arg})

        return apply

    def def_value(self, var: Var) -> Value:
        name = var.name
        if name not in self.def_values:
            if name not in self.defs:
                raise CajalError(ErrorKind.UNBOUND, f"variable `{name}` is not bound", var.span, rule="Var")
            self.def_values[name] = self.eval(self.defs[name].body, {})
        return self.def_values[name]


def evaluate(
    term: Term,
    env: Mapping[str, Value] | None = None,
    defs: DefBodies | None = None,
    *,
    fuel: int = DEFAULT_FUEL,
) -> Evaluation:
    """Evaluate a (type-checked) term in an environment of values; report value and peak.

    `defs` maps the names of earlier closed defs to objects with a `body` (the
    checker's DefInfo); a name not bound in `env` is looked up there.
    Functions are returned as Python callables; applying one after `evaluate`
    returns keeps counting peak and fuel on the same evaluator.
    """
    ev = _Evaluator(defs if defs is not None else {}, fuel)
    with deep_recursion():
        value = ev.eval(term, dict(env or {}))
    return Evaluation(value, ev.peak)


def evaluate_tracking(
    term: Term,
    env: Mapping[str, Value] | None = None,
    defs: DefBodies | None = None,
    *,
    fuel: int = DEFAULT_FUEL,
) -> tuple[Value, Callable[[], int]]:
    """Like `evaluate`, but returns a function reading the peak *so far*.

    Use it when the value is a function that will be applied later: the peak
    of those later applications is counted too (needed for the logical
    relation of T2 at higher types).
    """
    ev = _Evaluator(defs if defs is not None else {}, fuel)

    def wrap(value: Value) -> Value:
        if callable(value):
            inner = value

            def applied(arg: Value) -> Value:
                with deep_recursion():
                    return wrap(inner(arg))

            return applied
        return value

    with deep_recursion():
        value = ev.eval(term, dict(env or {}))
    return wrap(value), lambda: ev.peak
