"""The machine checks of proofs/ (metatheory.md §7): they pass, cover every rule, and are not vacuous.

Each mutation test breaks one compiler primitive with unittest.mock.patch and shows that
the check of the inductive case relying on that primitive fails — so the checks really
run the project's compiler, and a bug there breaks a proof.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest

from cajal_ref.compiler import primitives as compiler
from cajal_ref.rules import RULES

# proofs/ is a top-level folder of the repository, not part of the installed package
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from proofs import QUICK, REGISTRY, Bounds, Check, run_checks  # noqa: E402
from proofs.__main__ import main  # noqa: E402
from proofs.framework import Outcome, Recorder, degree, is_linear, sym_vec  # noqa: E402

TINY = Bounds(
    max_k=3, max_dim=4, max_arrows=1, pair_arrows=1, iter_dim=2, weight_dim=2, nested_k=2, nested_k3=2
)
"""Bounds for the mutation runs: a mutant only has to be caught, not exhaustively."""


def _by_function(name: str) -> Check:
    found = [c for c in REGISTRY if c.body.__name__ == name]
    assert len(found) == 1, f"no single check named {name}"
    return found[0]


# ---------------------------------------------------------------------------
# The checks pass and cover the rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("item", REGISTRY, ids=lambda c: f"{c.name}:{c.body.__name__}")
def test_every_check_passes_at_quick_bounds(item: Check) -> None:
    outcome = item.run(QUICK)
    assert outcome.ok, outcome.line()
    assert outcome.instances > 0


@pytest.mark.parametrize("theorem", ["T2", "T3"])
def test_every_typing_rule_is_a_checked_case(theorem: str) -> None:
    covered = {c.rule for c in REGISTRY if c.theorem == theorem}
    assert covered == set(RULES), f"{theorem}: missing {set(RULES) - covered}, unknown {covered - set(RULES)}"


def test_the_lemmas_are_checked_too() -> None:
    assert {c.theorem for c in REGISTRY} == {"T2", "T3", "Lemma 6", "Cor 3.2"}


def test_main_prints_one_line_per_check_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--only", "Succ"]) == 0
    lines = capsys.readouterr().out.splitlines()
    succ_lines = [line for line in lines if line.split()[1:2] == ["Succ"]]
    assert len(succ_lines) == 2  # T2 Succ and T3 Succ
    for line in succ_lines:
        assert line.startswith(("T2", "T3")) and line.endswith("ok")
        assert "K=0..3" in line
    assert lines[-1].endswith("all proved")


def test_main_rejects_a_negative_bound() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--max-k", "-1"])
    assert exit_info.value.code == 2


# ---------------------------------------------------------------------------
# The polynomial tests themselves
# ---------------------------------------------------------------------------


def test_linearity_and_degree_are_decided_on_monomials() -> None:
    import sympy

    x = list(sym_vec("x", 2))
    y = list(sym_vec("y", 2))
    bilinear = sympy.Matrix([x[0] * y[1] + 3 * x[1] * y[0]])
    assert is_linear(bilinear, x) and is_linear(bilinear, y)
    assert not is_linear(bilinear + sympy.Matrix([y[0]]), x)  # an affine term is not linear in x
    assert not is_linear(sympy.Matrix([x[0] ** 2]), x)
    assert is_linear(sympy.zeros(2, 1), x)
    assert degree(sympy.Matrix([x[0] ** 2 * x[1] + y[0] ** 5]), x) == 3
    assert degree(sympy.zeros(1, 1), x) == -1


def test_a_crashing_check_fails_instead_of_raising() -> None:
    def body(bounds: Bounds, rec: Recorder) -> str:
        raise RuntimeError("boom")

    outcome = Check("T2", "Var", "crash", body).run(QUICK)
    assert not outcome.ok and "boom" in outcome.failures[0]


def test_a_check_with_no_instances_is_not_a_proof() -> None:
    assert not Outcome("T2", "Var", "nothing").ok


# ---------------------------------------------------------------------------
# Mutation: a broken primitive breaks the check of its case
# ---------------------------------------------------------------------------

Original = Callable[..., Any]


@contextmanager
def broken(name: str, make: Callable[[Original], Callable[..., Any]]) -> Iterator[None]:
    """Replace compiler.<name> by make(original) for the duration of the block."""
    original = getattr(compiler, name)
    with mock.patch.object(compiler, name, make(original)):
        yield


def _saturating_shift(original: Original) -> Callable[[int], Any]:
    def shift(k: int) -> Any:
        matrix = original(k).copy()
        matrix[k, k] = 1  # Sh e_K = e_K: no truncation
        return matrix

    return shift


def _wrapping_shift(original: Original) -> Callable[[int], Any]:
    def shift(k: int) -> Any:
        matrix = original(k).copy()
        matrix[0, k] = 1  # Sh e_K = e_0
        return matrix

    return shift


def _swapped_mix(original: Original) -> Callable[..., Any]:
    return lambda cond, then, else_, xp=np: original(cond, else_, then, xp)


def _short_sum(original: Original) -> Callable[..., Any]:
    def recurrent_sum(states: Any, coefficients: Any, xp: Any = np) -> Any:
        states = list(states)
        states[-1] = states[-1] * 0  # forgets the last state: count K gives 0
        return original(states, coefficients, xp)

    return recurrent_sum


def _column_major_flatten(original: Original) -> Callable[[Any], Any]:
    def flatten(matrix: Any) -> Any:
        swapped = np.swapaxes(matrix, 0, 1)
        return original(np.ascontiguousarray(swapped)).reshape(
            matrix.shape[0] * matrix.shape[1], *matrix.shape[2:]
        )

    return flatten


def _column_major_unflatten(original: Original) -> Callable[[Any, int], Any]:
    def unflatten(array: Any, dom_dim: int) -> Any:
        rows = array.shape[0] // dom_dim
        return np.swapaxes(array.reshape(dom_dim, rows, *array.shape[1:]), 0, 1)

    return unflatten


def _nat_off_by_one(original: Original) -> Callable[[int, int], Any]:
    return lambda value, k: original(value + 1, k)


def _bool_swapped(original: Original) -> Callable[[bool], Any]:
    return lambda value: original(not value)


def _reversed_columns(original: Original) -> Callable[..., Any]:
    return lambda columns, xp=np: original(list(columns)[::-1], xp)


def _parameter_axis_last(original: Original) -> Callable[..., Any]:
    return lambda body, axis, xp=np: (
        original(body, axis, xp) if body.ndim <= 2 else np.moveaxis(body, axis, -1)
    )


def _extra_step(original: Original) -> Callable[..., Any]:
    def unroll(step: Callable[[Any], Any], base: Any, k: int) -> list[Any]:
        states: list[Any] = original(step, step(base), k)  # starts from S·base: off by one step
        return states

    return unroll


MUTATIONS: list[tuple[str, str, Callable[[Original], Callable[..., Any]], list[str]]] = [
    (
        "shift does not truncate (Sh e_K = e_K)",
        "shift_matrix",
        _saturating_shift,
        ["succ_shift", "succ_linear"],
    ),
    ("shift wraps around (Sh e_K = e_0)", "shift_matrix", _wrapping_shift, ["succ_shift", "numeral_enc"]),
    ("if swaps its branches", "mix", _swapped_mix, ["if_mix_selects"]),
    (
        "recurrent sum drops the K-th state",
        "recurrent_sum",
        _short_sum,
        ["iter_selects_power", "iter_degree"],
    ),
    (
        "states start one step late",
        "unroll_states",
        _extra_step,
        ["iter_selects_power", "iter_nested_degree"],
    ),
    (
        "functions flattened column-major",
        "flatten_function",
        _column_major_flatten,
        ["lam_currying", "lam_linear"],
    ),
    (
        "application reads the matrix column-major",
        "unflatten_function",
        _column_major_unflatten,
        ["app_contraction", "lam_function_parameter"],
    ),
    ("numerals off by one", "encode_nat", _nat_off_by_one, ["numeral_enc", "zero_enc"]),
    ("booleans swapped", "encode_bool", _bool_swapped, ["true_enc", "false_enc"]),
    (
        "per-basis columns reversed",
        "stack_columns",
        _reversed_columns,
        # a let at p = e_j runs its body at e_j (the compiler's substitution): no columns stacked
        ["lam_recurrent_parameter"],
    ),
    (
        "abstraction puts the parameter axis last",
        "abstract_axis",
        _parameter_axis_last,
        ["lam_currying"],  # a linear iter step runs on its state (no abstraction), so only Lam sees it
    ),
]


@pytest.mark.parametrize(("label", "primitive", "mutate", "checks"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_broken_primitive_fails_the_check_of_its_case(
    label: str, primitive: str, mutate: Callable[[Original], Callable[..., Any]], checks: list[str]
) -> None:
    with broken(primitive, mutate):
        for name in checks:
            outcome = _by_function(name).run(TINY)
            assert not outcome.ok, f"{label}: {outcome.theorem} {outcome.rule} ({name}) still passes"
            assert outcome.failures
    # and the unbroken compiler passes the same checks again
    for name in checks:
        assert _by_function(name).run(TINY).ok


def test_a_broken_primitive_makes_main_exit_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    with broken("mix", _swapped_mix):
        assert main(["--quick", "--only", "If"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "T2       If" in out


def test_run_checks_selects_and_reports() -> None:
    seen: list[Outcome] = []
    outcomes = run_checks(TINY, select=lambda c: c.rule == "Zero", report=seen.append)
    assert [o.theorem for o in outcomes] == ["T2", "T3"] and seen == outcomes
