"""The one-call Python API (cajal_ref.api): expectations by hand or from the other semantics."""

from __future__ import annotations

from importlib.metadata import version

import pytest

import cajal_ref as cj
from cajal_ref.syntax import App, BoolLit, Iter, Lam, Numeral, Succ, Var


def test_parse_term_and_parse_type_take_strings() -> None:
    assert cj.parse_term("not true") == App(Var("not"), BoolLit(True))
    assert cj.parse_type("Nat -o Bool") == cj.Arrow(cj.NAT, cj.BOOL)
    assert cj.parse_type("(Nat -o Nat) -o Nat") == cj.Arrow(cj.Arrow(cj.NAT, cj.NAT), cj.NAT)
    assert cj.parse_term("iter 2 { zero => 0 | succ y => succ y }") == Iter(
        Numeral(2), Numeral(0), "y", Succ(Var("y"))
    )


def test_parse_errors_are_cajal_errors_with_a_location() -> None:
    with pytest.raises(cj.CajalError) as info:
        cj.parse_term("fun x : Bool =>")
    assert info.value.kind is cj.ErrorKind.SYNTAX
    assert info.value.span is not None and info.value.span.line == 1


def test_print_shows_cajal_syntax_and_repr_pastes_back() -> None:
    assert str(cj.Arrow(cj.NAT, cj.BOOL)) == "Nat -o Bool"
    assert str(cj.Arrow(cj.Arrow(cj.NAT, cj.NAT), cj.NAT)) == "(Nat -o Nat) -o Nat"
    term = Lam("x", cj.BOOL, App(Var("not"), Var("x")))
    assert str(term) == "fun x : Bool => not x"
    assert repr(term) == "parse_term('fun x : Bool => not x')"
    namespace = {"parse_term": cj.parse_term, "parse_type": cj.parse_type}
    assert eval(repr(term), namespace) == term
    assert eval(repr(cj.Arrow(cj.NAT, cj.BOOL)), namespace) == cj.Arrow(cj.NAT, cj.BOOL)


def test_check_returns_type_and_context() -> None:
    assert cj.check("fun x : Bool => not x").type == cj.Arrow(cj.BOOL, cj.BOOL)
    checked = cj.check("f n", "f : Nat -o Nat, n : Nat")
    assert checked.type == cj.NAT
    assert [n for n, _ in checked.context] == ["f", "n"]
    with pytest.raises(cj.CajalError) as info:
        cj.check("fun x : Bool => true")
    assert info.value.kind is cj.ErrorKind.UNUSED


def test_evaluate_text_and_terms() -> None:
    assert cj.evaluate("is_even 3").value is False
    assert cj.evaluate("mult 2 3").value == 6
    assert cj.evaluate("add x 1", {"x": 4}, ctx="x : Nat").value == 5
    # a parsed term uses the prelude's defs unless others are given
    assert cj.evaluate(cj.parse_term("not false")).value is True
    assert cj.evaluate(cj.parse_term("double 3")).peak == 6


def test_compile_not_is_a_permutation_matrix() -> None:
    neuron = cj.compile("fun x : Bool => not x", K=4)
    assert neuron.type == cj.Arrow(cj.BOOL, cj.BOOL)
    assert neuron.K == 4
    assert neuron.tensor.tolist() == [[0, 1], [1, 0]]
    assert neuron.apply(True) is False
    assert neuron.apply(False) is True


def test_compiled_apply_agrees_with_the_direct_semantics() -> None:
    even = cj.compile("is_even", K=5)
    assert [even.apply(n) for n in range(6)] == [n % 2 == 0 for n in range(6)]
    assert [even.apply(n) for n in range(6)] == [cj.evaluate(f"is_even {n}").value for n in range(6)]
    add = cj.compile("add", K=5)
    assert all(add.apply(a, b) == a + b for a in range(6) for b in range(6 - a))
    # a sum past K truncates to the zero vector (SPEC §5), which decodes to nothing
    assert add.apply(3, 3).tolist() == [0] * 6


def test_apply_takes_context_variables_by_name() -> None:
    sel = cj.compile("if x then y else not y", "x : Bool, y : Bool")
    assert sel.tensor.shape == (2, 2, 2)
    for x in (True, False):
        for y in (True, False):
            assert sel.apply(x=x, y=y) is (y if x else not y)
    with pytest.raises(cj.CajalError) as info:
        sel.apply(x=True)
    assert info.value.kind is cj.ErrorKind.BAD_BINDING and "missing: y" in info.value.message


def test_apply_takes_compiled_functions_as_arguments() -> None:
    k = 3
    succ = cj.compile("fun n : Nat => succ n", K=k)
    compose = cj.compile("compose", K=k)
    assert compose.apply(succ, succ, 0) == 2
    assert compose.apply(succ, succ, 1) == 3
    with pytest.raises(cj.CajalError):
        compose.apply(cj.compile("not", K=k), succ, 0)


def test_apply_refuses_too_many_arguments_and_wrong_sizes() -> None:
    neuron = cj.compile("not", K=2)
    with pytest.raises(cj.CajalError) as info:
        neuron.apply(True, True)
    assert info.value.kind is cj.ErrorKind.NOT_A_FUNCTION
    with pytest.raises(cj.CajalError) as info:
        neuron.apply([1, 0, 0])
    assert info.value.kind is cj.ErrorKind.BAD_BINDING


def test_apply_on_mixtures_is_linear() -> None:
    from fractions import Fraction

    half = Fraction(1, 2)
    assert cj.compile("not", K=1).apply([half, 1 - half]).tolist() == [half, half]
    assert cj.compile("not", K=1).apply([1, 0]) is False


def test_bind_and_symbolic() -> None:
    flip = cj.compile("f x", "f : Bool -o Bool, x : Bool", bind={"f": [[0, 1], [1, 0]]})
    assert [n for n, _ in flip.context] == ["x"]
    assert flip.apply(x=True) is False
    sym = cj.compile("f x", "f : Bool -o Bool, x : Bool", symbolic=["f"])
    assert sym.tensor.shape == (2, 2)
    with pytest.raises(cj.CajalError):
        cj.compile("f x", "f : Bool -o Bool, x : Bool", symbolic=["g"])


def test_verify_defs_and_expressions() -> None:
    report = cj.verify("is_even", K=4)
    assert report.complete and report.counterexample is None and report.inputs_checked == 5
    report = cj.verify("fun x : Nat => succ x", K=3)
    # inputs 0..3; succ 3 = 4 has peak 4 > K and is skipped
    assert report.counterexample is None and report.inputs_checked == 3 and report.skipped == 1


def test_load_source_extends_a_fresh_workspace() -> None:
    ws = cj.load(source="def nand : Bool -o Bool -o Bool = fun a : Bool => fun b : Bool => not (and a b)")
    nand = cj.compile("nand", K=1, workspace=ws)
    assert [nand.apply(a, b) for a in (True, False) for b in (True, False)] == [False, True, True, True]
    assert "nand" not in cj.prelude().defs
    with pytest.raises(cj.CajalError):
        cj.compile("nand")


def test_derive_gives_partial_derivations() -> None:
    result = cj.derive("fun x : Bool => true")
    assert not result.ok and result.error is not None
    assert result.error.kind is cj.ErrorKind.UNUSED
    assert cj.derive("not true").root.rule == "App"


def test_version_is_the_installed_distribution_version() -> None:
    assert cj.__version__ == version("cajal_ref")


def test_draw_returns_figures() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    for kind in ("network", "heatmap", "derivation"):
        assert isinstance(cj.draw("not", kind=kind, K=1), Figure)
    with pytest.raises(ValueError):
        cj.draw("not", kind="sketch")


def test_trace_is_part_of_the_top_level_api() -> None:
    from cajal_ref import api

    assert cj.trace is api.trace
    assert cj.trace("not true").value is False
