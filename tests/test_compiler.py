"""The exact compiler (SPEC §5, §8) against tensors written out by hand from the definitions.

Conventions used by the expectations: index 0 of Bool is true; a function value is its
(dim B, dim A) matrix with column a the image of basis a, flattened row-major (entry
(b, a) at b·dim A + a); an open term's tensor has the value axis first, then one axis
per unbound context variable in context order.
"""

from __future__ import annotations

import json
import subprocess
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from cajal_ref import compiler
from cajal_ref.compiler import (
    Abstraction,
    Compiled,
    DefNeuron,
    LinearNeuron,
    RecurrentNeuron,
    compile_term,
    evaluation,
    lower,
    symbolic_bindings,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.syntax import BOOL, NAT, App, Numeral, Succ, Term, Var, Zero
from tests.cli_helpers import cajal

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


@cache
def workspace() -> Workspace:
    return load_workspace()


def compile_expr(
    text: str, ctx: str | None = None, *, k: int = 9, bindings: dict[str, Any] | None = None, **kw: Any
) -> Compiled:
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    return compile_term(expr.term, expr.context, ws.defs, nat_bound=k, bindings=bindings, **kw)


def as_int(c: Compiled) -> np.ndarray[Any, Any]:
    """The compiled tensor as int64 (asserting every entry is an exact Python int)."""
    assert all(type(x) is int for x in c.tensor.reshape(-1))
    return c.tensor.astype(np.int64)


def unary_table(dom: int, cod: int, f: Callable[[int], int | None]) -> np.ndarray[Any, Any]:
    """Matrix (cod, dom) with column a = e_f(a) (zero column when f(a) is None: truncated)."""
    m = np.zeros((cod, dom), dtype=np.int64)
    for a in range(dom):
        c = f(a)
        if c is not None:
            m[c, a] = 1
    return m


def binary_table(da: int, db: int, dc: int, f: Callable[[int, int], int | None]) -> np.ndarray[Any, Any]:
    """A -o B -o C as printed: (dc·db, da), entry [c·db + b, a] = 1 iff f(a, b) = c."""
    m = np.zeros((dc * db, da), dtype=np.int64)
    for a in range(da):
        for b in range(db):
            c = f(a, b)
            if c is not None:
                m[c * db + b, a] = 1
    return m


def bidx(value: bool) -> int:
    return 0 if value else 1


def nat(k: int) -> Callable[[int], int | None]:
    """Keep n if n ≤ K (else truncated to the zero vector)."""
    return lambda n: n if n <= k else None


# ---------------------------------------------------------------------------
# the prelude at K = 3 and K = 9
# ---------------------------------------------------------------------------

BOOL_OPS: dict[str, Callable[[bool, bool], bool]] = {
    "and": lambda x, y: x and y,
    "or": lambda x, y: x or y,
    "xor": lambda x, y: x != y,
}


def test_not() -> None:
    c = compile_expr("not")
    assert c.shape == (4,) and c.printed_shape == (2, 2)
    assert c.printed.tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize("name", sorted(BOOL_OPS))
def test_boolean_operators(name: str) -> None:
    op = BOOL_OPS[name]
    expected = binary_table(2, 2, 2, lambda a, b: bidx(op(a == 0, b == 0)))
    c = compile_expr(name)
    assert c.printed_shape == (4, 2)
    assert np.array_equal(as_int(c).reshape(4, 2), expected)


def test_and_by_hand() -> None:
    # column true: `and true` = identity, flattened (1,0,0,1); column false: constant false (0,0,1,1)
    assert compile_expr("and").printed.tolist() == [[1, 0], [0, 0], [0, 1], [1, 1]]


@pytest.mark.parametrize("k", [3, 9])
def test_nat_predicates(k: int) -> None:
    d = k + 1
    assert np.array_equal(
        as_int(compile_expr("is_zero", k=k)).reshape(2, d), unary_table(d, 2, lambda n: bidx(n == 0))
    )
    assert np.array_equal(
        as_int(compile_expr("is_even", k=k)).reshape(2, d), unary_table(d, 2, lambda n: bidx(n % 2 == 0))
    )


@pytest.mark.parametrize("k", [3, 9])
def test_nat_functions(k: int) -> None:
    d = k + 1
    keep = nat(k)
    assert np.array_equal(
        as_int(compile_expr("double", k=k)).reshape(d, d), unary_table(d, d, lambda n: keep(2 * n))
    )
    assert np.array_equal(as_int(compile_expr("discard", k=k)).reshape(d, d), unary_table(d, d, lambda n: 0))
    # add's entry [k, i, j] = 1 iff k = i + j ≤ K; i + j > K is truncated to 0
    assert np.array_equal(
        as_int(compile_expr("add", k=k)).reshape(d * d, d), binary_table(d, d, d, lambda m, n: keep(m + n))
    )
    # mult m n: the partial products m·i only grow, so the result is m·n when m·n ≤ K, else 0
    assert np.array_equal(
        as_int(compile_expr("mult", k=k)).reshape(d * d, d), binary_table(d, d, d, lambda m, n: keep(m * n))
    )


def test_add_truncation_by_hand_at_k3() -> None:
    t = as_int(compile_expr("add", k=3)).reshape(4, 4, 4)  # [result, n, m]
    assert t[3, 1, 2] == 1 and t[:, 1, 2].sum() == 1  # 2 + 1 = 3
    assert t[:, 2, 2].sum() == 0  # 2 + 2 = 4 > K: the zero vector


@pytest.mark.parametrize("k", [3, 9])
def test_compose(k: int) -> None:
    # compose f g x = f·g·x: the coefficient of f[z', y'] g[y, x'] x[x] in output z is
    # [z = z'][y = y'][x = x'], stored at row ((z·d + x)·d² + y·d + x'), column z'·d + y'.
    d = k + 1
    expected = np.zeros((d**4, d**2), dtype=np.int64)
    for z in range(d):
        for y in range(d):
            for x in range(d):
                expected[(z * d + x) * d * d + y * d + x, z * d + y] = 1
    c = compile_expr("compose", k=k)
    assert c.printed_shape == (d**4, d**2)
    assert np.array_equal(as_int(c).reshape(d**4, d**2), expected)


# ---------------------------------------------------------------------------
# open terms, axes, bindings
# ---------------------------------------------------------------------------


def test_open_if_axes_in_context_order() -> None:
    # if x then y else not y = (x == y): T[a, x, y] = [a = (x ⇔ y)]
    expected = np.zeros((2, 2, 2), dtype=np.int64)
    for x in range(2):
        for y in range(2):
            expected[bidx(x == y), x, y] = 1
    c = compile_expr("if x then y else not y", "x : Bool, y : Bool")
    assert c.shape == (2, 2, 2)
    assert [n for n, _ in c.context] == ["x", "y"]
    assert np.array_equal(as_int(c), expected)
    swapped = compile_expr("if x then y else not y", "y : Bool, x : Bool")
    assert np.array_equal(as_int(swapped), expected.transpose(0, 2, 1))


def test_binding_removes_an_axis() -> None:
    c = compile_expr("if x then y else not y", "x : Bool, y : Bool", bindings={"x": [0, 1]})
    assert [n for n, _ in c.context] == ["y"]
    assert c.tensor.tolist() == [[0, 1], [1, 0]]  # x = false: not y
    c = compile_expr("if x then y else not y", "x : Bool, y : Bool", bindings={"x": [1, 0], "y": [0, 1]})
    assert c.tensor.tolist() == [0, 1]


def test_rational_bindings_stay_exact() -> None:
    half = Fraction(1, 2)
    c = compile_expr(
        "f (succ x)", "f : Nat -o Nat, x : Nat", k=2, bindings={"f": [[half, 0, 1], [0, 3, 0], [0, 0, half]]}
    )
    # column x of the result is f·Sh·e_x = column x+1 of f (x+1 ≤ 2), else 0
    assert c.tensor.tolist() == [[0, 1, 0], [3, 0, 0], [0, half, 0]]
    assert isinstance(c.tensor[2, 1], Fraction)


def test_let_and_shadowing() -> None:
    c = compile_expr("let y = not x in y", "x : Bool")
    assert c.tensor.tolist() == [[0, 1], [1, 0]]
    c = compile_expr("fun x : Bool => (fun x : Bool => not x) x")
    assert c.printed.tolist() == [[0, 1], [1, 0]]


def test_truncation() -> None:
    assert compile_expr("succ 2", k=3).tensor.tolist() == [0, 0, 0, 1]
    assert compile_expr("succ 3", k=3).tensor.tolist() == [0, 0, 0, 0]  # Sh e_K = 0
    assert compile_expr("12", k=9).tensor.tolist() == [0] * 10
    assert compile_expr("succ zero", k=0).tensor.tolist() == [0]
    # succ over an axis is the shift matrix itself
    assert compile_expr("succ n", "n : Nat", k=3).tensor.tolist() == [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
    ]


def test_deep_terms_do_not_overflow_the_stack() -> None:
    term: Term = Zero()
    for _ in range(4000):
        term = Succ(term)
    assert compile_term(term, nat_bound=9).tensor.tolist() == [0] * 10
    assert compile_term(Succ(Succ(Numeral(5))), nat_bound=9).tensor.tolist() == [0] * 7 + [1, 0, 0]


def test_k_zero() -> None:
    assert compile_expr("is_even", k=0).printed.tolist() == [[1], [0]]


# ---------------------------------------------------------------------------
# iter: the paper's example, symbolic formulas, recurrent weights
# ---------------------------------------------------------------------------


def test_paper_example() -> None:
    c = compile_expr(
        "fun n : Nat => iter n { zero => true | succ y => f y }",
        "f : Bool -o Bool",
        bindings={"f": [[0, 2], [3, 0]]},
    )
    # column i is [[0,2],[3,0]]^i (1,0): M(1,0) = (0,3), M(0,3) = (6,0), M(6,0) = (0,18), M² = 6·I
    expected = [(1, 0), (0, 3), (6, 0), (0, 18), (36, 0), (0, 108), (216, 0), (0, 648), (1296, 0), (0, 3888)]
    assert c.printed_shape == (2, 10)
    assert [tuple(col) for col in c.printed.T.tolist()] == expected
    neuron = next(n for n in c.structure.walk() if isinstance(n, RecurrentNeuron))
    assert neuron.step_matrix.exact().tolist() == [[0, 2], [3, 0]]
    assert [tuple(s.exact().tolist()) for s in neuron.states] == expected


def test_symbolic_if() -> None:
    ctx = (("x", BOOL), ("y", BOOL))
    c = compile_expr("if x then y else not y", "x : Bool, y : Bool", bindings=symbolic_bindings(ctx))
    xt, xf, yt, yf = sympy.symbols("x_true x_false y_true y_false")
    assert c.shape == (2,)
    assert sympy.expand(c.tensor[0] - (xt * yt + xf * yf)) == 0
    assert sympy.expand(c.tensor[1] - (xt * yf + xf * yt)) == 0


def test_symbolic_iter_is_a_polynomial_in_the_weight() -> None:
    ws = workspace()
    expr = ws.check_expression("iter n { zero => true | succ b => f b }", "f : Bool -o Bool, n : Nat")
    ctx = expr.context
    c = compile_term(
        expr.term, ctx, ws.defs, nat_bound=2, bindings=symbolic_bindings(ctx, ["f"], nat_bound=2)
    )
    tt, tf, ft, ff = sympy.symbols("f_true_true f_true_false f_false_true f_false_false")
    # column i = F^i e_true: (1,0); (f_tt, f_ft); F·(f_tt, f_ft)
    expected = [
        [1, tt, tt * tt + tf * ft],
        [0, ft, ft * tt + ff * ft],
    ]
    assert c.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert sympy.expand(c.tensor[i, j] - expected[i][j]) == 0


def test_symbolic_is_even() -> None:
    ws = workspace()
    expr = ws.check_expression("is_even n", "n : Nat")
    c = compile_term(
        expr.term, expr.context, ws.defs, nat_bound=4, bindings=symbolic_bindings(expr.context, nat_bound=4)
    )
    n = sympy.symbols("n_0:5")
    assert sympy.expand(c.tensor[0] - (n[0] + n[2] + n[4])) == 0
    assert sympy.expand(c.tensor[1] - (n[1] + n[3])) == 0


def test_unbound_recurrent_weight() -> None:
    with pytest.raises(CajalError) as info:
        compile_expr("iter n { zero => x | succ y => f y }", "f : Nat -o Nat, n : Nat, x : Nat")
    err = info.value
    assert err.kind is ErrorKind.UNBOUND_WEIGHT
    assert "`f" in err.message
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == "f"


def test_apply_n_with_a_bound_step() -> None:
    # f = 2·I on Nat at K = 2: iter n { zero => x | succ y => f y } has entry [x', i, x] = 2^i [x' = x]
    c = compile_expr(
        "iter n { zero => x | succ y => f y }",
        "f : Nat -o Nat, n : Nat, x : Nat",
        k=2,
        bindings={"f": [[2, 0, 0], [0, 2, 0], [0, 0, 2]]},
    )
    assert [n for n, _ in c.context] == ["n", "x"]
    for out in range(3):
        for i in range(3):
            for x in range(3):
                assert c.tensor[out, i, x] == (2**i if out == x else 0)


def test_big_integers_switch_to_exact_objects() -> None:
    big = 2**40
    c = compile_expr(
        "iter n { zero => x | succ y => f y }",
        "f : Nat -o Nat, n : Nat, x : Nat",
        k=5,
        bindings={"f": [[big if i == j else 0 for j in range(6)] for i in range(6)]},
    )
    assert c.tensor[3, 5, 3] == big**5 == 2**200  # past int64: exact Python ints
    assert c.tensor[2, 5, 3] == 0


def test_mult_compiles_its_recurrent_parameter_per_basis_vector() -> None:
    c = compile_expr("mult", k=3)
    lam = c.structure
    assert isinstance(lam, DefNeuron)
    top = lam.body
    assert isinstance(top, Abstraction) and top.per_basis and len(top.columns) == 4
    add = compile_expr("add", k=3)
    assert isinstance(add.structure, DefNeuron)
    assert isinstance(add.structure.body, Abstraction) and not add.structure.body.per_basis


NESTED = (
    "fun p : Nat => fun q : Nat => fun r : Nat => iter p { zero => 0 | succ a => "
    "iter q { zero => a | succ b => iter r { zero => b | succ c => succ c } } }"
)


@pytest.mark.parametrize("k", [2, 4])
def test_three_nested_iters(k: int) -> None:
    # innermost adds r, the middle q·r, the outer p·q·r; partial sums only grow, so the
    # result is p·q·r when it is ≤ K and the zero vector otherwise. Index [out, r, q, p].
    d = k + 1
    expected = np.zeros((d, d, d, d), dtype=np.int64)
    for p in range(d):
        for q in range(d):
            for r in range(d):
                if p * q * r <= k:
                    expected[p * q * r, r, q, p] = 1
    c = compile_expr(NESTED, k=k)
    assert np.array_equal(as_int(c).reshape(d, d, d, d), expected)


@pytest.mark.parametrize(
    ("text", "ctx", "bindings"),
    [
        ("mult", None, {}),
        (NESTED, None, {}),
        ("fun m : Nat => fun n : Nat => iter n { zero => 1 | succ y => mult m y }", None, {}),
        ("fun b : Bool => fun n : Nat => fun z : Bool => iter n { zero => z | succ y => xor b y }", None, {}),
        (
            "fun c : Bool => iter n { zero => x | succ y => f (if c then succ y else y) }",
            "f : Nat -o Nat, n : Nat, x : Nat",
            {"f": [[(i + 2 * j) % 3 for j in range(4)] for i in range(4)]},
        ),
    ],
)
def test_hoisting_linear_subterms_changes_nothing(
    text: str, ctx: str | None, bindings: dict[str, Any]
) -> None:
    # a per-basis variable used outside every step is hoisted to an axis and sliced;
    # building those subterms once per basis vector instead must give the same tensor
    calls: list[int] = []
    real = evaluation._Compiler.hoist

    def counting(self: Any, *args: Any) -> Any:
        calls.append(1)
        return real(self, *args)

    with mock.patch.object(evaluation._Compiler, "hoist", counting):
        hoisted = compile_expr(text, ctx, k=3, bindings=bindings)
    with mock.patch.object(evaluation._Compiler, "hoist", lambda self, *args: None):
        plain = compile_expr(text, ctx, k=3, bindings=bindings)
    assert calls, "hoisting was not exercised"
    assert hoisted.tensor.tolist() == plain.tensor.tolist()


def test_is_even_structure() -> None:
    c = compile_expr("is_even", k=3)
    neuron = next(n for n in c.structure.walk() if isinstance(n, RecurrentNeuron))
    assert neuron.step_matrix.exact().tolist() == [[0, 1], [1, 0]]  # the matrix of `not`
    assert [s.exact().tolist() for s in neuron.states] == [[1, 0], [0, 1], [1, 0], [0, 1]]
    assert (
        neuron.coefficients.names == ("n",)
        and neuron.coefficients.exact().tolist() == np.eye(4, dtype=int).tolist()
    )
    assert neuron.value.names == ("n",)
    ifs = [n for n in compile_expr("not").structure.walk() if isinstance(n, LinearNeuron)]
    assert len(ifs) == 1 and ifs[0].cond.value.names == ("x",)


# ---------------------------------------------------------------------------
# opaque types, errors, size guard
# ---------------------------------------------------------------------------


def test_opaque_iteration() -> None:
    ws = load_workspace(examples=True)
    info = ws.defs["iterate"]
    cycle = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]  # e_0 ↦ e_1 ↦ e_2 ↦ e_0
    c = compile_term(
        info.body, info.context, ws.defs, nat_bound=4, bindings={"step": cycle}, opaque_dims={"Img": 3}
    )
    assert [n for n, _ in c.context] == ["num", "img"]
    for out in range(3):
        for i in range(5):
            for b in range(3):
                assert c.tensor[out, i, b] == (1 if out == (b + i) % 3 else 0)
    with pytest.raises(CajalError) as err:
        compile_term(info.body, info.context, ws.defs, bindings={"step": cycle})
    assert err.value.kind is ErrorKind.UNKNOWN_TYPE


@pytest.mark.parametrize(
    ("binding", "needle"),
    [
        ({"z": [1, 0]}, "not a context variable"),
        ({"x": [1, 0, 0]}, "shape"),
        ({"x": [0.5, 0.5]}, "not exact"),
        ({"x": np.array([1.0, 0.0])}, "float"),
        ({"x": lambda v: v}, "callable"),
    ],
)
def test_bad_bindings(binding: dict[str, Any], needle: str) -> None:
    with pytest.raises(CajalError) as info:
        compile_expr("not x", "x : Bool", bindings=binding)
    assert info.value.kind is ErrorKind.BAD_BINDING
    assert needle in info.value.message


def test_size_guard_on_the_final_tensor() -> None:
    with pytest.raises(CajalError) as info:
        compile_expr("compose", k=9, max_entries=10**5)
    err = info.value
    assert err.kind is ErrorKind.SIZE_LIMIT
    assert "K = 9" in err.message and "100,000" in err.message


def test_an_applied_def_does_not_build_its_matrix() -> None:
    # compose's own tensor has 10⁶ entries at K = 9; applied, its body runs on the arguments
    # (substitution), so a limit far below 10⁶ still compiles the one-Nat result
    text = "compose (fun a : Nat => a) (fun b : Nat => b) 3"
    e3 = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert compile_expr(text, k=9).tensor.tolist() == e3
    assert compile_expr(text, k=9, max_entries=10**3).tensor.tolist() == e3
    # what the substitution does allocate is still guarded: the identity of `a` (10 × 10)
    with pytest.raises(CajalError) as info:
        compile_expr(text, k=9, max_entries=50)
    assert info.value.kind is ErrorKind.SIZE_LIMIT
    assert "100 entries" in info.value.message


def test_size_guard_runs_before_allocating() -> None:
    # dim of this variable's type is 10^6, so its identity would have 10^12 entries
    ty = "((((Nat -o Nat) -o Nat) -o Nat) -o Nat) -o Nat"
    tracemalloc.start()  # numpy reports its buffers to tracemalloc: memory, not time, is the witness
    try:
        with pytest.raises(CajalError) as info:
            compile_expr("h", f"h : {ty}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind is ErrorKind.SIZE_LIMIT
    assert "1,000,000" in info.value.message
    assert peak < 64 * 2**20  # the refused identity alone would be 10^12 entries


def test_size_guard_on_a_huge_bound() -> None:
    for text in ("3", "succ n"):
        with pytest.raises(CajalError) as info:
            compile_expr(text, "n : Nat" if "n" in text else None, k=10**9)
        assert info.value.kind is ErrorKind.SIZE_LIMIT
        assert "K = 1000000000" in info.value.message


def test_unbound_name_is_an_error_not_a_crash() -> None:
    with pytest.raises(CajalError) as info:
        compile_term(App(Var("nope"), Var("x")), (("x", NAT),))
    assert info.value.kind is ErrorKind.UNBOUND


def test_entries_are_never_floats() -> None:
    for text in ("mult", "compose", "xor"):
        for x in compile_expr(text, k=3).tensor.reshape(-1):
            assert type(x) is int


# ---------------------------------------------------------------------------
# primitives are replaceable (for mutation testing) and really used
# ---------------------------------------------------------------------------


def test_primitives_are_looked_up_at_call_time() -> None:
    def swapped(cond: Any, then: Any, else_: Any, xp: Any = np) -> Any:
        return xp.tensordot(xp.stack([else_, then]), cond, axes=([0], [0]))

    with mock.patch("cajal_ref.compiler.primitives.mix", swapped):
        assert compile_expr("not").printed.tolist() == [[1, 0], [0, 1]]

    def wrapping(k: int) -> Any:
        m = np.roll(np.eye(k + 1, dtype=np.int64), 1, axis=0)
        return m

    with mock.patch("cajal_ref.compiler.primitives.shift_matrix", wrapping):
        assert compile_expr("succ 3", k=3).tensor.tolist() == [1, 0, 0, 0]
    for name in compiler.PRIMITIVES:
        assert callable(getattr(compiler.primitives, name))


def test_lowering_is_independent_of_k() -> None:
    ws = workspace()
    expr = ws.check_expression("is_even")
    program = lower(expr.term, (), ws.defs)
    a = compiler.compile_program(program, nat_bound=2)
    b = compiler.compile_program(program, nat_bound=5)
    assert a.printed.tolist() == [[1, 0, 1], [0, 1, 0]]
    assert b.printed.tolist() == [[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]


@given(st.integers(0, 6), st.integers(0, 6), st.integers(1, 6))
def test_add_and_mult_on_numerals(m: int, n: int, k: int) -> None:
    ws = workspace()
    for name, value in (("add", m + n), ("mult", m * n)):
        term = App(App(Var(name), Numeral(m)), Numeral(n))
        vec = compile_term(term, (), ws.defs, nat_bound=k).tensor.tolist()
        expected = [0] * (k + 1)
        # a numeral above K is already the zero vector, and so is any result above K
        if m <= k and n <= k and value <= k:
            expected[value] = 1
        assert vec == expected


# ---------------------------------------------------------------------------
# the `cajal compile` command, through a subprocess
# ---------------------------------------------------------------------------

def cajal_compile(*args: str) -> subprocess.CompletedProcess[str]:
    """`cajal compile ARGS`, run in this process (test_cli.py runs the real command's process)."""
    code, out, err = cajal("compile", *args)
    return subprocess.CompletedProcess(["cajal", "compile", *args], code, out, err)


def test_cli_not_json() -> None:
    out = cajal_compile("-e", "not", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == {
        "type": "Bool -o Bool",
        "nat_bound": 9,
        "context": [],
        "bound": [],
        "unbound": [],
        "shape": [2, 2],
        "entries": [["0", "1"], ["1", "0"]],
    }


def test_cli_json_reads_back_to_the_api_tensor() -> None:
    args = ["-e", "f (succ x)", "--ctx", "f : Nat -o Nat, x : Nat", "-K", "2"]
    out = cajal_compile(*args, "--bind", 'f = [["1/2", 0, 1], [0, -3, 0], [0, 0, "-3/2"]]', "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["bound"], data["unbound"]) == (["f"], ["x"])  # the axes: the value's, then x's
    assert data["context"] == [
        {"name": "f", "type": "Nat -o Nat", "recurrent": False},
        {"name": "x", "type": "Nat", "recurrent": False},
    ]
    got = np.vectorize(Fraction, otypes=[object])(np.array(data["entries"], dtype=object))
    api = compile_expr(
        "f (succ x)",
        "f : Nat -o Nat, x : Nat",
        k=2,
        bindings={"f": [[Fraction(1, 2), 0, 1], [0, -3, 0], [0, 0, Fraction(-3, 2)]]},
    )
    assert got.shape == api.printed_shape == (3, 3)
    assert got.tolist() == api.printed.tolist()
    # f·Sh·e_x is column x+1 of f: by hand
    assert got.tolist() == [[0, 1, 0], [-3, 0, 0], [0, Fraction(-3, 2), 0]]


def test_cli_text_has_labels_and_slices() -> None:
    out = cajal_compile("-e", "if x then y else not y", "--ctx", "x : Bool, y : Bool")
    assert out.returncode == 0, out.stderr
    assert "shape 2 × 2 × 2" in out.stdout
    assert "[y = true]" in out.stdout and "[y = false]" in out.stdout
    rows = [
        line.split()
        for line in out.stdout.splitlines()
        if line.startswith("  true") or line.startswith("  false")
    ]
    assert rows == [["true", "1", "0"], ["false", "0", "1"], ["true", "0", "1"], ["false", "1", "0"]]


def test_cli_paper_example_latex_and_symbolic() -> None:
    out = cajal_compile(
        "-e",
        "fun n : Nat => iter n { zero => true | succ y => f y }",
        "--ctx",
        "f : Bool -o Bool",
        "--bind",
        "f = [[0,2],[3,0]]",
        "-K",
        "4",
        "--latex",
    )
    assert out.returncode == 0, out.stderr
    assert r"\begin{pmatrix} 1 & 0 & 6 & 0 & 36 \\ 0 & 3 & 0 & 18 & 0 \end{pmatrix}" in out.stdout
    out = cajal_compile("-e", "if x then y else not y", "--ctx", "x : Bool, y : Bool", "--symbolic", "--json")
    entries = [sympy.sympify(e) for e in json.loads(out.stdout)["entries"]]
    xt, xf, yt, yf = sympy.symbols("x_true x_false y_true y_false")
    assert sympy.expand(entries[0] - (xt * yt + xf * yf)) == 0


def test_cli_binds_closed_terms_and_open_defs() -> None:
    apply_n = str(Path(compiler.__file__).parent.parent / "examples" / "apply_n.cj")
    out = cajal_compile(
        apply_n, "-e", "apply_n", "-K", "3", "--bind", "f = double", "--bind", "n = 1", "--json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["bound"], data["unbound"]) == (["f", "n"], ["x"])
    assert [(c["name"], c["recurrent"]) for c in data["context"]] == [("f", True), ("n", False), ("x", False)]
    # f = double applied once to x: columns 0 → 0, 1 → 2, 2 and 3 truncate to zero
    assert data["entries"] == [["1", "0", "0", "0"], ["0", "0", "0", "0"], ["0", "1", "0", "0"], ["0"] * 4]


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["-e", "compose", "--max-entries", "1000"], "size-limit"),
        (
            ["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool", "--bind", "f = [[1, 0.5], [x]]"],
            "bad-binding",
        ),
        (["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool", "--bind", "f = [[1, 2]]"], "bad-binding"),
        (
            ["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool", "--bind", 'f = [["a", 0], [0, 1]]'],
            "bad-binding",
        ),
        (["-e", "not x", "--ctx", "x : Bool", "--bind", "y = [1, 0]"], "bad-binding"),
        (
            ["-e", "iter n { zero => x | succ y => f y }", "--ctx", "f : Nat -o Nat, n : Nat, x : Nat"],
            "unbound-recurrent-weight",
        ),
    ],
)
def test_cli_errors_are_clean(args: list[str], kind: str) -> None:
    out = cajal_compile(*args, "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["error"]["kind"] == kind


def test_cli_error_text_points_at_the_source() -> None:
    out = cajal_compile(
        "-e", "iter n { zero => x | succ y => f y }", "--ctx", "f : Nat -o Nat, n : Nat, x : Nat"
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert lines[0].startswith("<expr>:1:32: error: `f : Nat -o Nat` is a recurrent weight")
    assert lines[2] == " " * 31 + "^"
