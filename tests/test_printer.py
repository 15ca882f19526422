"""The printer: its style on hand-written terms, and round trips through the parser.

The hypothesis strategies build arbitrary (not necessarily well-typed) syntax trees
directly from syntax.py, so the round trips test both the parser and the printer
against the tree, not against each other's output.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.parser import KEYWORDS, parse_module, parse_term, parse_term_text, parse_type_text
from cajal_ref.printer import pretty, show_decl, show_module, show_term
from cajal_ref.syntax import (
    BOOL,
    MAX_NESTING,
    NAT,
    App,
    Arrow,
    BoolLit,
    BoolT,
    Decl,
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
    Succ,
    Term,
    Type,
    TypeDecl,
    Var,
    Zero,
    deep_recursion,
    show_type,
    subterms,
)

# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

identifiers = st.one_of(
    st.sampled_from(["x", "y", "f", "n", "step", "x'", "_", "iffy", "Nat2", "zero_", "o", "in'"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_']{0,5}", fullmatch=True),
).filter(lambda name: name not in KEYWORDS)

types: st.SearchStrategy[Type] = st.recursive(
    st.one_of(st.just(BoolT()), st.just(NatT()), identifiers.map(Opaque)),
    lambda inner: st.builds(Arrow, inner, inner),
    max_leaves=6,
)

leaves: st.SearchStrategy[Term] = st.one_of(
    identifiers.map(Var),
    st.booleans().map(BoolLit),
    st.just(Zero()),
    st.one_of(st.integers(0, 20), st.integers(0, 10**40)).map(Numeral),
)


def _extend(inner: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
    return st.one_of(
        st.builds(Succ, inner),
        st.builds(App, inner, inner),
        st.builds(If, inner, inner, inner),
        st.builds(Lam, identifiers, types, inner),
        st.builds(Iter, inner, inner, identifiers, inner),
        st.builds(Let, identifiers, inner, inner),
    )


terms: st.SearchStrategy[Term] = st.recursive(leaves, _extend, max_leaves=25)

decls: st.SearchStrategy[Decl] = st.one_of(
    st.builds(TypeDecl, identifiers),
    st.builds(FreeDecl, identifiers, types),
    st.builds(Def, identifiers, st.none() | types, terms),
)

modules = st.lists(decls, max_size=5).map(lambda ds: Module(Source("<generated>", ""), tuple(ds)))


def reparse(text: str) -> Term:
    return parse_term(Source("<printed>", text))


# ---------------------------------------------------------------------------
# Style
# ---------------------------------------------------------------------------

f, g, x, y = Var("f"), Var("g"), Var("x"), Var("y")


def test_style_of_each_construct() -> None:
    not_body = Lam("x", BOOL, If(x, BoolLit(False), BoolLit(True)))
    assert show_term(not_body) == "fun x : Bool => if x then false else true"
    is_even = Iter(Var("n"), BoolLit(True), "b", App(Var("not"), Var("b")))
    assert show_term(is_even) == "iter n { zero => true | succ b => not b }"
    assert show_term(Let("x", App(f, y), App(g, x))) == "let x = f y in g x"
    assert show_term(Succ(App(f, x))) == "succ (f x)"
    assert show_term(App(f, App(g, x))) == "f (g x)"
    assert show_term(App(App(f, x), y)) == "f x y"
    assert show_term(Numeral(42)) == "42"
    assert show_term(Zero()) == "zero"
    assert show_term(Succ(Succ(Zero()))) == "succ (succ zero)"
    assert show_term(Succ(Numeral(3))) == "succ 3"
    assert show_term(App(f, Succ(x))) == "f (succ x)"
    assert show_term(App(Succ(x), y)) == "(succ x) y"
    assert show_term(Lam("f", Arrow(Arrow(NAT, NAT), NAT), f)) == "fun f : (Nat -o Nat) -o Nat => f"


def test_parentheses_only_where_needed_or_helpful() -> None:
    lam = Lam("x", BOOL, x)
    assert show_term(App(lam, BoolLit(True))) == "(fun x : Bool => x) true"
    assert show_term(App(f, lam)) == "f (fun x : Bool => x)"
    assert show_term(If(x, y, lam)) == "if x then y else fun x : Bool => x"
    assert show_term(If(If(x, y, f), lam, If(x, y, f))) == (
        "if (if x then y else f) then (fun x : Bool => x) else if x then y else f"
    )
    assert show_term(Iter(If(x, y, f), Let("y", x, y), "z", lam)) == (
        "iter (if x then y else f) { zero => let y = x in y | succ z => fun x : Bool => x }"
    )
    assert show_term(Let("x", lam, Let("y", x, y))) == "let x = fun x : Bool => x in let y = x in y"
    assert show_term(App(Iter(x, y, "z", Var("z")), g)) == "iter x { zero => y | succ z => z } g"
    assert show_term(Lam("x", BOOL, App(f, x))) == "fun x : Bool => f x"


def test_huge_numeral_prints_all_its_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAJAL_MAX_NUMERAL_DIGITS", "20000")  # past the default limit (docs/limits.md)
    value = 10**12345 + 7
    text = show_term(Numeral(value))
    assert len(text) == 12346
    assert text.startswith("1000") and text.endswith("0007")
    term = reparse(text)
    assert isinstance(term, Numeral) and term.value == value


def test_declarations_and_modules() -> None:
    assert show_decl(TypeDecl("Img")) == "type Img"
    assert show_decl(FreeDecl("step", Arrow(Opaque("Img"), Opaque("Img")))) == "free step : Img -o Img"
    assert show_decl(Def("k", None, Numeral(3))) == "def k = 3"
    assert show_decl(Def("not", Arrow(BOOL, BOOL), Lam("x", BOOL, x))) == (
        "def not : Bool -o Bool = fun x : Bool => x"
    )
    module = Module(Source("m", ""), (TypeDecl("T"), Def("k", NAT, Zero())))
    assert show_module(module) == "type T\ndef k : Nat = zero\n"
    assert show_module(Module(Source("m", ""), ())) == ""


def test_prelude_style_terms_print_as_written() -> None:
    for text in [
        "fun x : Bool => fun y : Bool => if x then (if y then true else true) else y",
        "fun m : Nat => fun n : Nat => iter n { zero => zero | succ y => add m y }",
        "fun n : Nat => if iter n { zero => true | succ b => b } then zero else zero",
        "fun f : Nat -o Nat => fun g : Nat -o Nat => fun x : Nat => f (g x)",
        "iter (if odd then num else discard num) { zero => img | succ y => step y }",
    ]:
        assert show_term(parse_term_text(text)) == text


# ---------------------------------------------------------------------------
# pretty
# ---------------------------------------------------------------------------


def test_pretty_keeps_short_terms_on_one_line() -> None:
    term = parse_term_text("fun n : Nat => iter n { zero => true | succ b => not b }")
    assert pretty(term) == show_term(term)


def test_pretty_breaks_long_terms_within_the_width() -> None:
    term = parse_term_text(
        "fun first_argument : Nat => fun second_argument : Nat => "
        "iter first_argument { zero => second_argument | succ accumulated => "
        "if is_even accumulated then succ (succ accumulated) else add accumulated second_argument }"
    )
    text = pretty(term, width=50)
    lines = text.splitlines()
    assert len(lines) > 3
    assert all(len(line) <= 50 for line in lines), text
    assert lines[0] == "fun first_argument : Nat =>"
    assert lines[1] == "fun second_argument : Nat =>"
    assert lines[2].startswith("  iter first_argument {")
    assert lines[-1] == "  }"
    assert reparse(text) == term


def test_pretty_layout_of_if_and_application() -> None:
    long_name = "a_rather_long_function_name"
    term = If(Var("condition"), App(App(Var(long_name), Var("argument_one")), Var("argument_two")), Zero())
    assert pretty(term, width=40).splitlines() == [
        "if condition",
        "then a_rather_long_function_name",
        "    argument_one",
        "    argument_two",
        "else zero",
    ]


def test_deep_terms_print() -> None:
    term: Term = Zero()
    for _ in range(5000):
        term = Succ(term)
    text = show_term(term)
    assert text == "succ (" * 4999 + "succ zero" + ")" * 4999
    laid_out = pretty(term)
    with deep_recursion():
        assert reparse(text) == term
        assert reparse(laid_out) == term
    apps: Term = x
    for _ in range(MAX_NESTING + 5):
        apps = App(apps, y)
    # deeper than the parser accepts: still prints, on one line
    assert pretty(apps) == show_term(apps) == "x" + " y" * (MAX_NESTING + 5)


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


@given(terms)
def test_show_term_round_trips(term: Term) -> None:
    text = show_term(term)
    assert "\n" not in text
    assert reparse(text) == term


@given(terms, st.integers(20, 100))
def test_pretty_round_trips(term: Term, width: int) -> None:
    assert reparse(pretty(term, width)) == term


@given(types)
def test_types_round_trip(ty: Type) -> None:
    assert parse_type_text(show_type(ty)) == ty


@given(modules)
def test_modules_round_trip(module: Module) -> None:
    assert parse_module(Source("<printed>", show_module(module))) == module


@given(terms)
def test_every_span_covers_its_node(term: Term) -> None:
    """The text under each parsed node's span parses back to that node."""
    source = Source("<printed>", pretty(term, 40))
    parsed = parse_term(source)
    for sub in subterms(parsed):
        assert sub.span.source is source
        assert parse_term(Source("<sub>", source.text[sub.span.start : sub.span.end])) == sub
        if isinstance(sub, Lam):
            assert source.text[sub.param_span.start : sub.param_span.end] == sub.param
        if isinstance(sub, Let):
            assert source.text[sub.name_span.start : sub.name_span.end] == sub.name
        if isinstance(sub, Iter):
            assert source.text[sub.step_var_span.start : sub.step_var_span.end] == sub.step_var
