"""The direct semantics (SPEC §4) on the prelude and the open examples, against values worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate, evaluate_tracking
from cajal_ref.loader import Workspace, example_source, load_workspace


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return load_workspace()


def run(
    ws: Workspace, text: str, ctx: str | None = None, env: dict[str, Any] | None = None
) -> tuple[Any, int]:
    expr = ws.check_expression(text, ctx)
    result = evaluate(expr.term, env or {}, ws.defs)
    return result.value, result.peak


@pytest.mark.parametrize(("x", "y"), [(True, True), (True, False), (False, True), (False, False)])
def test_boolean_prelude_truth_tables(ws: Workspace, x: bool, y: bool) -> None:
    lit = {True: "true", False: "false"}
    assert run(ws, f"not {lit[x]}")[0] is (not x)
    assert run(ws, f"and {lit[x]} {lit[y]}")[0] is (x and y)
    assert run(ws, f"or {lit[x]} {lit[y]}")[0] is (x or y)
    assert run(ws, f"xor {lit[x]} {lit[y]}")[0] is (x != y)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("is_zero 0", True),
        ("is_zero 3", False),
        ("is_even 0", True),
        ("is_even 7", False),
        ("is_even 10", True),
        ("add 3 4", 7),
        ("add 0 0", 0),
        ("double 5", 10),
        ("mult 3 4", 12),
        ("mult 0 5", 0),
        ("mult 5 0", 0),
        ("mult 7 1", 7),
        ("discard 5", 0),
        ("compose (fun k : Nat => succ k) double 3", 7),
        ("compose double (fun k : Nat => succ k) 3", 8),
        ("let x = 2 in add x 1", 3),
    ],
)
def test_nat_prelude_by_hand(ws: Workspace, text: str, value: object) -> None:
    got = run(ws, text)[0]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    ("text", "peak"),
    [
        ("true", 0),
        ("is_even 7", 7),  # the numeral 7; the states are Bools
        ("add 3 4", 7),  # states 4, 5, 6, 7
        ("mult 3 4", 12),  # the last state of the outer iteration
        ("double (add 2 3)", 10),
        ("discard 9", 9),
        ("succ (succ zero)", 2),
    ],
)
def test_peak_is_largest_natural_constructed(ws: Workspace, text: str, peak: int) -> None:
    assert run(ws, text)[1] == peak


def test_functions_are_values(ws: Workspace) -> None:
    f, _ = run(ws, "add 2")
    assert callable(f)
    assert f(5) == 7


def test_tracking_counts_peak_of_later_applications(ws: Workspace) -> None:
    expr = ws.check_expression("add 2")
    f, peak = evaluate_tracking(expr.term, {}, ws.defs)
    assert peak() == 2
    assert f(40) == 42
    assert peak() == 42


def test_open_program_apply_n_with_closed_terms_bound(ws: Workspace) -> None:
    ws.add_source(example_source("apply_n.cj"), lenient=True)
    succ = evaluate(ws.check_expression("fun k : Nat => succ k").term, {}, ws.defs).value
    body = ws.defs["apply_n"].body
    assert evaluate(body, {"f": succ, "n": 3, "x": 2}, ws.defs).value == 5
    dbl = evaluate(ws.check_expression("double").term, {}, ws.defs).value
    result = evaluate(body, {"f": dbl, "n": 4, "x": 1}, ws.defs)
    assert result.value == 16
    assert result.peak == 16


def test_experiment_programs_take_opaque_values() -> None:
    ws = load_workspace()
    ws.add_source(example_source("iterate.cj"), lenient=True)
    ws.add_source(example_source("conditional.cj"), lenient=True)

    def step(img: tuple[str, ...]) -> tuple[str, ...]:
        return (*img, "dilated")

    iterate = ws.defs["iterate"].body
    assert evaluate(iterate, {"num": 3, "img": ("x",), "step": step}, ws.defs).value == (
        "x",
        "dilated",
        "dilated",
        "dilated",
    )
    conditional = ws.defs["conditional"].body
    env = {"num": 2, "img": ("x",), "step": step}
    assert evaluate(conditional, {**env, "odd": True}, ws.defs).value == ("x", "dilated", "dilated")
    assert evaluate(conditional, {**env, "odd": False}, ws.defs).value == ("x",)


def test_fuel_turns_a_long_evaluation_into_an_error(ws: Workspace) -> None:
    expr = ws.check_expression("mult 100 100")
    with pytest.raises(CajalError) as info:
        evaluate(expr.term, {}, ws.defs, fuel=500)
    assert info.value.kind is ErrorKind.FUEL
    assert evaluate(expr.term, {}, ws.defs).value == 10_000


def test_deep_terms_evaluate_without_recursion_error(ws: Workspace) -> None:
    depth = 5000
    text = "succ (" * depth + "zero" + ")" * depth
    assert run(ws, text) == (depth, depth)


def test_big_numerals_are_one_node(ws: Workspace) -> None:
    assert run(ws, "is_even 100000") == (True, 100000)
