"""Lowering (the cache of lowered defs, each mismatch of an unchecked term named at its node,
non-linear terms), the layout of a large η-expansion and the state kept across compilations:
what mutmut's survivors showed untested there (issue 15, `make mutation`). Expectations come from
the interpreter, hand arithmetic or the documented messages, never from the compiler's output.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import numpy as np
import pytest

from cajal_ref.checker import DefInfo
from cajal_ref.compiler import (
    ConstantNeuron,
    DefNeuron,
    LinearNeuron,
    ShiftNeuron,
    compile_term,
)
from cajal_ref.compiler.ir import raised_recursion_limit
from cajal_ref.compiler.lowering import lower
from cajal_ref.compiler.tensors import DeferredTensor
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import load_workspace
from cajal_ref.parser import parse_term
from cajal_ref.syntax import BOOL, MAX_NESTING, NAT, Arrow, Opaque, Source, Type, arrow
from tests.mutation_helpers import compile_expr as compiled
from tests.mutation_helpers import workspace

# ---------------------------------------------------------------------------
# the cache of lowered defs
# ---------------------------------------------------------------------------


def _defs(source: str) -> dict[str, Any]:
    ws = load_workspace()
    ws.add_source(Source("m.cj", source))
    return dict(ws.defs)


def test_a_lowered_def_is_reused_while_every_def_it_reaches_is_unchanged() -> None:
    defs = _defs("def two : Nat = succ (succ zero)\ndef inner : Nat = two\ndef outer : Nat = inner\n")
    first = lower(parse_term("outer"), (), defs).root
    again = lower(parse_term("outer"), (), defs).root
    assert again.body is first.body  # the cache hit: lowered once per process
    other = _defs("def two : Nat = succ zero\n")
    changed = {
        **defs,
        "two": other["two"],
    }  # outer and inner keep their bodies; two, reached through inner, does not
    assert compile_term(parse_term("outer"), (), changed, nat_bound=3).entries() == [0, 1, 0, 0]
    assert compile_term(parse_term("outer"), (), defs, nat_bound=3).entries() == [0, 0, 1, 0]


# ---------------------------------------------------------------------------
# the memory layout of a large η-expansion
# ---------------------------------------------------------------------------

PICK = "if b then (if c then 0 else 1) else (if c then 2 else 3)"
"""m(b, c) ∈ {0, 1, 2, 3}: an argument with two axes of their own size (2), unlike f's (K+1)."""


def test_a_context_function_applied_under_two_funs_is_its_basis_images() -> None:
    # f an axis (the identity of V(Nat -o Nat)) applied to an argument with axes b and c: at
    # K = 31 the product is laid out with the enclosing funs' axes first (c, b, then f)
    k = 31
    n = k + 1
    c = compiled(f"fun b : Bool => fun c : Bool => f ({PICK})", "f : Nat -o Nat", k=k)
    assert c.tensor.shape == (n * 2 * 2, n * n)
    # by hand (SPEC §5/§8): value index (row·2 + c)·2 + b of the nested matrices, f's index r·n + a;
    # at f = E_ra, b, c the value is e_r if a = m(b, c), else 0
    want = np.zeros((n, 2, 2, n, n), dtype=np.int64)
    for bi, b in enumerate((True, False)):
        for ci, cv in enumerate((True, False)):
            m = (0 if cv else 1) if b else (2 if cv else 3)
            want[np.arange(n), ci, bi, np.arange(n), m] = 1
    assert np.array_equal(c.tensor.astype(np.int64), want.reshape(n * 4, n * n))


# ---------------------------------------------------------------------------
# lowering a term the checker never saw: each mismatch named, at its node
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "message"),
    [
        (
            "if zero then true else false",
            "zero",
            "the condition of `if` must be a Bool: expected Bool, found Nat",
        ),
        (
            "if true then zero else false",
            "false",
            "the branches of `if` must have the same type: expected Nat, found Bool",
        ),
        (
            "iter true { zero => zero | succ y => y }",
            "true",
            "`iter` counts with a Nat: expected Nat, found Bool",
        ),
        (
            "iter zero { zero => zero | succ y => true }",
            "true",
            "the step of `iter` must have the type of its base: expected Nat, found Bool",
        ),
        ("not zero", "zero", "the argument must have the function's domain type: expected Bool, found Nat"),
        (
            "(fun f : Bool -o Bool => f) (fun x : Nat => x)",
            "fun x",
            "the argument must have the function's domain type: expected Bool -o Bool, found Nat -o Nat",
        ),
    ],
)
def test_an_unchecked_term_of_the_wrong_type_is_refused_at_the_offending_node(
    text: str, at: str, message: str
) -> None:
    with pytest.raises(CajalError) as caught:
        compile_term(parse_term(Source("<e>", text)), (), workspace().defs, nat_bound=2)
    err = caught.value
    assert (err.kind, err.message) == (ErrorKind.MISMATCH, message)
    assert (err.line, err.col) == (1, text.rindex(at) + 1)


def test_applying_a_non_function_names_the_typing_rule_app() -> None:
    with pytest.raises(CajalError) as caught:
        compile_term(parse_term(Source("<e>", "true false")), (), workspace().defs, nat_bound=2)
    err = caught.value
    assert (err.kind, err.rule) == (ErrorKind.NOT_A_FUNCTION, "App")
    assert err.message == "cannot apply a value of type Bool: expected a function"


# ---------------------------------------------------------------------------
# terms that are not linear (a tool's, never checked): variables a branch or a body does not use
# ---------------------------------------------------------------------------


def _basis_values(t: Type, k: int) -> list[Any]:
    return [True, False] if t == BOOL else list(range(k + 1))


def _expected(value: Any, t: Type, k: int) -> list[int]:
    """SPEC §5 by hand: enc(value), the zero vector past K; for A -o B the row-major matrix of images."""
    if isinstance(t, Arrow):
        images = [_expected(value(a), t.cod, k) for a in _basis_values(t.dom, k)]
        return [image[i] for i in range(len(images[0])) for image in images]
    return [int(value == v) for v in _basis_values(t, k)]


def assert_agrees_at_every_basis_input(text: str, ctx: tuple[tuple[str, Type], ...], k: int) -> None:
    """The compiled tensor of a term (checked or not) vs the interpreter, at every basis input (SPEC §5)."""
    ws = workspace()
    term = parse_term(Source("<e>", text))
    c = compile_term(term, ctx, ws.defs, nat_bound=k)
    names = [n for n, _ in ctx]
    for values in itertools.product(*(_basis_values(t, k) for _, t in ctx)):
        index = tuple(_basis_values(t, k).index(v) for (_, t), v in zip(ctx, values, strict=True))
        got = [c.tensor[(i, *index)] for i in range(c.tensor.shape[0])]
        want = _expected(evaluate(term, dict(zip(names, values, strict=True)), ws.defs).value, c.type, k)
        assert got == want, (text, values)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        # each branch lacks the other's variable: its tensor is broadcast along that axis
        ("if c then x else y", (("c", BOOL), ("x", BOOL), ("y", BOOL))),
        ("if c then x else y", (("y", NAT), ("c", BOOL), ("x", NAT))),
        ("if c then succ x else y", (("x", NAT), ("y", NAT), ("c", BOOL))),
        # a context variable the term does not use: a constant axis, in context order
        ("x", (("x", NAT), ("y", BOOL))),
        ("x", (("y", BOOL), ("x", NAT))),
        ("succ x", (("y", BOOL), ("x", NAT), ("z", BOOL))),
        # a parameter the body does not use: the same image for every basis vector
        ("fun x : Nat => true", ()),
        ("fun x : Bool => y", (("y", NAT),)),
        ("fun x : Bool => fun z : Nat => succ y", (("y", NAT),)),
        ("fun x : Bool => not", ()),  # the body a def reference alone
    ],
)
def test_an_unchecked_term_with_unused_variables_agrees_with_the_interpreter(
    text: str, ctx: tuple[tuple[str, Type], ...]
) -> None:
    assert_agrees_at_every_basis_input(text, ctx, k=2)


# ---------------------------------------------------------------------------
# state kept across compilations: dims, the recursion limit
# ---------------------------------------------------------------------------


def test_dims_kept_across_compilations_follow_k_and_the_opaque_dims_given() -> None:
    ws = workspace()
    expr = ws.check_expression("fun x : Nat => x")
    for k in (3, 5, 3):  # the same type objects at another K: dim V(Nat -o Nat) = (K+1)²
        assert compile_term(expr.term, (), ws.defs, nat_bound=k).tensor.shape == ((k + 1) ** 2,)
    ctx = (("f", Arrow(Opaque("Img"), NAT)),)
    term = parse_term("f")
    for size in (4, 2, 4):  # the same type object with another dimension of Img
        shape = compile_term(term, ctx, {}, nat_bound=2, opaque_dims={"Img": size}).tensor.shape
        assert shape == (3 * size, 3 * size)
    with pytest.raises(CajalError) as caught:  # the same type object, no dimension given: refused
        compile_term(term, ctx, {}, nat_bound=2)
    assert caught.value.kind is ErrorKind.UNKNOWN_TYPE


def test_compiling_raises_the_recursion_limit_inside_and_restores_it_after() -> None:
    before = sys.getrecursionlimit()
    floor = 12 * MAX_NESTING + 1_000  # syntax.deep_recursion's limit
    with raised_recursion_limit():
        assert sys.getrecursionlimit() == max(before, floor)
    assert sys.getrecursionlimit() == before
    compiled("iter 2 { zero => 1 | succ y => succ y }", k=3)
    assert sys.getrecursionlimit() == before
    try:
        sys.setrecursionlimit(floor + 5)  # already higher: left as it is, inside and after
        with raised_recursion_limit():
            assert sys.getrecursionlimit() == floor + 5
        assert sys.getrecursionlimit() == floor + 5
    finally:
        sys.setrecursionlimit(before)


def test_axes_renamed_for_a_substitution_are_numbered_from_one_in_each_compilation() -> None:
    # the argument's axis x is renamed x′<serial> inside the substituted body (then back), the
    # serial counting the renamings of this compilation: the first is 1, in every compilation
    for _ in range(2):
        c = compiled("(fun y : Nat => succ y) x", "x : Nat", k=2)
        assert c.tensor.tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]  # succ, truncated at K = 2
        names = {name for node in c.structure.walk() for name in node.value.names}
        assert names == {"x", "x′1"}


# ---------------------------------------------------------------------------
# the neurons of `succ`, shadowed binders, a def's self-reference, deferred values
# ---------------------------------------------------------------------------


def test_a_succ_neuron_keeps_its_node_and_the_read_only_shift_matrix() -> None:
    c = compiled("succ x", "x : Nat", k=3)
    root = c.structure
    assert isinstance(root, ShiftNeuron) and root.type == NAT and str(root.term) == "succ x"
    # by hand: Sh at K = 3 maps e_i to e_(i+1), e_3 to zero
    assert root.matrix.tolist() == [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    assert not root.matrix.flags.writeable  # shared by every compilation at this K
    with pytest.raises(ValueError):
        root.matrix[0, 0] = 1
    assert compiled("succ x", "x : Nat", k=3).structure.matrix[0, 0] == 0


@pytest.mark.parametrize(
    "inner",
    [
        "iter n { zero => zero | succ x => iter 2 { zero => zero | succ y => add x y } }",
        "(fun x : Nat => iter 2 { zero => zero | succ y => add x y }) n",
        "let x = n in iter 2 { zero => zero | succ y => add x y }",
    ],
)
def test_a_binder_shadowing_a_context_variable_does_not_make_it_a_weight(inner: str) -> None:
    # the inner step uses the binder x, not the context's x (used once, outside every step)
    text = f"add x ({inner})"
    ctx = (("x", NAT), ("n", NAT))
    assert lower(parse_term(text), ctx, workspace().defs).recurrent_weights == ()
    assert_agrees_at_every_basis_input(text, ctx, k=2)


def test_a_def_that_refers_to_itself_is_refused_at_the_reference() -> None:
    body = parse_term(Source("loop.cj", "succ (succ loop)"))
    loop = DefInfo("loop", NAT, body, body.span)
    with pytest.raises(CajalError) as caught:
        compile_term(parse_term("loop"), (), {"loop": loop}, nat_bound=2)
    err = caught.value
    assert (err.kind, err.message) == (ErrorKind.UNBOUND, "def `loop` refers to itself")
    assert (err.line, err.col) == (1, 12)  # the `loop` inside its own body


def test_a_deferred_partial_application_reports_the_bound_of_its_entries() -> None:
    # compose's body run on f and h (substitution): its partial applications are built on demand
    c = compiled("compose f h 2", "f : Nat -o Nat, h : Nat -o Nat", k=3)
    deferred = [n.value for n in c.structure.walk() if isinstance(n.value, DeferredTensor)]
    small = [value for value in deferred if value.array.dtype == np.int64]
    assert small
    for value in small:
        assert value.maxabs() == max(abs(int(e)) for e in value.array.ravel())


def test_an_if_on_a_condition_with_two_axes_is_refused_at_the_if_naming_every_axis() -> None:
    # the if's value: Nat (4) × x's axis (4) × the condition's axes a, b (2 · 2) = 64 entries at
    # K = 3; its two branches side by side need only 2 · 4 · 4 = 32, the condition 2 · 2 · 2 = 8
    text, ctx = "if and a b then x else succ x", "a : Bool, b : Bool, x : Nat"
    assert compiled(text, ctx, k=3, max_entries=64).shape == (4, 2, 2, 4)
    with pytest.raises(CajalError) as caught:
        compiled(text, ctx, k=3, max_entries=63)
    err = caught.value
    assert err.kind is ErrorKind.SIZE_LIMIT and (err.line, err.col) == (1, 1)
    head = "the `if` would need a tensor of 64 entries at K = 3: its value has type Nat (dim 4), with axes "
    tail = "; the limit is 63 (max_entries / --max-entries), or choose a smaller K (--nat-bound)"
    assert err.message.startswith(head) and err.message.endswith(tail)
    axes = err.message[len(head) : -len(tail)].split(", ")
    # the branches' axis first, then the condition's
    assert axes[0] == "x : Nat (dim 4)" and sorted(axes[1:]) == ["a : Bool (dim 2)", "b : Bool (dim 2)"]


def test_the_neurons_of_an_if_and_of_a_def_reference_keep_their_terms() -> None:
    mix = compiled("if b then x else succ x", "b : Bool, x : Nat", k=1).structure
    assert isinstance(mix, LinearNeuron) and str(mix.term) == "if b then x else succ x" and mix.type == NAT
    ref = compiled("not", k=1).structure
    assert isinstance(ref, DefNeuron) and ref.name == "not" and str(ref.term) == "not"
    assert (ref.span.line, ref.span.col) == (1, 1) and ref.type == arrow(BOOL, BOOL)


@pytest.mark.parametrize(
    ("text", "vector"), [("true", [1, 0]), ("false", [0, 1]), ("2", [0, 0, 1, 0]), ("5", [0, 0, 0, 0])]
)
def test_a_constant_is_its_read_only_basis_vector(text: str, vector: list[int]) -> None:
    # SPEC §5 by hand (5 > K = 3: the zero vector); the vector is shared by every compilation
    for _ in range(2):
        neuron = compiled(text, k=3).structure
        assert isinstance(neuron, ConstantNeuron) and neuron.value.array.tolist() == vector
        assert not neuron.value.array.flags.writeable
        with pytest.raises(ValueError):
            neuron.value.array[0] = 7


# ---------------------------------------------------------------------------
# recurrent weights found wherever a step uses a variable (SPEC §9)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "weights", "free"),
    [
        ("iter n { zero => zero | succ y => add m y }", "m n", ("m",), ("m", "n")),
        ("succ (iter n { zero => zero | succ y => add m y })", "m n", ("m",), ("m", "n")),
        (
            "iter (iter n { zero => zero | succ y => add m y }) { zero => zero | succ z => z }",
            "m n",
            ("m",),
            ("m", "n"),
        ),
        (
            "iter n { zero => iter p { zero => zero | succ y => add m y } | succ z => z }",
            "m n p",
            ("m",),
            ("m", "n", "p"),
        ),
        # a weight in the condition, in one branch only, or in the other
        (
            "if iter n { zero => b | succ y => and c y } then x else succ x",
            "b c n x",
            ("c",),
            ("b", "c", "n", "x"),
        ),
        (
            "if b then iter n { zero => zero | succ y => add m y } else add m n",
            "b m n",
            ("m",),
            ("b", "m", "n"),
        ),
        (
            "if b then add m n else iter n { zero => zero | succ y => add m y }",
            "b m n",
            ("m",),
            ("b", "m", "n"),
        ),
        # the step's own variable and a let's are bound, not the context's
        (
            "iter n { zero => m | succ y => iter 2 { zero => zero | succ z => add y z } }",
            "m n",
            (),
            ("m", "n"),
        ),
        ("let z = m in iter n { zero => zero | succ y => add z y }", "m n", (), ("m", "n")),
        ("(fun f : Nat -o Nat => iter n { zero => zero | succ y => f y }) (add m)", "m n", (), ("m", "n")),
    ],
)
def test_the_recurrent_weights_are_the_context_variables_used_inside_a_step(
    text: str, ctx: str, weights: tuple[str, ...], free: tuple[str, ...]
) -> None:
    types = {"b": BOOL, "c": BOOL}
    context = tuple((name, types.get(name, NAT)) for name in ctx.split())
    program = lower(parse_term(text), context, workspace().defs)
    assert program.recurrent_weights == weights and program.root.free == free
    assert program.root.weights & {n for n, _ in context} == set(weights)


def test_a_per_basis_abstraction_too_large_is_refused_at_the_fun_naming_its_axes() -> None:
    # an unchecked fun whose parameter (a function) is used inside the step: compiled at f = E_ra
    # for each of the 16 entries (r, a); each column is small (f·m), the whole matrix 4 · 16 · 4
    text = "fun f : Nat -o Nat => iter 1 { zero => m | succ y => f y }"
    term, ctx = parse_term(text), (("m", NAT),)
    c = compile_term(term, ctx, workspace().defs, nat_bound=3, max_entries=256)
    assert c.structure.per_basis
    # by hand: h₁ = f·m, so at f = E_ra and m = e_m the value is e_r exactly when m = a
    want = [[int(v == r and m == a) for m in range(4)] for v in range(4) for r in range(4) for a in range(4)]
    assert c.tensor.tolist() == want
    with pytest.raises(CajalError) as caught:
        compile_term(term, ctx, workspace().defs, nat_bound=3, max_entries=255)
    assert caught.value.kind is ErrorKind.SIZE_LIMIT
    assert caught.value.message == (
        "`fun f` would need a tensor of 256 entries at K = 3: its value has type (Nat -o Nat) -o Nat "
        "(dim 64), with axes m : Nat (dim 4); the limit is 255 (max_entries / --max-entries), "
        "or choose a smaller K (--nat-bound)"
    )


_WEIGHTED = (("b", BOOL), ("m", NAT), ("n", NAT))


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        # m inside a step in one branch only (a plain use in the other): still a weight
        ("if b then iter n { zero => zero | succ y => add m y } else add m n", _WEIGHTED),
        ("if b then add m n else iter n { zero => zero | succ y => add m y }", _WEIGHTED),
        # m inside a step within the condition, or within an iter's count
        (
            "if iter n { zero => b | succ y => if m then y else y } then zero else zero",
            (("b", BOOL), ("m", BOOL), ("n", NAT)),
        ),
        ("iter (iter n { zero => zero | succ y => add m y }) { zero => b | succ z => z }", _WEIGHTED),
    ],
)
def test_a_variable_used_in_a_step_anywhere_below_is_a_recurrent_weight(
    text: str, ctx: tuple[tuple[str, Type], ...]
) -> None:
    assert lower(parse_term(text), ctx, workspace().defs).recurrent_weights == ("m",)
