"""The correctness theorem as hypothesis properties (SPEC §6): three views of T2, plus T3.

1. closed ground programs: compile_K(t) = enc(eval(t)), K ≥ the evaluation's peak;
2. open terms by substitution of closed value terms, compared with the logical relation;
3. open terms by linking: the open tensor contracted with compiled inputs, against eval
   in the environment of the inputs' values (R at higher types);
4. T3: over symbolic inputs, degree 1 in each non-recurrent variable, ≤ K^d in a
   recurrent weight used under d steps;
5. truncation: past the peak the compiled result may differ; from K = peak on it agrees.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from cajal_ref.checker import DefInfo
from cajal_ref.diagnostics import CajalError
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import load_workspace
from cajal_ref.parser import parse_term_text
from cajal_ref.syntax import BOOL, NAT, Arrow, Opaque, Type, step_free_vars
from cajal_ref.verification.relation import RelatedValue, enc, substitute
from cajal_ref.verification.strategies import (
    Program,
    closed_ground_programs,
    inhabited,
    prelude_def_types,
    programs,
    values,
)
from cajal_ref.verification.verify import (
    CHECK_FUEL,
    argument_sources,
    check_closed_ground,
    check_degrees,
    check_linking,
    check_substitution,
    compile_closed,
    related_values,
    step_depths,
)

MAX_K = 5
"""Programs whose peak exceeds this are not compiled at K = peak (tensors grow as (K+1)^n)."""

IMG = Opaque("Img")
DIMS = {"Img": 2}

WS = load_workspace()
DEFS: dict[str, DefInfo] = WS.defs
DEF_TYPES: dict[str, Type] = prelude_def_types(DEFS)


def _fail(check: Any) -> str:
    return check.counterexample.describe() if check.counterexample is not None else ""


# ---------------------------------------------------------------------------
# 1. closed ground programs
# ---------------------------------------------------------------------------


@given(closed_ground_programs(defs=DEF_TYPES), st.integers(0, 2))
def test_closed_ground_programs_compile_to_the_encoding_of_their_value(program: Program, extra: int) -> None:
    check = check_closed_ground(
        program.term, program.type, DEFS, min_bound=1 + extra, max_bound=MAX_K + extra
    )
    assume(check.checked == 1)  # skipped: peak above MAX_K, or out of fuel
    assert check.agree, _fail(check)


# ---------------------------------------------------------------------------
# 2. substitution
# ---------------------------------------------------------------------------


def _substitutable(p: Program) -> bool:
    return all(inhabited(t) for _, t in p.context)


@given(programs(closed=False, defs=DEF_TYPES).filter(_substitutable), st.integers(1, 3), st.data())
def test_substituting_closed_values_agrees_with_the_relation(
    program: Program, min_bound: int, data: st.DataObject
) -> None:
    closed_values = {n: data.draw(values(t, defs=DEF_TYPES), label=n) for n, t in program.context}
    # K at least the peak of evaluating the closed program (its later applications may go higher)
    try:
        peak = evaluate(substitute(program.term, closed_values), {}, DEFS, fuel=CHECK_FUEL).peak
    except CajalError:
        peak = MAX_K + 1
    assume(peak <= MAX_K)
    nat_bound = max(min_bound, peak)
    source = data.draw(argument_sources(program.type, nat_bound, DEFS, def_types=DEF_TYPES), label="args")
    check = check_substitution(program, closed_values, DEFS, nat_bound=nat_bound, arguments=source)
    event("all comparisons over the bound" if check.checked == 0 else "compared")
    assert check.agree, _fail(check)


# ---------------------------------------------------------------------------
# 3. linking
# ---------------------------------------------------------------------------


def _draw_inputs(data: st.DataObject, program: Program, nat_bound: int) -> dict[str, RelatedValue]:
    return {
        n: data.draw(related_values(t, nat_bound, DEFS, opaque_dims=DIMS, def_types=DEF_TYPES), label=n)
        for n, t in program.context
    }


@given(programs(closed=False, defs=DEF_TYPES, opaque=("Img",)), st.integers(2, 5), st.data())
def test_linking_compiled_inputs_agrees_with_the_relation(
    program: Program, nat_bound: int, data: st.DataObject
) -> None:
    inputs = _draw_inputs(data, program, nat_bound)
    source = data.draw(
        argument_sources(program.type, nat_bound, DEFS, opaque_dims=DIMS, def_types=DEF_TYPES), label="args"
    )
    check = check_linking(program, inputs, DEFS, nat_bound=nat_bound, arguments=source, opaque_dims=DIMS)
    event("all comparisons over the bound" if check.checked == 0 else "compared")
    assert check.agree, _fail(check)


@given(programs(closed=True, defs=DEF_TYPES), st.integers(1, 4), st.data())
def test_closed_programs_of_any_type_agree_with_the_relation(
    program: Program, nat_bound: int, data: st.DataObject
) -> None:
    source = data.draw(argument_sources(program.type, nat_bound, DEFS, def_types=DEF_TYPES), label="args")
    check = check_linking(program, {}, DEFS, nat_bound=nat_bound, arguments=source)
    assert check.agree, _fail(check)


def test_linking_the_paper_example() -> None:
    # f bound to the table {true ↦ false, false ↦ true} (= not), n over the basis
    program = Program(
        BOOL,
        (("f", Arrow(BOOL, BOOL)), ("n", NAT)),
        parse_term_text("iter n { zero => true | succ y => f y }"),
    )
    from cajal_ref.verification.relation import basis, tabulate

    bools = basis(BOOL, 3)
    not_table = tabulate(Arrow(BOOL, BOOL), [bools[1], bools[0]], 3)
    for n in basis(NAT, 3):
        check = check_linking(program, {"f": not_table, "n": n}, DEFS, nat_bound=3)
        assert check.checked == 1 and check.agree, _fail(check)


# ---------------------------------------------------------------------------
# 4. multilinearity (T3)
# ---------------------------------------------------------------------------


SMALL_CONTEXT_TYPES: st.SearchStrategy[Type] = st.sampled_from(
    [BOOL, NAT, Arrow(BOOL, BOOL), Arrow(NAT, NAT), Arrow(NAT, BOOL)]
)


@given(programs(closed=False, budget=12, max_literal=2, context_type=SMALL_CONTEXT_TYPES), st.integers(1, 2))
def test_compiled_maps_are_multilinear_outside_recurrent_weights(program: Program, nat_bound: int) -> None:
    check = check_degrees(program, DEFS, nat_bound=nat_bound)
    assert check.agree, _fail(check)


def test_degree_check_accepts_the_k0_counterexample_to_k_to_the_d() -> None:
    # Degree.v, spec_bound_false_at_K0: at K = 0 the map of this term is c_0·x_0 + c_1 (by hand:
    # the else branch is Σ_{i≤0} n_i S^i e_0 = e_0 = 1, the then branch x·e_0), degree 1 in x
    # although x sits under one step and K^d = 0. The check must use the corrected bound, not fail.
    term = parse_term_text("if c then x zero else iter zero { zero => zero | succ y => x y }")
    program = Program(NAT, (("c", BOOL), ("x", Arrow(NAT, NAT))), term)
    assert step_depths(term)["x"] == 1
    assert check_degrees(program, DEFS, nat_bound=0).agree


def test_degree_bound_is_reached_by_mult() -> None:
    # mult over a free m: the weight m sits under one step, degree exactly K in m's symbols
    import sympy

    from cajal_ref.verification.verify import compiled_tensor, symbols_for

    term = parse_term_text("iter 3 { zero => zero | succ y => add m y }")
    assert step_depths(term) == {"m": 1, "add": 1}
    program = Program(NAT, (("m", NAT),), term)
    assert check_degrees(program, DEFS, nat_bound=3).agree
    bindings = {"m": symbols_for("m", NAT, 3, None)}
    tensor, _ = compiled_tensor(term, program.context, DEFS, nat_bound=3, bindings=bindings)
    gens = list(bindings["m"])
    degrees = [sympy.Poly(sympy.expand(e), *gens).total_degree() for e in tensor.reshape(-1) if e != 0]
    assert max(degrees) == 3


def test_step_depths_count_nested_steps() -> None:
    term = parse_term_text("iter a { zero => b | succ y => iter y { zero => c | succ z => f z } }")
    assert step_depths(term) == {"a": 0, "b": 0, "c": 1, "f": 2}


# ---------------------------------------------------------------------------
# 5. truncation
# ---------------------------------------------------------------------------


@given(closed_ground_programs(defs=DEF_TYPES), st.integers(0, 3))
def test_past_the_peak_the_result_is_zero_and_from_the_peak_on_it_agrees(
    program: Program, below: int
) -> None:
    """Truncation only matters on the path the program takes (SPEC §6): when that path
    builds a number above K, the whole (linear) path is multiplied by the zero vector
    Sh·e_K, and every other path has a zero coefficient, so the result is 0. As soon
    as K reaches the peak the result is enc(value) again."""
    try:
        result = evaluate(program.term, {}, DEFS, fuel=CHECK_FUEL)
    except CajalError:
        assume(False)
        raise
    assume(1 <= result.peak <= MAX_K)
    k_low = min(below, result.peak - 1)
    truncated = compile_closed(program.term, program.type, DEFS, nat_bound=k_low)
    assert all(x == 0 for x in truncated), f"K = {k_low} < peak {result.peak}: {list(truncated)}"
    for k in (result.peak, result.peak + 1):
        check = check_closed_ground(program.term, program.type, DEFS, nat_bound=k)
        assert check.checked == 1 and check.agree, _fail(check)


def _differs(vector: Any, value: Any, t: Type, nat_bound: int) -> bool:
    if t == NAT and value > nat_bound:
        return True  # no encoding at this bound at all
    return list(vector) != list(enc(value, t, nat_bound))


@pytest.mark.parametrize(
    ("text", "peak"),
    [("discard (succ 3)", 4), ("is_zero 4", 4), ("is_zero (add 2 3)", 5), ("is_even (double 2)", 4)],
)
def test_truncation_disagrees_below_the_peak_and_agrees_at_it(text: str, peak: int) -> None:
    term = parse_term_text(text)
    typed = WS.check_expression(text)
    result = evaluate(term, {}, DEFS)
    assert result.peak == peak
    low = check_closed_ground(term, typed.type, DEFS, nat_bound=peak - 1)
    assert low.checked == 0 and low.skipped == 1  # T2 makes no claim below the peak
    below = compile_closed(term, typed.type, DEFS, nat_bound=peak - 1)
    assert _differs(below, result.value, typed.type, peak - 1)
    assert all(x == 0 for x in below)
    assert check_closed_ground(term, typed.type, DEFS, nat_bound=peak).agree


def test_generated_open_programs_use_recurrent_weights() -> None:
    # guard against a generator change that silently stops exercising recurrent weights
    seen: list[bool] = []

    @given(programs(closed=False))
    def run(p: Program) -> None:
        seen.append(bool(step_free_vars(p.term) & {n for n, _ in p.context}))

    run()
    assert sum(seen) >= len(seen) // 10
