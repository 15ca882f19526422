"""Compiler behaviour that mutmut's survivors showed untested (issue 15, `make mutation`).

Expectations come from the interpreter, hand arithmetic, an algebraic law, or (for errors) the
message a user is promised, written out by hand — never from the compiler's own output.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any
from unittest import mock

import numpy as np
import pytest
import sympy

from cajal_ref.checker import DefInfo
from cajal_ref.compiler import compile_term, contraction, symbolic_bindings, symbols_for
from cajal_ref.compiler.contraction import order_cost
from cajal_ref.compiler.evaluation import _Compiler
from cajal_ref.compiler.ir import (
    Abstract,
    Apply,
    DefRef,
    Mix,
    NeuronProgram,
    Recurrent,
    Shift,
    _kind_name,
    children,
)
from cajal_ref.compiler.lowering import term_to_neurons
from cajal_ref.compiler.network import (
    Application,
    ConstantNeuron,
    DefNeuron,
    InputNeuron,
    LinearNeuron,
    RecurrentNeuron,
)
from cajal_ref.compiler.recurrence import _iterates, _last_nonzero, _neurons
from cajal_ref.compiler.tensors import (
    _IDENTITIES,
    _INT64_SAFE,
    DeferredTensor,
    SparseMatrix,
    Tensor,
    _exact_array,
    _exact_entry,
    _identity,
    _max_bound,
    _maxabs,
    _merge_axes,
    exact_product,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.spaces import decode
from cajal_ref.syntax import BOOL, NAT, Opaque, Source, Type, arrow


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


# the neuron program (ir.py, lowering.py)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("x", "`x`"),
        ("true", "`true`"),
        ("false", "`false`"),
        ("zero", "the numeral"),
        ("7", "the numeral"),
        ("succ zero", "the `succ`"),
        ("if true then true else false", "the `if`"),
        ("fun p : Bool => p", "`fun p`"),
        ("not true", "the application"),
        ("iter 2 { zero => true | succ b => b }", "the `iter`"),
        ("let v = true in v", "`let v`"),
    ],
)
def test_size_messages_name_each_kind_of_term(text: str, name: str) -> None:
    assert _kind_name(parse_term(Source("<e>", text))) == name


def _program(text: str, ctx: str | None = None) -> NeuronProgram:
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    return term_to_neurons(expr.term, expr.context, ws.defs)


def test_a_lowered_program_records_free_variables_and_recurrent_weights() -> None:
    program = _program("iter n { zero => zero | succ y => add m y }", "m : Nat, n : Nat")
    root = program.root
    assert isinstance(root, Recurrent) and program.type == NAT
    assert program.recurrent_weights == ("m",)
    assert root.free == ("m", "n") and root.weights == frozenset({"m"})
    assert root.step.param == "y" and root.step.free == ("m",) and not root.step.per_basis
    assert children(root) == (root.count, root.base, root.step)
    # m is used at column 39 of the term, inside the step
    assert program.weight_span("m").start == 38 and program.weight_span("zz") == root.term.span
    # free variables are sorted, whatever the order of use
    mixed = _program("if c then b else b", "c : Bool, b : Bool").root
    assert isinstance(mixed, Mix) and mixed.free == ("b", "c") and mixed.weights == frozenset()
    assert children(mixed) == (mixed.cond, mixed.then, mixed.else_)


def test_a_binder_used_in_a_nested_step_is_compiled_per_basis_vector() -> None:
    # m is used inside the step of the inner iter: a recurrent weight of the fun's body (SPEC §9)
    root = _program("fun m : Nat => fun n : Nat => iter n { zero => zero | succ y => add m y }").root
    assert isinstance(root, Abstract) and root.per_basis and root.param == "m"
    assert isinstance(root.body, Abstract) and not root.body.per_basis
    assert root.free == () and root.weights == frozenset()
    shift = _program("succ x", "x : Nat").root
    assert isinstance(shift, Shift) and children(shift) == (shift.arg,) and shift.free == ("x",)
    app = _program("not x", "x : Bool").root
    assert isinstance(app, Apply) and children(app) == (app.fn, app.arg) and isinstance(app.fn, DefRef)
    assert children(app.fn) == () and app.fn.name == "not"


# the compiled network (network.py)


def _compiled(text: str, ctx: str | None = None, k: int = 3) -> Any:
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    return compile_term(expr.term, expr.context, ws.defs, nat_bound=k)


def test_a_compiled_function_shows_its_matrix_with_labelled_axes() -> None:
    negation = _compiled("not")
    assert repr(negation) == "<Compiled Bool -o Bool at K=3: 2×2 tensor>"
    assert negation.shape == (4,) and negation.printed_shape == (2, 2)
    # column a is the image of e_a: not true = false (row 1), not false = true (row 0)
    assert negation.printed.tolist() == [[0, 1], [1, 0]] and negation.entries() == [0, 1, 1, 0]
    assert negation.axis_labels() == [
        ("output (Bool)", ["true", "false"]),
        ("input (Bool)", ["true", "false"]),
    ]


def test_a_compiled_open_term_has_one_labelled_axis_per_context_variable() -> None:
    succ = _compiled("succ n", "n : Nat", k=2)
    assert repr(succ) == "<Compiled Nat at K=2: 3×3 tensor>"
    assert succ.entries() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]  # Sh: e_n ↦ e_{n+1}, e_K ↦ 0
    assert succ.axis_labels() == [("value (Nat)", ["0", "1", "2"]), ("n : Nat", ["0", "1", "2"])]


def test_a_recurrent_neuron_gives_its_states_and_step_matrix_on_demand() -> None:
    counted = _compiled("iter n { zero => zero | succ y => succ y }", "n : Nat", k=2)
    assert counted.entries() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]  # iter n of succ from zero is n
    root = counted.structure
    assert isinstance(root, RecurrentNeuron)
    assert [s.to_nested() for s in root.states] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]  # Sⁱ·e₀ = eᵢ
    assert root.step_matrix.to_nested() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert root.step is root.step  # built once
    assert root.children()[:2] == (root.count, root.base)


def test_a_walk_meets_each_neuron_once_in_pre_order() -> None:
    a, b = ConstantNeuron(None, None), ConstantNeuron(None, None)  # type: ignore[arg-type]
    shared = LinearNeuron(None, None, a, b, b)  # type: ignore[arg-type]
    assert [id(n) for n in shared.walk()] == [id(shared), id(a), id(b)]
    both = _compiled("and (not x) (not y)", "x : Bool, y : Bool").structure
    nodes = list(both.walk())
    assert len({id(n) for n in nodes}) == len(nodes)
    assert sorted(n.name for n in nodes if isinstance(n, DefNeuron)) == ["and", "not", "not"]
    assert sorted(n.name for n in nodes if isinstance(n, InputNeuron) and n.is_axis) == ["x", "y"]
    for node in nodes:
        assert {id(c) for c in node.children()} <= {id(n) for n in nodes}


# the recurrent neuron (recurrence.py)


def test_only_the_states_up_to_the_counts_last_nonzero_coefficient_are_computed() -> None:
    assert _last_nonzero(np.array([[0, 0], [3, 0], [0, 0]], dtype=np.int64)) == 1
    assert _last_nonzero(np.array([0, 0, 0, 5], dtype=np.int64)) == 3
    assert _last_nonzero(np.zeros((4, 2), dtype=np.int64)) == 0
    two = _compiled("iter 2 { zero => zero | succ y => succ y }", k=5).structure
    assert isinstance(two, RecurrentNeuron)
    assert len(two.computed_states) == 3 and len(two.states) == 6  # h₀ … h₂, continued to K = 5 on demand
    assert [s.to_nested() for s in two.states][3] == [0, 0, 0, 1, 0, 0]
    none = _compiled("iter 0 { zero => true | succ b => not b }").structure
    assert isinstance(none, RecurrentNeuron) and len(none.computed_states) == 1
    assert none.value.to_nested() == [1, 0]  # iter 0 is its base, true


def test_the_cost_model_counts_neurons_and_finds_inner_iterations() -> None:
    step = _program("iter n { zero => zero | succ y => add m y }", "m : Nat, n : Nat").root
    assert isinstance(step, Recurrent)
    # the step applies add, whose body iterates: the inner iteration is found through the def
    assert _iterates(step.step.body) and not _iterates(step.base)
    plain = _program("succ (succ x)", "x : Nat").root
    assert _neurons(plain) == 3 and not _iterates(plain)
    assert _neurons(_program("if c then x else succ x", "c : Bool, x : Nat").root) == 5


def test_int64_is_used_only_below_two_to_the_62() -> None:
    fits = _Compiler.fits
    assert fits(2, 3, 5) and fits(7)
    assert not fits(1, None) and not fits(1, 3, None)
    assert not fits(1, 2**31, 2**31)  # 2⁶² itself is not below the limit
    assert fits(1, 2**31, 2**31 - 1) and not fits(2, 2**30, 2**31)


# compile_program (compiling.py): axes in context order, bound variables without axes


def test_the_axes_follow_the_context_order_whatever_the_use_order() -> None:
    # if c then b else b is b for either c: entry (v, b, c) is 1 exactly when v = b
    compiled = _compiled("if c then b else b", "b : Bool, c : Bool")
    assert compiled.context == (("b", BOOL), ("c", BOOL))
    assert compiled.entries() == [[[1, 1], [0, 0]], [[0, 0], [1, 1]]]
    swapped = _compiled("if c then b else b", "c : Bool, b : Bool")
    assert swapped.entries() == [[[1, 0], [1, 0]], [[0, 1], [0, 1]]]  # entry (v, c, b)


def test_a_bound_variable_has_no_axis_and_is_listed_as_bound() -> None:
    ws = workspace()
    expr = ws.check_expression("if x then z else not z", "x : Bool, z : Bool")
    compiled = compile_term(expr.term, expr.context, ws.defs, nat_bound=3, bindings={"x": [0, 1]})
    # x = false: the else branch, not z
    assert compiled.bound == ("x",) and compiled.context == (("z", BOOL),)
    assert compiled.entries() == [[0, 1], [1, 0]]


def test_an_unused_context_variable_of_an_unchecked_term_gets_a_constant_axis() -> None:
    compiled = compile_term(parse_term(Source("<e>", "true")), (("x", BOOL),), {})
    assert compiled.context == (("x", BOOL),)
    assert compiled.entries() == [[1, 1], [0, 0]]  # e_true whatever x is


@pytest.mark.parametrize("k", [2, 15])
def test_eta_expanded_application_compiles_to_the_identity(k: int) -> None:
    # fun f => fun x => f x is f itself (η): its matrix is the identity on V(Nat -o Nat). At K = 15
    # f's axis has 256 entries and x's identity 16 × 16: the large layout of an applied variable
    d = (k + 1) ** 2
    compiled = _compiled("fun f : Nat -o Nat => fun x : Nat => f x", k=k)
    assert compiled.printed_shape == (d, d)
    assert np.array_equal(compiled.printed.astype(np.int64), np.eye(d, dtype=np.int64))


def test_application_to_a_fixed_argument_picks_the_column() -> None:
    # fun x => fun f => f x: at x = e_a, f's matrix F ↦ F·e_a, so entry (b, (b′, a′)) of that
    # matrix is δ(b, b′)·δ(a′, a); the outer matrix has that as column a
    compiled = _compiled("fun x : Bool => fun f : Bool -o Bool => f x")
    expected = [
        [int(b == b2 and a2 == a) for a in range(2)] for b in range(2) for b2 in range(2) for a2 in range(2)
    ]
    assert compiled.printed.tolist() == expected


def test_a_reordered_spine_keeps_its_neurons_program_nodes() -> None:
    ws = workspace()
    text = "(if true then compose else compose) (fun n1 : Nat => g p n1) (fun n2 : Nat => n2) 2"
    expr = ws.check_expression(text, "g : Bool -o Nat -o Nat, p : Bool")
    with mock.patch.object(contraction, "MIN_WORK", 0), mock.patch.object(contraction, "MIN_SAVING", 0):
        reordered = compile_term(expr.term, expr.context, ws.defs, nat_bound=3)
    spine = [n for n in reordered.structure.walk() if isinstance(n, Application)]
    assert len(spine) >= 3
    assert all(isinstance(n.ir, Apply) and n.type == n.ir.type for n in spine)
    # every partial application (built on demand) depends on g and p, the first argument's axes
    partial = [n for n in spine if isinstance(n.value, DeferredTensor)]
    assert partial and all(n.value.names == ("g", "p") for n in partial)
    # the whole spine's value: Nat, with axes g and p
    assert reordered.printed_shape == (4, 4 * 2 * 4, 2) and reordered.context[0][0] == "g"


class _Printer:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def text(self, text: str) -> None:
        self.texts.append(text)


def test_opaque_axes_are_labelled_and_named_by_their_dimension() -> None:
    ws = load_workspace()
    ws.add_source(Source("img.cj", "type Img\n"))
    expr = ws.check_expression("f x", "f : Img -o Bool, x : Img")
    compiled = compile_term(expr.term, expr.context, ws.defs, nat_bound=2, opaque_dims={"Img": 3})
    assert compiled.axis_labels() == [
        ("value (Bool)", ["true", "false"]),
        ("f : Img -o Bool", [f"({b},{i})" for b in ("true", "false") for i in range(3)]),
        ("x : Img", ["0", "1", "2"]),
    ]
    fn = _compiled("not")
    fn.opaque_dims["Unused"] = 5  # labels of Bool do not depend on opaque dims
    assert fn.axis_labels()[0] == ("output (Bool)", ["true", "false"])
    img = Opaque("Img")
    f = symbols_for("f", arrow(img, BOOL), 2, {"Img": 3})
    assert [[str(s) for s in row] for row in f] == [
        ["f_true_0", "f_true_1", "f_true_2"],
        ["f_false_0", "f_false_1", "f_false_2"],
    ]
    assert [str(s) for s in symbols_for("x", img, 2, {"Img": 3})] == ["x_0", "x_1", "x_2"]
    with pytest.raises(CajalError) as caught:
        symbolic_bindings([("x", img)], nat_bound=2, opaque_dims={"Img": 3}, max_symbols=2)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT and "the limit is 2 symbols" in caught.value.message
    printer = _Printer()
    fn._repr_pretty_(printer, False)
    fn._repr_pretty_(printer, True)
    assert printer.texts == [str(fn), "..."]


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        # f : Nat -o Bool at K = 63: x's identity (64 × 64) times 2 rows reaches the large layout,
        # with f's two axes of different sizes (2 rows, 64 columns)
        ("fun f : Nat -o Bool => fun x : Nat => f x", None),
        # f a context variable, not an enclosing fun: its axis is not among the preferred ones
        ("fun x : Nat => f x", "f : Nat -o Bool"),
    ],
)
def test_eta_with_a_rectangular_function_is_the_identity(text: str, ctx: str | None) -> None:
    compiled = _compiled(text, ctx, k=63)
    d = 2 * 64  # dim V(Nat -o Bool)
    assert compiled.shape == (d * d,) if ctx is None else compiled.shape == (d, d)
    assert np.array_equal(compiled.tensor.reshape(d, d).astype(np.int64), np.eye(d, dtype=np.int64))


def test_a_fun_under_an_if_on_an_outer_binder_is_the_same_for_both() -> None:
    # the outer binder a is not an axis of `f x` when x and f are abstracted
    fn = "fun f : Bool -o Bool => fun x : Bool => f x"
    compiled = _compiled(f"fun a : Bool => if a then ({fn}) else ({fn})")
    identity = [int(i == j) for i in range(4) for j in range(4)]  # η: the identity on V(Bool -o Bool)
    assert compiled.printed.tolist() == [[e, e] for e in identity]


def test_a_step_compiled_per_basis_vector_keeps_its_first_column_as_the_step_network() -> None:
    # y is used inside the inner step: the outer step is compiled at y = e_j, column by column
    assert _program(
        "iter 2 { zero => 1 | succ y => iter 2 { zero => zero | succ z => add y z } }"
    ).root.step.per_basis
    compiled = _compiled("iter 2 { zero => 1 | succ y => iter 2 { zero => zero | succ z => add y z } }")
    # by hand: h₀ = 1, h₁ = 1 + 1 = 2, h₂ = 2 + 2 = 4 (each step adds y to zero twice)
    assert compiled.entries() == [0, 0, 0, 0]  # 4 > K = 3: truncated to the zero vector
    root = compiled.structure
    assert isinstance(root, RecurrentNeuron) and root.step_network is not None
    assert root.children()[-1] is root.step_network
    small = _compiled("iter 1 { zero => 1 | succ y => iter 2 { zero => zero | succ z => add y z } }")
    assert small.entries() == [0, 0, 1, 0]  # h₁ = 2


def test_small_identities_are_shared_and_read_only_large_ones_fresh() -> None:
    _IDENTITIES.clear()
    three = _identity(3)
    assert three.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]] and three.dtype == np.int64
    assert _identity(3) is three and not three.flags.writeable
    assert _identity(256) is _identity(256) and not _identity(256).flags.writeable
    large = _identity(257)
    assert large is not _identity(257) and large.flags.writeable
    assert np.array_equal(large, np.eye(257, dtype=np.int64))
