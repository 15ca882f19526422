"""`cajal trace`: the direct evaluation step by step, each `iter` beside its recurrent neuron.

Every expectation below is worked out by hand from SPEC §4-§5.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cajal_ref as cj
from cajal_ref.api import trace
from cajal_ref.syntax import BoolLit, Numeral
from cajal_ref.tracing import render_latex, render_text, trace_json

from .cli_helpers import cajal

E_TRUE, E_FALSE = [1, 0], [0, 1]


def e(i: int, k: int) -> list[int]:
    return [1 if j == i else 0 for j in range(k + 1)]


def test_is_even_3_step_by_step() -> None:
    t = trace("is_even 3", K=4)
    # unfold is_even, substitute 3, then three Iter-succ rounds each evaluating `not b`
    round_true = ["Iter-succ", "δ not", "β", "If-true"]
    round_false = ["Iter-succ", "δ not", "β", "If-false"]
    expected = ["δ is_even", "β", *round_true, *round_false, *round_true, "Iter-zero"]
    assert [s.rule for s in t.steps] == expected
    assert t.steps[-1].term == BoolLit(False)
    assert t.value is False and t.peak == 3


def test_is_even_3_neuron_states_are_the_encoded_direct_iterates() -> None:
    t = trace("is_even 3", K=4)
    [it] = t.iterations
    assert str(it.term) == "iter 3 { zero => true | succ b => not b }"
    assert it.count == 3 and it.step == 3  # fires at step 3 (Iter-succ), after δ is_even and β
    # h_i = not^i true; n = e_3; out = h_3 = e_false
    assert [r.state for r in it.rows] == [E_TRUE, E_FALSE, E_TRUE, E_FALSE, E_TRUE]
    assert [r.direct for r in it.rows] == [True, False, True, False, True]
    assert [r.encoded for r in it.rows] == [r.state for r in it.rows]
    assert [r.coefficient for r in it.rows] == [0, 0, 0, 1, 0]
    assert it.output == E_FALSE and it.direct is False and it.agrees


def test_mult_2_3_step_by_step() -> None:
    t = trace("mult 2 3", K=6)
    assert t.value == 6
    assert [s.rule for s in t.steps[:4]] == ["δ mult", "β", "β", "Iter-succ"]
    assert t.steps[1].term == cj.parse_term(
        "(fun n : Nat => iter n { zero => zero | succ y => add 2 y }) 3"
    )
    assert t.steps[-1].term == Numeral(6)
    assert [s.rule for s in t.steps].count("Iter-succ") == 3 + 3 * 2  # mult's 3 rounds, 2 per add


def test_mult_2_3_neuron_states_are_the_encoded_direct_iterates() -> None:
    k = 6
    t = trace("mult 2 3", K=k)
    outer, *adds = t.iterations
    assert str(outer.term) == "iter 3 { zero => zero | succ y => add 2 y }"
    # h_i = e_(2i) while 2i <= K; past K the shift truncates to the zero vector
    assert [r.state for r in outer.rows] == [e(0, k), e(2, k), e(4, k), e(6, k), [0] * 7, [0] * 7, [0] * 7]
    assert [r.direct for r in outer.rows] == [0, 2, 4, 6, 8, 10, 12]
    assert all(r.state == r.encoded for r in outer.rows)
    assert [r.coefficient for r in outer.rows] == e(3, k)
    assert outer.output == e(6, k) and outer.agrees
    # add 2 y for y = 0, 2, 4: iter 2 { zero => y | succ y => succ y }
    assert [it.count for it in adds] == [2, 2, 2]
    assert [it.rows[0].direct for it in adds] == [0, 2, 4]
    assert [it.output for it in adds] == [e(2, k), e(4, k), e(6, k)]
    assert all(it.agrees for it in adds)


def test_default_bound_is_the_peak() -> None:
    assert trace("mult 2 3").nat_bound == 6
    assert trace("is_even 0").nat_bound == 1


def test_a_bound_below_the_peak_shows_truncation() -> None:
    t = trace("double 2", K=3)
    [it] = t.iterations
    # double: h_i = e_(2i); h_2 = e_4 does not exist at K = 3
    assert [r.state for r in it.rows] == [e(0, 3), e(2, 3), [0] * 4, [0] * 4]
    assert it.output == [0] * 4 and t.value == 4
    assert "0 (> K)" in render_text(t)


def test_function_states_are_compared_by_their_basis_images() -> None:
    t = trace("iter 2 { zero => fun x : Bool => x | succ f => fun z : Bool => not (f z) } true")
    [it] = t.iterations
    identity, negation = [1, 0, 0, 1], [0, 1, 1, 0]
    assert [r.state for r in it.rows] == [identity, negation, identity]
    assert [r.encoded for r in it.rows] == [identity, negation, identity]
    assert t.value is True


def test_text_latex_and_json_renderings() -> None:
    t = trace("is_even 3", K=4)
    text = render_text(t)
    assert "→ δ is_even" in text and "out = Σ nᵢ·hᵢ = e_false;  direct: false = e_false  ✓" in text
    latex = render_latex(t)
    assert r"\longrightarrow_{\text{Iter-succ}}" in latex and r"\begin{array}{rrlll}" in latex
    obj = json.loads(json.dumps(trace_json(t)))
    assert obj["value"] is False and obj["K"] == 4
    rows = obj["iterations"][0]["rows"]
    assert [r["state"] for r in rows] == [E_TRUE, E_FALSE, E_TRUE, E_FALSE, E_TRUE]
    assert all(r["agrees"] for r in rows)


def test_trace_refuses_open_programs() -> None:
    with pytest.raises(cj.CajalError):
        trace("f 1")


def test_max_steps_truncates_the_listing() -> None:
    t = trace("mult 2 3", K=6, max_steps=5)
    assert len(t.steps) == 5 and t.truncated
    assert "stopped after 5 steps" in render_text(t)


def test_cli_trace() -> None:
    code, out, err = cajal("trace", "-e", "is_even 3", "-K", "4", "--no-steps")
    assert code == 0 and err == ""
    assert "iteration 1 (step 3): iter 3 { zero => true | succ b => not b }" in out
    assert "→" not in out
    code, out, _ = cajal("trace", "-e", "mult 2 3", "--json")
    assert code == 0 and json.loads(out)["value"] == 6
    code, out, _ = cajal("trace", "-e", "is_even 1", "--latex")
    assert code == 0 and r"\longrightarrow" in out
    code, out, err = cajal("trace", "-e", "is_even true")
    assert code == 1 and "error" in err
    code, out, _ = cajal("trace", "-e", "is_even true", "--json")
    assert code == 1 and "error" in json.loads(out)


def test_version_flag_and_python_dash_m() -> None:
    code, out, _ = cajal("--version")
    assert code == 0 and out == f"cajal {cj.__version__}\n"
    done = subprocess.run(
        [sys.executable, "-m", "cajal_ref", "eval", "-e", "mult 2 3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "6"


def test_large_counts_stay_small() -> None:
    # the default K is the peak but at most 20: the neuron then visibly truncates
    t = trace("is_even 100000", max_steps=3)
    assert t.nat_bound == 20 and t.value is True
    [it] = t.iterations
    assert it.count == 100000 and len(it.rows) == 21
    assert it.output == [0, 0]  # n = e_100000 does not exist at K = 20
    assert all(r.state == r.encoded for r in it.rows)
    with pytest.raises(cj.CajalError):
        trace("not true", K=5000)
    code, _, err = cajal("trace", "-e", "not true", "-K", "5000")
    assert code == 2 and "K ≤ 1000" in err
