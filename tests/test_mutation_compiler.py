"""Compiler behaviour that mutmut's survivors showed untested (issue 15, `make mutation`).

Expectations come from the interpreter, hand arithmetic, an algebraic law, or (for errors) the
message a user is promised, written out by hand — never from the compiler's own output.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import pytest
import sympy

from cajal_ref.checker import DefInfo
from cajal_ref.compiler import compile_term
from cajal_ref.compiler.contraction import order_cost
from cajal_ref.compiler.tensors import (
    _INT64_SAFE,
    IdentityTensor,
    SparseMatrix,
    Tensor,
    _exact_array,
    _exact_entry,
    _max_bound,
    _maxabs,
    _merge_axes,
    exact_product,
    identity_apply,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.spaces import decode
from cajal_ref.syntax import BOOL, NAT, Source, Type, arrow


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


# the exact-tensor helpers (tensors.py), by hand


def test_maxabs_is_the_largest_absolute_entry_small_or_large() -> None:
    assert _maxabs(np.array([3, -7, 2], dtype=np.int64)) == 7
    assert _maxabs(np.array([], dtype=np.int64)) == 0
    many = np.arange(100, dtype=np.int64)
    many[57] = -1000
    assert _maxabs(many) == 1000
    assert _maxabs(np.full(32, -5, dtype=np.int64)) == 5 and _maxabs(np.full(33, -5, dtype=np.int64)) == 5


def test_a_tensor_knows_its_bound_only_when_int64() -> None:
    small = Tensor(np.array([[1, -4], [2, 3]], dtype=np.int64), (("x", BOOL),))
    assert small.maxabs() == 4 and small.names == ("x",) and small.shape == (2, 2)
    assert Tensor(np.array([Fraction(1, 2)], dtype=object)).maxabs() is None
    assert Tensor(np.array([1, 2], dtype=np.int64), (), 99).maxabs() == 99  # a bound given is kept
    assert small.to_nested() == [[1, -4], [2, 3]] and type(small.to_nested()[0][0]) is int


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        (True, 1),
        (np.bool_(False), 0),
        (np.int64(-5), -5),
        (Fraction(4, 2), 2),
        (Fraction(1, 3), Fraction(1, 3)),
        (sympy.Integer(3), 3),
        (sympy.Rational(1, 2), Fraction(1, 2)),
        (2**70, 2**70),
    ],
)
def test_exact_entries_are_canonical(value: object, exact: object) -> None:
    entry = _exact_entry(value)
    assert entry == exact and type(entry) is type(exact)


def test_sympy_entries_are_expanded_and_floats_refused() -> None:
    x = sympy.Symbol("x")
    assert _exact_entry((x + 1) ** 2) == x**2 + 2 * x + 1
    assert _exact_entry(sympy.sqrt(2)) == sympy.sqrt(2)
    for bad in (0.5, sympy.Float(0.5), sympy.sqrt(2) + sympy.Float(1.0)):
        with pytest.raises(TypeError):
            _exact_entry(bad)
    with pytest.raises(TypeError, match="float"):
        _exact_entry(sympy.Float(0.5))
    with pytest.raises(TypeError, match="str"):
        _exact_entry("1")


def test_exact_arrays_hold_python_numbers() -> None:
    ints = _exact_array(np.array([[1, 2]], dtype=np.int64))
    assert ints.dtype == object and type(ints[0, 1]) is int and ints.shape == (1, 2)
    mixed = _exact_array(np.array([Fraction(2, 1), True, sympy.Rational(3, 4)], dtype=object))
    assert list(mixed) == [2, 1, Fraction(3, 4)] and [type(v) for v in mixed] == [int, int, Fraction]
    narrow = _exact_array(np.array([3, -2], dtype=np.int32))  # another integer dtype: Python ints too
    assert list(narrow) == [3, -2] and [type(v) for v in narrow] == [int, int]
    flags = _exact_array(np.array([True, False]))
    assert list(flags) == [1, 0] and [type(v) for v in flags] == [int, int]
    for floats in (np.array([0.5]), np.array([1.0])):  # a float array is refused, even integral
        with pytest.raises(TypeError, match="float64"):
            _exact_array(floats)


def test_bounds_and_axes_merge() -> None:
    assert _max_bound(3, 5) == 5 and _max_bound(None, 5) is None and _max_bound(3, None) is None
    assert _merge_axes((("a", BOOL), ("b", NAT)), (("b", NAT), ("c", BOOL)), ()) == (
        ("a", BOOL),
        ("b", NAT),
        ("c", BOOL),
    )


def test_exact_product_stays_exact_past_int64() -> None:
    big = np.array([[2**40]], dtype=np.int64)
    # 2⁴⁰ · 2⁴⁰ = 2⁸⁰ does not fit int64: the bound (1 term, 2⁴⁰ each) says so beforehand
    out = exact_product(np.matmul, (big, big), 1, (2**40, 2**40), 1)
    assert out.dtype == object and out[0, 0] == 2**80
    fits = exact_product(np.matmul, (big, np.array([[2**21]], dtype=np.int64)), 1, (2**40, 2**21), 1)
    assert fits.dtype == np.int64 and fits[0, 0] == 2**61
    # at the limit of 2⁶² itself int64 is no longer used (entries stay below 2⁶²)
    edge = exact_product(np.matmul, (big, np.array([[2**22]], dtype=np.int64)), 1, (2**40, 2**22), 1)
    assert edge.dtype == object and edge[0, 0] == _INT64_SAFE
    unknown = exact_product(np.matmul, (big, big), 1, (2**40, None), 1)
    assert unknown.dtype == object and unknown[0, 0] == 2**80
    # through BLAS (enough work, sums provably below 2⁵³): int64 results, exact
    a = np.arange(200 * 200, dtype=np.int64).reshape(200, 200) % 7
    blas = exact_product(np.matmul, (a, a), 200, (6, 6), 200**3)
    assert blas.dtype == np.int64 and np.array_equal(blas, a.astype(object) @ a.astype(object))


def test_a_sparse_matrix_applies_like_the_dense_one() -> None:
    shift = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.int64)  # Sh at K = 2
    s = SparseMatrix.of(shift)
    assert (s.ones, s.unique_rows, s.terms, s.bound) == (True, True, 1, 1)
    x = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int64)
    assert s.apply_first(x).tolist() == [[0, 0], [1, 2], [3, 4]]
    summing = np.array([[2, 3, 0], [0, 0, 0], [0, 0, -1]], dtype=np.int64)
    m = SparseMatrix.of(summing)
    assert (m.ones, m.unique_rows, m.terms, m.bound) == (False, False, 2, 3)
    # row 0: 2·(1,2) + 3·(3,4) = (11, 16); row 2: −(5, 6)
    assert m.apply_first(x).tolist() == [[11, 16], [0, 0], [-5, -6]]
    exact = SparseMatrix.of(np.array([[Fraction(1, 2)]], dtype=object))
    assert exact.bound is None and exact.apply_first(np.array([[4]], dtype=object)).tolist() == [[2]]
    assert SparseMatrix.of(np.zeros((2, 2), dtype=np.int64)).terms == 0


def test_applying_a_matrix_to_an_identity_is_a_copy_that_keeps_its_bound() -> None:
    # arg the identity of x : A (dim 3), fn a matrix of A -o B (dim B = 2) with an axis y: the
    # result is fn's matrix (B, A, y) with A moved last, x's axis; the identity is never built
    built: list[int] = []
    m = np.arange(6 * 2, dtype=np.int64).reshape(6, 2) - 5  # row b·3 + a, column y
    fn = Tensor(m, (("y", BOOL),), 50)  # a bound given (above the true 6): a copy keeps it
    x = IdentityTensor(3, (("x", NAT),), lambda: built.append(1))
    out = identity_apply(fn, x, 3)
    assert out is not None and out.names == ("y", "x") and built == []
    assert out.array.tolist() == [[[m[b * 3 + a, y] for a in range(3)] for y in range(2)] for b in range(2)]
    assert out.maxabs() == 50


@pytest.mark.parametrize(("width", "laid_out"), [(16, True), (8, False)])
def test_an_applied_identity_is_a_copy_laid_out_in_the_preferred_order_from_4096_entries(
    width: int, laid_out: bool
) -> None:
    # fn the identity of f : A -o B (dim A = dim B = 16), arg a matrix (a, x) with x's axis of
    # `width`: entry (b, f = (b′, a), x) is δ(b, b′)·arg[a, x]. With `prefer` = (x, f) and
    # arg's entries × dim B = 16·width·16 ≥ 4,096 (exactly 4,096 at width 16), x's axis is laid
    # out before f's in memory; below that, the logical (C) order (tensors._LAYOUT_MIN)
    rows = dom = 16
    a = np.arange(dom * width, dtype=np.int64).reshape(dom, width) - 100
    fn = IdentityTensor(rows * dom, (("f", arrow(NAT, NAT)),), lambda: None)
    out = identity_apply(fn, Tensor(a, (("x", NAT),), 1000), dom, ("x", "f"))
    assert out is not None and out.names == ("f", "x") and out.maxabs() == 1000  # arg's bound kept
    want = np.zeros((rows, rows, dom, width), dtype=np.int64)
    want[np.arange(rows), np.arange(rows)] = a
    assert np.array_equal(out.array, want.reshape(rows, rows * dom, width))
    assert out.array.flags.c_contiguous is not laid_out
    assert out.array.transpose(0, 2, 1).flags.c_contiguous is laid_out
