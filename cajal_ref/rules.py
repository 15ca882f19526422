"""The typing rules of SPEC §3 as data.

One table feeds three consumers: the checker (every error names the rule that
failed by its key here), `cajal derive` (the rule at each node of a derivation),
and the figures (`rules_latex()` typesets the whole system). Keeping the rules in
one place means the printed system and the implemented one cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One inference rule: premises over a conclusion, in Unicode text and in LaTeX.

    `side_condition` is a condition that is not a typing judgement (the
    recurrent-weight restriction of §3); `strict_condition` is the extra condition
    enforced only in strict mode (Θ = · for Iter).
    """

    name: str
    premises: tuple[str, ...]
    conclusion: str
    latex_premises: tuple[str, ...]
    latex_conclusion: str
    side_condition: str | None
    description: str
    latex_side_condition: str | None = None
    strict_condition: str | None = None
    latex_strict_condition: str | None = None

    def text(self) -> str:
        """The rule as a few lines of Unicode: premises, a bar, the conclusion."""
        top = "    ".join(self.premises)
        width = max(len(top), len(self.conclusion))
        lines = [top] if top else []
        lines.append("─" * width + f" {self.name}")
        lines.append(self.conclusion)
        if self.side_condition:
            lines.append(f"  where {self.side_condition}")
        if self.strict_condition:
            lines.append(f"  strict mode: {self.strict_condition}")
        return "\n".join(lines)


_RW_GROUND = r"\mathsf{Bool}, \mathsf{Nat}"

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            name="Var",
            premises=(),
            conclusion="x:A ⊢ x : A",
            latex_premises=(),
            latex_conclusion=r"x{:}A \vdash x : A",
            side_condition=None,
            description="A variable is typed by its own, one-entry context: a linear variable is used "
            "exactly once, so no other variable may be left over.",
        ),
        Rule(
            name="True",
            premises=(),
            conclusion="· ⊢ true : Bool",
            latex_premises=(),
            latex_conclusion=r"\cdot \vdash \mathsf{true} : \mathsf{Bool}",
            side_condition=None,
            description="The constant true, in the empty context.",
        ),
        Rule(
            name="False",
            premises=(),
            conclusion="· ⊢ false : Bool",
            latex_premises=(),
            latex_conclusion=r"\cdot \vdash \mathsf{false} : \mathsf{Bool}",
            side_condition=None,
            description="The constant false, in the empty context.",
        ),
        Rule(
            name="Zero",
            premises=(),
            conclusion="· ⊢ zero : Nat",
            latex_premises=(),
            latex_conclusion=r"\cdot \vdash \mathsf{zero} : \mathsf{Nat}",
            side_condition=None,
            description="The natural number zero, in the empty context.",
        ),
        Rule(
            name="Numeral",
            premises=(),
            conclusion="· ⊢ n : Nat",
            latex_premises=(),
            latex_conclusion=r"\cdot \vdash \underline{n} : \mathsf{Nat}",
            side_condition="n ≥ 0 (a numeral is sugar for succ applied n times to zero)",
            latex_side_condition=r"n \geq 0",
            description="A numeral, sugar for n nested succ around zero.",
        ),
        Rule(
            name="Succ",
            premises=("Γ ⊢ t : Nat",),
            conclusion="Γ ⊢ succ t : Nat",
            latex_premises=(r"\Gamma \vdash t : \mathsf{Nat}",),
            latex_conclusion=r"\Gamma \vdash \mathsf{succ}\ t : \mathsf{Nat}",
            side_condition=None,
            description="The successor of a natural number uses the context of its argument.",
        ),
        Rule(
            name="If",
            premises=("Γ ⊢ t : Bool", "Δ ⊢ u₁ : A", "Δ ⊢ u₂ : A"),
            conclusion="Γ, Δ ⊢ if t then u₁ else u₂ : A",
            latex_premises=(
                r"\Gamma \vdash t : \mathsf{Bool}",
                r"\Delta \vdash u_1 : A",
                r"\Delta \vdash u_2 : A",
            ),
            latex_conclusion=r"\Gamma, \Delta \vdash "
            r"\mathsf{if}\ t\ \mathsf{then}\ u_1\ \mathsf{else}\ u_2 : A",
            side_condition=None,
            description="The condition and the branches split the context; the two branches share "
            "theirs (additive), so both must use exactly the same variables and have the same type.",
        ),
        Rule(
            name="Lam",
            premises=("Γ, x:A ⊢ t : B",),
            conclusion="Γ ⊢ fun x:A => t : A ⊸ B",
            latex_premises=(r"\Gamma, x{:}A \vdash t : B",),
            latex_conclusion=r"\Gamma \vdash \mathsf{fun}\ x{:}A \Rightarrow t : A \multimap B",
            side_condition="if x occurs in the step of an iter in t (x is a recurrent weight), "
            "then A is Bool or Nat",
            latex_side_condition=r"x \in \mathrm{rw}(t) \implies A \in \{" + _RW_GROUND + r"\}",
            description="A function uses its parameter exactly once. A parameter used inside an "
            "iteration step must be of type Bool or Nat: a fun compiles to the matrix of its images of "
            "basis vectors, which is exact on every value only for first-order parameters.",
        ),
        Rule(
            name="App",
            premises=("Γ ⊢ t : A ⊸ B", "Δ ⊢ u : A"),
            conclusion="Γ, Δ ⊢ t u : B",
            latex_premises=(r"\Gamma \vdash t : A \multimap B", r"\Delta \vdash u : A"),
            latex_conclusion=r"\Gamma, \Delta \vdash t\ u : B",
            side_condition=None,
            description="The function and its argument split the context: no variable is used by both.",
        ),
        Rule(
            name="Iter",
            premises=("Γ ⊢ t : Nat", "Δ ⊢ u₀ : A", "Θ, y:A ⊢ u₁ : A"),
            conclusion="Γ, Δ, Θ ⊢ iter t { zero => u₀ | succ y => u₁ } : A",
            latex_premises=(
                r"\Gamma \vdash t : \mathsf{Nat}",
                r"\Delta \vdash u_0 : A",
                r"\Theta, y{:}A \vdash u_1 : A",
            ),
            latex_conclusion=r"\Gamma, \Delta, \Theta \vdash \mathsf{iter}\ t\ "
            r"\{\mathsf{zero} \Rightarrow u_0 \mid \mathsf{succ}\ y \Rightarrow u_1\} : A",
            side_condition="the variables Θ are the step's recurrent weights; if y occurs in the step "
            "of an iter nested in u₁, then A is Bool or Nat",
            latex_side_condition=r"y \in \mathrm{rw}(u_1) \implies A \in \{" + _RW_GROUND + r"\}",
            strict_condition="Θ = · (the step uses no variable but y)",
            latex_strict_condition=r"\Theta = \cdot",
            description="Bounded iteration, compiled to a linear recurrent neuron. The count, the base "
            "and the step split the context; the step's variable is used exactly once, and the step "
            "returns the base's type. Outer variables used in the step (Θ) are recurrent weights.",
        ),
        Rule(
            name="Let",
            premises=("Γ ⊢ t : A", "Δ, x:A ⊢ u : B"),
            conclusion="Γ, Δ ⊢ let x = t in u : B",
            latex_premises=(r"\Gamma \vdash t : A", r"\Delta, x{:}A \vdash u : B"),
            latex_conclusion=r"\Gamma, \Delta \vdash \mathsf{let}\ x = t\ \mathsf{in}\ u : B",
            side_condition="if x occurs in the step of an iter in u (x is a recurrent weight), "
            "then A is Bool or Nat",
            latex_side_condition=r"x \in \mathrm{rw}(u) \implies A \in \{" + _RW_GROUND + r"\}",
            description="Sugar for (fun x:A => u) t with A synthesised from t; x is used exactly once.",
        ),
        Rule(
            name="Def",
            premises=(),
            conclusion="· ⊢ name : A",
            latex_premises=(),
            latex_conclusion=r"\cdot \vdash \mathit{name} : A",
            side_condition="def name : A = t is an earlier closed def (· ⊢ t : A)",
            latex_side_condition=r"(\mathsf{def}\ \mathit{name} : A = t) \text{ earlier, } "
            r"\cdot \vdash t : A",
            description="A reference to an earlier closed def, inlined as a copy of closed syntax; "
            "since it has no free variables it may be used any number of times.",
        ),
    )
}


def rule_latex(rule: Rule, *, strict: bool = False) -> str:
    """One rule as a mathpartir `\\inferrule*`, side conditions as extra premises."""
    premises = list(rule.latex_premises)
    if rule.latex_side_condition:
        premises.append(rule.latex_side_condition)
    if strict and rule.latex_strict_condition:
        premises.append(rule.latex_strict_condition + r"\ (\text{strict})")
    top = r" \\ ".join(premises)
    return rf"\inferrule*[right=\textsc{{{rule.name}}}]{{{top}}}{{{rule.latex_conclusion}}}"


def rules_latex(*, strict: bool = False) -> str:
    """A LaTeX block typesetting every rule (needs `\\usepackage{mathpartir,amssymb,amsmath}`).

    `strict=True` also shows the strict-mode condition Θ = · on Iter.
    """
    body = "\n\\and\n".join(rule_latex(rule, strict=strict) for rule in RULES.values())
    return "\\begin{mathpar}\n" + body + "\n\\end{mathpar}\n"
