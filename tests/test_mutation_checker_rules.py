"""Checker messages of the term rules, written out in full by hand from SPEC §3 (issue 15,
mutmut's survivors of checker.py); the declarations' messages are in test_mutation_checker.py.
"""

from __future__ import annotations

import pytest

from cajal_ref.checker import DefInfo, Derivation, Program, check_module, check_term
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import load_workspace
from cajal_ref.parser import parse_module, parse_term
from cajal_ref.syntax import (
    BOOL,
    NAT,
    BoolLit,
    FreeDecl,
    Lam,
    Module,
    Numeral,
    Opaque,
    Source,
    Span,
    Var,
    arrow,
)
from tests.test_mutation_checker import only_error, where

# ---------------------------------------------------------------------------
# Modules: every error of a file, its message and where it points
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Messages of the term rules
# ---------------------------------------------------------------------------


def test_a_variable_only_in_the_else_branch_says_the_then_branch_lacks_it() -> None:
    err = only_error("def f : Bool -o Bool -o Bool = fun c : Bool => fun x : Bool => if c then true else x")
    assert err.kind is ErrorKind.BRANCH_CONTEXTS
    assert err.message == (
        "the branches of `if` must use the same variables (they share one linear context): "
        "`x` is used only in the else branch"
    )
    assert [r.message for r in err.related] == ["the then branch does not use `x`"]


def test_iter_over_a_non_nat_names_the_count_and_its_type() -> None:
    err = only_error("def f : Nat = iter true { zero => zero | succ y => y }")
    assert err.message == "`iter` counts over a Nat: expected Nat, found Bool (`true` has type Bool)"


def test_a_step_of_another_type_points_at_the_base() -> None:
    err = only_error(
        "def f : Nat = iter 2 { zero => zero | succ y => iter y { zero => true | succ b => b } }"
    )
    assert err.kind is ErrorKind.STEP_TYPE
    assert [(r.message, where(r.span)) for r in err.related] == [("the base has type Nat", (1, 32))]


def test_strict_mode_without_a_declaration_position_has_no_related_location() -> None:
    step = parse_term(Source("<e>", "iter n { zero => zero | succ y => if b then succ y else y }"))
    with pytest.raises(CajalError) as caught:
        check_term(step, [("b", BOOL), ("n", NAT)], strict_iter=True)
    assert caught.value.kind is ErrorKind.STRICT_ITER and caught.value.related == ()


LINEAR = "a linear variable must be used exactly once"

# (a term over the context "ctx", the whole message, the related messages) — written out by hand
TERM_MESSAGES: list[tuple[str, str, str, list[str]]] = [
    (
        "zz",
        "",
        "`zz` is not bound: no enclosing `fun`, `let` or `iter` step binds it, it is not in the "
        "context, and no def of that name is in scope",
        [],
    ),
    ("succ true", "", "the argument of `succ` must be a Nat: expected Nat, found Bool", []),
    (
        "if zero then true else false",
        "",
        "the condition of `if` must be a Bool: expected Bool, found Nat",
        [],
    ),
    (
        "if true then true else zero",
        "",
        "the branches of `if` must have the same type: expected Bool "
        "(the type of the then branch), found Nat",
        ["the then branch has type Bool"],
    ),
    (
        "if c then x else y",
        "c : Bool, x : Bool, y : Bool",
        "the branches of `if` must use the same variables "
        "(they share one linear context): `x` is used only in the then branch; `y` only in the else branch",
        ["the else branch does not use `x`", "`y` is used here, in the else branch"],
    ),
    ("x true", "x : Nat", "`x` has type Nat and cannot be applied", []),
    (
        "f zero",
        "f : Bool -o Bool",
        "the argument of `f` has the wrong type: expected Bool, found Nat",
        ["`f` has type Bool -o Bool"],
    ),
    (
        "f x x",
        "f : Bool -o Bool -o Bool, x : Bool",
        f"variable `x` is used twice; {LINEAR}",
        ["first use of `x`"],
    ),
    (
        "fun p : Bool => true",
        "",
        f"parameter `p` is never used; {LINEAR} (to consume a Bool without using "
        "it, branch on it: `if p then v else v`)",
        [],
    ),
    (
        "let v = true in false",
        "",
        f"`let` variable `v` is never used; {LINEAR} (to consume a Bool without "
        "using it, branch on it: `if v then v else v`)",
        [],
    ),
    (
        "true",
        "x : Bool",
        f"context variable `x` is never used; {LINEAR} (to consume a Bool without using "
        "it, branch on it: `if x then v else v`)",
        [],
    ),
    (
        "iter n { zero => true | succ b => true }",
        "n : Nat",
        f"step variable `b` is never used; {LINEAR} "
        "(to consume a Bool without using it, branch on it: `if b then v else v`)",
        [],
    ),
    (
        "iter n { zero => zero | succ y => true }",
        "n : Nat",
        f"step variable `y` is never used; {LINEAR} "
        "(to consume a Nat without using it, see `discard` in the prelude)",
        [],
    ),
    (
        "iter n { zero => zero | succ y => iter y { zero => true | succ b => b } }",
        "n : Nat",
        "the step of `iter` must have the type of its base: expected Nat, found Bool",
        ["the base has type Nat"],
    ),
    (
        "fun f : Bool -o Bool => iter n { zero => true | succ b => f b }",
        "n : Nat",
        "`f` is used inside the step of an `iter`, so it is a recurrent weight; a recurrent weight bound by "
        "`fun` must have type Bool or Nat, but `f` has type Bool -o Bool (make it a free variable of an open "
        "program, e.g. `free f : Bool -o Bool`)",
        ["`f` is bound here by `fun`"],
    ),
    (
        "let g = not in iter n { zero => true | succ b => g b }",
        "n : Nat",
        "`g` is used inside the step of an `iter`, so it is a recurrent weight; a recurrent weight bound by "
        "`let` must have type Bool or Nat, but `g` has type Bool -o Bool (make it a free variable of an open "
        "program, e.g. `free g : Bool -o Bool`)",
        ["`g` is bound here by `let`"],
    ),
    (
        "iter n { zero => not | succ h => fun x : Bool => iter m { zero => x | succ b => h b } }",
        "n : Nat, m : Nat",
        "`h` is used inside the step of an `iter`, so it is a recurrent weight; a recurrent weight bound by "
        "the step of an enclosing `iter` must have type Bool or Nat, but `h` has type Bool -o Bool "
        "(make it a free variable of an open program, e.g. `free h : Bool -o Bool`)",
        ["`h` is bound here by the step of an enclosing `iter`"],
    ),
]


@pytest.mark.parametrize(("text", "ctx", "message", "related"), TERM_MESSAGES)
def test_each_rule_says_exactly_what_is_wrong(text: str, ctx: str, message: str, related: list[str]) -> None:
    ws = load_workspace()
    with pytest.raises(CajalError) as caught:
        ws.check_expression(text, ctx or None)
    assert caught.value.message == message
    assert [r.message for r in caught.value.related] == related


def test_an_open_def_and_a_negative_numeral_are_refused_in_full() -> None:
    program = Program()
    check_module(parse_module(Source("lib.cj", "free x : Nat\ndef opened : Nat = succ x")), program)
    err = only_error("def use : Nat = opened", program)
    assert err.message == (
        "`opened` is an open program (free variables x) and cannot be referenced; "
        "only closed defs are inlined"
    )
    assert [(r.message, r.span.file, where(r.span)) for r in err.related] == [
        ("`opened` is defined here", "lib.cj", (2, 5))
    ]
    assert err.rule == "Def"
    # a def recorded without a name position is pointed at by its whole declaration
    lib = Source("lib.cj", "def opened : Nat = succ x")
    info = DefInfo("opened", NAT, Var("x"), Span(lib, 0, 25), context=(("x", NAT),))
    with pytest.raises(CajalError) as caught:
        check_term(Var("opened"), defs={"opened": info})
    assert [(r.span.start, r.span.end) for r in caught.value.related] == [(0, 25)]
    with pytest.raises(CajalError) as caught:
        check_term(Numeral(-1, Span(Source("<e>", "-1"), 0, 2)))
    assert caught.value.message == "a numeral must be a natural number (n ≥ 0), found -1"
    assert (caught.value.kind, caught.value.rule) == (ErrorKind.MISMATCH, "Numeral")
    assert (caught.value.span.start, caught.value.span.end) == (0, 2)


def test_a_context_variable_declared_twice_points_at_the_first() -> None:
    t = Source("<ctx>", "x : Bool, x : Bool")
    with pytest.raises(CajalError) as caught:
        check_term(Var("x"), [("x", BOOL), ("x", BOOL)], ctx_spans={"x": Span(t, 10, 18)})
    assert caught.value.message == "context variable `x` is declared twice"
    assert [(r.message, r.span.start, r.span.end) for r in caught.value.related] == [
        ("`x` is first declared here", 10, 18)
    ]
    assert (caught.value.span.start, caught.value.span.end) == (10, 18)
    with pytest.raises(CajalError) as caught:
        check_term(Var("x"), [("x", BOOL), ("x", BOOL)])
    assert caught.value.kind is ErrorKind.DUPLICATE and caught.value.related == ()
    with pytest.raises(CajalError) as caught:
        check_term(Var("x"), [("x", Opaque("Foo"))])
    assert (
        caught.value.message
        == "type `Foo` of context variable `x` is not declared; declare it with `type Foo`"
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("true", "True"),
        ("false", "False"),
        ("zero", "Zero"),
        ("3", "Numeral"),
        ("succ zero", "Succ"),
        ("if true then true else false", "If"),
        ("fun p : Bool => p", "Lam"),
        ("(fun p : Bool => p) true", "App"),
        ("iter 2 { zero => true | succ b => b }", "Iter"),
        ("let v = true in v", "Let"),
    ],
)
def test_an_unused_context_variable_is_blamed_on_the_root_rule(text: str, rule: str) -> None:
    # the root's rule owns the whole context, so an unused context variable is its error
    with pytest.raises(CajalError) as caught:
        check_term(parse_term(Source("<e>", text)), [("u", BOOL)])
    assert caught.value.kind is ErrorKind.UNUSED and caught.value.rule == rule
    with pytest.raises(CajalError) as caught:
        check_term(Var("x"), [("x", BOOL), ("u", NAT)])
    assert caught.value.rule == "Var"


def test_of_several_clashes_the_one_whose_second_use_comes_first_is_reported() -> None:
    ws = load_workspace()
    ctx = "g : Bool -o Bool -o Bool, h : Bool -o Bool -o Bool, x : Bool, y : Bool"
    with pytest.raises(CajalError) as caught:
        ws.check_expression("and (g y x) (h x y)", ctx)
    err = caught.value
    # x and y are both used on each side; x's second use (column 16) comes before y's (column 18)
    assert err.message == f"variable `x` is used twice; {LINEAR}"
    assert (err.line, err.col) == (1, 16)
    assert [(r.message, where(r.span)) for r in err.related] == [("first use of `x`", (1, 10))]


def test_a_recurrent_weight_used_in_both_branches_is_reported_at_its_first_use() -> None:
    ws = load_workspace()
    text = "fun f : Bool -o Bool => iter n { zero => true | succ b => if c then f b else f b }"
    with pytest.raises(CajalError) as caught:
        ws.check_expression(text, "n : Nat, c : Bool")
    assert caught.value.kind is ErrorKind.RECURRENT_WEIGHT_TYPE
    assert (caught.value.line, caught.value.col) == (1, text.index("f b") + 1)


def test_an_unknown_parameter_type_without_a_position_points_at_the_parameter() -> None:
    t = Source("<e>", "fun p : Foo => true")
    term = Lam("p", Opaque("Foo"), BoolLit(True), Span(t, 0, 19), param_span=Span(t, 4, 5))
    with pytest.raises(CajalError) as caught:
        check_term(term)
    assert caught.value.kind is ErrorKind.UNKNOWN_TYPE
    assert (caught.value.span.start, caught.value.span.end) == (4, 5)


def test_a_weight_iterated_in_both_branches_is_reported_at_the_then_branch() -> None:
    # each branch has its own iter using f: the step uses of the branches overlap, and the earliest is kept
    ws = load_workspace()
    then = "iter n { zero => true | succ b => f b }"
    text = f"fun f : Bool -o Bool => if c then {then} else iter n {{ zero => true | succ b => f b }}"
    with pytest.raises(CajalError) as caught:
        ws.check_expression(text, "n : Nat, c : Bool")
    assert caught.value.kind is ErrorKind.RECURRENT_WEIGHT_TYPE
    assert (caught.value.line, caught.value.col) == (1, text.index("f b") + 1)


@pytest.mark.parametrize("which", ["dom", "cod"])
def test_an_unknown_type_inside_an_arrow_without_a_position_points_at_the_declaration(which: str) -> None:
    t = Source("m.cj", "free s : Foo -o Bool")
    foo = Opaque("Foo")
    typ = arrow(foo, BOOL) if which == "dom" else arrow(BOOL, foo)
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (FreeDecl("s", typ, Span(t, 0, 20)),)), Program())
    assert caught.value.kind is ErrorKind.UNKNOWN_TYPE
    assert (
        caught.value.message == "type `Foo` of free variable `s` is not declared; declare it with `type Foo`"
    )
    assert (caught.value.span.start, caught.value.span.end) == (0, 20)


def test_a_self_reference_and_a_near_name_complete_the_unbound_message() -> None:
    unbound = (
        "`{}` is not bound: no enclosing `fun`, `let` or `iter` step binds it, it is not in the context, "
        "and no def of that name is in scope"
    )
    err = only_error("def loop : Nat = loop")
    assert (
        err.message
        == unbound.format("loop") + " (a def cannot refer to itself; repeat a computation with `iter`)"
    )
    err = only_error("def f : Bool -o Bool = fun value : Bool => valeu")
    assert err.message == unbound.format("valeu") + "; did you mean `value`?"


def test_checking_builds_no_derivation_until_one_is_asked_for() -> None:
    # the derivation is lazy: checking a long program must not pay for (or keep) one node per
    # subterm; asking for it builds the five nodes of fun x => if x then false else true
    from unittest import mock

    from cajal_ref import checker

    built: list[str] = []

    class Counted(Derivation):
        def __init__(self, rule: str, *rest: object) -> None:
            built.append(rule)
            super().__init__(rule, *rest)  # type: ignore[arg-type]

    term = parse_term("fun x : Bool => if x then false else true")
    with mock.patch.object(checker, "Derivation", Counted):
        typing = check_term(term)
        assert built == []
        derivation = typing.derivation
    assert len(built) == 5
    assert derivation.rule == built[-1]
