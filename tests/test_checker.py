"""The linear type checker (SPEC §3): every rule accepted and rejected, with exact positions.

Terms are built with syntax.py constructors over a real Source; `Text.at` finds the
span of a piece of that source, and the expected line:col of every error is written
out by hand. Prelude and example tests parse the shipped .cj files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.checker import DefInfo, Derivation, Program, Typing, check_module, check_term
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.rules import RULES
from cajal_ref.syntax import (
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    Def,
    FreeDecl,
    If,
    Iter,
    Lam,
    Let,
    Module,
    NatT,
    Numeral,
    Opaque,
    Source,
    Span,
    Succ,
    Term,
    Type,
    TypeDecl,
    Var,
    Zero,
    arrow,
    free_vars,
    is_ground,
    step_free_vars,
    subterms,
)

B, N = BOOL, NAT
BB = arrow(B, B)
NN = arrow(N, N)


class Text:
    """A test source; `at` gives the span of the nth occurrence of a word or symbol in it."""

    def __init__(self, text: str, name: str = "test.cj") -> None:
        self.source = Source(name, text)

    def at(self, needle: str, nth: int = 1) -> Span:
        pattern = re.escape(needle)
        if re.fullmatch(r"\w+", needle):
            pattern = rf"(?<!\w){pattern}(?!\w)"
        match = list(re.finditer(pattern, self.source.text))[nth - 1]
        return Span(self.source, match.start(), match.end())

    def var(self, name: str, nth: int) -> Var:
        return Var(name, self.at(name, nth))


def raises(
    kind: ErrorKind, rule: str | None, line: int, col: int, *args: object, **kwargs: object
) -> CajalError:
    """Run check_term and assert the error's kind, rule and position."""
    with pytest.raises(CajalError) as info:
        check_term(*args, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.kind is kind, err.render()
    assert err.rule == rule, err.render()
    assert (err.line, err.col) == (line, col), err.render()
    if rule is not None:
        assert rule in RULES
    return err


# ---------------------------------------------------------------------------
# Closed defs used by the tests (the prelude's, built by hand)
# ---------------------------------------------------------------------------

NOT_BODY = Lam("x", B, If(Var("x"), BoolLit(False), BoolLit(True)))
AND_BODY = Lam("x", B, Lam("y", B, If(Var("x"), Var("y"), If(Var("y"), BoolLit(False), BoolLit(False)))))
ADD_BODY = Lam("m", N, Lam("n", N, Iter(Var("m"), Var("n"), "y", Succ(Var("y")))))
IS_ZERO_BODY = Lam("n", N, Iter(Var("n"), BoolLit(True), "b", If(Var("b"), BoolLit(False), BoolLit(False))))


def closed_defs() -> dict[str, DefInfo]:
    defs: dict[str, DefInfo] = {}
    for name, body, declared in [
        ("not", NOT_BODY, BB),
        ("and", AND_BODY, arrow(B, B, B)),
        ("add", ADD_BODY, arrow(N, N, N)),
        ("is_zero", IS_ZERO_BODY, arrow(N, B)),
    ]:
        typing = check_term(body, (), defs)
        assert typing.type == declared
        defs[name] = DefInfo(name, declared, body, Text(name).at(name))
    return defs


DEFS = closed_defs()


def mult_text() -> tuple[Text, Term]:
    t = Text("fun m : Nat => fun n : Nat => iter n { zero => zero | succ y => add m y }")
    step = App(App(Var("add"), t.var("m", 2)), t.var("y", 2))
    body = Iter(t.var("n", 2), Zero(), "y", step, step_var_span=t.at("y", 1))
    term = Lam("m", N, Lam("n", N, body, param_span=t.at("n", 1)), param_span=t.at("m", 1))
    return t, term


# ---------------------------------------------------------------------------
# Each rule accepted
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "ctx", "expected"),
    [
        (Var("x"), [("x", NN)], NN),  # Var
        (BoolLit(True), [], B),  # True
        (BoolLit(False), [], B),  # False
        (Zero(), [], N),  # Zero
        (Numeral(7), [], N),  # Numeral
        (Numeral(0), [], N),
        (Succ(Succ(Var("n"))), [("n", N)], N),  # Succ
        (If(Var("c"), Var("x"), App(Var("not"), Var("x"))), [("c", B), ("x", B)], B),  # If (shared Δ)
        (NOT_BODY, [], BB),  # Lam
        (App(Var("f"), Numeral(2)), [("f", arrow(N, B))], B),  # App
        (Iter(Var("n"), Var("x"), "y", App(Var("not"), Var("y"))), [("n", N), ("x", B)], B),  # Iter
        (Let("z", BoolLit(True), App(Var("not"), Var("z"))), [], B),  # Let
        (Let("g", Var("not"), Lam("b", B, App(Var("g"), Var("b")))), [], BB),  # Let of a function
        (App(Var("not"), App(Var("not"), BoolLit(True))), [], B),  # Def, twice: no linearity
        (App(App(Var("add"), Numeral(2)), Numeral(3)), [], N),
        (
            Lam("f", NN, Lam("g", NN, Lam("x", N, App(Var("f"), App(Var("g"), Var("x")))))),
            [],
            arrow(NN, NN, NN),
        ),
    ],
)
def test_rule_accepts(term: Term, ctx: list[tuple[str, Type]], expected: Type) -> None:
    typing = check_term(term, ctx, DEFS)
    assert typing.type == expected
    assert typing.recurrent_weights == ()


def test_mult_is_accepted_its_m_is_a_nat_recurrent_weight() -> None:
    _, term = mult_text()
    typing = check_term(term, (), DEFS)
    assert typing.type == arrow(N, N, N)
    assert typing.recurrent_weights == ()  # m is bound by fun, not a context variable


def test_if_branches_may_use_the_same_variable() -> None:
    term = Lam("x", B, Lam("y", B, If(Var("x"), Var("y"), App(Var("not"), Var("y")))))
    assert check_term(term, (), DEFS).type == arrow(B, B, B)


def test_function_typed_step_variable_used_directly_in_its_step_is_fine() -> None:
    step = Lam("b", B, App(Var("g"), Var("b")))
    term = Iter(Numeral(2), Var("not"), "g", step)
    assert check_term(term, (), DEFS).type == BB


def test_ground_recurrent_weights_bound_by_fun_let_and_step_are_fine() -> None:
    by_fun = Lam("c", B, Iter(Numeral(2), BoolLit(True), "y", App(App(Var("and"), Var("c")), Var("y"))))
    assert check_term(by_fun, (), DEFS).type == BB
    by_let = Let("k", Numeral(3), Iter(Numeral(2), Zero(), "y", App(App(Var("add"), Var("k")), Var("y"))))
    assert check_term(by_let, (), DEFS).type == N
    # the outer step's y is used only in the inner step: a Bool recurrent weight of that step
    inner = Iter(Numeral(1), BoolLit(False), "h", App(App(Var("and"), Var("y")), Var("h")))
    by_step = Iter(Numeral(2), BoolLit(True), "y", inner)
    assert check_term(by_step, (), DEFS).type == B


# ---------------------------------------------------------------------------
# Recurrent weights of the context
# ---------------------------------------------------------------------------


def test_apply_n_context_function_is_a_recurrent_weight() -> None:
    term = Iter(Var("n"), Var("x"), "y", App(Var("f"), Var("y")))
    typing = check_term(term, [("f", NN), ("n", N), ("x", N)])
    assert typing.type == N
    assert typing.recurrent_weights == ("f",)


def test_recurrent_weights_follow_context_order_not_use_order() -> None:
    g = arrow(N, N, N)
    term = Iter(Var("n"), Zero(), "y", App(App(Var("g"), Var("a")), Var("y")))
    assert check_term(term, [("n", N), ("a", N), ("g", g)]).recurrent_weights == ("a", "g")
    assert check_term(term, [("g", g), ("n", N), ("a", N)]).recurrent_weights == ("g", "a")


def test_recurrent_weight_in_a_nested_step_counts() -> None:
    inner = Iter(Numeral(2), Var("y"), "z", App(Var("f"), Var("z")))
    term = Iter(Var("n"), Zero(), "y", inner)
    typing = check_term(term, [("f", NN), ("n", N)])
    assert typing.recurrent_weights == ("f",)


def test_opaque_context_step_is_a_recurrent_weight() -> None:
    img = Opaque("Img")
    term = Iter(Var("num"), Var("img"), "y", App(Var("step"), Var("y")))
    ctx: list[tuple[str, Type]] = [("num", N), ("img", img), ("step", arrow(img, img))]
    typing = check_term(term, ctx, types={"Img"})
    assert typing.type == img
    assert typing.recurrent_weights == ("step",)


# ---------------------------------------------------------------------------
# Each error kind, with its rule and position
# ---------------------------------------------------------------------------


def test_unbound_variable() -> None:
    t = Text("not\n  (z)")
    term = App(t.var("not", 1), t.var("z", 1))
    err = raises(ErrorKind.UNBOUND, "Var", 2, 4, term, (), DEFS)
    assert "`z`" in err.message and "not bound" in err.message


def test_used_twice_in_application() -> None:
    t = Text("fun x : Bool -o Bool =>\n  fun y : Bool => x (x y)")
    body = App(t.var("x", 2), App(t.var("x", 3), t.var("y", 2)))
    term = Lam("x", BB, Lam("y", B, body, param_span=t.at("y")), param_span=t.at("x"))
    err = raises(ErrorKind.USED_TWICE, "App", 2, 22, term)
    assert "`x` is used twice" in err.message
    assert len(err.related) == 1
    assert (err.related[0].span.line, err.related[0].span.col) == (2, 19)
    assert "first use" in err.related[0].message


def test_used_twice_condition_and_branch() -> None:
    t = Text("fun x : Bool => if x then x else x")
    term = Lam("x", B, If(t.var("x", 2), t.var("x", 3), t.var("x", 4)), param_span=t.at("x"))
    err = raises(ErrorKind.USED_TWICE, "If", 1, 27, term)
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 20)


@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("fun n : Nat => iter n { zero => n | succ y => y }", 33),  # count and base
        ("fun n : Nat => iter n { zero => zero | succ y => add n y }", 54),  # count and step
    ],
)
def test_used_twice_in_iter(text: str, col: int) -> None:
    t = Text(text)
    if "add" in text:
        base: Term = Zero()
        step: Term = App(App(Var("add"), t.var("n", 3)), t.var("y", 2))
    else:
        base, step = t.var("n", 3), t.var("y", 2)
    term = Lam("n", N, Iter(t.var("n", 2), base, "y", step, step_var_span=t.at("y")), param_span=t.at("n"))
    err = raises(ErrorKind.USED_TWICE, "Iter", 1, col, term, (), DEFS)
    assert "`n`" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 21)


def test_used_twice_across_let() -> None:
    t = Text("fun x : Bool => let z = x in and z x")
    body = Let("z", t.var("x", 2), App(App(Var("and"), t.var("z", 2)), t.var("x", 3)), name_span=t.at("z"))
    term = Lam("x", B, body, param_span=t.at("x"))
    err = raises(ErrorKind.USED_TWICE, "Let", 1, 36, term, (), DEFS)
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 25)


def test_unused_fun_parameter() -> None:
    t = Text("fun x : Bool => true")
    err = raises(ErrorKind.UNUSED, "Lam", 1, 5, Lam("x", B, BoolLit(True), param_span=t.at("x")))
    assert "`x` is never used" in err.message


def test_unused_nat_parameter_hints_at_discard() -> None:
    t = Text("\n\n   fun n : Nat => zero")
    err = raises(ErrorKind.UNUSED, "Lam", 3, 8, Lam("n", N, Zero(), param_span=t.at("n")))
    assert "discard" in err.message


def test_unused_let_variable() -> None:
    t = Text("let z = true in false")
    term = Let("z", BoolLit(True), BoolLit(False), name_span=t.at("z"))
    err = raises(ErrorKind.UNUSED, "Let", 1, 5, term)
    assert "`z`" in err.message


def test_unused_step_variable() -> None:
    t = Text("iter 3 { zero => true | succ b => false }")
    term = Iter(Numeral(3), BoolLit(True), "b", BoolLit(False), step_var_span=t.at("b"))
    err = raises(ErrorKind.UNUSED, "Iter", 1, 30, term)
    assert "`b`" in err.message


def test_unused_context_variable_points_at_its_declaration() -> None:
    ctx = Text("x : Nat, c : Bool", name="<ctx>")
    err = raises(
        ErrorKind.UNUSED,
        "Succ",
        1,
        10,
        Succ(Var("x")),
        [("x", N), ("c", B)],
        ctx_spans={"x": ctx.at("x"), "c": ctx.at("c")},
    )
    assert "`c`" in err.message and err.file == "<ctx>"


def test_branch_contexts_one_variable() -> None:
    t = Text("if x then y else true")
    term = If(t.var("x", 1), t.var("y", 1), BoolLit(True, t.at("true")))
    err = raises(ErrorKind.BRANCH_CONTEXTS, "If", 1, 11, term, [("x", B), ("y", B)])
    assert "`y` is used only in the then branch" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 18)
    assert "else branch does not use `y`" in err.related[0].message


def test_branch_contexts_names_every_variable() -> None:
    t = Text("if x then y else z")
    term = If(t.var("x", 1), t.var("y", 1), t.var("z", 1))
    err = raises(ErrorKind.BRANCH_CONTEXTS, "If", 1, 11, term, [("x", B), ("y", B), ("z", B)])
    assert "`y` is used only in the then branch" in err.message
    assert "`z` only in the else branch" in err.message
    assert [(r.span.line, r.span.col) for r in err.related] == [(1, 18), (1, 18)]


def test_mismatch_application_argument() -> None:
    t = Text("not zero")
    term = App(t.var("not", 1), Zero(t.at("zero")), t.at("not zero"))
    err = raises(ErrorKind.MISMATCH, "App", 1, 5, term, (), DEFS)
    assert "expected Bool, found Nat" in err.message and "`not`" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 1)


def test_mismatch_if_branches() -> None:
    t = Text("if true then zero else false")
    term = If(BoolLit(True, t.at("true")), Zero(t.at("zero")), BoolLit(False, t.at("false")))
    err = raises(ErrorKind.MISMATCH, "If", 1, 24, term)
    assert "expected Nat" in err.message and "found Bool" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 14)


def test_mismatch_if_condition() -> None:
    t = Text("if zero then true else false")
    term = If(Zero(t.at("zero")), BoolLit(True), BoolLit(False))
    err = raises(ErrorKind.MISMATCH, "If", 1, 4, term)
    assert "expected Bool, found Nat" in err.message


def test_mismatch_succ_argument() -> None:
    t = Text("succ true")
    err = raises(ErrorKind.MISMATCH, "Succ", 1, 6, Succ(BoolLit(True, t.at("true"))))
    assert "expected Nat, found Bool" in err.message


def test_not_a_function_variable() -> None:
    t = Text("fun x : Bool => x true")
    term = Lam("x", B, App(t.var("x", 2), BoolLit(True)), param_span=t.at("x"))
    err = raises(ErrorKind.NOT_A_FUNCTION, "App", 1, 17, term)
    assert err.message == "`x` has type Bool and cannot be applied"


def test_not_a_function_subterm_named_by_its_source() -> None:
    t = Text("(succ zero) true")
    term = App(Succ(Zero(), t.at("succ zero")), BoolLit(True, t.at("true")))
    err = raises(ErrorKind.NOT_A_FUNCTION, "App", 1, 2, term)
    assert err.message == "`succ zero` has type Nat and cannot be applied"


def test_iter_over_a_non_nat() -> None:
    t = Text("iter true { zero => zero | succ y => y }")
    term = Iter(BoolLit(True, t.at("true")), Zero(), "y", t.var("y", 2), step_var_span=t.at("y"))
    err = raises(ErrorKind.ITER_NOT_NAT, "Iter", 1, 6, term)
    assert "expected Nat, found Bool" in err.message


def test_step_type_differs_from_base_type() -> None:
    t = Text("iter 2 { zero => zero | succ y => is_zero y }")
    step = App(t.var("is_zero", 1), t.var("y", 2), t.at("is_zero y"))
    term = Iter(Numeral(2), Zero(t.at("zero", 2)), "y", step, step_var_span=t.at("y"))
    err = raises(ErrorKind.STEP_TYPE, "Iter", 1, 35, term, (), DEFS)
    assert "expected Nat, found Bool" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 18)


def test_recurrent_weight_of_function_type_bound_by_fun() -> None:
    t = Text("fun f : Bool -o Bool => iter 2 { zero => true | succ y => f y }")
    step = App(t.var("f", 2), t.var("y", 2))
    term = Lam(
        "f", BB, Iter(Numeral(2), BoolLit(True), "y", step, step_var_span=t.at("y")), param_span=t.at("f")
    )
    err = raises(ErrorKind.RECURRENT_WEIGHT_TYPE, "Lam", 1, 59, term)
    assert "`f`" in err.message and "Bool or Nat" in err.message and "Bool -o Bool" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 5)
    assert "`fun`" in err.related[0].message


def test_recurrent_weight_of_function_type_bound_by_let() -> None:
    t = Text("let f = not in iter 2 { zero => true | succ y => f y }")
    step = App(t.var("f", 2), t.var("y", 2))
    term = Let("f", Var("not"), Iter(Numeral(2), BoolLit(True), "y", step), name_span=t.at("f"))
    err = raises(ErrorKind.RECURRENT_WEIGHT_TYPE, "Let", 1, 50, term, (), DEFS)
    assert "`f`" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 5)


def test_recurrent_weight_of_function_type_bound_by_a_step() -> None:
    t = Text("iter 2 { zero => not | succ g => fun b : Bool => iter 1 { zero => b | succ h => g h } }")
    inner = Iter(Numeral(1), t.var("b", 2), "h", App(t.var("g", 2), t.var("h", 2)), step_var_span=t.at("h"))
    term = Iter(
        Numeral(2), Var("not"), "g", Lam("b", B, inner, param_span=t.at("b")), step_var_span=t.at("g")
    )
    err = raises(ErrorKind.RECURRENT_WEIGHT_TYPE, "Iter", 1, 81, term, (), DEFS)
    assert "`g`" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 29)


def test_recurrent_weight_of_opaque_type_bound_by_fun() -> None:
    img = Opaque("Img")
    step = App(Var("s"), Var("y"))
    term = Lam("s", arrow(img, img), Lam("i", img, Iter(Numeral(2), Var("i"), "y", step)))
    with pytest.raises(CajalError) as info:
        check_term(term, types={"Img"})
    assert info.value.kind is ErrorKind.RECURRENT_WEIGHT_TYPE and "`s`" in info.value.message
    assert info.value.rule == "Lam"


def test_strict_mode_rejects_mult_at_m() -> None:
    _, term = mult_text()
    err = raises(ErrorKind.STRICT_ITER, "Iter", 1, 69, term, (), DEFS, strict_iter=True)
    assert "`m`" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 5)


def test_strict_mode_rejects_context_weights_and_accepts_closed_steps() -> None:
    apply_n = Iter(Var("n"), Var("x"), "y", App(Var("f"), Var("y")))
    with pytest.raises(CajalError) as info:
        check_term(apply_n, [("f", NN), ("n", N), ("x", N)], strict_iter=True)
    assert info.value.kind is ErrorKind.STRICT_ITER and "`f`" in info.value.message
    is_even = Lam("n", N, Iter(Var("n"), BoolLit(True), "b", App(Var("not"), Var("b"))))
    assert check_term(is_even, (), DEFS, strict_iter=True).type == arrow(N, B)
    add = check_term(ADD_BODY, (), DEFS, strict_iter=True)
    assert add.type == arrow(N, N, N)


def test_negative_numeral_is_rejected() -> None:
    with pytest.raises(CajalError) as info:
        check_term(Numeral(-1))
    assert info.value.rule == "Numeral"


def test_open_def_cannot_be_referenced_from_an_expression() -> None:
    info = DefInfo(
        "apply_n", N, Var("x"), Text("apply_n").at("apply_n"), (("f", NN), ("n", N), ("x", N)), ("f",)
    )
    with pytest.raises(CajalError) as err:
        check_term(Var("apply_n"), (), {"apply_n": info})
    assert err.value.kind is ErrorKind.OPEN_DEF
    assert err.value.message == (
        "`apply_n` is an open program (free variables f, n, x) and cannot be referenced; "
        "only closed defs are inlined"
    )


def test_unknown_opaque_types() -> None:
    t = Text("fun i : Img => i")
    term = Lam("i", Opaque("Img", t.at("Img")), t.var("i", 2), param_span=t.at("i"))
    err = raises(ErrorKind.UNKNOWN_TYPE, None, 1, 9, term)
    assert "`Img`" in err.message
    assert check_term(term, types={"Img"}).type == arrow(Opaque("Img"), Opaque("Img"))
    ctx = Text("c : Pic")
    raises(ErrorKind.UNKNOWN_TYPE, None, 1, 1, Var("c"), [("c", Opaque("Pic"))], ctx_spans={"c": ctx.at("c")})


def test_duplicate_context_variable() -> None:
    ctx = Text("x : Nat, x : Nat")
    spans = {"x": ctx.at("x", 2)}
    with pytest.raises(CajalError) as info:
        check_term(Var("x"), [("x", N), ("x", N)], ctx_spans=spans)
    assert info.value.kind is ErrorKind.DUPLICATE


# ---------------------------------------------------------------------------
# Shadowing
# ---------------------------------------------------------------------------


def test_inner_binder_shadows_outer_one() -> None:
    t = Text("fun x : Bool => fun x : Bool => x")
    term = Lam("x", B, Lam("x", B, t.var("x", 3), param_span=t.at("x", 2)), param_span=t.at("x", 1))
    raises(ErrorKind.UNUSED, "Lam", 1, 5, term)
    ok = Lam("x", N, App(Lam("x", B, App(Var("not"), Var("x"))), App(Var("is_zero"), Var("x"))))
    assert check_term(ok, (), DEFS).type == arrow(N, B)


def test_binder_shadowing_a_context_variable_leaves_it_unused() -> None:
    ctx = Text("x : Nat")
    err = raises(
        ErrorKind.UNUSED, "Lam", 1, 1, Lam("x", B, Var("x")), [("x", N)], ctx_spans={"x": ctx.at("x")}
    )
    assert "`x`" in err.message


def test_binders_and_context_shadow_defs() -> None:
    assert check_term(Lam("not", N, Var("not")), (), DEFS).type == NN
    assert check_term(Succ(Var("not")), [("not", N)], DEFS).type == N
    raises(
        ErrorKind.USED_TWICE,
        "App",
        1,
        1,
        Lam("not", BB, App(Var("not"), App(Var("not"), BoolLit(True)))),
        (),
        DEFS,
    )


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


def shape(d: Derivation) -> tuple[object, ...]:
    return (d.rule, d.context, d.type, tuple(shape(p) for p in d.premises))


def test_derivation_of_not_by_hand() -> None:
    d = check_term(NOT_BODY).derivation
    x = (("x", B),)
    assert shape(d) == (
        "Lam",
        (),
        BB,
        (("If", x, B, (("Var", x, B, ()), ("False", (), B, ()), ("True", (), B, ()))),),
    )
    assert d.term is NOT_BODY


def test_derivation_of_mult_orders_contexts_outermost_first() -> None:
    _, term = mult_text()
    d = check_term(term, (), DEFS).derivation
    iter_node = d.premises[0].premises[0]
    assert iter_node.rule == "Iter"
    assert iter_node.context == (("m", N), ("n", N))
    count, base, step = iter_node.premises
    assert (count.rule, count.context) == ("Var", (("n", N),))
    assert (base.rule, base.context) == ("Zero", ())
    assert (step.rule, step.context) == ("App", (("m", N), ("y", N)))
    add_m, y = step.premises
    assert (add_m.context, [p.rule for p in add_m.premises]) == ((("m", N),), ["Def", "Var"])
    assert add_m.premises[0].type == arrow(N, N, N)
    assert (y.rule, y.context) == ("Var", (("y", N),))


def test_derivation_of_let_and_open_term() -> None:
    term = Let("z", BoolLit(True), App(Var("not"), Var("z")))
    d = check_term(term, (), DEFS).derivation
    assert shape(d) == (
        "Let",
        (),
        B,
        (("True", (), B, ()), ("App", (("z", B),), B, (("Def", (), BB, ()), ("Var", (("z", B),), B, ())))),
    )
    apply_n = Iter(Var("n"), Var("x"), "y", App(Var("f"), Var("y")))
    d = check_term(apply_n, [("f", NN), ("n", N), ("x", N)]).derivation
    assert d.context == (("f", NN), ("n", N), ("x", N))
    assert d.premises[2].context == (("f", NN), ("y", N))


def test_derivation_is_built_once() -> None:
    typing = check_term(NOT_BODY)
    assert typing.derivation is typing.derivation


# ---------------------------------------------------------------------------
# Deep terms
# ---------------------------------------------------------------------------


def test_5000_nested_succ_checks_with_derivation() -> None:
    term: Term = Var("x")
    for _ in range(5000):
        term = Succ(term)
    typing = check_term(term, [("x", N)])
    assert typing.type == N
    depth, node = 0, typing.derivation
    while node.premises:
        assert node.context == (("x", N),)
        node, depth = node.premises[0], depth + 1
    assert depth == 5000 and node.rule == "Var"


def test_10000_nested_lets_and_error_deep_inside() -> None:
    # let v0 = zero in let v1 = succ v0 in ... in v9999
    chain: Term = Var("v9999")
    for i in reversed(range(10_000)):
        chain = Let(f"v{i}", Succ(Var(f"v{i - 1}")) if i else Zero(), chain)
    assert check_term(chain).type == N
    bad: Term = BoolLit(True)
    for _ in range(5000):
        bad = Succ(bad)
    with pytest.raises(CajalError) as info:
        check_term(bad)
    assert info.value.kind is ErrorKind.MISMATCH and info.value.rule == "Succ"


def test_many_variables_check_quickly() -> None:
    names = [f"x{i}" for i in range(3000)]
    body: Term = Var(names[-1])
    for name in reversed(names[:-1]):
        body = App(App(Var("and"), Var(name)), body)
    for name in reversed(names):
        body = Lam(name, B, body)
    typing = check_term(body, (), DEFS)
    assert isinstance(typing.type, Arrow)


# ---------------------------------------------------------------------------
# Modules: defs, frees, types
# ---------------------------------------------------------------------------


def def_decl(t: Text, name: str, declared: Type | None, body: Term, nth: int = 1) -> Def:
    return Def(name, declared, body, t.at(name, nth), t.at(name, nth))


def test_module_open_def_context_and_reference_error() -> None:
    t = Text("free x : Nat\ndef open_one : Nat = succ x\ndef bad : Nat = open_one")
    decls = (
        FreeDecl("x", N, t.at("free x : Nat")),
        def_decl(t, "open_one", N, Succ(t.var("x", 2))),
        def_decl(t, "bad", N, t.var("open_one", 2)),
    )
    program = Program(types={}, defs={})
    with pytest.raises(CajalError) as info:
        check_module(Module(t.source, decls), program)
    err = info.value
    assert err.kind is ErrorKind.OPEN_DEF and (err.line, err.col) == (3, 17)
    assert "`open_one` is an open program (free variables x)" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (2, 5)
    assert program.defs == {}  # a failing module adds nothing
    infos = check_module(Module(t.source, decls[:2]), program)
    assert [i.name for i in infos] == ["open_one"]
    assert infos[0].context == (("x", N),) and infos[0].recurrent_weights == ()
    assert list(program.defs) == ["open_one"]


def test_def_context_is_the_mentioned_frees_in_declaration_order() -> None:
    t = Text("free c : Bool\nfree b : Nat\nfree a : Nat\ndef d : Nat = if c then a else a")
    decls = (
        FreeDecl("c", B, t.at("free c : Bool")),
        FreeDecl("b", N, t.at("free b : Nat")),
        FreeDecl("a", N, t.at("free a : Nat")),
        def_decl(t, "d", N, If(Var("c"), Var("a"), Var("a"))),
    )
    (info,) = check_module(Module(t.source, decls), Program())
    assert info.context == (("c", B), ("a", N))
    assert info.is_open
    assert info.derivation is not None and info.derivation.context == (("c", B), ("a", N))


def test_frees_are_scoped_to_their_module() -> None:
    first = Text("free x : Nat\ndef one : Nat = succ x")
    program = Program()
    check_module(Module(first.source, (FreeDecl("x", N), def_decl(first, "one", N, Succ(Var("x"))))), program)
    second = Text("def two : Nat = x")
    with pytest.raises(CajalError) as info:
        check_module(Module(second.source, (def_decl(second, "two", N, second.var("x", 1)),)), program)
    assert info.value.kind is ErrorKind.UNBOUND and (info.value.line, info.value.col) == (1, 17)


def test_def_annotation_mismatch() -> None:
    t = Text("def wrong : Nat = true")
    decl = Def(
        "wrong", NatT(t.at("Nat")), BoolLit(True, t.at("true")), t.at("def wrong : Nat = true"), t.at("wrong")
    )
    with pytest.raises(CajalError) as info:
        check_module(Module(t.source, (decl,)), Program())
    err = info.value
    assert (err.kind, err.rule, err.line, err.col) == (ErrorKind.MISMATCH, "Def", 1, 19)
    assert "expected Nat, found Bool" in err.message
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 13)


def test_unannotated_def_synthesises_its_type() -> None:
    t = Text("def neg = not")
    (info,) = check_module(
        Module(t.source, (def_decl(t, "neg", None, Var("not")),)), Program(defs=dict(DEFS))
    )
    assert info.type == BB and info.context == ()


def test_self_reference_is_unbound_with_a_hint() -> None:
    t = Text("def loop : Nat = loop")
    with pytest.raises(CajalError) as info:
        check_module(Module(t.source, (def_decl(t, "loop", N, t.var("loop", 2)),)), Program())
    assert info.value.kind is ErrorKind.UNBOUND and "cannot refer to itself" in info.value.message
    assert (info.value.line, info.value.col) == (1, 18)


def _one_is_duplicated(t: Text, second: Def | FreeDecl | TypeDecl) -> CajalError:
    line1 = t.source.line_text(1)
    kind, name = line1.split()[:2]
    first: Def | FreeDecl | TypeDecl
    if kind == "def":
        first = Def(name, N, Numeral(1), t.at(line1), t.at(name, 1))
    elif kind == "free":
        first = FreeDecl(name, N, t.at(line1))
    else:
        first = TypeDecl(name, t.at(line1))
    with pytest.raises(CajalError) as info:
        check_module(Module(t.source, (first, second)), Program())
    assert info.value.kind is ErrorKind.DUPLICATE
    return info.value


def test_duplicate_def() -> None:
    t = Text("def one : Nat = 1\ndef one : Nat = 2")
    err = _one_is_duplicated(t, Def("one", N, Numeral(2), t.at("def one : Nat = 2"), t.at("one", 2)))
    assert (err.line, err.col, err.related[0].span.line, err.related[0].span.col) == (2, 5, 1, 5)
    assert "`one`" in err.message


def test_duplicate_type() -> None:
    t = Text("type Img\ntype Img")
    err = _one_is_duplicated(t, TypeDecl("Img", Span(t.source, 9, 17)))
    assert (err.line, err.col, err.related[0].span.line, err.related[0].span.col) == (2, 1, 1, 1)


def test_duplicate_free() -> None:
    t = Text("free a : Nat\nfree a : Nat")
    err = _one_is_duplicated(t, FreeDecl("a", N, Span(t.source, 13, 25)))
    assert (err.line, err.col, err.related[0].span.line, err.related[0].span.col) == (2, 1, 1, 1)


def test_free_named_like_a_def_and_def_named_like_a_free() -> None:
    t = Text("def one : Nat = 1\nfree one : Nat")
    err = _one_is_duplicated(t, FreeDecl("one", N, t.at("free one : Nat")))
    assert (err.line, err.col, err.related[0].span.line, err.related[0].span.col) == (2, 1, 1, 5)
    t = Text("free one : Nat\ndef one : Nat = one")
    err = _one_is_duplicated(t, Def("one", N, t.var("one", 3), t.at("def one : Nat = one"), t.at("one", 2)))
    assert (err.line, err.col, err.related[0].span.line, err.related[0].span.col) == (2, 5, 1, 1)


def test_types_persist_across_modules_and_builtins_cannot_be_redeclared() -> None:
    program = Program()
    first = Text("type Img")
    check_module(Module(first.source, (TypeDecl("Img", first.at("type Img")),)), program)
    assert list(program.types) == ["Img"]
    second = Text("free img : Img\ndef same : Img = img")
    img = Opaque("Img", second.at("Img"))
    (info,) = check_module(
        Module(second.source, (FreeDecl("img", img), def_decl(second, "same", img, Var("img")))), program
    )
    assert info.context == (("img", Opaque("Img")),)
    # another file may declare the same opaque type again: it is the same type
    again = Text("type Img")
    assert check_module(Module(again.source, (TypeDecl("Img", again.at("type Img")),)), program) == []
    assert program.types["Img"].source is first.source
    third = Text("type Nat")
    with pytest.raises(CajalError) as err:
        check_module(Module(third.source, (TypeDecl("Nat", third.at("type Nat")),)), program)
    assert err.value.kind is ErrorKind.DUPLICATE


def test_unknown_type_in_free_and_def_annotation() -> None:
    t = Text("free s : Img -o Img")
    decl = FreeDecl(
        "s", arrow(Opaque("Img", t.at("Img", 1)), Opaque("Img", t.at("Img", 2))), t.at("free s : Img -o Img")
    )
    with pytest.raises(CajalError) as info:
        check_module(Module(t.source, (decl,)), Program())
    assert (info.value.kind, info.value.line, info.value.col) == (ErrorKind.UNKNOWN_TYPE, 1, 10)
    t2 = Text("def d : Pic = true")
    with pytest.raises(CajalError) as info:
        check_module(
            Module(t2.source, (def_decl(t2, "d", Opaque("Pic", t2.at("Pic")), BoolLit(True)),)), Program()
        )
    assert (info.value.kind, info.value.line, info.value.col) == (ErrorKind.UNKNOWN_TYPE, 1, 9)


# ---------------------------------------------------------------------------
# Prelude and examples (parsed from the shipped files)
# ---------------------------------------------------------------------------


def _parse_module(source: Source) -> Module:
    parser = pytest.importorskip("cajal_ref.parser")
    module: Module = parser.parse_module(source)
    return module


def _package_source(folder: str, name: str) -> Source:
    text = resources.files("cajal_ref").joinpath(folder, name).read_text(encoding="utf-8")
    return Source(f"{folder}/{name}", text)


def load_prelude(strict_iter: bool = False) -> Program:
    program = Program()
    for name in ("bool.cj", "nat.cj", "fun.cj"):
        check_module(_parse_module(_package_source("prelude", name)), program, strict_iter=strict_iter)
    return program


PRELUDE_TYPES = {
    "not": BB,
    "and": arrow(B, B, B),
    "or": arrow(B, B, B),
    "xor": arrow(B, B, B),
    "is_zero": arrow(N, B),
    "is_even": arrow(N, B),
    "add": arrow(N, N, N),
    "double": NN,
    "mult": arrow(N, N, N),
    "discard": NN,
    "compose": arrow(NN, NN, NN),
}


def test_prelude_types() -> None:
    program = load_prelude()
    assert list(program.defs) == list(PRELUDE_TYPES)
    for name, expected in PRELUDE_TYPES.items():
        info = program.defs[name]
        assert info.type == expected, name
        assert info.context == () and info.recurrent_weights == (), name
    assert program.types == {}


def test_prelude_in_strict_mode_rejects_mult_at_m() -> None:
    with pytest.raises(CajalError) as info:
        load_prelude(strict_iter=True)
    err = info.value
    assert (err.kind, err.rule, err.file) == (ErrorKind.STRICT_ITER, "Iter", "prelude/nat.cj")
    assert (err.line, err.col) == (17, 71)
    assert "`m`" in err.message


@pytest.mark.parametrize(
    ("example", "name", "context", "weights", "result"),
    [
        ("apply_n.cj", "apply_n", (("f", NN), ("n", N), ("x", N)), ("f",), N),
        (
            "iterate.cj",
            "iterate",
            (("num", N), ("img", Opaque("Img")), ("step", arrow(Opaque("Img"), Opaque("Img")))),
            ("step",),
            Opaque("Img"),
        ),
        (
            "conditional.cj",
            "conditional",
            (("odd", B), ("num", N), ("img", Opaque("Img")), ("step", arrow(Opaque("Img"), Opaque("Img")))),
            ("step",),
            Opaque("Img"),
        ),
    ],
)
def test_examples_are_open_programs(
    example: str, name: str, context: tuple[tuple[str, Type], ...], weights: tuple[str, ...], result: Type
) -> None:
    program = load_prelude()
    infos = check_module(_parse_module(_package_source("examples", example)), program)
    (info,) = infos
    assert (info.name, info.type, info.context, info.recurrent_weights) == (name, result, context, weights)
    with pytest.raises(CajalError) as err:
        check_module(_parse_module(_package_source("examples", example)), load_prelude(), strict_iter=True)
    assert err.value.kind is ErrorKind.STRICT_ITER and f"`{weights[0]}`" in err.value.message


# ---------------------------------------------------------------------------
# Generated well-typed terms (hypothesis)
# ---------------------------------------------------------------------------

SMALL_TYPES: list[Type] = [B, N, BB, NN, arrow(N, B), arrow(B, N)]
COMBINE = Lam("a", B, Lam("b", B, If(Var("a"), Var("b"), Var("b"))))


class LinearTerms:
    """Draws terms that use given variables exactly once, by construction (an oracle
    independent of the checker). Variables are (name, type, from_context)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def split(
        self, items: Sequence[tuple[str, Type, bool]], parts: int
    ) -> list[list[tuple[str, Type, bool]]]:
        out: list[list[tuple[str, Type, bool]]] = [[] for _ in range(parts)]
        for item in items:
            out[self.data.draw(st.integers(0, parts - 1))].append(item)
        return out

    def value(self, t: Type) -> Term:
        """A closed term of type t."""
        if t == B:
            return BoolLit(self.data.draw(st.booleans()))
        if t == N:
            return Numeral(self.data.draw(st.integers(0, 3)))
        assert isinstance(t, Arrow)
        z = self.fresh()
        return Lam(z, t.dom, self.close(t.cod, [(z, t.dom, False)]))

    def as_bool(self, name: str, t: Type) -> Term:
        """Consume variable `name` of type t into a Bool."""
        if t == B:
            return Var(name)
        if t == N:
            return Iter(Var(name), BoolLit(True), "b", Var("b"))
        assert isinstance(t, Arrow)
        z = self.fresh()
        return Let(z, App(Var(name), self.value(t.dom)), self.as_bool(z, t.cod))

    def close(self, t: Type, items: Sequence[tuple[str, Type, bool]]) -> Term:
        """Consume every variable, then produce a value of type t."""
        if not items:
            return self.value(t)
        acc = self.as_bool(items[0][0], items[0][1])
        for name, ty, _ in items[1:]:
            acc = App(App(COMBINE, acc), self.as_bool(name, ty))
        return If(acc, self.value(t), self.value(t))

    def term(self, t: Type, items: Sequence[tuple[str, Type, bool]], depth: int) -> Term:
        if depth <= 0:
            return self.close(t, items)
        options = ["app", "let", "close", "if"]
        if len(items) == 1 and items[0][1] == t:
            options += ["var", "var"]
        if isinstance(t, Arrow):
            options += ["lam", "lam"]
        if t == N:
            options.append("succ")
        if t == BB and not items:
            options.append("def")
        if is_ground(t):
            options += ["iter", "iter"]
        choice = self.data.draw(st.sampled_from(options))
        d = depth - 1
        if choice == "var":
            return Var(items[0][0])
        if choice == "def":
            return Var("not")
        if choice == "lam":
            assert isinstance(t, Arrow)
            z = self.fresh()
            return Lam(z, t.dom, self.term(t.cod, [*items, (z, t.dom, False)], d))
        if choice == "succ":
            return Succ(self.term(N, items, d))
        if choice == "if":
            cond, branches = self.split(items, 2)
            return If(self.term(B, cond, d), self.term(t, branches, d), self.term(t, branches, d))
        if choice == "app":
            dom = self.data.draw(st.sampled_from(SMALL_TYPES))
            fn, arg = self.split(items, 2)
            return App(self.term(Arrow(dom, t), fn, d), self.term(dom, arg, d))
        if choice == "let":
            bound_type = self.data.draw(st.sampled_from(SMALL_TYPES))
            bound, body = self.split(items, 2)
            z = self.fresh()
            return Let(z, self.term(bound_type, bound, d), self.term(t, [*body, (z, bound_type, False)], d))
        if choice == "iter":
            # only ground or context variables may be recurrent weights (§3)
            weights_ok = [i for i in items if is_ground(i[1]) or i[2]]
            others = [i for i in items if not (is_ground(i[1]) or i[2])]
            count, base, step = self.split(weights_ok, 3)
            y = self.fresh()
            return Iter(
                self.term(N, count, d),
                self.term(t, [*base, *others], d),
                y,
                self.term(t, [*step, (y, t, False)], d),
            )
        return self.close(t, items)


CTX_TYPES: list[Type] = [B, N, BB, NN, arrow(N, B)]


@st.composite
def open_terms(draw: st.DrawFn) -> tuple[Term, list[tuple[str, Type]], Type]:
    data = draw(st.data())
    gen = LinearTerms(data)
    ctx = [(f"c{i}", draw(st.sampled_from(CTX_TYPES))) for i in range(draw(st.integers(0, 4)))]
    result = draw(st.sampled_from(SMALL_TYPES))
    term = gen.term(result, [(n, t, True) for n, t in ctx], draw(st.integers(1, 5)))
    return term, ctx, result


def valid(d: Derivation) -> None:
    """Check one derivation step by step against the rules of SPEC §3 (an independent reading)."""
    stack = [d]
    while stack:
        node = stack.pop()
        stack.extend(node.premises)
        ctx, rule, ps = node.context, node.rule, node.premises
        assert rule in RULES
        names = [n for n, _ in ctx]
        assert len(set(names)) == len(names)
        term = node.term
        if rule == "Var":
            assert isinstance(term, Var) and ctx == ((term.name, node.type),)
        elif rule in ("True", "False", "Zero", "Numeral", "Def"):
            assert ctx == () and not ps
        elif rule == "Succ":
            assert ps[0].context == ctx and ps[0].type == N == node.type
        elif rule == "If":
            assert (
                ps[0].type == B and ps[1].context == ps[2].context and ps[1].type == ps[2].type == node.type
            )
            assert set(ps[0].context).isdisjoint(ps[1].context)
            assert set(ctx) == set(ps[0].context) | set(ps[1].context)
        elif rule == "Lam":
            assert isinstance(term, Lam) and node.type == Arrow(term.param_type, ps[0].type)
            assert ps[0].context == (*ctx, (term.param, term.param_type))
        elif rule == "App":
            assert ps[0].type == Arrow(ps[1].type, node.type)
            assert set(ps[0].context).isdisjoint(ps[1].context)
            assert set(ctx) == set(ps[0].context) | set(ps[1].context)
        elif rule == "Iter":
            assert isinstance(term, Iter) and ps[0].type == N and ps[1].type == ps[2].type == node.type
            assert ps[2].context[-1] == (term.step_var, node.type)
            theta = ps[2].context[:-1]
            parts = [set(ps[0].context), set(ps[1].context), set(theta)]
            assert sum(map(len, parts)) == len(ctx) and set(ctx) == parts[0] | parts[1] | parts[2]
        elif rule == "Let":
            assert isinstance(term, Let) and ps[1].context[-1] == (term.name, ps[0].type)
            body = ps[1].context[:-1]
            assert set(ps[0].context).isdisjoint(body) and set(ctx) == set(ps[0].context) | set(body)


@given(open_terms())
def test_generated_linear_terms_check_with_valid_derivations(
    case: tuple[Term, list[tuple[str, Type]], Type],
) -> None:
    term, ctx, result = case
    typing = check_term(term, ctx, DEFS)
    assert typing.type == result
    assert typing.derivation.context == tuple(ctx)
    valid(typing.derivation)
    assert typing.recurrent_weights == tuple(n for n, _ in ctx if n in step_free_vars(term))


@given(open_terms())
def test_strict_mode_accepts_exactly_the_closed_steps(
    case: tuple[Term, list[tuple[str, Type]], Type],
) -> None:
    term, ctx, _ = case
    open_step = any(
        isinstance(sub, Iter) and (free_vars(sub.step) - {sub.step_var} - DEFS.keys())
        for sub in subterms(term)
    )
    try:
        check_term(term, ctx, DEFS, strict_iter=True)
        rejected = False
    except CajalError as err:
        assert err.kind is ErrorKind.STRICT_ITER
        rejected = True
    assert rejected == open_step


@given(open_terms(), st.data())
def test_misusing_a_variable_is_a_linearity_error(
    case: tuple[Term, list[tuple[str, Type]], Type], data: st.DataObject
) -> None:
    term, ctx, _ = case
    extra = Text("spare : Bool")
    with pytest.raises(CajalError) as info:
        check_term(term, [*ctx, ("spare", B)], DEFS, ctx_spans={"spare": extra.at("spare")})
    assert info.value.kind is ErrorKind.UNUSED and (info.value.line, info.value.col) == (1, 1)
    # rename one occurrence of a context variable to another of the same type
    occurrences = [
        (i, s) for i, s in enumerate(subterms(term)) if isinstance(s, Var) and s.name.startswith("c")
    ]
    candidates = [
        (i, other) for i, s in occurrences for other, t in ctx if other != s.name and t == dict(ctx)[s.name]
    ]
    if not candidates:
        return
    index, other = data.draw(st.sampled_from(candidates))
    mutated = _replace_nth(term, index, Var(other))
    with pytest.raises(CajalError) as info:
        check_term(mutated, ctx, DEFS)
    assert info.value.kind in (ErrorKind.USED_TWICE, ErrorKind.UNUSED, ErrorKind.BRANCH_CONTEXTS)


def _replace_nth(term: Term, index: int, replacement: Term) -> Term:
    """Replace the index-th subterm in pre-order (small generated terms: plain recursion)."""
    counter = [0]

    def go(t: Term) -> Term:
        here = counter[0]
        counter[0] += 1
        if here == index:
            return replacement
        match t:
            case Succ(a):
                return Succ(go(a))
            case If(c, a, b):
                return If(go(c), go(a), go(b))
            case Lam(x, ty, body):
                return Lam(x, ty, go(body))
            case App(f, a):
                return App(go(f), go(a))
            case Iter(n, b, y, s):
                return Iter(go(n), go(b), y, go(s))
            case Let(x, bound, body):
                return Let(x, go(bound), go(body))
            case _:
                return t

    return go(term)


@given(open_terms())
def test_closed_ground_terms_evaluate(case: tuple[Term, list[tuple[str, Type]], Type]) -> None:
    """T1 on generated programs: a well-typed closed term of ground type evaluates to its type."""
    from cajal_ref.interpreter import evaluate

    term, ctx, result = case
    if ctx or not is_ground(result):
        return
    check_term(term, (), DEFS)
    value = evaluate(term, {}, DEFS).value
    assert (
        isinstance(value, bool) if result == B else (isinstance(value, int) and not isinstance(value, bool))
    )


def test_typing_is_frozen_data() -> None:
    typing = check_term(Zero())
    assert isinstance(typing, Typing) and typing.type == N and typing.recurrent_weights == ()


# ---------------------------------------------------------------------------
# End to end from source text (the parser's spans and the checker's positions)
# ---------------------------------------------------------------------------


def _check_text(text: str, **kwargs: object) -> CajalError:
    parser = pytest.importorskip("cajal_ref.parser")
    term = parser.parse_term(Source("input.cj", text))
    with pytest.raises(CajalError) as info:
        check_term(term, (), DEFS, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize(
    ("text", "kind", "rule", "where", "note"),
    [
        (
            "fun f : Bool -o Bool => iter 2 { zero => true | succ y => f y }",
            ErrorKind.RECURRENT_WEIGHT_TYPE,
            "Lam",
            (1, 59),
            (1, 5),
        ),
        ("fun x : Bool => x true", ErrorKind.NOT_A_FUNCTION, "App", (1, 17), None),
        ("fun x : Bool -o Bool =>\n  fun y : Bool => x (x y)", ErrorKind.USED_TWICE, "App", (2, 22), (2, 19)),
        ("let z = true in false", ErrorKind.UNUSED, "Let", (1, 5), None),
        ("iter 3 { zero => true | succ b => false }", ErrorKind.UNUSED, "Iter", (1, 30), None),
        (
            "fun x : Bool => fun y : Bool => if x then y else true",
            ErrorKind.BRANCH_CONTEXTS,
            "If",
            (1, 43),
            (1, 50),
        ),
        ("iter 2 { zero => zero | succ y => is_zero y }", ErrorKind.STEP_TYPE, "Iter", (1, 35), (1, 18)),
        ("not\n  zero", ErrorKind.MISMATCH, "App", (2, 3), (1, 1)),
    ],
)
def test_errors_from_parsed_text(
    text: str, kind: ErrorKind, rule: str, where: tuple[int, int], note: tuple[int, int] | None
) -> None:
    err = _check_text(text)
    assert (err.kind, err.rule, (err.line, err.col)) == (kind, rule, where), err.render()
    if note is not None:
        assert (err.related[0].span.line, err.related[0].span.col) == note
    assert err.render().startswith(f"input.cj:{where[0]}:{where[1]}: error: ")


def test_open_def_reference_from_parsed_module() -> None:
    parser = pytest.importorskip("cajal_ref.parser")
    text = (
        "free f : Nat -o Nat\nfree n : Nat\nfree x : Nat\n"
        "def apply_n : Nat = iter n { zero => x | succ y => f y }\n"
        "def bad : Nat = apply_n\n"
    )
    with pytest.raises(CajalError) as info:
        check_module(parser.parse_module(Source("open.cj", text)), Program())
    err = info.value
    assert err.kind is ErrorKind.OPEN_DEF and (err.line, err.col) == (5, 17)
    assert err.message == (
        "`apply_n` is an open program (free variables f, n, x) and cannot be referenced; "
        "only closed defs are inlined"
    )
    assert (err.related[0].span.line, err.related[0].span.col) == (4, 5)


def test_duplicate_def_from_parsed_module() -> None:
    parser = pytest.importorskip("cajal_ref.parser")
    text = "def one : Nat = 1\n\n  def one : Nat = 2\n"
    with pytest.raises(CajalError) as info:
        check_module(parser.parse_module(Source("dup.cj", text)), Program())
    err = info.value
    assert err.kind is ErrorKind.DUPLICATE and (err.line, err.col) == (3, 7)
    assert (err.related[0].span.line, err.related[0].span.col) == (1, 5)
