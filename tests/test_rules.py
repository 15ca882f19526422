"""The typing rules as data (cajal_ref.rules): complete, consistent, and typesettable."""

from __future__ import annotations

import re

import pytest

from cajal_ref.rules import RULES, Rule, rule_latex, rules_latex

EXPECTED_RULES = {"Var", "True", "False", "Zero", "Numeral", "Succ", "If", "Lam", "App", "Iter", "Let", "Def"}

# Macros a standard preamble with mathpartir, amsmath and amssymb provides.
KNOWN_MACROS = {
    "begin", "end", "and", "inferrule", "textsc", "vdash", "multimap", "mathsf", "mathit", "mathrm",
    "Gamma", "Delta", "Theta", "cdot", "Rightarrow", "mid", "implies", "in", "text", "geq",
    "underline",
}  # fmt: skip


def test_table_has_every_rule_of_spec_section_3() -> None:
    assert set(RULES) == EXPECTED_RULES
    for key, rule in RULES.items():
        assert rule.name == key
        assert len(rule.premises) == len(rule.latex_premises)
        assert rule.description


def test_axioms_have_no_premises_and_the_rest_do() -> None:
    axioms = {name for name, rule in RULES.items() if not rule.premises}
    assert axioms == {"Var", "True", "False", "Zero", "Numeral", "Def"}
    assert len(RULES["If"].premises) == 3
    assert len(RULES["Iter"].premises) == 3
    assert len(RULES["App"].premises) == 2


def test_text_forms_match_spec() -> None:
    assert RULES["If"].conclusion == "Γ, Δ ⊢ if t then u₁ else u₂ : A"
    assert RULES["If"].premises == ("Γ ⊢ t : Bool", "Δ ⊢ u₁ : A", "Δ ⊢ u₂ : A")
    assert RULES["Iter"].premises[2] == "Θ, y:A ⊢ u₁ : A"
    assert RULES["Iter"].conclusion.startswith("Γ, Δ, Θ ⊢ iter t")
    assert RULES["Lam"].conclusion == "Γ ⊢ fun x:A => t : A ⊸ B"
    assert RULES["Var"].conclusion == "x:A ⊢ x : A"
    assert RULES["Def"].conclusion.startswith("· ⊢ ")


def test_recurrent_weight_restriction_is_data() -> None:
    for name in ("Lam", "Let", "Iter"):
        condition = RULES[name].side_condition
        assert condition is not None and "Bool or Nat" in condition
        latex = RULES[name].latex_side_condition
        assert latex is not None and r"\mathsf{Bool}" in latex
    for name in ("Var", "App", "If", "Succ"):
        assert RULES[name].side_condition is None
    strict = RULES["Iter"].strict_condition
    assert strict is not None and "Θ = ·" in strict
    assert all(rule.strict_condition is None for name, rule in RULES.items() if name != "Iter")


def test_rule_text_shows_premises_bar_and_conclusion() -> None:
    lines = RULES["App"].text().splitlines()
    assert lines[0] == "Γ ⊢ t : A ⊸ B    Δ ⊢ u : A"
    assert lines[1].startswith("─") and lines[1].endswith(" App")
    assert lines[2] == "Γ, Δ ⊢ t u : B"


def _balanced(latex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[{}]|[{}]", latex):
        if token in (r"\{", r"\}"):
            continue
        depth += 1 if token == "{" else -1
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("strict", [False, True])
def test_rules_latex_is_wellformed_mathpartir(strict: bool) -> None:
    latex = rules_latex(strict=strict)
    assert latex.startswith("\\begin{mathpar}\n") and latex.rstrip().endswith("\\end{mathpar}")
    assert latex.isascii(), "pdflatex needs ASCII: Unicode must be spelled as macros"
    assert _balanced(latex)
    assert latex.count(r"\inferrule*") == len(RULES)
    assert latex.count("\n\\and\n") == len(RULES) - 1
    for name in RULES:
        assert rf"right=\textsc{{{name}}}" in latex
    macros = set(re.findall(r"\\([A-Za-z]+)", latex))
    assert macros <= KNOWN_MACROS, macros - KNOWN_MACROS
    assert (r"\Theta = \cdot" in latex) is strict


def test_each_rule_latex_is_balanced_with_premises_then_conclusion() -> None:
    for rule in RULES.values():
        latex = rule_latex(rule)
        assert _balanced(latex), rule.name
        assert latex.endswith("{" + rule.latex_conclusion + "}")
        for premise in rule.latex_premises:
            assert premise in latex
    assert r"\multimap" in RULES["Lam"].latex_conclusion
    assert r"\vdash" in RULES["Iter"].latex_conclusion


def test_rule_is_frozen() -> None:
    rule = RULES["Var"]
    assert isinstance(rule, Rule)
    with pytest.raises(AttributeError):
        rule.name = "Other"  # type: ignore[misc]
