"""`cajal derive`: complete derivations, partial ones that show where they break, LaTeX, JSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace as dc_replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.derivation_view import (
    Node,
    Status,
    broken_nodes,
    derive_expression,
    derive_term,
    judgement_text,
    latex_document,
    latex_fragment,
    render_latex,
    render_outline,
    render_proof_tree,
    walk,
)
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.syntax import App, If, Iter, Lam, Let, Succ, Term, Var, free_vars, subterms
from cajal_ref.verification.strategies import Program, programs
from tests.cli_helpers import cajal

PREMISE_COUNT = {
    "Var": 0, "True": 0, "False": 0, "Zero": 0, "Numeral": 0, "Def": 0,
    "Succ": 1, "Lam": 1, "App": 2, "Let": 2, "If": 3, "Iter": 3,
}


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return load_workspace()


@pytest.fixture(scope="module")
def strict_ws() -> Workspace:
    return load_workspace(strict_iter=True)


def rule_line(output: str, judgement: str) -> str:
    """The rule label printed on the outline line of a judgement."""
    for line in output.splitlines():
        if judgement in line:
            match = re.search(r"\[(\w+)\]", line[line.index(judgement) + len(judgement):])
            assert match, line
            return match.group(1)
    raise AssertionError(f"no line with {judgement!r} in:\n{output}")


# ---------------------------------------------------------------------------
# Complete derivations
# ---------------------------------------------------------------------------


def test_derive_is_even_3_prints_the_full_derivation() -> None:
    code, out, err = cajal("derive", "-e", "is_even 3")
    assert code == 0, err
    # the tree of `is_even 3`, then is_even's and not's: every rule of the derivation, by hand
    expected = {
        "· ⊢ is_even 3 : Bool": "App",
        "· ⊢ is_even : Nat -o Bool": "Def",
        "· ⊢ 3 : Nat": "Numeral",
        "· ⊢ fun n : Nat => iter n { zero => true | succ b => not b } : Nat -o Bool": "Lam",
        "n : Nat ⊢ iter n { zero => true | succ b => not b } : Bool": "Iter",
        "n : Nat ⊢ n : Nat": "Var",
        "b : Bool ⊢ not b : Bool": "App",
        "b : Bool ⊢ b : Bool": "Var",
        "· ⊢ not : Bool -o Bool": "Def",
        "x : Bool ⊢ if x then false else true : Bool": "If",
        "x : Bool ⊢ x : Bool": "Var",
        "· ⊢ false : Bool": "False",
    }
    for judgement, rule in expected.items():
        assert rule_line(out, judgement) == rule
    assert out.index("def is_even") < out.index("def not")
    assert "✗" not in out


def test_premises_are_indented_under_their_conclusion(ws: Workspace) -> None:
    out = render_outline(derive_expression(ws, "is_even 3", with_defs=False).root)
    assert out.splitlines() == [
        "· ⊢ is_even 3 : Bool           [App]",
        "├─ · ⊢ is_even : Nat -o Bool   [Def]",
        "└─ · ⊢ 3 : Nat                 [Numeral]",
    ]


def test_proof_tree_style_puts_premises_above_a_bar(ws: Workspace) -> None:
    text = render_proof_tree(derive_expression(ws, "not true", with_defs=False).root)
    lines = text.splitlines()
    assert lines[-1].strip() == "· ⊢ not true : Bool"
    assert lines[-2].startswith("─") and lines[-2].endswith(" App")
    assert "· ⊢ not : Bool -o Bool" in lines[-3] and "· ⊢ true : Bool" in lines[-3]
    assert lines[-3].index("not :") < lines[-3].index("true :")  # premises in order, left to right


def test_contexts_follow_declaration_order_and_linearity(ws: Workspace) -> None:
    result = derive_expression(ws, "iter n { zero => x | succ y => f y }", "f : Nat -o Nat, n : Nat, x : Nat")
    assert result.ok
    root = result.root
    assert root.rule == "Iter"
    assert [n for n, _ in root.context] == ["f", "n", "x"]
    count, base, step = root.premises
    assert [n for n, _ in count.context] == ["n"]
    assert [n for n, _ in base.context] == ["x"]
    assert [n for n, _ in step.context] == ["f", "y"]  # Θ, y:A


def test_derive_a_def_of_a_file(tmp_path: Path) -> None:
    source = tmp_path / "apply.cj"
    source.write_text("free f : Nat -o Nat\nfree n : Nat\nfree x : Nat\n"
                      "def apply_n : Nat = iter n { zero => x | succ y => f y }\n", encoding="utf-8")
    code, out, _ = cajal("derive", str(source), "--def", "apply_n")
    assert code == 0
    judgement = "f : Nat -o Nat, n : Nat, x : Nat ⊢ iter n { zero => x | succ y => f y } : Nat"
    assert rule_line(out, judgement) == "Iter"


def test_derive_needs_exactly_one_of_expression_and_def() -> None:
    assert cajal("derive")[0] == 2
    assert cajal("derive", "-e", "not", "--def", "not")[0] == 2


def test_derive_json_has_the_tree(ws: Workspace) -> None:
    code, out, _ = cajal("derive", "--json", "--no-defs", "-e", "not true")
    assert code == 0
    obj = json.loads(out)
    assert obj["ok"] is True
    tree = obj["derivation"]
    assert (tree["rule"], tree["term"], tree["type"], tree["context"]) == ("App", "not true", "Bool", [])
    assert [p["rule"] for p in tree["premises"]] == ["Def", "True"]
    assert obj["defs"] == []


@given(programs(max_context=2))
def test_generated_programs_derive_completely(program: Program) -> None:
    ws = _WS
    typ, ctx, term = program.type, program.context, program.term
    result = derive_term(ws, term, ctx, with_defs=False)
    assert result.ok and result.root.type == typ
    nodes = list(walk(result.root))
    for node in nodes:
        assert node.status is Status.OK
        assert len(node.premises) == PREMISE_COUNT[node.rule]
        # linearity: a node's context is exactly the variables its term mentions
        assert {n for n, _ in node.context} == set(free_vars(node.term))
        if node.rule in ("App", "Let", "Iter"):
            names = [{n for n, _ in p.context} for p in node.premises]
            if node.rule == "Iter":
                names[2] -= {node.term.step_var}  # type: ignore[union-attr]
            if node.rule == "Let":
                names[1] -= {node.term.name}  # type: ignore[union-attr]
            for i, left in enumerate(names):
                for right in names[i + 1:]:
                    assert not left & right
        if node.rule == "If":
            assert node.premises[1].context == node.premises[2].context
    outline = render_outline(result.root)
    assert len(outline.splitlines()) == len(nodes)
    latex = render_latex(result.root)
    assert latex.count(r"\inferrule*") == len(nodes)
    assert_balanced(latex)


_WS = load_workspace()


# ---------------------------------------------------------------------------
# Partial derivations
# ---------------------------------------------------------------------------


def test_a_failed_derivation_shows_what_checked_and_where_it_broke(ws: Workspace) -> None:
    result = derive_expression(ws, "fun x : Bool => and x x", with_defs=False)
    assert result.error is not None and result.error.kind is ErrorKind.USED_TWICE
    root = result.root
    assert root.status is Status.PREMISE_FAILED and root.rule == "Lam"
    (app,) = root.premises
    assert app.status is Status.BROKEN and app.rule == "App"
    assert app.error is not None and app.error.kind is ErrorKind.USED_TWICE
    partial, arg = app.premises
    assert partial.status is Status.OK and judgement_text(partial) == "x : Bool ⊢ and x : Bool -o Bool"
    assert arg.status is Status.OK and judgement_text(arg) == "x : Bool ⊢ x : Bool"


def test_cli_prints_the_partial_derivation_and_the_error() -> None:
    expr = "fun n : Nat => iter n { zero => 0 | succ y => is_even y }"
    code, out, err = cajal("derive", "--no-defs", "-e", expr)
    assert code == 1
    assert "[Iter] ✗ step-type" in out
    assert rule_line(out, "y : Nat ⊢ is_even y : Bool") == "App"  # the step did check
    assert "the derivation breaks at rule Iter" in out
    assert "error: the step of `iter` must have the type of its base" in err
    assert "<expr>:1:" in err


def test_a_binder_whose_type_is_unknown_leaves_its_scope_unchecked(ws: Workspace) -> None:
    result = derive_expression(ws, "let z = true true in not z", with_defs=False)
    bound, body = result.root.premises
    assert bound.status is Status.BROKEN and bound.error is not None
    assert bound.error.kind is ErrorKind.NOT_A_FUNCTION
    assert body.status is Status.UNCHECKED and "`z`" in (body.note or "")


def test_independent_errors_are_all_shown(ws: Workspace) -> None:
    result = derive_expression(ws, "if true then (succ x x) else (not 2)", "x : Nat", with_defs=False)
    kinds = sorted(n.error.kind.value for n in broken_nodes(result.root) if n.error is not None)
    assert kinds == ["not-a-function", "type-mismatch"]
    assert result.root.premises[0].status is Status.OK


def test_unused_context_variable_breaks_at_the_root(ws: Workspace) -> None:
    result = derive_expression(ws, "not x", "x : Bool, y : Nat", with_defs=False)
    assert result.root.status is Status.BROKEN
    assert result.root.error is not None and result.root.error.kind is ErrorKind.UNUSED
    assert all(p.status is Status.OK for p in result.root.premises)


def test_function_typed_recurrent_weight_breaks_at_lam(ws: Workspace) -> None:
    result = derive_expression(ws, "fun f : Bool -o Bool => iter 2 { zero => true | succ y => f y }")
    assert result.root.status is Status.BROKEN and result.root.rule == "Lam"
    assert result.root.error is not None and result.root.error.kind is ErrorKind.RECURRENT_WEIGHT_TYPE
    assert result.root.premises[0].status is Status.OK


def test_strict_mode_breaks_at_the_reference_to_mult(strict_ws: Workspace) -> None:
    result = derive_expression(strict_ws, "fun a : Nat => mult a 2", with_defs=False)
    (broken,) = broken_nodes(result.root)
    assert broken.rule == "Def" and judgement_text(broken) == "· ⊢ mult : ?"
    assert broken.error is not None and broken.error.kind is ErrorKind.STRICT_ITER
    assert result.error is not None and result.error.kind is ErrorKind.STRICT_ITER


def test_syntax_errors_are_raised_not_derived(ws: Workspace) -> None:
    with pytest.raises(CajalError) as info:
        derive_expression(ws, "not (")
    assert info.value.kind is ErrorKind.SYNTAX
    code, out, err = cajal("derive", "-e", "not (")
    assert code == 1 and out == "" and "expected a term" in err


def _replace_var(term: Term, target: int, name: str) -> Term:
    """`term` with its target-th Var occurrence (pre-order) renamed to `name`."""
    counter = [0]

    def go(t: Term) -> Term:
        match t:
            case Var():
                hit = counter[0] == target
                counter[0] += 1
                return dc_replace(t, name=name) if hit else t
            case Succ(arg):
                return dc_replace(t, arg=go(arg))
            case If(c, a, b):
                return dc_replace(t, cond=go(c), then=go(a), else_=go(b))
            case Lam(_, _, body):
                return dc_replace(t, body=go(body))
            case App(f, a):
                return dc_replace(t, fn=go(f), arg=go(a))
            case Iter(n, b, _, s):
                new_n = go(n)
                new_b = go(b)
                return dc_replace(t, count=new_n, base=new_b, step=go(s))
            case Let(_, bound, body):
                new_bound = go(bound)
                return dc_replace(t, bound=new_bound, body=go(body))
            case _:
                return t

    return go(term)


@given(programs(max_context=2), st.data())
def test_an_unbound_variable_breaks_exactly_one_node(program: Program, data: st.DataObject) -> None:
    """Rename one variable occurrence to an unbound name: the partial derivation must break at
    exactly that Var, every ancestor shows a failed premise, and nothing else breaks."""
    ctx, term = program.context, program.term
    variables = [s for s in subterms(term) if isinstance(s, Var)]
    if not variables:
        return
    target = data.draw(st.integers(0, len(variables) - 1))
    broken_term = _replace_var(term, target, "zzz_unbound")
    result = derive_term(_WS, broken_term, ctx, with_defs=False)
    assert result.error is not None and result.error.kind is ErrorKind.UNBOUND
    (broken,) = broken_nodes(result.root)
    assert isinstance(broken.term, Var) and broken.term.name == "zzz_unbound"
    assert broken.error is not None and broken.error.kind is ErrorKind.UNBOUND
    path = _path_to(result.root, broken)
    assert all(n.status is Status.PREMISE_FAILED for n in path[:-1])
    on_path = {id(n) for n in path}
    for node in walk(result.root):
        if id(node) not in on_path:
            assert node.status in (Status.OK, Status.UNCHECKED)


def _path_to(root: Node, target: Node) -> list[Node]:
    stack: list[tuple[Node, list[Node]]] = [(root, [root])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        stack.extend((p, [*path, p]) for p in node.premises)
    raise AssertionError("target not in tree")


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------


def assert_balanced(latex: str) -> None:
    """Braces balance (ignoring escaped ones) and every \\begin has its \\end, properly nested."""
    depth = 0
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            assert depth >= 0, f"unbalanced }} at {i}"
        i += 1
    assert depth == 0
    environments: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{(\w+)\}", latex):
        if kind == "begin":
            environments.append(name)
        else:
            assert environments and environments.pop() == name
    assert not environments


def test_latex_document_is_well_formed(ws: Workspace) -> None:
    result = derive_expression(ws, "is_even 3")
    document = latex_document(latex_fragment(result))
    assert_balanced(document)
    assert document.startswith("\\documentclass")
    assert "\\usepackage{amsmath,amssymb,mathpartir}" in document
    nodes = sum(len(list(walk(r))) for r in [result.root, *(d for _, d in result.defs)])
    assert document.count(r"\inferrule*") == nodes
    assert r"\inferrule*[right=\textsc{Iter}]" in document
    assert r"n{:}\mathsf{Nat} \vdash" in document


def test_latex_of_a_failed_derivation_is_well_formed(ws: Workspace) -> None:
    result = derive_expression(ws, "if true then (succ x x) else (not 2)", "x : Nat")
    fragment = latex_fragment(result)
    assert_balanced(fragment)
    assert "(\\text{fails})" in fragment
    assert "\\textbf{error} (" in fragment


def test_cli_latex_and_fragment() -> None:
    code, out, _ = cajal("derive", "--latex", "-e", "not true")
    assert code == 0 and out.startswith("\\documentclass") and out.rstrip().endswith("\\end{document}")
    assert_balanced(out)
    code, out, _ = cajal("derive", "--latex", "--fragment", "--no-defs", "-e", "not true")
    assert code == 0 and out.startswith("\\begin{mathpar}")
    assert_balanced(out)


def test_identifiers_with_underscores_and_primes_are_escaped(ws: Workspace) -> None:
    result = derive_expression(ws, "fun x' : Nat => is_even x'", with_defs=False)
    latex = render_latex(result.root)
    assert r"\mathit{is\_even}" in latex
    assert "x^{\\prime}" in latex
    assert_balanced(latex)


# ---------------------------------------------------------------------------
# Deep terms: the outline is linear in the derivation's size
# ---------------------------------------------------------------------------


def test_outline_of_deeply_nested_lets_is_linear_in_size(ws: Workspace) -> None:
    # `let x0 = zero in let x1 = x0 in ... in x{n-1}`: each Let has two premises (its bound
    # term, a Zero or a Var, and its body), so 2n + 1 nodes and as many lines. Printed in
    # full, line i would show the rest of the term (about 16 (n - i) characters).
    n = 2000
    text = "".join(f"let x{i} = {'zero' if i == 0 else f'x{i - 1}'} in " for i in range(n)) + f"x{n - 1}"
    result = derive_expression(ws, text, with_defs=False)
    lines = render_outline(result.root).split("\n")
    assert len(lines) == 2 * n + 1
    assert max(len(line) for line in lines) <= 300
    assert len(text) > 30_000
    assert lines[0].startswith("· ⊢ let x0 = zero in let x1 = x0 in")
    assert "…" in lines[0] and lines[0].endswith("[Let]")
    # the last line is the innermost variable, 2000 levels down: its depth is shown, not drawn
    assert lines[-1].startswith(f"⋮{n - 24} ")
    assert lines[-1].split("└─ ")[-1].split()[:5] == [f"x{n - 1}", ":", "Nat", "⊢", f"x{n - 1}"]


def test_outline_keeps_small_terms_whole(ws: Workspace) -> None:
    result = derive_expression(ws, "let y = not true in not y", with_defs=False)
    assert render_outline(result.root).split("\n")[0].startswith("· ⊢ let y = not true in not y : Bool")


def test_latex_of_deeply_nested_lets_is_linear_in_size(ws: Workspace) -> None:
    n = 2000
    text = "".join(f"let x{i} = {'zero' if i == 0 else f'x{i - 1}'} in " for i in range(n)) + f"x{n - 1}"
    latex = render_latex(derive_expression(ws, text, with_defs=False).root)
    lines = latex.split("\n")
    # per node: \inferrule*, {, its premises (with \\ between), }, {conclusion}
    assert latex.count(r"\inferrule*") == 2 * n + 1
    assert max(len(line) for line in lines) <= 400
    assert r"\ldots" in latex
    # braces stay balanced although terms are cut (a cut `{` of an iter is the escaped \{)
    assert latex.count("{") - latex.count(r"\{") == latex.count("}") - latex.count(r"\}")
