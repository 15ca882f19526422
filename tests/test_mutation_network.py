"""The neuron program, the compiled network, the recurrent neuron and compile_program's axes:
what mutmut's survivors showed untested there (issue 15, `make mutation`).

Expectations come from the interpreter, hand arithmetic, an algebraic law, or (for errors) the
message a user is promised, written out by hand — never from the compiler's own output.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from unittest import mock

import numpy as np
import pytest

from cajal_ref.compiler import compile_term, contraction, symbolic_bindings, symbols_for
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
    DeferredTensor,
    _identity,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.syntax import BOOL, NAT, Opaque, Source, arrow


@cache
def workspace() -> Workspace:
    return load_workspace()


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
