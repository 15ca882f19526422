"""Programs the compiler used to refuse or to build slowly, checked by value against the interpreter.

Each program is compiled and compared with the direct semantics through the logical
relation (SPEC §6, `check_substitution` on a closed program: every basis argument, the
interpreter's value encoded). No timing is asserted here (benchmarks/ measures speed);
what is asserted is the value, and that the size guards refuse before allocating.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from unittest import mock

import numpy as np
import pytest

from cajal_ref.checker import DefInfo
from cajal_ref.compiler import (
    Application,
    Compiled,
    RecurrentNeuron,
    compile_term,
    contraction,
    recurrence,
    symbolic_bindings,
    symbols_for,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.parser import parse_type_text
from cajal_ref.syntax import NAT, Arrow, Type, is_first_order
from cajal_ref.verification.relation import RelatedValue, basis
from cajal_ref.verification.strategies import Program
from cajal_ref.verification.verify import check_substitution, closed_value, verify_def
from tests.cli_helpers import cajal_process


@cache
def workspace() -> Workspace:
    return load_workspace()


def defs() -> dict[str, DefInfo]:
    return dict(workspace().defs)


FUNCTION_ARGUMENTS = ("double", "fun x : Nat => succ x", "fun x : Nat => discard x")
"""Arguments of type Nat -o Nat (the relation needs some at a higher-order domain)."""


def agrees_with_interpreter(text: str, k: int) -> int:
    """Compile the closed program at K and compare it with the interpreter on every basis argument
    (and on FUNCTION_ARGUMENTS at a Nat -o Nat domain)."""
    ws = workspace()
    expr = ws.check_expression(text)

    def arguments(t: Type) -> list[RelatedValue]:
        if is_first_order(t):
            return basis(t, k)
        assert t == Arrow(NAT, NAT)
        terms = [(a, ws.check_expression(a).term) for a in FUNCTION_ARGUMENTS]
        return [closed_value(term, t, ws.defs, nat_bound=k, label=a) for a, term in terms]

    program = Program(expr.type, (), expr.term)
    check = check_substitution(program, {}, ws.defs, nat_bound=k, arguments=arguments)
    assert check.agree, check.counterexample.describe() if check.counterexample else ""
    return check.checked


def test_a_constant_iter_inside_a_step_runs_no_step() -> None:
    # issue 14: 24.6 s of CPU before; the inner `iter 0` selects its base, the outer runs once
    text = "iter 1 { zero => add | succ y => iter 0 { zero => y | succ z => z } }"
    assert agrees_with_interpreter(text, 9) > 0
    expr = workspace().check_expression(text)
    c = compile_term(expr.term, (), workspace().defs, nat_bound=9)
    outer = next(n for n in c.structure.walk() if isinstance(n, RecurrentNeuron))
    assert len(outer.computed_states) == 2  # h₀ and h₁ only: the count is e_1


def test_a_function_typed_state_of_dim_10000_is_not_refused() -> None:
    # the step's matrix S would have 10⁸ entries (refused with size-limit before); the
    # state itself has 10⁴ and the result 10⁴
    text = "iter 2 { zero => (fun f : Nat -o Nat => f) | succ y => y }"
    assert agrees_with_interpreter(text, 9) > 0
    expr = workspace().check_expression(text)
    c = compile_term(expr.term, (), workspace().defs, nat_bound=9, max_entries=10**5)
    assert c.shape == (10**4,)


def test_succ_at_k_2000_is_the_shift_matrix() -> None:
    k = 2000
    expr = workspace().check_expression("fun x : Nat => succ x")
    c = compile_term(expr.term, (), workspace().defs, nat_bound=k)
    matrix = c.printed
    rows, cols = np.nonzero(matrix)
    # column x is enc(x + 1), read from the interpreter, or 0 when x + 1 > K
    successor = evaluate(expr.term, {}, workspace().defs).value  # the interpreter's function
    expected_rows = []
    for x in range(k + 1):
        value = successor(x)
        if value <= k:
            expected_rows.append((value, x))
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == expected_rows
    assert all(matrix[r, col] == 1 for r, col in expected_rows)


@pytest.mark.parametrize(
    "text",
    [
        # a binder inside the step with the name of the state's axis (x): renamed apart
        "fun x : Nat => iter 2 { zero => x | succ y => (fun x : Bool => if x then succ y else y) true }",
        # a ground step variable used in a nested step: S built from its K+1 columns
        "fun n : Nat => iter n { zero => 1 | succ y => iter y { zero => 0 | succ z => succ (succ z) } }",
        # states that become zero stop the unrolling (mult: m·n > K is the zero vector)
        "mult",
        "fun n : Nat => iter n { zero => fun x : Nat => x | succ h => fun x : Nat => succ (h x) }",
    ],
)
@pytest.mark.parametrize("small_products", [0, 10**9], ids=["run on states", "S from columns"])
def test_steps_run_on_their_states_agree_with_the_interpreter(text: str, small_products: int) -> None:
    # both ways of taking a step where the state is ground: S's K+1 columns, or the step run
    with (
        mock.patch.object(recurrence, "SMALL_PRODUCTS", small_products),
        mock.patch.object(recurrence, "NODE_COST", small_products),  # a run costs more than S
    ):
        assert agrees_with_interpreter(text, 4) > 0


def test_states_and_step_matrix_are_built_on_demand() -> None:
    expr = workspace().check_expression("iter 1 { zero => true | succ b => not b }")
    c = compile_term(expr.term, (), workspace().defs, nat_bound=3)
    neuron = next(n for n in c.structure.walk() if isinstance(n, RecurrentNeuron))
    assert len(neuron.computed_states) == 2
    # by hand: the states alternate true, false; S is the matrix of `not`
    assert [s.exact().tolist() for s in neuron.states] == [[1, 0], [0, 1], [1, 0], [0, 1]]
    assert neuron.step_matrix.exact().tolist() == [[0, 1], [1, 0]]


def test_symbolic_bindings_are_refused_before_making_millions_of_symbols() -> None:
    with pytest.raises(CajalError) as err:
        symbols_for("x", NAT, 10**6)
    assert err.value.kind is ErrorKind.SIZE_LIMIT
    assert "1,000,001 sympy symbols" in err.value.message and "100,000" in err.value.message
    f = parse_type_text("(Nat -o Nat) -o Nat")
    with pytest.raises(CajalError) as err:
        symbolic_bindings([("f", f)], nat_bound=200)
    assert "8,120,601" in err.value.message
    assert symbols_for("g", Arrow(NAT, NAT), 3).shape == (4, 4)


def test_cli_symbolic_at_a_huge_k_is_a_clear_size_limit() -> None:
    out = cajal_process("compile", "-K", "1000000", "--symbolic", "-e", "succ x", "--ctx", "x : Nat")
    assert out.returncode == 1
    assert "1,000,001 sympy symbols" in out.stderr and "size-limit" in out.stderr


def test_verify_at_a_huge_k_is_refused_before_building_inputs() -> None:
    report = verify_def(defs()["add"], defs(), nat_bound=10**6)
    assert not report.agree or report.error is not None
    assert report.error is not None and report.inputs_checked == 0
    assert "1,000,003,000,003,000,001 entries" in report.error and "10,000,000" in report.error


def test_the_guard_counts_allocations_not_the_step_matrix() -> None:
    # a 10⁴-entry state iterated: allowed within a limit far below S's 10⁸ entries,
    # refused (before allocating) below the states' own size, naming both numbers
    expr = workspace().check_expression("iter 2 { zero => (fun f : Nat -o Nat => f) | succ y => y }")
    with pytest.raises(CajalError) as err:
        compile_term(expr.term, (), workspace().defs, nat_bound=9, max_entries=5_000)
    assert err.value.kind is ErrorKind.SIZE_LIMIT
    assert "the limit is 5,000" in err.value.message


def _reorder_always() -> Any:
    return mock.patch.multiple(contraction, MIN_WORK=0, MIN_SAVING=0)


@pytest.mark.parametrize(
    "text",
    [
        "compose (fun n1 : Nat => add 1 n1) (fun n2 : Nat => n2) 2",
        "compose double (fun n : Nat => succ n)",
        "mult 2 2",
        "fun x : Bool => fun y : Bool => and y x",
        "(fun f : Nat -o Nat => fun n : Nat => iter f n { zero => false | succ b => not b }) double",
        # heads that are not a `fun` or a def (those run on their arguments): an if, an iter
        "fun b : Bool => fun n : Nat => (if b then add else mult) n 2",
        "fun n : Nat => fun m : Nat => (iter 1 { zero => add | succ f => f }) m n",
        "fun b : Bool => (if b then compose else compose) double (fun n : Nat => succ n)",
    ],
)
def test_application_spines_in_any_order_agree_with_the_interpreter(text: str) -> None:
    with _reorder_always():
        assert agrees_with_interpreter(text, 4) > 0


def test_a_reordered_spine_equals_left_to_right_and_keeps_its_partial_values() -> None:
    # g and p free: the head's matrix meets their axes late instead of first (the head is an
    # `if`, so it is a matrix: a `fun` or def at the head would run on its arguments instead)
    ws = workspace()
    expr = ws.check_expression(
        "(if true then compose else compose) (fun n1 : Nat => g p n1) (fun n2 : Nat => n2) 2",
        "g : Bool -o Nat -o Nat, p : Bool",
    )
    with mock.patch.object(contraction, "MIN_WORK", 10**18):
        plain = compile_term(expr.term, expr.context, ws.defs, nat_bound=3)
    with _reorder_always():
        reordered = compile_term(expr.term, expr.context, ws.defs, nat_bound=3)
    assert reordered.tensor.tolist() == plain.tensor.tolist()

    def partials(c: Compiled) -> list[Any]:
        return [n.value.exact().tolist() for n in c.structure.walk() if isinstance(n, Application)]

    assert partials(reordered) == partials(plain)


@pytest.mark.parametrize(
    "text",
    [
        # compose's binder `x` meets an argument that carries the outer `x` as an axis
        "fun x : Nat => compose (fun n : Nat => add x n) (fun x : Nat => succ x)",
        # an inline fun whose inner binder shadows the name of its argument's axis
        "fun x : Nat => (fun f : Nat -o Nat => fun x : Nat => f x) (fun n : Nat => add x n)",
        # a recurrent-weight parameter (mult's m) bound to a basis vector, then to a non-basis value
        "fun n : Nat => mult 2 n",
        "fun b : Bool => fun n : Nat => mult (if b then 1 else 2) n",
        # a let, and a def applied to fewer arguments than it takes
        "fun n : Nat => let m = succ n in add m 1",
        "fun n : Nat => compose (add n)",
        # parameters left unbound: the head returns a function through an if
        "fun b : Bool => (fun c : Bool => if c then (fun n : Nat => succ n) else double) b 2",
    ],
)
def test_applied_funs_run_on_their_arguments_and_agree_with_the_interpreter(text: str) -> None:
    assert agrees_with_interpreter(text, 3) > 0


def test_a_variable_that_is_only_applied_never_allocates_its_identity() -> None:
    # h : (Nat -o Nat) -o Nat has dim 10 · 100 = 1,000 at K = 9: its identity would have 10⁶
    # entries; applied, the result is a copy of the argument (10 × 1,000 = 10⁴ entries)
    ws = workspace()
    expr = ws.check_expression("h (fun n : Nat => n)", "h : (Nat -o Nat) -o Nat")
    c = compile_term(expr.term, expr.context, ws.defs, nat_bound=9, max_entries=20_000)
    got = np.array(c.tensor.tolist())
    assert got.shape == (10, 1000)
    # entry (b, h = (b′, a)) is δ(b, b′)·[a is the flattened identity's coordinate (i, i)]
    b, h = np.indices(got.shape)
    expected = (b == h // 100) & ((h % 100) % 11 == 0)
    assert (got == expected.astype(int)).all()


@pytest.mark.parametrize(
    "text",
    [
        # y is used in the step of a nested iter: its step's columns are built as states need them
        "fun n : Nat => iter n { zero => 1 | succ y => iter 2 { zero => 0 | succ z => add y z } }",
        "fun n : Nat => iter 3 { zero => n | succ y => iter 2 { zero => 0 | succ z => add y z } }",
        "fun n : Nat => iter n { zero => 2 | succ y => iter y { zero => 1 | succ z => succ z } }",
        "fun n : Nat => fun m : Nat => iter n { zero => zero | succ y => add m y }",
    ],
)
def test_steps_built_from_the_columns_their_states_need_agree_with_the_interpreter(text: str) -> None:
    assert agrees_with_interpreter(text, 4) > 0


def test_a_def_lowered_once_is_not_reused_where_a_def_it_uses_differs() -> None:
    # mult's lowering is cached per process; with another `add` (add' m n = n: its step is
    # y ↦ y) the cached mult must not be reused: mult m n = iter n { zero => 0 | succ y => y }
    # is then the numeral 0, and mult 2 3 is 6 again with the prelude's add
    from dataclasses import replace

    from cajal_ref.parser import parse_term_text

    ws = workspace()
    expr = ws.check_expression("mult 2 3")
    other = dict(ws.defs)
    body = parse_term_text("fun m : Nat => fun n : Nat => iter m { zero => n | succ y => y }")
    other["add"] = replace(ws.defs["add"], body=body)

    def value(defs: Any) -> list[int]:
        return compile_term(expr.term, (), defs, nat_bound=9).tensor.tolist()

    assert value(ws.defs) == [int(i == 6) for i in range(10)]
    assert value(other) == [int(i == 0) for i in range(10)]
    assert value(ws.defs) == [int(i == 6) for i in range(10)]


def test_a_step_built_from_columns_gives_its_matrix_and_states_on_demand() -> None:
    # y is used in a nested step (per basis vector): S y = 2y, as a numeral (0 past K = 4)
    text = "fun n : Nat => iter n { zero => 1 | succ y => iter y { zero => 0 | succ z => succ (succ z) } }"
    expr = workspace().check_expression(text)
    c = compile_term(expr.term, (), workspace().defs, nat_bound=4)
    neuron = next(n for n in c.structure.walk() if isinstance(n, RecurrentNeuron))
    e = np.eye(5, dtype=int).tolist()
    zero = [0] * 5
    # columns S e_0 … S e_4 = e_0, e_2, e_4, 0, 0
    assert np.array(neuron.step_matrix.exact().tolist()).T.tolist() == [e[0], e[2], e[4], zero, zero]
    # states from base 1: e_1, e_2, e_4, then 0
    assert [s.exact().tolist() for s in neuron.states] == [e[1], e[2], e[4], zero, zero]
