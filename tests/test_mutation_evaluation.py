"""The evaluator, bindings, tensors, lowering and network where mutmut's survivors showed gaps (issue 15).

Covers the compiler stages outside recurrence, substitution, contraction and the primitives:
per-basis subterms hoisted (or not) under the size limit, the labels of opaque axes, users'
bindings (float arrays, symbols over opaque types, the symbol limit's message), large
identities, the memory layout of a large η-expansion, the walk over per-basis and never-run
networks, and the process-wide cache of lowered defs.

Expectations come from the interpreter, hand arithmetic, SPEC §5/§8 read directly, or (for
errors) the message a user is promised, written out by hand — never from the compiler's own
output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy

from cajal_ref.compiler import (
    Abstraction,
    Application,
    InputNeuron,
    RecurrentNeuron,
    compile_term,
    symbolic_bindings,
    symbols_for,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.syntax import BOOL, NAT, Opaque, Source, arrow
from tests.mutation_helpers import compile_expr as compiled
from tests.mutation_helpers import workspace

# ---------------------------------------------------------------------------
# per-basis subterms: hoisted with an axis, or built column by column
# ---------------------------------------------------------------------------

NESTED = "iter 1 { zero => 1 | succ y => iter 2 { zero => zero | succ z => add y z } }"
"""y is used inside the inner step: the outer step is compiled at y = e_j; `add y` is linear in y."""


@pytest.mark.parametrize("limit", [63, 64, 10**7])
def test_a_per_basis_subterm_too_large_to_hoist_is_built_per_column(limit: int) -> None:
    # hoisting `add y` at K = 3 needs add's (K+1)² matrix times y's axis: (K+1)³ = 64 entries;
    # one under that it is refused there and built at each y = e_j instead (same value)
    # by hand: h₀ = 1, h₁ = add 1 (add 1 0) = 2
    assert compiled(NESTED, k=3, max_entries=limit).entries() == [0, 0, 1, 0]


def test_a_subterm_linear_in_a_per_basis_binder_is_built_with_an_axis_for_it() -> None:
    # y is compiled per basis vector (used inside the inner step), but `add y` is linear in it
    # (T3): built once with an axis for y and sliced at e_j (the module's docstring), so its
    # y neuron is an axis, not y bound to a basis vector
    c = compiled(NESTED, k=3)
    assert c.entries() == [0, 0, 1, 0]  # by hand, as above
    apps = [n for n in c.structure.walk() if str(n.term) == "add y"]
    assert apps and all(isinstance(a, Application) for a in apps)
    for app in apps:
        assert isinstance(app, Application) and isinstance(app.arg, InputNeuron)
        assert app.arg.name == "y" and app.arg.is_axis is True


def test_a_def_applied_twice_to_the_same_basis_vector_shares_one_network() -> None:
    # x is used inside the step: rep's body is compiled at x = e_j; both `rep 1` bind x to the
    # same e_1, so the body's network there is built once and shared (memoised on that binding)
    ws = load_workspace()
    ws.add_source(
        Source(
            "rep.cj", "def rep : Nat -o Nat = fun x : Nat => iter 2 { zero => zero | succ y => add x y }\n"
        )
    )
    expr = ws.check_expression("add (rep 1) (rep 1)")
    c = compile_term(expr.term, expr.context, ws.defs, nat_bound=3)
    assert c.entries() == [0, 0, 0, 0]  # by hand: rep 1 = 2, 2 + 2 = 4 > K = 3: the zero vector
    apps = [n for n in c.structure.walk() if isinstance(n, Application) and str(n.term) == "rep 1"]
    assert len(apps) == 2
    iters = [
        [n for n in app.walk() if isinstance(n, RecurrentNeuron) and "add x y" in str(n.term)] for app in apps
    ]
    assert len(iters[0]) == len(iters[1]) == 1 and iters[0][0] is iters[1][0]
    small = compile_term(ws.check_expression("rep 1").term, (), ws.defs, nat_bound=3)
    assert small.entries() == [0, 0, 1, 0]  # by hand: 1 + 1 = 2


# ---------------------------------------------------------------------------
# labels and symbols over opaque types (SPEC §8)
# ---------------------------------------------------------------------------


def test_a_function_over_an_opaque_type_labels_both_axes_by_its_dimension() -> None:
    fn = compiled("fun i : Img => i", k=1, opaque_dims={"Img": 3})
    assert fn.axis_labels() == [("output (Img)", ["0", "1", "2"]), ("input (Img)", ["0", "1", "2"])]
    assert fn.printed.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    value = compiled("f b", "f : Bool -o Img, b : Bool", k=1, opaque_dims={"Img": 2})
    assert value.axis_labels() == [
        ("value (Img)", ["0", "1"]),
        ("f : Bool -o Img", ["(0,true)", "(0,false)", "(1,true)", "(1,false)"]),
        ("b : Bool", ["true", "false"]),
    ]


def test_symbols_of_a_function_into_an_opaque_type_name_its_rows() -> None:
    f = symbols_for("f", arrow(BOOL, Opaque("Img")), 2, {"Img": 3})
    assert [[str(s) for s in row] for row in f] == [
        ["f_0_true", "f_0_false"],
        ["f_1_true", "f_1_false"],
        ["f_2_true", "f_2_false"],
    ]


def test_too_many_symbols_are_refused_with_the_whole_message() -> None:
    with pytest.raises(CajalError) as caught:
        symbolic_bindings([("f", arrow(NAT, NAT))], nat_bound=9, max_symbols=99)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT
    assert caught.value.message == (
        "binding `f : Nat -o Nat` to symbols would need 100 sympy symbols at K = 9; the limit is "
        "99 symbols: choose a smaller K (--nat-bound) or bind the variable to values (--bind)"
    )
    assert symbols_for("f", arrow(NAT, NAT), 9, max_symbols=100).shape == (10, 10)  # at the limit


# ---------------------------------------------------------------------------
# users' bindings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_float_array_of_any_width_is_refused_as_a_float_array(dtype: Any) -> None:
    with pytest.raises(CajalError) as caught:
        compiled("x", "x : Bool", k=1, bindings={"x": np.array([1, 0], dtype=dtype)})
    assert caught.value.kind is ErrorKind.BAD_BINDING
    assert caught.value.message == (
        "`x` is bound to a float array; the exact compiler takes ints, Fractions or sympy values"
    )


@pytest.mark.parametrize(
    ("entry", "reason"),
    [(sympy.Float(0.5), "float"), (sympy.sqrt(2) * sympy.Float(1.5), "float"), (0.5, "float"), ("1", "str")],
)
def test_an_inexact_entry_is_refused_naming_the_entry_and_why(entry: Any, reason: str) -> None:
    with pytest.raises(CajalError) as caught:
        compiled("x", "x : Bool", k=1, bindings={"x": [1, entry]})
    assert caught.value.kind is ErrorKind.BAD_BINDING
    assert caught.value.message == (
        f"`x`: entry {entry!r} is not exact (use ints, fractions.Fraction or sympy; "
        f"floats are not allowed) [{reason}]"
    )


# ---------------------------------------------------------------------------
# identities
# ---------------------------------------------------------------------------


def test_a_variable_of_a_type_past_the_identity_cache_is_an_exact_identity() -> None:
    # dim V(Nat) = 257 at K = 256: its identity is built fresh, still of exact integers
    x = compiled("x", "x : Nat", k=256)
    assert x.tensor.shape == (257, 257)
    assert all(type(e) is int for e in x.tensor[:, :3].ravel())
    assert np.array_equal(x.tensor.astype(np.int64), np.eye(257, dtype=np.int64))


# ---------------------------------------------------------------------------
# the walk over the compiled network
# ---------------------------------------------------------------------------


def test_the_walk_of_a_per_basis_abstraction_visits_every_column() -> None:
    # x is used inside the step: the abstraction is compiled at x = e_0 … e_K, one network each
    fn = compiled("fun x : Nat => iter 2 { zero => zero | succ y => add x y }", k=2)
    root = fn.structure
    assert isinstance(root, Abstraction) and root.per_basis and len(root.columns) == 3
    assert root.children() == root.columns
    nodes = list(root.walk())
    assert all(column in nodes for column in root.columns)
    # by hand: 2·x truncated at K = 2: 0 ↦ 0, 1 ↦ 2, 2 ↦ 4 (past K: the zero column)
    assert fn.printed.tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 0]]


@pytest.mark.parametrize(
    "text",
    [
        "iter 0 { zero => 1 | succ y => succ y }",  # K = 0 steps
        "iter 2 { zero => 3 | succ y => succ y }",  # the base 3 > K is the zero vector: so is every state
    ],
)
def test_an_iter_that_never_runs_its_step_walks_its_count_and_base_only(text: str) -> None:
    c = compiled(text, k=2)
    root = c.structure
    assert isinstance(root, RecurrentNeuron) and root.step_network is None
    assert root.children() == (root.count, root.base)
    assert [n for n in root.walk()][:1] == [root] and root.count in root.walk()


# ---------------------------------------------------------------------------
# abstractions: the network node, shadowed binders, unused parameters
# ---------------------------------------------------------------------------


def test_an_abstraction_node_keeps_its_term_and_parameter() -> None:
    plain = compiled("fun x : Nat => x", k=2).structure
    assert isinstance(plain, Abstraction) and not plain.per_basis
    assert plain.param == "x" and str(plain.term) == "fun x : Nat => x" and str(plain.type) == "Nat -o Nat"
    text = "fun x : Nat => iter 2 { zero => zero | succ y => add x y }"
    per_basis = compiled(text, k=2).structure
    assert isinstance(per_basis, Abstraction) and per_basis.per_basis
    assert per_basis.param == "x" and str(per_basis.term) == text


SHADOWED = "fun x : Bool => g (fun x : Bool => x) (not x)"
"""The inner `fun x` shadows the outer x; after it, `not x` is the outer x again."""


def test_a_binder_shadowed_by_an_inner_fun_is_the_outer_one_again_after_it() -> None:
    # α-equivalence: the same function as the term with the inner binder renamed, where the
    # two x's cannot be confused
    ctx = "g : (Bool -o Bool) -o Bool -o Bool"
    renamed = "fun x : Bool => g (fun z : Bool => z) (not x)"
    assert compiled(SHADOWED, ctx, k=1).tensor.tolist() == compiled(renamed, ctx, k=1).tensor.tolist()


def test_a_fun_whose_parameter_is_unused_is_refused_at_the_limit_naming_its_axes() -> None:
    # not well-typed (the checker refuses it): lowered directly, `fun x : Nat => y` is the
    # same image e_y for every x; at K = 2 it needs 3 · 3 · 3 = 27 entries
    term, ctx = parse_term("fun x : Nat => y"), (("y", NAT),)
    ws = workspace()
    c = compile_term(term, ctx, ws.defs, nat_bound=2, max_entries=27)
    # by hand: row (out·3 + in), column y: 1 where out = y
    assert c.tensor.tolist() == [[1, 0, 0]] * 3 + [[0, 1, 0]] * 3 + [[0, 0, 1]] * 3
    with pytest.raises(CajalError) as caught:
        compile_term(term, ctx, ws.defs, nat_bound=2, max_entries=26)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT
    assert caught.value.span == term.span and term.span is not None  # at the fun
    assert caught.value.message == (
        "`fun x` would need a tensor of 27 entries at K = 2: its value has type Nat -o Nat (dim 9), "
        "with axes y : Nat (dim 3); the limit is 26 (max_entries / --max-entries), "
        "or choose a smaller K (--nat-bound)"
    )


def test_an_application_over_two_axes_is_refused_at_the_limit_naming_both() -> None:
    # `f x` inside the fun: value Nat (3) × f's axis (9) × x's axis (3) = 81 entries at K = 2
    text, ctx = "fun x : Nat => f x", "f : Nat -o Nat"
    assert compiled(text, ctx, k=2, max_entries=81).tensor.shape == (9, 9)
    with pytest.raises(CajalError) as caught:
        compiled(text, ctx, k=2, max_entries=80)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT
    assert caught.value.message == (
        "the application would need a tensor of 81 entries at K = 2: its value has type Nat (dim 3), "
        "with axes f : Nat -o Nat (dim 9), x : Nat (dim 3); the limit is 80 (max_entries / "
        "--max-entries), or choose a smaller K (--nat-bound)"
    )


def test_a_term_using_two_variables_twice_is_refused_naming_the_first_in_order() -> None:
    # unchecked: `y` and `x` both in f's argument and in the second argument; the compiler
    # names one of them, the first in alphabetical order, whatever order they are met in
    nat2 = arrow(NAT, arrow(NAT, NAT))
    ctx = (("f", nat2), ("g", nat2), ("h", nat2), ("x", NAT), ("y", NAT))
    term = parse_term("f (g y x) (h x y)")
    with pytest.raises(CajalError) as caught:
        compile_term(term, ctx, workspace().defs, nat_bound=1)
    assert caught.value.kind is ErrorKind.USED_TWICE
    assert caught.value.span == term.span and term.span is not None  # at the whole application
    assert caught.value.message == "variable `x` is used twice (the compiler needs a linearly typed term)"


def test_a_variable_as_an_axis_is_refused_at_its_identity_naming_its_axis() -> None:
    # `fun x : Nat => x` at K = 2: x's identity is 3 × 3 = 9 entries, allocated when abstracted
    assert compiled("fun x : Nat => x", k=2, max_entries=9).printed.tolist() == np.eye(3).tolist()
    with pytest.raises(CajalError) as caught:
        compiled("fun x : Nat => x", k=2, max_entries=8)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT
    assert caught.value.message == (
        "`x` would need a tensor of 9 entries at K = 2: its value has type Nat (dim 3), with axes "
        "x : Nat (dim 3); the limit is 8 (max_entries / --max-entries), or choose a smaller K (--nat-bound)"
    )


def test_variables_bound_to_values_are_named_input_neurons_and_their_product_an_application() -> None:
    # f = not (as a matrix: rows true, false; columns true, false), b = true: f b = false, by hand
    c = compiled("f b", "f : Bool -o Bool, b : Bool", k=1, bindings={"f": [[0, 1], [1, 0]], "b": [1, 0]})
    assert c.entries() == [0, 1]
    root = c.structure
    assert isinstance(root, Application) and str(root.term) == "f b" and str(root.type) == "Bool"
    for node, name in ((root.fn, "f"), (root.arg, "b")):
        assert isinstance(node, InputNeuron)
        assert node.name == name and str(node.term) == name and node.is_axis is False


def test_the_same_checked_term_compiled_under_other_sizes_takes_the_new_dimensions() -> None:
    # the compiler caches dims by type object; the same term (same type objects) compiled again
    # with another opaque dimension, or another K, has the new shape: the identity of V(A)
    ws = workspace()
    fun = ws.check_expression("fun i : Img => i")
    for d in (3, 2, 3):
        c = compile_term(fun.term, fun.context, ws.defs, nat_bound=1, opaque_dims={"Img": d})
        assert c.printed.tolist() == np.eye(d, dtype=int).tolist()
    nat = ws.check_expression("fun n : Nat => n")
    for k in (1, 2, 1):
        assert (
            compile_term(nat.term, nat.context, ws.defs, nat_bound=k).printed.tolist()
            == np.eye(k + 1).tolist()
        )
