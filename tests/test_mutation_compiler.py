"""Compiler behaviour that mutmut's survivors showed untested (issue 15, `make mutation`).

Expectations come from the interpreter, hand arithmetic, an algebraic law, or (for errors) the
message a user is promised, written out by hand — never from the compiler's own output.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from cajal_ref.checker import DefInfo
from cajal_ref.compiler import compile_term
from cajal_ref.compiler.contraction import order_cost
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.spaces import decode
from cajal_ref.syntax import BOOL, NAT, Source, Type


@cache
def workspace() -> Workspace:
    return load_workspace()


def compile_error(text: str, ctx: str | None = None, **kw: Any) -> CajalError:
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    with pytest.raises(CajalError) as caught:
        compile_term(expr.term, expr.context, ws.defs, **kw)
    return caught.value


def unchecked_error(text: str, ctx: tuple[tuple[str, Type], ...] = (), defs: Any = None) -> CajalError:
    """Compile a term the checker never saw (a tool's term): the compiler's own errors."""
    with pytest.raises(CajalError) as caught:
        compile_term(parse_term(Source("<e>", text)), ctx, workspace().defs if defs is None else defs)
    return caught.value


def test_not_of_true_is_false_by_the_truth_table() -> None:
    ws = workspace()
    expr = ws.check_expression("if true then false else true")
    compiled = compile_term(expr.term, expr.context, ws.defs, nat_bound=2)
    assert decode(compiled.tensor, expr.type) is False


class _NoArray:
    def __array__(self, *args: object, **kwargs: object) -> None:
        raise ValueError("no array here")


@pytest.mark.parametrize(
    ("ctx", "k", "bindings", "message"),
    [
        (
            "x : Bool",
            9,
            {"x": lambda v: v},
            "`x` is bound to a callable: the exact compiler needs its matrix "
            "(callables are for the float backend, backends.numpy_float.evaluate_float)",
        ),
        ("x : Bool", 9, {"x": _NoArray()}, "`x`: cannot read the binding as an array (no array here)"),
        (
            "x : Bool",
            9,
            {"x": np.array([0.0, 1.0])},
            "`x` is bound to a float array; the exact compiler takes ints, Fractions or sympy values",
        ),
        (
            "x : Bool",
            3,
            {"x": [1, 0, 0]},
            "`x : Bool` must be bound to a vector of shape 2 at K = 3, got shape 3",
        ),
        (
            "x : Bool -o Bool",
            3,
            {"x": [[1]]},
            "`x : Bool -o Bool` must be bound to a matrix of shape 2 × 2 at K = 3, got shape 1 × 1",
        ),
        (
            "x : Bool",
            9,
            {"x": 5},
            "`x : Bool` must be bound to a vector of shape 2 at K = 9, got shape scalar",
        ),
        (
            "x : Bool",
            9,
            {"x": [0.5, 1]},
            "`x`: entry 0.5 is not exact (use ints, fractions.Fraction or sympy; "
            "floats are not allowed) [float]",
        ),
        ("x : Bool", 9, {"y": [0, 1]}, "`y` is bound but is not a context variable (the context is x)"),
        (None, 9, {"y": [0, 1]}, "`y` is bound but is not a context variable (the term has no context)"),
        (
            "x : Bool, z : Bool",
            9,
            {"y": [0, 1]},
            "`y` is bound but is not a context variable (the context is x, z)",
        ),
    ],
)
def test_a_bad_binding_says_what_was_expected(
    ctx: str | None, k: int, bindings: dict[str, Any], message: str
) -> None:
    text = "true" if ctx is None else ("if x then z else z" if "z" in ctx else "x")
    err = compile_error(text, ctx, nat_bound=k, bindings=bindings)
    assert err.kind is ErrorKind.BAD_BINDING
    assert err.message == message


def test_an_unbound_recurrent_weight_says_how_to_bind_it_and_points_at_its_use() -> None:
    err = compile_error("iter n { zero => zero | succ y => add m y }", "m : Nat, n : Nat", nat_bound=2)
    assert err.kind is ErrorKind.UNBOUND_WEIGHT
    assert err.message == (
        "`m : Nat` is a recurrent weight (it is used inside an `iter` step, so the compiled map is not "
        "linear in it): bind it to a value to compile (bindings={'m': ...}, or --bind / --symbolic on "
        "the command line)"
    )
    assert (err.line, err.col) == (1, 39)


@pytest.mark.parametrize(
    ("text", "ctx", "kind", "message", "at"),
    [
        (
            "zero zero",
            (),
            ErrorKind.NOT_A_FUNCTION,
            "cannot apply a value of type Nat: expected a function",
            (1, 1),
        ),
        ("q", (), ErrorKind.UNBOUND, "unbound variable `q`: no binder or def of that name", (1, 1)),
        (
            "fun x : Bool => x x",
            (),
            ErrorKind.NOT_A_FUNCTION,
            "cannot apply a value of type Bool: expected a function",
            (1, 17),
        ),
        (
            "and x x",
            (("x", BOOL),),
            ErrorKind.USED_TWICE,
            "variable `x` is used twice (the compiler needs a linearly typed term)",
            None,
        ),
        ("succ true", (), ErrorKind.MISMATCH, "`succ` expects a Nat: expected Nat, found Bool", (1, 6)),
        (
            "x",
            (("x", BOOL), ("x", BOOL)),
            ErrorKind.DUPLICATE,
            "context variable `x` is declared twice",
            None,
        ),
    ],
)
def test_a_term_that_bypassed_the_checker_is_refused_with_its_reason(
    text: str, ctx: tuple[tuple[str, Type], ...], kind: ErrorKind, message: str, at: tuple[int, int] | None
) -> None:
    err = unchecked_error(text, ctx)
    assert err.kind is kind
    assert err.message == message
    if at is not None:
        assert (err.line, err.col) == at


def _def(name: str, t: Type, body: str) -> DefInfo:
    span = Source(f"{name}.cj", body)
    term = parse_term(span)
    return DefInfo(name, t, term, term.span)


def test_a_def_that_refers_to_itself_is_refused() -> None:
    err = unchecked_error("loop", defs={"loop": _def("loop", NAT, "succ loop")})
    assert (err.kind, err.message) == (ErrorKind.UNBOUND, "def `loop` refers to itself")
    # a def body is lowered with nothing in scope, so a free name in it is unbound, not "open"
    err = unchecked_error("opened", defs={"opened": _def("opened", BOOL, "x")})
    assert (err.kind, err.message) == (
        ErrorKind.UNBOUND,
        "unbound variable `x`: no binder or def of that name",
    )


def test_the_cost_of_a_contraction_order_by_hand() -> None:
    # value dims B=2, A₁=3, A₂=5; the head has 7 entries of its own axes, the arguments 11 and 13.
    # a₁ first: 2·3·5·7 = 210 entries × 11 = 2310, leaving 210/3·11 = 770 entries × 13 = 10010
    assert order_cost([2, 3, 5], 7, [11, 13], [0, 1]) == 2310 + 10010
    # a₂ first: 210 × 13 = 2730, leaving 210/5·13 = 546 entries × 11 = 6006
    assert order_cost([2, 3, 5], 7, [11, 13], (1, 0)) == 2730 + 6006
    assert order_cost([4], 3, [], ()) == 0


@pytest.mark.parametrize(
    ("text", "ctx", "k", "limit", "message"),
    [
        (
            # the two branches side by side: 2 × (Nat at K = 1: 2) × (n: 2) = 8 entries
            "if b then n else succ n",
            "b : Bool, n : Nat",
            1,
            7,
            "the `if` would need a tensor of 8 entries at K = 1: its value has type Nat (dim 2), with axes "
            "n : Nat (dim 2); the limit is 7 (max_entries / --max-entries), or choose a smaller K "
            "(--nat-bound)",
        ),
        (
            # Sh at K = 999 is 1000 × 1000
            "succ n",
            "n : Nat",
            999,
            999_999,
            "the shift matrix of `succ` would need a tensor of 1,000,000 entries at K = 999: its value has "
            "type Nat (dim 1,000); the limit is 999,999 (max_entries / --max-entries), or choose a smaller K "
            "(--nat-bound)",
        ),
    ],
)
def test_the_size_guard_says_what_needs_how_much_and_the_limit(
    text: str, ctx: str, k: int, limit: int, message: str
) -> None:
    err = compile_error(text, ctx, nat_bound=k, max_entries=limit)
    assert err.kind is ErrorKind.SIZE_LIMIT
    assert err.message == message
    assert (err.line, err.col) == (1, 1)
