"""Reordered application spines (contraction.py), the recurrent sum and what a memo may be keyed
on: what mutmut's survivors showed untested there (issue 15, `make mutation`). Expectations come
from the interpreter, hand arithmetic or the documented refusal, never from the compiler's output.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar
from unittest import mock

import numpy as np
import pytest

from cajal_ref.compiler import Compiled, compile_term, compiling, contraction
from cajal_ref.compiler.evaluation import _Compiler
from cajal_ref.compiler.primitives import abstract_axis, apply_matrix, recurrent_sum
from cajal_ref.compiler.tensors import DeferredTensor, Tensor
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.parser import parse_term
from cajal_ref.syntax import BOOL, Source
from tests.mutation_helpers import (
    assert_value_is_the_interpreters,
    compile_expr,
    expected_vector,
    workspace,
)
from tests.test_mutation_substitution import _partials

# ---------------------------------------------------------------------------
# the size guard inside a reordered spine
# ---------------------------------------------------------------------------


def _reorder_always() -> Any:
    return mock.patch.multiple(contraction, MIN_WORK=0, MIN_SAVING=0)


def test_a_reordered_spine_is_refused_at_its_largest_intermediate_exactly() -> None:
    # f : Nat -o Nat -o Nat bound to a 16 × 4 matrix F (a user's value: no guard of its own),
    # applied to a₁ = `if b then 1 else 2` and a₂ = `if p then 0 else 3` at K = 3. Contracting
    # a₁ first leaves `f a₁`: Nat -o Nat (dim 16) for each b = 32 entries, more than the result
    # (Nat for each b, p: 16) and than each argument (8); entry (c, b, p) of the result is
    # F[4c + a₂(p)][a₁(b)] with a₁(true) = 1, a₁(false) = 2, a₂(true) = 0, a₂(false) = 3
    F = [[(i * 7 + j * 3) % 5 - 2 for j in range(4)] for i in range(16)]
    text = "f (if b then 1 else 2) (if p then 0 else 3)"
    ctx = "f : Nat -o Nat -o Nat, b : Bool, p : Bool"
    with _reorder_always():
        c = compile_expr(text, ctx, k=3, bindings={"f": F}, max_entries=32)
        with pytest.raises(CajalError) as err:
            compile_expr(text, ctx, k=3, bindings={"f": F}, max_entries=31)
    a1, a2 = {True: 1, False: 2}, {True: 0, False: 3}
    for (i, b), (j, p) in itertools.product(enumerate((True, False)), repeat=2):
        assert c.tensor[:, i, j].tolist() == [F[4 * r + a2[p]][a1[b]] for r in range(4)]
    e = err.value
    assert e.kind is ErrorKind.SIZE_LIMIT
    # the refused tensor is `f a₁` (dim 16) for each b, not the spine's Nat result
    assert e.message == (
        "the application would need a tensor of 32 entries at K = 3: its intermediate value, "
        "with argument 1 of 2 applied (the spine is applied in a cheaper order), has dim 16, "
        "with axes b : Bool (dim 2); the limit is 31 (max_entries / --max-entries), "
        "or choose a smaller K (--nat-bound)"
    )


def test_a_reordered_spines_result_is_refused_past_the_limit_exactly_naming_its_axes() -> None:
    # f : Bool -o Nat -o Nat bound to a 16 × 2 matrix F, applied to `not b` and
    # `if p then 0 else 3` at K = 3: the result, Nat for each b and p (4 · 2 · 2 = 16 entries),
    # is the largest tensor; its entry (c, b, p) is F[4c + a₂(p)][index of not b]
    F = [[(i * 5 + j * 3) % 7 - 3 for j in range(2)] for i in range(16)]
    text = "f (not b) (if p then 0 else 3)"
    ctx = "f : Bool -o Nat -o Nat, b : Bool, p : Bool"
    with _reorder_always():
        c = compile_expr(text, ctx, k=3, bindings={"f": F}, max_entries=16)
        with pytest.raises(CajalError) as err:
            compile_expr(text, ctx, k=3, bindings={"f": F}, max_entries=15)
    a2 = {True: 0, False: 3}
    for (i, b), (j, p) in itertools.product(enumerate((True, False)), repeat=2):
        assert c.tensor[:, i, j].tolist() == [F[4 * r + a2[p]][1 if b else 0] for r in range(4)]
    assert err.value.kind is ErrorKind.SIZE_LIMIT
    assert err.value.message.startswith(
        "the application would need a tensor of 16 entries at K = 3: its value has type Nat (dim 4), "
        "with axes b : Bool (dim 2), p : Bool (dim 2); the limit is 15 (max_entries / --max-entries)"
    )


def test_a_reordered_spines_basis_value_still_binds_a_weight_parameter() -> None:
    # w is a recurrent weight of the head (used in the step), bound only to a basis vector; its
    # argument, `and true true` through a reordered spine, is e_true with small int entries, so
    # w binds and the head's matrix (2 · 10 · 10 · 10 = 2,000 entries at K = 9) is never built
    text = (
        "(fun w : Bool => fun n : Nat => fun m : Nat => add m (iter n { zero => 0 | succ y => "
        "if w then succ y else y })) ((if true then and else and) true true) 3 2"
    )
    with _reorder_always():
        c = compile_expr(text, k=9, max_entries=1_000)
    ws = workspace()
    expr = ws.check_expression(text)
    assert c.tensor.tolist() == expected_vector(evaluate(expr.term, {}, ws.defs).value, expr.type, 9)
    assert c.tensor.tolist() == expected_vector(5, expr.type, 9)


# ---------------------------------------------------------------------------
# recurrent_sum under an array namespace that checks reshape's arguments
# ---------------------------------------------------------------------------


class _StrictNumpy:
    """numpy, except that reshape takes the Array API standard's shapes only: sizes >= 0 and
    at most one -1 (numpy also reads -2 as "unknown"; jax.numpy, the jax backend's, refuses it)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def reshape(array: Any, shape: tuple[int, ...]) -> Any:
        assert isinstance(shape, tuple) and all(s >= -1 for s in shape) and list(shape).count(-1) <= 1, shape
        return np.reshape(array, shape)


def test_recurrent_sum_is_one_contraction_in_a_strict_array_namespace() -> None:
    # states h₀, h₁, h₂ of shape (2, 2) (value, one axis) and coefficients (3, 2):
    # out[a, d, g] = Σᵢ hᵢ[a, d] · cᵢ[g], by hand
    states = [[[1, 2], [3, 4]], [[0, 1], [1, 0]], [[2, 0], [0, 5]]]
    coefficients = [[1, 0], [2, 1], [0, 3]]
    want = [
        [[sum(states[i][a][d] * coefficients[i][g] for i in range(3)) for g in range(2)] for d in range(2)]
        for a in range(2)
    ]
    assert want[0][0] == [1, 6] and want[1][1] == [4, 15]
    got = recurrent_sum([np.asarray(s) for s in states], np.asarray(coefficients), xp=_StrictNumpy())
    assert np.asarray(got).tolist() == want


# ---------------------------------------------------------------------------
# what the memo may be keyed on
# ---------------------------------------------------------------------------


class _Recording(_Compiler):
    """The compiler, keeping itself and the bindings of its outermost environment."""

    made: ClassVar[list[_Recording]] = []

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.outer: list[object] = []
        _Recording.made.append(self)

    def run(self, node: Any, env: dict[str, Any]) -> Any:
        if not self.outer:
            self.outer = list(env.values())
        return super().run(node, env)


@pytest.mark.parametrize(
    ("text", "ctx"),
    [
        ("add (add 1 2) (add 3 4)", None),
        ("and (not p) (xor q r)", "p : Bool, q : Bool, r : Bool"),
        ("fun n : Nat => mult 2 (add n 1)", None),
    ],
)
def test_nothing_is_memoised_on_the_binding_of_a_substituted_argument(text: str, ctx: str | None) -> None:
    # memo keys are ids of bindings: only bindings that live as long as the compiler (the
    # outermost environment's, the cached axes and basis vectors) may appear in them; an
    # argument's binding dies with its substitution and a later one could reuse its id
    _Recording.made.clear()
    with mock.patch.object(compiling, "_Compiler", _Recording):
        c = compile_expr(text, ctx, k=3)
    (compiler,) = _Recording.made
    lasting = {id(b) for b in (*compiler.outer, *compiler.axes.values(), *compiler.basis.values())}
    for key in compiler.memo:
        assert set(key[1:]) <= lasting, key
    assert_value_is_the_interpreters(Tensor(c.tensor, c.context), text, ctx, 3)


def test_a_variable_argument_left_unbound_is_copied_never_expanded_to_its_identity() -> None:
    # g : Nat -o Nat at K = 3 has dim 16: its identity would have 256 entries; every tensor of
    # this spine has at most 64 (Bool for each b and g: 2 · 2 · 16; each branch, 2 · 16, for b)
    text = (
        "(fun c : Bool => if c then (fun f : Nat -o Nat => is_zero (f 0)) "
        "else (fun f : Nat -o Nat => is_even (f 1))) b g"
    )
    c = compile_expr(text, "b : Bool, g : Nat -o Nat", k=3, max_entries=64)
    # basis vector g = (r, a) of V(Nat -o Nat) is the map a ↦ r (every other input ↦ 0)
    for i, b in enumerate((True, False)):
        for g in range(16):
            r, a = divmod(g, 4)
            hit = a == 0 if b else a == 1
            value = r == 0 if b else r % 2 == 0
            want = ([1, 0] if value else [0, 1]) if hit else [0, 0]
            assert c.tensor[:, i, g].tolist() == want, (b, r, a)


# ---------------------------------------------------------------------------
# when a spine is reordered (its partial applications are then deferred)
# ---------------------------------------------------------------------------

# at K = 3: value dims (B, A₁, A₂, A₃) = (4, 16, 16, 4); the first argument has the axes of g
# (dim 2 · 16 = 32) and p (2): 64 per entry, the others none. Left to right costs
# 4·16·16·4 · 64 + (4·16·4 · 64) · 1 + (4·4 · 64) · 1 = 262,144 + 16,384 + 1,024 = 279,552
# multiply-adds; the best order (A₂, A₃, then A₁) 4,096 + 256 + 64 · 64 = 8,448 (33 times less)
REORDERED = "(if true then compose else compose) (fun n1 : Nat => g p n1) (fun n2 : Nat => n2) 2"
REORDERED_CTX = "g : Bool -o Nat -o Nat, p : Bool"


def _left_to_right(text: str, ctx: str | None, k: int, **kw: Any) -> Compiled:
    with mock.patch.object(contraction, "MIN_WORK", 10**18):
        return compile_expr(text, ctx, k=k, **kw)


def _is_reordered(c: Compiled, plain: Compiled) -> bool:
    """Whether c's root spine was reordered (its partials all deferred; a spine that was not
    may still have a reordered spine inside its function); either way c equals plain."""
    assert c.tensor.tolist() == plain.tensor.tolist()
    partials, expected = _partials(c), _partials(plain)
    deferred = [isinstance(n.value, DeferredTensor) for n in partials]
    assert not any(isinstance(n.value, DeferredTensor) for n in expected)
    assert [n.value.exact().tolist() for n in partials] == [n.value.exact().tolist() for n in expected]
    assert all(deferred) or not deferred[0]
    return deferred[0]


def test_a_spine_33_times_cheaper_reordered_is_reordered_at_the_default_thresholds() -> None:
    plain = _left_to_right(REORDERED, REORDERED_CTX, 3)
    assert _is_reordered(compile_expr(REORDERED, REORDERED_CTX, k=3), plain)
    # at K = 2 (dims 3, 9): left to right costs 29,484 < MIN_WORK (200,000), though 16 times the best
    small = _left_to_right(REORDERED, REORDERED_CTX, 2)
    assert not _is_reordered(compile_expr(REORDERED, REORDERED_CTX, k=2), small)


def test_a_spine_is_reordered_from_exactly_min_work_multiply_adds() -> None:
    # with an axis b on the head, every order costs twice as much: 559,104 left to right
    text = REORDERED.replace("if true", "if b")
    ctx = "b : Bool, " + REORDERED_CTX
    plain = _left_to_right(text, ctx, 3)
    with mock.patch.object(contraction, "MIN_WORK", 559_104):
        assert _is_reordered(compile_expr(text, ctx, k=3), plain)
    with mock.patch.object(contraction, "MIN_WORK", 559_105):
        assert not _is_reordered(compile_expr(text, ctx, k=3), plain)


def test_a_spine_is_reordered_only_when_left_to_right_costs_min_saving_times_the_best() -> None:
    # `(if true then add else add) 1 2` at K = 3: both orders cost 64 + 16 = 80
    text = "(if true then add else add) 1 2"
    plain = _left_to_right(text, None, 3)
    assert plain.tensor.tolist() == expected_vector(3, plain.type, 3)
    for saving, reordered in ((1, True), (2, False), (4, False)):
        with mock.patch.multiple(contraction, MIN_WORK=0, MIN_SAVING=saving):
            assert _is_reordered(compile_expr(text, None, k=3), plain) is reordered, saving


@pytest.mark.parametrize(("n", "reordered"), [(2, True), (6, True), (7, False)])
def test_spines_of_two_to_max_args_arguments_are_reordered(n: int, reordered: bool) -> None:
    # f : Bool -o … -o Bool (n arguments) bound to a 2^n × 2 matrix; the arguments alternate
    f_type = " -o ".join(["Bool"] * (n + 1))
    F = [[(3 * i + 5 * j) % 7 - 3 for j in range(2)] for i in range(2**n)]
    text = "f " + " ".join("true" if i % 2 == 0 else "false" for i in range(n))
    ctx = f"f : {f_type}"
    plain = _left_to_right(text, ctx, 1, bindings={"f": F})
    with _reorder_always():
        assert _is_reordered(compile_expr(text, ctx, k=1, bindings={"f": F}), plain) is reordered


def test_a_variable_used_by_two_arguments_of_a_reordered_spine_is_refused() -> None:
    # an unchecked term (a tool's): `p` is the second and the third argument
    term = parse_term(Source("<e>", "(if true then and else and) p p"))
    with _reorder_always(), pytest.raises(CajalError) as err:
        compile_term(term, (("p", BOOL),), workspace().defs, nat_bound=1)
    assert err.value.kind is ErrorKind.USED_TWICE
    assert err.value.message == "variable `p` is used twice (the compiler needs a linearly typed term)"
    assert err.value.span is not None and err.value.span.start == 0


def test_apply_matrix_is_one_contraction_in_a_strict_array_namespace() -> None:
    # fn: the matrix of A -o B (dim A = 2, dim B = 2) flattened row-major, with an axis F of 2;
    # arg: (dim A, X) with X of 3. out[b, f, x] = Σₐ fn[2b + a, f] · arg[a, x], by hand
    fn = [[1, 2], [0, 3], [4, 0], [5, 6]]
    arg = [[1, 0, 2], [3, 1, 0]]
    want = [
        [[sum(fn[2 * b + a][f] * arg[a][x] for a in range(2)) for x in range(3)] for f in range(2)]
        for b in range(2)
    ]
    assert want[0][0] == [1, 0, 2] and want[1][1] == [18, 6, 0]
    for xp in (np, _StrictNumpy()):
        got = apply_matrix(np.asarray(fn), np.asarray(arg), 2, xp=xp)
        assert np.asarray(got).tolist() == want
    # without axes: a plain matrix times a vector
    assert np.asarray(
        apply_matrix(np.asarray([1, 2, 3, 4]), np.asarray([5, 6]), 2, xp=_StrictNumpy())
    ).tolist() == [
        17,
        39,
    ]


def test_abstract_axis_moves_any_axis_next_to_the_value_axis() -> None:
    # t's tensor (dim B = 2, then axes of 3 and 4): abstracting the axis at 2 gives
    # (2, 4, 3) with entry (b, x, y) = t[b, y, x]; at 1 nothing moves
    body = np.arange(24).reshape(2, 3, 4)
    moved = abstract_axis(body, 2)
    assert moved.shape == (2, 4, 3)
    assert all(moved[b, x, y] == body[b, y, x] for b in range(2) for x in range(4) for y in range(3))
    assert abstract_axis(body, 1).tolist() == body.tolist()
