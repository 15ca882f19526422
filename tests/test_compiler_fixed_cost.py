"""The paths that cut the compiler's fixed cost per compilation, checked by value.

Each shortcut (dims kept across compilations per K, one vector per constant, the
identity applied as a strided copy, the context transpose skipped when it is the
identity, the recursion limit raised by a class) is checked against the interpreter
(through `agrees_with_interpreter`, every basis argument) or against a tensor written
out by hand. Timing is measured in benchmarks/compile_bench.py and authors_bench.py.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from cajal_ref.compiler import compile_term
from cajal_ref.compiler.ir import raised_recursion_limit
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.syntax import NAT, Arrow, Opaque
from tests.test_compiler_cost import agrees_with_interpreter, workspace


@pytest.mark.parametrize(
    "text",
    [
        "fun x : Bool => if x then true else true",  # the same constant twice: one vector
        "fun x : Bool => if (if x then false else true) then (if true then false else true) else true",
        "fun x : Nat => if true then x else succ x",  # a condition without axes
        "fun f : Nat -o Nat => f 1",
        "fun f : Nat -o Nat => fun x : Nat => f x",
        "fun f : Nat -o Nat => fun x : Bool => if x then f 1 else f 2",
        "compose",  # three `fun`s over f (g x): their axes put in binder order once
        "fun g : Nat -o Nat => fun f : Nat -o Nat => compose f g",
        "fun x : Nat => fun f : Nat -o Nat => f x",
        "fun x : Bool => fun y : Bool => fun z : Bool => "
        "if z then (if y then x else not x) else (if y then not x else x)",
    ],
)
def test_small_programs_agree_with_the_interpreter(text: str) -> None:
    for k in (2, 4):
        assert agrees_with_interpreter(text, k) > 0


def test_applying_a_function_variable_is_its_identity_block_by_block() -> None:
    # `fun f : Nat -o Nat => f 3` at K = 4: entry (b, f = (b′, a)) is δ(b, b′)·[a = 3] (by hand)
    ws = workspace()
    expr = ws.check_expression("fun f : Nat -o Nat => f 3")
    tensor = compile_term(expr.term, (), ws.defs, nat_bound=4).tensor
    expected = np.zeros((5, 5, 5), dtype=np.int64)
    for b in range(5):
        expected[b, b, 3] = 1
    assert tensor.dtype == object
    assert tensor.tolist() == expected.reshape(-1).tolist()


def test_context_axes_in_either_order() -> None:
    # `if y then x else succ x` over (x : Nat, y : Bool) and (y, x): entry [v, …] is
    # [v = x] where y is true (index 0), [v = x + 1] where it is false (by hand, K = 3)
    ws = workspace()
    k = 3
    by_hand = np.zeros((k + 1, k + 1, 2), dtype=np.int64)  # [v, x, y]
    for x in range(k + 1):
        by_hand[x, x, 0] = 1
        if x < k:
            by_hand[x + 1, x, 1] = 1
    for ctx_text, order in (("x : Nat, y : Bool", (0, 1, 2)), ("y : Bool, x : Nat", (0, 2, 1))):
        expr = ws.check_expression("if y then x else succ x", ctx_text)
        tensor = compile_term(expr.term, expr.context, ws.defs, nat_bound=k).tensor
        assert tensor.tolist() == by_hand.transpose(order).tolist()


def test_dims_kept_across_compilations_follow_k_and_opaque_dims() -> None:
    ws = workspace()
    expr = ws.check_expression("fun x : Nat => x")
    for k in (3, 5, 3):
        assert compile_term(expr.term, (), ws.defs, nat_bound=k).tensor.shape == ((k + 1) ** 2,)
    img = Opaque("Img")
    ctx = (("f", Arrow(img, NAT)),)
    term = ws.check_expression("f", "f : Nat -o Nat").term  # a variable: its type comes from ctx
    assert compile_term(term, ctx, {}, nat_bound=2, opaque_dims={"Img": 4}).tensor.shape == (12, 12)
    with pytest.raises(CajalError) as err:  # the same type object, no dimension given: still refused
        compile_term(term, ctx, {}, nat_bound=2)
    assert err.value.kind is ErrorKind.UNKNOWN_TYPE


def test_the_recursion_limit_is_raised_inside_and_restored_after() -> None:
    before = sys.getrecursionlimit()
    with raised_recursion_limit():
        inside = sys.getrecursionlimit()
        with raised_recursion_limit():
            assert sys.getrecursionlimit() == inside
        assert sys.getrecursionlimit() == inside
    assert inside > 100_000 or inside == before
    assert sys.getrecursionlimit() == before
    ws = workspace()
    text = "fun x : Bool => " + "not (" * 400 + "x" + ")" * 400  # 400 nested applications
    expr = ws.check_expression(text)
    assert compile_term(expr.term, (), ws.defs, nat_bound=1).tensor.tolist() == [1, 0, 0, 1]
    assert sys.getrecursionlimit() == before


def test_compose_entry_by_entry() -> None:
    # compose at K = 1: entry ((r, x), g, f) of the flattened tensor is Σ_m f[r, m]·g[m, x]
    # over the basis matrices f = E(fr, fc), g = E(gr, gc): 1 where r = fr, fc = gr, gc = x (by hand)
    ws = workspace()
    expr = ws.check_expression("compose")
    tensor = compile_term(expr.term, (), ws.defs, nat_bound=1).tensor.reshape(2, 2, 4, 4)
    for r in range(2):
        for x in range(2):
            for g in range(4):
                for f in range(4):
                    (fr, fc), (gr, gc) = divmod(f, 2), divmod(g, 2)
                    assert tensor[r, x, g, f] == int(r == fr and fc == gr and gc == x)


def test_binder_order_moves_axes_once_and_keeps_an_ordered_tensor() -> None:
    from cajal_ref.compiler.evaluation import _Compiler
    from cajal_ref.compiler.tensors import Tensor
    from cajal_ref.syntax import BOOL

    c = _Compiler(1, {}, 10**6)
    array = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    body = Tensor(array, (("f", BOOL), ("g", BOOL), ("x", BOOL)))
    c.binders[:] = ["f", "g"]
    moved = c.binder_order(body, "x")
    assert moved.names == ("x", "g", "f")
    assert moved.array.flags.c_contiguous
    assert moved.array.tolist() == array.transpose(0, 3, 2, 1).tolist()
    c.binders[:] = []
    ordered = Tensor(array, (("x", BOOL), ("g", BOOL), ("f", BOOL)))
    assert c.binder_order(ordered, "x") is ordered  # already in order: no copy


def test_constants_kept_across_compilations_follow_a_patched_primitive() -> None:
    from unittest import mock

    from cajal_ref.compiler import primitives

    ws = workspace()
    expr = ws.check_expression("true")
    assert compile_term(expr.term, (), ws.defs, nat_bound=2).tensor.tolist() == [1, 0]
    def swap(value: bool) -> np.ndarray:
        return np.array([0, 1] if value else [1, 0])

    # a mutant's encoding is not served from the kept vectors
    with mock.patch.object(primitives, "encode_bool", swap):
        assert compile_term(expr.term, (), ws.defs, nat_bound=2).tensor.tolist() == [0, 1]
    assert compile_term(expr.term, (), ws.defs, nat_bound=2).tensor.tolist() == [1, 0]
    numeral = ws.check_expression("2").term
    assert compile_term(numeral, (), ws.defs, nat_bound=3).tensor.tolist() == [0, 0, 1, 0]
    assert compile_term(numeral, (), ws.defs, nat_bound=1).tensor.tolist() == [0, 0]  # 2 > K: zero


def test_kept_identities_are_read_only_and_results_are_fresh() -> None:
    ws = workspace()
    expr = ws.check_expression("fun x : Nat => x")
    first = compile_term(expr.term, (), ws.defs, nat_bound=2)
    assert first.tensor.tolist() == np.eye(3, dtype=np.int64).reshape(-1).tolist()
    first.tensor[0] = 7  # the result is the caller's own array
    assert compile_term(expr.term, (), ws.defs, nat_bound=2).tensor[0] == 1


@pytest.mark.parametrize(
    "text",
    [
        "compose",
        "fun g : Nat -o Nat => fun f : Nat -o Nat => compose f g",
        "fun x : Nat => fun f : Nat -o Nat => f x",
        "fun f : Nat -o Nat => fun g : Nat -o Nat => fun x : Nat => g (f x)",
        "fun x : Nat => fun y : Bool => fun f : Nat -o Nat => f (if y then x else succ x)",
    ],
)
def test_a_function_variable_applied_in_the_layout_of_its_binders(text: str) -> None:
    # the layout path runs only on large tensors; with its threshold at 0 it runs on these
    from unittest import mock

    from cajal_ref.compiler import tensors

    ws = workspace()
    expr = ws.check_expression(text)
    plain = compile_term(expr.term, (), ws.defs, nat_bound=2).tensor
    with mock.patch.object(tensors, "_LAYOUT_MIN", 0):
        assert agrees_with_interpreter(text, 2) > 0
        laid_out = compile_term(expr.term, (), ws.defs, nat_bound=2).tensor
    assert laid_out.tolist() == plain.tolist()


def test_preferred_layout_keeps_the_function_axis_whole() -> None:
    from cajal_ref.compiler.tensors import _preferred_layout

    # logical (b, b′, a, g, x); prefer x, g, f: memory (b, x, g, b′, a)
    assert _preferred_layout(["f", "g", "x"], ["x", "g", "f"]) == [0, 4, 3, 1, 2]
    assert _preferred_layout(["f", "g", "x"], ["f", "g"]) is None  # already in order
    assert _preferred_layout(["f", "y"], ["y"]) == [0, 3, 1, 2]
