"""Checker behaviour that mutmut's survivors showed untested (issue 15, `make mutation`).

Expectations are written by hand from SPEC §3 and the messages the checker documents.
"""

from __future__ import annotations

import pytest

from cajal_ref.checker import Derivation, Program, check_module, check_term
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.parser import parse_module, parse_term
from cajal_ref.syntax import (
    BOOL,
    NAT,
    App,
    BoolLit,
    Def,
    FreeDecl,
    Module,
    NatT,
    Numeral,
    Opaque,
    Source,
    Span,
    Term,
    TypeDecl,
    Var,
    Zero,
    arrow,
    subterms,
)


def test_a_derivation_shows_its_rule_context_and_judgement() -> None:
    derivation = check_term(Var("x"), [("x", BOOL)]).derivation
    assert repr(derivation) == "<Derivation by Var: x : Bool ⊢ x : Bool>"
    assert str(derivation).splitlines()[-1] == "x : Bool ⊢ x : Bool"
    assert str(derivation).splitlines()[0].endswith(" Var")
    assert "x{:}\\mathsf{Bool} \\vdash x : \\mathsf{Bool}" in derivation._repr_latex_()
    assert derivation._repr_html_().startswith("<pre>")


class _Printer:
    """The one method of IPython's pretty printer that `_repr_pretty_` calls."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def text(self, text: str) -> None:
        self.texts.append(text)


def test_ipython_shows_a_derivation_as_its_text_and_a_cycle_as_dots() -> None:
    derivation = check_term(Var("x"), [("x", BOOL)]).derivation
    printer = _Printer()
    derivation._repr_pretty_(printer, False)
    derivation._repr_pretty_(printer, True)
    assert printer.texts == [str(derivation), "..."]
    assert repr(check_term(BoolLit(True)).derivation) == "<Derivation by True: · ⊢ true : Bool>"
    two = check_term(App(Var("f"), Var("x")), [("f", arrow(BOOL, BOOL)), ("x", BOOL)]).derivation
    assert repr(two) == "<Derivation by App: f : Bool -o Bool, x : Bool ⊢ f x : Bool>"


# ---------------------------------------------------------------------------
# Modules: every error of a file, its message and where it points
# ---------------------------------------------------------------------------


def errors_of(text: str, program: Program | None = None, *, strict_iter: bool = False) -> list[CajalError]:
    with pytest.raises(CajalError) as caught:
        check_module(parse_module(Source("m.cj", text)), program or Program(), strict_iter=strict_iter)
    return [caught.value, *caught.value.also]


def only_error(text: str, program: Program | None = None, *, strict_iter: bool = False) -> CajalError:
    (err,) = errors_of(text, program, strict_iter=strict_iter)
    assert err.also == ()
    return err


def where(span: Span) -> tuple[int, int]:
    return span.line, span.col


@pytest.mark.parametrize(
    ("text", "message", "at", "related", "related_at"),
    [
        (
            "type Img\ntype Img",
            "type `Img` is declared twice in this file",
            (2, 1),
            "`Img` is first declared here",
            (1, 1),
        ),
        (
            "free a : Nat\nfree a : Nat",
            "free variable `a` is declared twice",
            (2, 1),
            "`a` is first declared here",
            (1, 1),
        ),
        (
            "def one : Nat = 1\nfree one : Nat",
            "free variable `one` has the name of a def; choose another name",
            (2, 1),
            "def `one` is defined here",
            (1, 5),
        ),
        (
            "def one : Nat = 1\ndef one : Nat = 2",
            "def `one` is defined twice",
            (2, 5),
            "`one` is first defined here",
            (1, 5),
        ),
        (
            "free one : Nat\ndef one : Nat = one",
            "def `one` has the name of a free variable of this file; choose another name",
            (2, 5),
            "free variable `one` is declared here",
            (1, 1),
        ),
        (
            "def wrong : Nat = true",
            "the body of def `wrong` does not have its declared type: expected Nat, found Bool",
            (1, 19),
            "`wrong` is declared with type Nat here",
            (1, 13),
        ),
    ],
)
def test_module_errors_say_what_clashes_with_what(
    text: str, message: str, at: tuple[int, int], related: str, related_at: tuple[int, int]
) -> None:
    err = only_error(text)
    assert err.message == message
    assert (err.line, err.col) == at
    assert [(r.message, where(r.span)) for r in err.related] == [(related, related_at)]


def test_names_of_an_earlier_module_clash_too() -> None:
    program = Program()
    check_module(parse_module(Source("first.cj", "def one : Nat = 1")), program)
    err = only_error("free one : Nat", program)
    assert err.message == "free variable `one` has the name of a def; choose another name"
    assert err.related[0].span.file == "first.cj"
    err = only_error("def one : Nat = 2", program)
    assert err.message == "def `one` is defined twice"
    assert err.related[0].span.file == "first.cj" and where(err.related[0].span) == (1, 5)


def test_a_builtin_type_cannot_be_redeclared_and_the_error_points_at_it() -> None:
    # the parser refuses `type Bool` already; a tool building declarations meets the checker's error
    t = Source("m.cj", "type Img\ntype Bool")
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (TypeDecl("Img", Span(t, 0, 8)), TypeDecl("Bool", Span(t, 9, 18)))), Program())
    err = caught.value
    assert err.kind is ErrorKind.DUPLICATE
    assert err.message == "`Bool` is a built-in type and cannot be redeclared"
    assert (err.line, err.col) == (2, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("free x : bool", "type `bool` of free variable `x` is not declared; did you mean `Bool`?"),
        ("free x : nat", "type `nat` of free variable `x` is not declared; did you mean `Nat`?"),
        ("def d : Pic = true", "type `Pic` of def `d` is not declared; declare it with `type Pic`"),
        (
            "def f : Bool = (fun p : Zebra => true) true",
            "type `Zebra` of parameter `p` is not declared; declare it with `type Zebra`",
        ),
    ],
)
def test_an_unknown_type_suggests_a_builtin_or_a_declaration(text: str, message: str) -> None:
    err = only_error(text)
    assert err.kind is ErrorKind.UNKNOWN_TYPE
    assert err.message == message


def test_an_unused_parameter_hints_only_for_bool_and_nat() -> None:
    linear = "is never used; a linear variable must be used exactly once"
    nat = only_error("def f : Nat -o Bool = fun n : Nat => true")
    assert nat.message == (
        f"parameter `n` {linear} (to consume a Nat without using it, see `discard` in the prelude)"
    )
    opaque = only_error("type Img\ndef g : Img -o Bool = fun i : Img => true")
    assert opaque.message == f"parameter `i` {linear}"


# ---------------------------------------------------------------------------
# Declarations built without source positions (by tools, not the parser)
# ---------------------------------------------------------------------------


def test_without_a_name_position_a_def_is_located_by_its_whole_declaration() -> None:
    t = Source("m.cj", "def one : Nat = 1\ndef one : Nat = 2")
    first = Def("one", NAT, Numeral(1), Span(t, 0, 17))
    second = Def("one", NAT, Numeral(2), Span(t, 18, 35))
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (first, second)), Program())
    err = caught.value
    assert (err.span.start, err.span.end) == (18, 35)
    assert (err.related[0].span.start, err.related[0].span.end) == (0, 17)


def test_an_unknown_type_without_a_position_points_at_its_declaration() -> None:
    t = Source("m.cj", "free x : Foo\ndef d : Pic = true")
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (FreeDecl("x", Opaque("Foo"), Span(t, 0, 12)),)), Program())
    assert (caught.value.span.start, caught.value.span.end) == (0, 12)
    assert caught.value.message.startswith("type `Foo` of free variable `x` is not declared")
    decl = Def("d", Opaque("Pic"), BoolLit(True), Span(t, 13, 31), Span(t, 17, 18))
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (decl,)), Program())
    assert (caught.value.span.start, caught.value.span.end) == (17, 18)


def test_a_mismatched_annotation_without_a_position_has_no_related_location() -> None:
    t = Source("m.cj", "def wrong : Nat = true")
    decl = Def("wrong", NatT(), BoolLit(True, Span(t, 18, 22)), Span(t, 0, 22), Span(t, 4, 9))
    with pytest.raises(CajalError) as caught:
        check_module(Module(t, (decl,)), Program())
    assert caught.value.kind is ErrorKind.MISMATCH and caught.value.related == ()


# ---------------------------------------------------------------------------
# What a checked def records
# ---------------------------------------------------------------------------


def test_a_def_records_its_declaration_its_frees_positions_and_its_written_type() -> None:
    text = "free c : Bool\nfree a : Nat\ndef d : Nat = if c then a else a"
    (info,) = check_module(parse_module(Source("m.cj", text)), Program())
    assert where(info.span) == (3, 1) and where(info.name_span) == (3, 5)
    assert [where(s) for s in info.context_spans] == [(1, 1), (2, 1)]
    assert info.type == NAT and where(info.type.span) == (3, 9)


def test_strict_mode_points_at_the_free_declaration_of_the_weight() -> None:
    step = "iter n { zero => zero | succ y => if b then succ y else y }"
    text = f"free b : Bool\ndef f : Nat -o Nat = fun n : Nat => {step}"
    err = only_error(text, strict_iter=True)
    assert err.kind is ErrorKind.STRICT_ITER
    assert [(r.message, where(r.span)) for r in err.related] == [
        ("`b` is bound here, outside the step", (1, 1))
    ]


def test_a_failed_def_before_other_declarations_stays_one_error() -> None:
    errors = errors_of("def a : Bool = succ zero\ntype T\nfree y : Nat\ndef b : Bool = a")
    assert [(e.line, e.kind) for e in errors] == [(1, ErrorKind.MISMATCH)]


def test_a_twice_declared_free_still_stands_for_the_defs_after_it() -> None:
    # the first `free f` stands: a def using f is checked, and its own error reported
    errors = errors_of("free f : Bool\nfree f : Bool\ndef g : Nat = if f then zero else true")
    assert [(e.line, e.kind) for e in errors] == [(2, ErrorKind.DUPLICATE), (3, ErrorKind.MISMATCH)]


def test_a_def_defined_twice_still_names_the_first_for_the_defs_after_it() -> None:
    errors = errors_of("def f : Bool = true\ndef f : Bool = false\ndef g : Nat = if f then zero else true")
    assert [(e.line, e.kind) for e in errors] == [(2, ErrorKind.DUPLICATE), (3, ErrorKind.MISMATCH)]


# ---------------------------------------------------------------------------
# Terms without source text are named by what they are
# ---------------------------------------------------------------------------


def test_a_term_without_source_is_described_by_its_kind() -> None:
    with pytest.raises(CajalError) as caught:
        check_term(App(Zero(), Zero()))
    assert caught.value.message == "`zero` has type Nat and cannot be applied"


@pytest.mark.parametrize(("digits", "shown"), [(35, None), (36, 39)])
def test_a_long_subterm_is_cut_at_forty_characters(digits: int, shown: int | None) -> None:
    fn = "succ " + "1" * digits  # 40 characters, then 41
    err = only_error(f"def f : Nat = ({fn}) zero")
    expected = f"`{fn}`" if shown is None else f"`{fn[:shown]}…`"
    assert err.message == f"{expected} has type Nat and cannot be applied"


def _nodes(d: Derivation) -> list[tuple[str, Term]]:
    return [(d.rule, d.term), *(n for p in d.premises for n in _nodes(p))]


@pytest.mark.parametrize(
    "text",
    [
        "succ (succ zero)",
        "let x = succ 2 in iter x { zero => if true then false else true | succ b => (fun c : Bool => c) b }",
        "fun n : Nat => fun m : Nat => iter n { zero => m | succ y => succ y }",
    ],
)
def test_a_derivation_has_one_node_per_subterm_in_order(text: str) -> None:
    # the derivation tree mirrors the term: each subterm is concluded by exactly one rule, premises in order
    term = parse_term(Source("<e>", text))
    nodes = _nodes(check_term(term).derivation)
    assert [t for _, t in nodes] == list(subterms(term))
    assert [rule for rule, _ in nodes] == [_RULE_OF[_rule_key(t)] for t in subterms(term)]


_RULE_OF = {
    "Var": "Var",
    "True": "True",
    "False": "False",
    "Zero": "Zero",
    "Numeral": "Numeral",
    "Succ": "Succ",
    "If": "If",
    "Lam": "Lam",
    "App": "App",
    "Iter": "Iter",
    "Let": "Let",
}
"""SPEC §3's rule for each term former, written out (a boolean literal by its value)."""


def _rule_key(t: Term) -> str:
    if isinstance(t, BoolLit):
        return "True" if t.value else "False"
    return type(t).__name__
