"""How objects show themselves: print, repr, and the notebook renderings (LaTeX, HTML, pretty)."""

from __future__ import annotations

import pytest

import cajal_ref as cj
from cajal_ref import display


def test_types_and_terms_render_in_every_format() -> None:
    ty = cj.parse_type("(Nat -o Nat) -o Bool")
    assert ty._repr_latex_() == r"$( \mathsf{Nat} \multimap \mathsf{Nat} ) \multimap \mathsf{Bool}$"
    assert ty._repr_html_() == "<code>(Nat -o Nat) -o Bool</code>"
    term = cj.parse_term("fun x : Bool => x")
    assert term._repr_html_() == "<code>fun x : Bool =&gt; x</code>"
    latex = term._repr_latex_()
    assert latex.startswith("$") and r"\Rightarrow" in latex and r"\mathsf{fun}" in latex


def test_ipython_pretty_printer_uses_cajal_syntax() -> None:
    pretty = pytest.importorskip("IPython.lib.pretty")
    assert pretty.pretty(cj.parse_type("Nat -o Bool")) == "Nat -o Bool"
    assert pretty.pretty(cj.parse_term("not  true")) == "not true"
    first = pretty.pretty(cj.compile("not", K=1)).splitlines()[0]
    assert first == "compiled Bool -o Bool at K = 1: 2×2 tensor"


def test_derivation_prints_as_a_proof_tree_with_a_short_repr() -> None:
    d = cj.check("not true").typing.derivation
    lines = str(d).splitlines()
    assert lines[-1].strip() == "· ⊢ not true : Bool"
    assert lines[-2].rstrip().endswith("App") and "Def" in lines[0] and "True" in lines[0]
    assert repr(d) == "<Derivation by App: · ⊢ not true : Bool>"
    latex = d._repr_latex_()
    # MathJax renders \dfrac; mathpartir's \inferrule would not render in a notebook
    assert latex.count(r"\dfrac") == 3 and r"\text{App}" in latex and "inferrule" not in latex
    assert d._repr_html_().startswith("<pre>")


def test_derive_result_renders_partial_derivations() -> None:
    result = cj.derive("fun x : Bool => true")
    text = str(result)
    assert "✗" in text and "Lam" in text
    assert r"\dfrac" in result._repr_latex_()


def test_compiled_table_is_labelled_by_basis_vectors() -> None:
    neuron = cj.compile("is_even", K=2)
    text = str(neuron).splitlines()
    assert text[0] == "compiled Nat -o Bool at K = 2: 2×3 tensor"
    # row true holds is_even at 0, 1, 2; row false its negation (by hand)
    assert text[-2].split() == ["true", "│", "1", "0", "1"]
    assert text[-1].split() == ["false", "│", "0", "1", "0"]
    page = neuron._repr_html_()
    assert "<th>true</th><td>1</td><td>0</td><td>1</td>" in page
    assert "<th>output (Bool)</th><th>0</th><th>1</th><th>2</th>" in page
    latex = neuron._repr_latex_()
    assert r"\text{true} & 1 & 0 & 1 \\" in latex and r"\text{false} & 0 & 1 & 0 \\" in latex
    assert repr(neuron) == "<CompiledProgram 'is_even' : Nat -o Bool, K=2, 2×3>"


def test_open_terms_tabulate_the_context_axes_as_columns() -> None:
    sel = cj.compile("if x then y else not y", "x : Bool, y : Bool", K=1)
    text = str(sel).splitlines()
    assert "x : Bool × y : Bool" in text[1]
    # columns (x, y) = (t,t) (t,f) (f,t) (f,f): value y, y, not y, not y
    assert text[-2].split() == ["true", "│", "1", "0", "0", "1"]


def test_exact_fractions_and_symbols_render_exactly() -> None:
    from fractions import Fraction

    assert display.entry_latex(Fraction(-3, 4)) == r"-\frac{3}{4}"
    assert display.entry_text(Fraction(1, 3)) == "1/3"
    sym = cj.compile("f x", "f : Bool -o Bool, x : Bool", K=1, symbolic=["f"])
    assert r"\text{true} & f_{true true} & f_{true false} \\" in sym._repr_latex_()


def test_large_tensors_are_summarised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "MAX_TABLE_CELLS", 3)
    neuron = cj.compile("not", K=1)
    assert str(neuron) == "compiled Bool -o Bool at K = 1: 2×2 tensor"
    assert "<table" not in neuron._repr_html_()


def test_network_shows_the_recurrent_neuron() -> None:
    net = cj.compile("is_even", K=2).network
    text = str(net)
    lines = text.splitlines()
    assert lines[0] == "def is_even : Nat -o Bool"
    assert any("recurrent neuron (iter)" in line for line in lines)
    assert any(line.strip().endswith("count n: input n : Nat") for line in lines)
    assert any("base: constant true : Bool" in line for line in lines)
    assert repr(net).startswith("<Network Nat -o Bool: ")
    assert net._repr_latex_().startswith("$$")


def test_network_draws_itself_in_jupyter_when_matplotlib_is_there() -> None:
    net = cj.compile("is_even", K=2).network
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert net._repr_html_().startswith("<pre>")
        return
    page = net._repr_html_()
    assert "<svg" in page and 'id="neuron:recurrent' in page


def test_the_compilers_own_result_renders_too() -> None:
    compiled = cj.compile("and", K=1).compiled
    assert repr(compiled) == "<Compiled Bool -o Bool -o Bool at K=1: 4×2 tensor>"
    text = str(compiled).splitlines()
    # and: column true is the matrix of `and true` = identity, flattened (1,0,0,1); column false: (0,0,1,1)
    assert text[0] == "compiled Bool -o Bool -o Bool at K = 1: 4×2 tensor"
    assert [line.split()[-2:] for line in text[-4:]] == [["1", "0"], ["0", "0"], ["0", "1"], ["1", "1"]]
    assert "<table>" in compiled._repr_html_() and compiled._repr_latex_().startswith("$$")


def test_workspaces_and_derivation_results_have_short_reprs() -> None:
    assert repr(cj.derive("not true")) == "<DeriveResult · ⊢ not true : Bool (complete)>"
    assert repr(cj.derive("fun x : Bool => true")).endswith("(broken: unused-variable)>")
    ws = cj.load(source="type Img\ndef id_img : Img -o Img = fun x : Img => x")
    assert repr(ws) == f"<Workspace: 1 types, {len(cj.prelude().defs) + 1} defs>"
