"""The mechanized proof (proofs/coq/) and its tie to the Python compiler.

The development must check with coqc and depend on no axiom and no admitted lemma; the
committed `Print Assumptions` record must say so and match a fresh run; and a case emitted
from the Python compiler must pass exactly when its tensor is the verified compiler's.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cajal_ref.compiler import compile_term  # noqa: E402
from cajal_ref.loader import load_workspace  # noqa: E402
from cajal_ref.syntax import (  # noqa: E402
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Opaque,
    Succ,
    Type,
    Var,
    Zero,
)
from cajal_ref.verification.checks import step_depths  # noqa: E402
from proofs import coq_cases, coq_check  # noqa: E402

THEOREMS = (
    "T1_total",
    "T1_closed",
    "T3_linear",
    "T3_strict",
    "T3_degree",
    "degb_le_pow",
    "T3_degree_pow",
    "degb_K0",
    "T3_degree_K0",
    "spec_bound_false_at_K0",
    "pdeg_zero_const",
    "tensor_contraction",
    "basis_inputs_suffice",
    "R_ground_exactly",
    "R_ground_unique",
    "Renv_ground_exactly",
    "compile_subst",
    "lty_subst",
    "subst_lemma",
    "T2_relation",
    "T2_closed",
    "T2_closed_ground",
    "tc_sound",
    "eval_sound",
    "ev_deterministic",
    "closed_ground_instance",
)


def test_sources_hold_no_admitted_lemma_and_no_axiom() -> None:
    for name in coq_check.theory_files():
        text = (coq_check.COQ_DIR / name).read_text(encoding="utf-8")
        code = re.sub(r"\(\*.*?\*\)", "", text, flags=re.DOTALL)
        for word in ("Admitted", "admit", "Axiom", "Parameter", "Hypothesis", "Conjecture", "Abort"):
            assert not re.search(rf"\b{word}\b", code), f"{name} contains {word}"


def test_committed_assumptions_list_no_axiom_for_each_theorem() -> None:
    record = coq_check.ASSUMPTIONS.read_text(encoding="utf-8")
    assert record.count(coq_check.CLOSED) == len(THEOREMS)
    assert "Axioms:" not in record
    for name in THEOREMS:
        assert re.search(rf"^{name}\n", record, flags=re.MULTILINE), name


def test_terms_are_emitted_with_de_bruijn_indices() -> None:
    defs = dict(load_workspace().defs)
    not_body = Lam("x", BOOL, If(Var("x"), BoolLit(False), BoolLit(True)))
    assert coq_cases.coq_term(not_body, [], defs) == "(Lam TBool (If (Var 0) Fls Tru))"
    add = Lam("m", NAT, Lam("n", NAT, Iter(Var("m"), Var("n"), "y", Succ(Var("y")))))
    assert coq_cases.coq_term(add, [], defs) == "(Lam TNat (Lam TNat (Iter (Var 1) (Var 0) (Succ (Var 0)))))"
    # let is the application of a fun; numerals are succ towers
    let = Let("x", Numeral(2), Succ(Var("x")))
    assert coq_cases.coq_term(let, [], defs) == "(App (Lam TNat (Succ (Var 0))) (Succ (Succ Zero)))"
    # the last declared context variable is index 0
    scope: list[tuple[str, Type]] = [("y", BOOL), ("f", Arrow(BOOL, BOOL))]
    assert coq_cases.coq_term(App(Var("f"), Var("y")), scope, defs) == "(App (Var 1) (Var 0))"
    # a def is inlined as its closed body
    assert coq_cases.coq_term(Var("not"), [], defs) == "(Lam TBool (If (Var 0) Fls Tru))"
    # an opaque type of dimension d is TOpq (d - 1)
    img = Opaque("Img")
    assert coq_cases.OPAQUE_DIMS["Img"] == 2
    assert coq_cases.coq_type(Arrow(img, img)) == "(TArr (TOpq 1) (TOpq 1))"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("coqc") is None:
        pytest.fail(coq_check.INSTALL_HINT)
    folder = tmp_path_factory.mktemp("coq")
    outcome, printed = coq_check.build(folder)
    assert outcome.ok, "\n".join(outcome.lines)
    return folder, printed


def test_the_development_checks_and_its_assumptions_match_the_record(built: tuple[Path, str]) -> None:
    _, printed = built
    assert printed == coq_check.ASSUMPTIONS.read_text(encoding="utf-8")
    assert printed.count(coq_check.CLOSED) == len(THEOREMS)


def _check_cases(folder: Path, cases: list[coq_cases.Case]) -> bool:
    defs = dict(load_workspace().defs)
    body = "".join(c.coq(i, defs) for i, c in enumerate(cases, start=1))
    (folder / "Probe.v").write_text(coq_cases.HEADER + body, encoding="utf-8")
    return coq_check.coqc(folder, "Probe.v").returncode == 0


def test_cases_pass_exactly_when_the_tensor_is_the_verified_compilers(built: tuple[Path, str]) -> None:
    folder, _ = built
    defs = dict(load_workspace().defs)
    rng = random.Random(0)
    open_term = App(Var("f"), If(Var("b"), Var("n"), Succ(Var("n"))))
    context = (("b", BOOL), ("f", Arrow(NAT, NAT)), ("n", NAT))
    img = Opaque("Img")
    step = Iter(Var("n"), Var("x"), "y", App(Var("s"), Var("y")))  # the paper's experiment 1
    step_context = (("n", NAT), ("x", img), ("s", Arrow(img, img)))
    cases = [
        coq_cases.make_case("def add", Var("add"), (), 2, defs, rng),
        coq_cases.make_case("def is_even", Var("is_even"), (), 3, defs, rng),
        coq_cases.make_case("open", open_term, context, 1, defs, rng),
        coq_cases.make_case("iterate a step", step, step_context, 2, defs, rng),
    ]
    assert all(c is not None for c in cases)
    good = [c for c in cases if c is not None]
    assert _check_cases(folder, good)
    # one wrong entry, anywhere, is caught
    for case in good:
        output = list(case.output)
        output[-1] += 1
        wrong = coq_cases.Case(case.label, case.k, case.context, case.term, case.inputs, tuple(output))
        assert not _check_cases(folder, [wrong]), case.label
    # so is a wrong type, or a value or peak other than the evaluator's
    add, is_even = good[0], good[1]
    assert is_even.evaluation is not None and is_even.evaluation[0] is None
    assert not _check_cases(folder, [replace(add, type=Arrow(NAT, Arrow(NAT, BOOL)))])
    assert not _check_cases(folder, [replace(is_even, evaluation=(None, is_even.evaluation[1] + 1))])
    two = coq_cases.make_case("closed", App(Var("double"), Numeral(1)), (), 3, defs, rng)
    assert two is not None and two.evaluation == (2, 2)
    assert _check_cases(folder, [two])
    assert not _check_cases(folder, [replace(two, evaluation=(3, 2))])
    assert not _check_cases(folder, [replace(two, evaluation=(2, 3))])


def test_the_k0_counterexample_to_the_degree_bound_is_not_constant_in_the_python_compiler() -> None:
    # Degree.v, spec_bound_false_at_K0: x : Nat -o Nat occurs under one step (d = 1), so K^d = 0
    # at K = 0 would make the map constant in x; in the other branch x is used outside any step.
    defs = dict(load_workspace().defs)
    term = If(Var("c"), App(Var("x"), Zero()), Iter(Zero(), Zero(), "y", App(Var("x"), Var("y"))))
    context = (("c", BOOL), ("x", Arrow(NAT, NAT)))
    coq = "(If (Var 1) (App (Var 0) Zero) (Iter Zero Zero (App (Var 1) (Var 0))))"
    assert coq_cases.coq_term(term, list(reversed(context)), defs) == coq  # Degree.v: cex
    for a in (Fraction(0), Fraction(1), Fraction(-5, 2)):
        bindings = {"c": np.array([1, 0], dtype=object), "x": np.array([[a]], dtype=object)}
        compiled = compile_term(term, context, defs, nat_bound=0, bindings=bindings)
        # by hand: mix(e_true, x·e_0, Σ_{i≤0} n_i S^i e_0) = x's only entry
        assert [Fraction(v) for v in np.asarray(compiled.tensor).ravel()] == [a]


def test_every_coq_name_in_the_metatheory_map_is_in_the_development() -> None:
    # metatheory.md §9.4 maps each paper-proof case to Coq names; a renamed or removed lemma is caught
    text = (ROOT / "proofs" / "metatheory.md").read_text(encoding="utf-8")
    table = text.split("### 9.4", 1)[1].split("\n---", 1)[0]
    code = ""
    for name in coq_check.theory_files():
        source = (coq_check.COQ_DIR / name).read_text(encoding="utf-8")
        code += re.sub(r"\(\*.*?\*\)", "", source, flags=re.DOTALL)
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    names = {n for row in rows[1:] for n in re.findall(r"`([A-Za-z_][A-Za-z0-9_.']*)`", row[2])}
    assert len(names) > 50
    for name in sorted(names):
        if name.endswith(".v"):
            assert (coq_check.COQ_DIR / name).exists(), name
        elif "." not in name:
            assert re.search(rf"(?<![\w.']){re.escape(name)}(?![\w'])", code), name


def test_the_python_step_depths_are_the_verified_step_depth(built: tuple[Path, str]) -> None:
    # check_degrees bounds the degree by K ** step_depths(t)[x]; Degree.v proves the bound for
    # step_depth x t. Both must count the same steps, on generated programs (nested steps included).
    folder, _ = built
    defs = dict(load_workspace().defs)
    examples: list[str] = []
    positive = 0
    for _, term, context in coq_cases.generated_programs(60):
        depths = step_depths(term)
        scope = list(reversed(context))
        coq = coq_cases.coq_term(term, scope, defs)
        for index, (name, _) in enumerate(scope):
            depth = depths.get(name, 0)
            positive += depth > 0
            examples.append(f"Example d{len(examples)} : step_depth {index} {coq} = {depth} := eq_refl.\n")
    assert len(examples) > 40 and positive > 5
    header = "From Cajal Require Import Syntax Degree.\n"
    (folder / "Depths.v").write_text(header + "".join(examples), encoding="utf-8")
    done = coq_check.coqc(folder, "Depths.v")
    assert done.returncode == 0, done.stdout + done.stderr
    wrong = examples[0].replace(" := eq_refl", " + 1 := eq_refl")
    (folder / "Depths.v").write_text(header + wrong, encoding="utf-8")
    assert coq_check.coqc(folder, "Depths.v").returncode != 0
