"""The seven areas where an independent mutation tool found the suite blind (issue 15).

Every expectation comes from the interpreter (the other semantics), from hand arithmetic
on Python ints, or from SPEC §5/§8 read directly — never from the compiler itself.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

from cajal_ref.checker import check_module
from cajal_ref.compiler import (
    Application,
    Compiled,
    InputNeuron,
    LinearNeuron,
    RecurrentNeuron,
    ShiftNeuron,
    compile_term,
    symbolic_bindings,
    symbols_for,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import load_workspace
from cajal_ref.spaces import (
    basis_labels,
    check_nat_bound,
    decode,
    dim,
    enc,
)
from cajal_ref.syntax import (
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    If,
    Module,
    Opaque,
    Source,
    Succ,
    Type,
    TypeDecl,
    Var,
    Zero,
)
from tests.mutation_helpers import compile_expr, domain, expected_vector, workspace


def assert_agrees_on_basis(text: str, ctx: str, k: int, weights: tuple[str, ...] = ()) -> int:
    """Compiled tensor vs the interpreter on every basis input; `weights` are bound, the rest are axes.

    Returns how many input combinations were compared."""
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    names = [n for n, _ in expr.context]
    compiled: dict[tuple[Any, ...], Compiled] = {}
    count = 0
    for values in itertools.product(*(domain(t, k) for _, t in expr.context)):
        env = dict(zip(names, values, strict=True))
        key = tuple(env[w] for w in weights)
        if key not in compiled:
            bindings = {w: enc(env[w], dict(expr.context)[w], k) for w in weights}
            compiled[key] = compile_term(expr.term, expr.context, ws.defs, nat_bound=k, bindings=bindings)
        c = compiled[key]
        index = tuple(domain(t, k).index(env[n]) for n, t in expr.context if n not in weights)
        got = [c.tensor[(i, *index)] for i in range(c.tensor.shape[0])]
        want = expected_vector(evaluate(expr.term, env, ws.defs).value, expr.type, k)
        assert got == want, (text, env)
        count += 1
    return count


# ---------------------------------------------------------------------------
# (1) `if` whose branches use the same variables in a different order
# ---------------------------------------------------------------------------

REORDERED_IFS = [
    # then: x first, y second; else: y first, x second
    (
        "if b then iter x { zero => y | succ z => succ (succ z) } "
        "else iter y { zero => x | succ z => succ z }",
        "b : Bool, x : Nat, y : Nat",
    ),
    (
        "if b then (if p then n else succ n) else if iter n { zero => p | succ q => not q } then 1 else 0",
        "b : Bool, p : Bool, n : Nat",
    ),
    ("if b then and p (is_even n) else (if is_zero n then p else not p)", "b : Bool, n : Nat, p : Bool"),
    ("fun c : Bool => if c then add m n else add n (succ m)", "m : Nat, n : Nat"),
    ("if b then add x (succ y) else add y (succ (succ x))", "b : Bool, x : Nat, y : Nat"),
]


@pytest.mark.parametrize(("text", "ctx"), REORDERED_IFS)
@pytest.mark.parametrize("k", [2, 3])
def test_if_with_reordered_branch_variables_agrees_with_the_interpreter(text: str, ctx: str, k: int) -> None:
    assert assert_agrees_on_basis(text, ctx, k) >= 8


# ---------------------------------------------------------------------------
# (2) entries near and past 2^63 / 2^64 outside `iter`
# ---------------------------------------------------------------------------

BIG = 2**63


def matvec(matrix: list[list[int]], vector: list[int]) -> list[int]:
    return [sum(a * b for a, b in zip(row, vector, strict=True)) for row in matrix]


def exact_ints(c: Compiled) -> list[Any]:
    entries = list(c.tensor.reshape(-1))
    assert all(type(x) is int for x in entries), entries
    return entries


def test_large_entries_through_succ_stay_exact() -> None:
    x = [2**64 - 1, BIG, 2**64, 5]
    c = compile_expr("succ (succ x)", "x : Nat", k=3, bindings={"x": x})
    assert exact_ints(c) == [0, 0, 2**64 - 1, BIG]


def test_large_entries_through_if_stay_exact() -> None:
    # c_true·x + c_false·(Sh x), by hand
    b, x = [BIG, BIG + 1], [1, BIG, 0]
    c = compile_expr("if b then x else succ x", "b : Bool, x : Nat", k=2, bindings={"b": b, "x": x})
    assert exact_ints(c) == [BIG, BIG * BIG + BIG + 1, (BIG + 1) * BIG]


def test_large_entries_through_application_stay_exact() -> None:
    f = [[2**62, 2**62, 0], [BIG, 1, 2**40], [0, 0, 2**63 - 1]]
    x = [4, 2**24, 3]
    c = compile_expr("f x", "f : Nat -o Nat, x : Nat", k=2, bindings={"f": f, "x": x})
    assert exact_ints(c) == matvec(f, x)
    assert exact_ints(c)[0] == 2**64 + 2**86


def test_application_to_an_axis_with_large_matrix_entries() -> None:
    f = [[2**64, 1], [3, BIG]]
    c = compile_expr("f b", "f : Bool -o Bool, b : Bool", k=1, bindings={"f": f})
    assert [[c.tensor[i, j] for j in range(2)] for i in range(2)] == f
    assert all(type(x) is int for x in c.tensor.reshape(-1))


def test_large_counts_in_the_recurrent_sum_stay_exact() -> None:
    # iter n { zero => x | succ y => succ y } = Σ n_i Sh^i x, by hand at K = 2
    n, x = [BIG, 2**32, 2**63 - 1], [2**32, 2**32, 7]
    c = compile_expr(
        "iter n { zero => x | succ y => succ y }", "n : Nat, x : Nat", k=2, bindings={"n": n, "x": x}
    )
    shifted = [x, [0, x[0], x[1]], [0, 0, x[0]]]
    want = [sum(n[i] * shifted[i][j] for i in range(3)) for j in range(3)]
    assert exact_ints(c) == want
    assert want[0] == 2**95


def test_sum_of_two_half_range_branches_does_not_wrap() -> None:
    # at K = 0 both branches are x's single entry 2^31; c = (2^32, 2^32): 2^63 + 2^63 = 2^64 (0 in int64)
    c = compile_expr(
        "if b then x else iter x { zero => zero | succ y => y }",
        "b : Bool, x : Nat",
        k=0,
        bindings={"b": [2**32, 2**32], "x": [2**31]},
    )
    assert exact_ints(c) == [2**64]


def test_a_large_mix_with_odd_entries_past_2_53_stays_exact() -> None:
    # big enough (K = 120) for the product to be worth BLAS; 2^53 + 1 has no float64
    b = [2**53 + 1, 3]
    c = compile_expr("if b then x else succ x", "b : Bool, x : Nat", k=120, bindings={"b": b})
    t = c.tensor
    assert all(type(v) is int for v in t.reshape(-1))
    assert t[5, 5] == 2**53 + 1 and t[6, 5] == 3 and t[0, 5] == 0 and t[120, 120] == 2**53 + 1
    assert sum(t.reshape(-1)) == 121 * (2**53 + 1) + 120 * 3


# ---------------------------------------------------------------------------
# (3) recurrent weights in unusual places
# ---------------------------------------------------------------------------

UNUSUAL_WEIGHTS = [
    (
        "iter (iter n { zero => 1 | succ y => succ y }) { zero => zero | succ z => succ (succ z) }",
        "n : Nat",
        (),
    ),
    ("iter n { zero => iter m { zero => 1 | succ y => succ y } | succ z => succ z }", "n : Nat, m : Nat", ()),
    (
        "iter n { zero => zero | succ y => iter w { zero => y | succ z => succ z } }",
        "w : Nat, n : Nat",
        ("w",),
    ),
    ("iter n { zero => zero | succ y => if w then succ y else y }", "w : Bool, n : Nat", ("w",)),
    (
        "iter n { zero => false | succ y => if (if w then y else not y) then true else false }",
        "w : Bool, n : Nat",
        ("w",),
    ),
    (
        "iter n { zero => zero | succ y => iter (iter w { zero => 0 | succ a => succ a }) "
        "{ zero => y | succ z => succ z } }",
        "w : Nat, n : Nat",
        ("w",),
    ),
]


@pytest.mark.parametrize(("text", "ctx", "weights"), UNUSUAL_WEIGHTS)
def test_recurrent_weights_in_unusual_places_agree_with_the_interpreter(
    text: str, ctx: str, weights: tuple[str, ...]
) -> None:
    assert assert_agrees_on_basis(text, ctx, 3, weights) >= 4


@pytest.mark.parametrize(
    "text",
    [
        "fun add : Nat => iter n { zero => zero | succ y => iter add { zero => y | succ z => succ z } }",
        "fun not : Bool => iter n { zero => not | succ y => y }",
        "let double = n in iter double { zero => 1 | succ y => succ (succ y) }",
    ],
)
def test_a_binder_shadowing_a_def_name_is_the_binder(text: str) -> None:
    assert assert_agrees_on_basis(text, "n : Nat", 3) == 4


# ---------------------------------------------------------------------------
# (4) exact inputs beyond small ints and Fractions
# ---------------------------------------------------------------------------


def test_sympy_rationals_and_irrationals_as_bindings() -> None:
    # c_true·x + c_false·(Sh x) at K = 1, by hand
    third, root2 = sympy.Rational(1, 3), sympy.sqrt(2)
    ctx = "b : Bool, x : Nat"
    c = compile_expr("if b then x else succ x", ctx, k=1, bindings={"b": [third, 2 * third], "x": [root2, 3]})
    got = list(c.tensor.reshape(-1))
    assert sympy.simplify(got[0] - root2 / 3) == 0
    assert sympy.simplify(got[1] - (1 + 2 * root2 / 3)) == 0
    c = compile_expr(
        "if b then x else succ x",
        ctx,
        k=1,
        bindings={"b": [third, 2 * third], "x": [sympy.Rational(3, 2), 3]},
    )
    got = list(c.tensor.reshape(-1))
    assert got == [Fraction(1, 2), 2] and type(got[0]) is Fraction and type(got[1]) is int
    c2 = compile_expr("succ x", "x : Nat", k=1, bindings={"x": [sympy.Rational(2, 7), 0]})
    assert list(c2.tensor.reshape(-1)) == [0, Fraction(2, 7)]
    assert type(c2.tensor[1]) is Fraction


def test_a_sympy_float_is_refused() -> None:
    with pytest.raises(CajalError) as info:
        compile_expr("succ x", "x : Nat", k=1, bindings={"x": [sympy.Float(0.5), 0]})
    assert info.value.kind is ErrorKind.BAD_BINDING and "not exact" in info.value.message


def test_python_bools_and_numpy_integers_as_bindings() -> None:
    c = compile_expr("if b then 1 else 2", "b : Bool", k=2, bindings={"b": [False, True]})
    assert exact_ints(c) == [0, 0, 1]
    c = compile_expr("if b then 1 else 2", "b : Bool", k=2, bindings={"b": np.array([True, False])})
    assert exact_ints(c) == [0, 1, 0]
    c = compile_expr("succ x", "x : Nat", k=2, bindings={"x": [np.int32(3), np.uint64(2**63), np.int8(-1)]})
    assert exact_ints(c) == [0, 3, 2**63]
    c = compile_expr("succ x", "x : Nat", k=2, bindings={"x": np.array([1, 2, 3], dtype=np.int16)})
    assert exact_ints(c) == [0, 1, 2]


def test_symbolic_binding_of_nat() -> None:
    b = symbolic_bindings([("x", NAT)], nat_bound=2)
    assert [str(s) for s in b["x"]] == ["x_0", "x_1", "x_2"]
    c = compile_expr("succ x", "x : Nat", k=2, bindings=b)
    x0, x1 = sympy.symbols("x_0 x_1")
    assert list(c.tensor.reshape(-1)) == [0, x0, x1]


def test_symbolic_binding_of_an_opaque_function_type() -> None:
    img_to_bool = Arrow(Opaque("Img"), BOOL)
    b = symbolic_bindings([("f", img_to_bool), ("i", Opaque("Img"))], ["f"], opaque_dims={"Img": 3})
    assert set(b) == {"f"} and b["f"].shape == (2, 3)
    assert str(b["f"][1, 2]) == "f_false_2"
    c = compile_expr("f i", "f : Img -o Bool, i : Img", k=1, bindings=b, opaque_dims={"Img": 3})
    assert c.tensor.shape == (2, 3)
    for row, label in enumerate(["true", "false"]):
        for col in range(3):
            assert c.tensor[row, col] == sympy.Symbol(f"f_{label}_{col}")


def test_symbols_of_a_function_of_functions_use_cleaned_labels() -> None:
    s = symbols_for("g", Arrow(Arrow(BOOL, BOOL), BOOL), 1)
    assert s.shape == (2, 4)
    # column 3 of V(Bool -o Bool) is the entry (false,false) of its matrix
    assert str(s[0, 3]) == "g_true_false_false" and str(s[1, 0]) == "g_false_true_true"


# ---------------------------------------------------------------------------
# (5) size guards at the limit and one past it
# ---------------------------------------------------------------------------


def test_max_entries_exactly_at_the_limit_and_one_past() -> None:
    # x : Nat -o Nat at K = 2: (dim 9) × (axis 9) = 81 entries
    assert compile_expr("x", "x : Nat -o Nat", k=2, max_entries=81).tensor.shape == (9, 9)
    with pytest.raises(CajalError) as info:
        compile_expr("x", "x : Nat -o Nat", k=2, max_entries=80)
    err = info.value
    assert err.kind is ErrorKind.SIZE_LIMIT
    assert "81 entries at K = 2" in err.message and "the limit is 80" in err.message
    assert "Nat -o Nat (dim 9)" in err.message and "--max-entries" in err.message


def test_max_entries_guards_an_intermediate_tensor() -> None:
    # the final value is a Bool (2 entries); the `if` stacks its two branches, each the
    # (2 × 4)-entry matrix of a `fun f : Bool -o Bool`: a 16-entry tensor
    text = "(if true then (fun f : Bool -o Bool => f true) else fun g : Bool -o Bool => g false) not"
    assert compile_expr(text, None, k=1, max_entries=16).tensor.tolist() == [0, 1]  # not true
    with pytest.raises(CajalError) as info:
        compile_expr(text, None, k=1, max_entries=15)
    assert info.value.kind is ErrorKind.SIZE_LIMIT
    assert "16 entries" in info.value.message and "the limit is 15" in info.value.message
    # applied directly, the `fun` runs with f bound to not's matrix: no 16-entry identity of f
    applied = compile_expr("(fun f : Bool -o Bool => f true) not", None, k=1, max_entries=4)
    assert applied.tensor.tolist() == [0, 1]


def test_max_symbols_exactly_at_the_limit_and_one_past() -> None:
    assert symbols_for("x", NAT, 2, max_symbols=3).shape == (3,)
    with pytest.raises(CajalError) as info:
        symbols_for("x", NAT, 2, max_symbols=2)
    assert info.value.kind is ErrorKind.SIZE_LIMIT
    assert "3 sympy symbols at K = 2" in info.value.message and "the limit is 2 symbols" in info.value.message


@pytest.mark.parametrize("bad", [-1, True, 1.0, "3"])
def test_the_nat_bound_must_be_a_non_negative_int(bad: Any) -> None:
    with pytest.raises(CajalError) as info:
        check_nat_bound(bad)
    assert info.value.kind is ErrorKind.BAD_BINDING and repr(bad) in info.value.message
    check_nat_bound(0)


@pytest.mark.parametrize("bad", [0, -2, True, 2.0])
def test_an_opaque_dimension_must_be_a_positive_int(bad: Any) -> None:
    with pytest.raises(CajalError) as info:
        dim(Opaque("Img"), 1, {"Img": bad})
    assert info.value.kind is ErrorKind.BAD_BINDING and "≥ 1" in info.value.message
    assert dim(Opaque("Img"), 1, {"Img": 1}) == 1


def test_a_missing_opaque_dimension_is_named() -> None:
    with pytest.raises(CajalError) as info:
        dim(Arrow(Opaque("Img"), BOOL), 1, {})
    assert info.value.kind is ErrorKind.UNKNOWN_TYPE and "`Img`" in info.value.message
    assert info.value.span is None  # a type built in Python has no source to point into


def test_a_missing_opaque_dimension_points_at_the_type_in_the_source() -> None:
    ctx_type = dict(workspace().check_expression("i", "i : Img").context)["i"]
    with pytest.raises(CajalError) as info:
        dim(ctx_type, 1, {})
    span = info.value.span
    assert span is not None and span.source.text[span.start : span.end] == "Img"


# ---------------------------------------------------------------------------
# (6) error paths: terms that bypass the checker, rare declarations
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        (Var("x"), ErrorKind.UNBOUND),
        (Succ(Var("nope")), ErrorKind.UNBOUND),
        (App(Zero(), Zero()), ErrorKind.NOT_A_FUNCTION),
        (If(BoolLit(True), Var("ghost"), Zero()), ErrorKind.UNBOUND),
    ],
)
def test_the_compiler_refuses_ill_formed_terms_with_a_cajal_error(term: Any, kind: ErrorKind) -> None:
    with pytest.raises(CajalError) as info:
        compile_term(term, (), workspace().defs, nat_bound=2)
    assert info.value.kind is kind


@pytest.mark.parametrize("name", ["Bool", "Nat"])
def test_the_checker_refuses_redeclaring_a_base_type(name: str) -> None:
    module = Module(Source("t.cj", f"type {name}\n"), (TypeDecl(name),))
    with pytest.raises(CajalError) as info:
        check_module(module, load_workspace(prelude=False).program)
    assert info.value.kind is ErrorKind.DUPLICATE
    assert f"`{name}` is a built-in type and cannot be redeclared" == info.value.message


def test_the_checker_refuses_a_type_declared_twice_in_one_file() -> None:
    ws = load_workspace(prelude=False)
    with pytest.raises(CajalError) as info:
        ws.add_source(Source("t.cj", "type Img\ntype Img\n"))
    assert info.value.kind is ErrorKind.DUPLICATE and info.value.span is not None
    assert "t.cj:2:" in str(info.value)


def test_an_unbound_recurrent_weight_is_refused_by_name() -> None:
    with pytest.raises(CajalError) as info:
        compile_expr("iter n { zero => zero | succ y => if w then succ y else y }", "w : Bool, n : Nat", k=2)
    assert info.value.kind is ErrorKind.UNBOUND_WEIGHT and "`w : Bool`" in info.value.message


# ---------------------------------------------------------------------------
# (7) what users see: basis labels, the network, decoding
# ---------------------------------------------------------------------------


def test_basis_labels_of_nat_function_and_opaque_axes() -> None:
    assert basis_labels(NAT, 3) == ["0", "1", "2", "3"]
    assert basis_labels(Opaque("Img"), 0, {"Img": 2}) == ["0", "1"]
    assert basis_labels(Arrow(BOOL, NAT), 1) == ["(0,true)", "(0,false)", "(1,true)", "(1,false)"]
    # an opaque codomain and a Nat domain: row b, column a, row-major (SPEC §8), by hand
    img = Opaque("Img")
    assert basis_labels(Arrow(NAT, img), 1, {"Img": 2}) == ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
    assert basis_labels(Arrow(img, BOOL), 0, {"Img": 3}) == [
        "(true,0)",
        "(true,1)",
        "(true,2)",
        "(false,0)",
        "(false,1)",
        "(false,2)",
    ]
    assert basis_labels(Arrow(BOOL, img), 5, {"Img": 1}) == ["(0,true)", "(0,false)"]
    c = compile_expr("f i", "f : Img -o Nat, i : Img", k=1, opaque_dims={"Img": 2})
    assert c.axis_labels() == [
        ("value (Nat)", ["0", "1"]),
        ("f : Img -o Nat", ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]),
        ("i : Img", ["0", "1"]),
    ]
    g = compile_expr("fun b : Bool => if b then n else succ n", "n : Nat", k=1)
    assert g.axis_labels() == [
        ("output (Nat)", ["0", "1"]),
        ("input (Bool)", ["true", "false"]),
        ("n : Nat", ["0", "1"]),
    ]
    assert g.printed.shape == (2, 2, 2)


def test_the_network_names_its_inputs_and_keeps_a_spines_partial_applications() -> None:
    # `add x y` at K = 2: a spine of two applications; the inner one is `add x`, whose value
    # (deferred when the contraction skips it) is the matrix of y ↦ x + y for each x, by hand:
    # entry (b, a) at flat index 3·b + a is 1 exactly when b = a + x
    c = compile_expr("add x y", "x : Nat, y : Nat", k=2)
    nodes = list(c.structure.walk())
    inputs = {x.name for x in nodes if isinstance(x, InputNeuron) and x.is_axis}
    assert inputs == {"x", "y"}
    outer = c.structure
    assert isinstance(outer, Application) and isinstance(outer.fn, Application)
    inner = outer.fn
    assert isinstance(inner.arg, InputNeuron) and inner.arg.name == "x"
    assert isinstance(outer.arg, InputNeuron) and outer.arg.name == "y"
    value = inner.value
    assert [n for n, _ in value.axes] == ["x"]
    entries = value.exact()
    for x in range(3):
        want = [int(b == a + x) for b in range(3) for a in range(3)]
        assert [entries[i, x] for i in range(9)] == want, x


def test_the_network_has_one_neuron_per_construct() -> None:
    c = compile_expr("iter n { zero => if b then 1 else 0 | succ y => succ y }", "n : Nat, b : Bool", k=2)
    nodes = list(c.structure.walk())
    recurrent = [x for x in nodes if isinstance(x, RecurrentNeuron)]
    assert len(recurrent) == 1 and len([x for x in nodes if isinstance(x, LinearNeuron)]) == 1
    r = recurrent[0]
    assert isinstance(r.base, LinearNeuron)
    # S = Sh at K = 2 (succ), states = Sh^i · base
    assert r.step_matrix.array.tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert len(r.states) == 3
    assert any(isinstance(x, ShiftNeuron) for x in nodes)


@pytest.mark.parametrize(
    ("vector", "t", "value"),
    [
        ([1, 0], BOOL, True),
        ([0, 1], BOOL, False),
        ([1, 1], BOOL, None),
        ([0, 0], BOOL, None),
        ([2, 0], BOOL, None),
        ([1, 0, 0], BOOL, None),
        ([0, 0, 1], NAT, 2),
        ([Fraction(1), 0], NAT, 0),
        ([1, -1, 0], NAT, None),
        ([1, 0], Arrow(BOOL, BOOL), None),
    ],
)
def test_decode_is_the_inverse_of_enc_on_basis_vectors(vector: list[Any], t: Type, value: Any) -> None:
    assert decode(vector, t) == value if value is not None else decode(vector, t) is None
    if value is not None:
        assert type(decode(vector, t)) is type(value)


def test_decode_of_compiled_bool_programs() -> None:
    for text, want in [("not true", False), ("and true (not false)", True), ("is_even 3", False)]:
        c = compile_expr(text, None, k=4)
        assert decode(c.tensor, BOOL) is want
