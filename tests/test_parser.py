"""Unit tests for the parser: every construct in both spellings, spans, errors, depth limits.

Expected trees are written out by hand from the grammar in SPEC §2 / the parser brief.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources

import pytest

from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.parser import (
    KEYWORDS,
    MAX_NUMERAL_DIGITS,
    parse_context,
    parse_context_text,
    parse_module,
    parse_module_text,
    parse_term,
    parse_term_text,
    parse_type,
    parse_type_text,
)
from cajal_ref.syntax import (
    BOOL,
    MAX_NESTING,
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
    Numeral,
    Opaque,
    Source,
    Succ,
    Term,
    TypeDecl,
    Var,
    Zero,
    arrow,
    deep_recursion,
)

x, y, f, g = Var("x"), Var("y"), Var("f"), Var("g")


def t(text: str) -> Term:
    return parse_term_text(text)


def error(parse: Callable[[Source], object], text: str) -> CajalError:
    with pytest.raises(CajalError) as info:
        parse(Source("f.cj", text))
    return info.value


def where(err: CajalError) -> tuple[int | None, int | None]:
    return err.line, err.col


# ---------------------------------------------------------------------------
# Constructs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x", x),
        ("x'", Var("x'")),
        ("_a1'b", Var("_a1'b")),
        ("iffy", Var("iffy")),  # a keyword prefix does not make a keyword
        ("Natural", Var("Natural")),
        ("true", BoolLit(True)),
        ("false", BoolLit(False)),
        ("zero", Zero()),
        ("0", Numeral(0)),
        ("42", Numeral(42)),
        ("007", Numeral(7)),
        ("succ zero", Succ(Zero())),
        ("succ succ x", Succ(Succ(x))),
        ("succ (f x)", Succ(App(f, x))),
        ("succ f x", App(Succ(f), x)),  # arg ::= 'succ' arg, so succ binds tighter than application
        ("f succ x", App(f, Succ(x))),
        ("f x y", App(App(f, x), y)),
        ("f (g x)", App(f, App(g, x))),
        ("((x))", x),
        ("fun x : Bool => x", Lam("x", BOOL, x)),
        ("λx:𝟚. x", Lam("x", BOOL, x)),
        ("λ(x : Bool) ⇒ x", Lam("x", BOOL, x)),
        ("fun (x : ℕ) . x", Lam("x", NAT, x)),
        ("fun f : Nat -o Nat => f", Lam("f", Arrow(NAT, NAT), f)),
        ("fun x : Bool => f x y", Lam("x", BOOL, App(App(f, x), y))),
        ("(fun x : Bool => x) true", App(Lam("x", BOOL, x), BoolLit(True))),
        ("fun x : Bool => fun y : Bool => x", Lam("x", BOOL, Lam("y", BOOL, x))),
        ("let x = f y in g x", Let("x", App(f, y), App(g, x))),
        ("let x = let y = x in y in x", Let("x", Let("y", x, y), x)),
        ("if x then y else f", If(x, y, f)),
        ("if x then y else if f then g else x", If(x, y, If(f, g, x))),
        ("if if x then y else f then g else x", If(If(x, y, f), g, x)),
        ("if x then fun y : Bool => y else f", If(x, Lam("y", BOOL, y), f)),
        ("iter x { zero => y | succ z => f z }", Iter(x, y, "z", App(f, Var("z")))),
        ("iter x { succ z => f z | zero => y }", Iter(x, y, "z", App(f, Var("z")))),
        ("iter x { | zero => y | succ z => z }", Iter(x, y, "z", Var("z"))),
        ("iter f x { zero => y | succ z => z } g", App(Iter(App(f, x), y, "z", Var("z")), g)),
        (
            "iter x { zero => if y then f else g | succ z => let w = z in w }",
            Iter(x, If(y, f, g), "z", Let("w", Var("z"), Var("w"))),
        ),
    ],
)
def test_term_constructs(text: str, expected: Term) -> None:
    assert t(text) == expected


def test_both_spellings_agree_on_a_whole_program() -> None:
    ascii_text = "def id : (Nat -o Bool) -o Nat -o Bool = fun f : Nat -o Bool => fun n : Nat => f n"
    unicode_text = "def id : (ℕ ⊸ 𝟚) ⊸ ℕ ⊸ 𝟚 = λf:ℕ⊸𝟚. λ(n : ℕ) ⇒ f n"
    assert parse_module_text(ascii_text) == parse_module_text(unicode_text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bool", BOOL),
        ("𝟚", BOOL),
        ("ℕ", NAT),
        ("Img", Opaque("Img")),
        ("Nat -o Nat -o Bool", arrow(NAT, NAT, BOOL)),
        ("(Nat -o Nat) -o Nat", Arrow(Arrow(NAT, NAT), NAT)),
        ("ℕ ⊸ 𝟚", Arrow(NAT, BOOL)),
        ("Nat-oNat", Arrow(NAT, NAT)),
        ("((Img))", Opaque("Img")),
        (
            "Img -o (Img -o Img) -o Img",
            arrow(Opaque("Img"), Arrow(Opaque("Img"), Opaque("Img")), Opaque("Img")),
        ),
    ],
)
def test_types(text: str, expected: object) -> None:
    assert parse_type_text(text) == expected


def test_declarations() -> None:
    module = parse_module_text(
        "type Img\nfree step : Img -o Img\ndef n : Nat = 3\ndef k = succ n\n", name="d.cj"
    )
    assert module.decls == (
        TypeDecl("Img"),
        FreeDecl("step", Arrow(Opaque("Img"), Opaque("Img"))),
        Def("n", NAT, Numeral(3)),
        Def("k", None, Succ(Var("n"))),
    )


def test_empty_and_comment_only_files_have_no_declarations() -> None:
    assert parse_module_text("").decls == ()
    assert parse_module_text("  \n\t\r\n").decls == ()
    assert parse_module_text("-- just a comment\n-- and another").decls == ()


def test_comments_crlf_and_tabs() -> None:
    text = (
        "-- header\r\n"
        "def\tnot : Bool -o Bool = -- type first\r\n"
        "\tfun x : Bool => -- then the body\r\n"
        "\t\tif x then false else true--trailing\r\n"
    )
    module = parse_module_text(text, name="c.cj")
    (decl,) = module.decls
    assert decl == Def("not", Arrow(BOOL, BOOL), Lam("x", BOOL, If(x, BoolLit(False), BoolLit(True))))
    assert isinstance(decl, Def)
    assert (decl.span.line, decl.span.col) == (2, 1)
    assert (decl.name_span.line, decl.name_span.col) == (2, 5)
    body = decl.body
    assert isinstance(body, Lam)
    assert (body.span.line, body.span.col) == (3, 2)  # a tab is one column
    assert isinstance(body.body, If)
    assert (body.body.span.line, body.body.span.col) == (4, 3)


def test_arrow_is_not_a_comment_and_comment_is_not_an_arrow() -> None:
    assert parse_type_text("Nat -o-- a comment\nNat") == Arrow(NAT, NAT)
    assert parse_type_text("Nat --o Nat") == NAT  # `--o Nat` is a comment


def test_prelude_and_examples_parse() -> None:
    names: list[str] = []
    for folder in ("prelude", "examples"):
        for entry in resources.files("cajal_ref").joinpath(folder).iterdir():
            if entry.name.endswith(".cj"):
                module = parse_module(Source(entry.name, entry.read_text(encoding="utf-8")))
                names.extend(d.name for d in module.decls if isinstance(d, Def))
    for expected in ("not", "and", "is_even", "add", "mult", "discard", "compose", "apply_n", "iterate"):
        assert expected in names


# ---------------------------------------------------------------------------
# Spans
# ---------------------------------------------------------------------------


def test_spans_of_nodes() -> None:
    src = Source(
        "s.cj", "def f : Nat -o Nat =\n  fun (n : Nat) => iter n { | succ y => succ (y) | zero => 0 }\n"
    )
    (decl,) = parse_module(src).decls
    assert isinstance(decl, Def)

    def text_of(span: object) -> str:
        assert hasattr(span, "start") and hasattr(span, "end")
        return src.text[span.start : span.end]

    assert text_of(decl.span) == src.text.rstrip("\n")
    assert text_of(decl.name_span) == "f"
    assert decl.type is not None
    assert text_of(decl.type.span) == "Nat -o Nat"
    lam = decl.body
    assert isinstance(lam, Lam)
    assert (lam.span.line, lam.span.col) == (2, 3)
    assert (lam.param_span.line, lam.param_span.col) == (2, 8)
    assert text_of(lam.param_span) == "n"
    assert text_of(lam.param_type.span) == "Nat"
    it = lam.body
    assert isinstance(it, Iter)
    assert text_of(it.span) == "iter n { | succ y => succ (y) | zero => 0 }"
    assert (it.step_var_span.line, it.step_var_span.col) == (2, 36)
    assert text_of(it.step_var_span) == "y"
    assert text_of(it.step.span) == "succ (y)"
    assert isinstance(it.step, Succ)
    assert (it.step.arg.span.line, it.step.arg.span.col) == (2, 47)
    assert text_of(it.base.span) == "0"


def test_spans_of_application_let_and_types() -> None:
    src = Source("a", "let v = f (g x) y in\n  (v)")
    term = parse_term(src)
    assert isinstance(term, Let)
    assert src.text[term.span.start : term.span.end] == src.text
    assert src.text[term.name_span.start : term.name_span.end] == "v"
    assert src.text[term.bound.span.start : term.bound.span.end] == "f (g x) y"
    assert (term.body.span.line, term.body.span.col) == (2, 4)
    ty_src = Source("ty", "(Img -o Img) -o Bool")
    ty = parse_type(ty_src)
    assert isinstance(ty, Arrow)
    assert (ty.span.start, ty.span.end) == (0, len(ty_src.text))
    assert (ty.dom.span.start, ty.dom.span.end) == (1, 11)
    assert (ty.cod.span.col, ty.cod.span.end) == (17, 20)


# ---------------------------------------------------------------------------
# Errors: message and exact line:col
# ---------------------------------------------------------------------------

TERM_ERRORS = [
    # (source, line, col, a piece of the message)
    ("f @ x", 1, 3, "unexpected character '@'"),
    ("f \x07 x", 1, 3, "U+0007"),
    ("é", 1, 1, "U+00E9"),
    ("f\u00a0x", 1, 2, "U+00A0 (NO-BREAK SPACE)"),
    ("x -> y", 1, 3, "`->` is not Cajal syntax"),
    ("x - y", 1, 3, "unexpected character '-'"),
    ("\\x", 1, 1, "`fun x : A => t`"),
    ("(f x", 1, 1, "unterminated `(`: expected `)` before end of input"),
    ("f (\n  g (x y)\n", 1, 3, "unterminated `(`"),
    ("(x then", 1, 4, "expected `)` to close the `(` at 1:1, found `then`"),
    ("iter n { zero => a | succ y => b", 1, 8, "unterminated `iter {`"),
    ("iter n { zero => a", 1, 8, "unterminated `iter {`"),
    ("iter n {", 1, 8, "unterminated `iter {`"),
    ("iter n zero => a", 1, 13, "expected `{` after the count of `iter`, found `=>`"),
    ("iter n { zero => a }", 1, 20, "missing its `succ y => ...` clause"),
    ("iter n { succ y => a }", 1, 22, "missing its `zero => ...` clause"),
    ("iter n { zero => a | zero => b }", 1, 22, "two `zero` clauses"),
    ("iter n { succ y => a | succ z => b }", 1, 24, "two `succ` clauses"),
    ("iter n { zero => a | succ y => b | zero => c }", 1, 34, "exactly two clauses"),
    ("iter n { x => a | succ y => b }", 1, 10, "expected an `iter` clause"),
    ("iter n { zero a | succ y => b }", 1, 15, "expected `=>` after `zero`"),
    ("if x y else z", 1, 8, "expected `then` after the condition of `if`, found `else`"),
    ("if x then y", 1, 12, "expected `else` after the `then` branch of `if`, found end of input"),
    ("let x = y z", 1, 12, "expected `in` after the bound term of `let x = ...`, found end of input"),
    ("let x y in z", 1, 7, "expected `=` after `let x`"),
    ("fun x : Bool x", 1, 14, "expected `=>` (or `.`) after the type of parameter `x`"),
    ("fun x => x", 1, 7, "expected `:` and a type after parameter `x`"),
    ("fun x : Bool =>", 1, 16, "expected a term after `=>`, found end of input"),
    ("fun x : Bool => -- nothing follows\n", 1, 16, "expected a term after `=>`, found end of input"),
    ("λx:Bool.", 1, 9, "expected a term after `.`, found end of input"),
    ("fun if : Bool => x", 1, 5, "`if` is a keyword and cannot name a variable"),
    ("let then = x in y", 1, 5, "`then` is a keyword and cannot name a variable"),
    ("iter n { zero => a | succ else => b }", 1, 27, "`else` is a keyword and cannot name a variable"),
    ("fun Nat : Bool => x", 1, 5, "`Nat` is a keyword"),
    ("3x", 1, 1, "numeral `3` is immediately followed by `x`"),
    ("f 12_a", 1, 3, "numeral `12` is immediately followed by `_`"),
    ("f x )", 1, 5, "unmatched `)` after a complete term"),
    ("f x then", 1, 5, "unexpected `then` after a complete term"),
    ("f fun x : Bool => x", 1, 3, "put it in parentheses"),
    ("then", 1, 1, "expected a term, found the keyword `then`"),
    ("", 1, 1, "expected a term, found end of input"),
    ("succ", 1, 5, "expected an argument after `succ`, found end of input"),
    ("succ if x then y else y", 1, 6, "put parentheses around the `if`"),
    ("f :", 1, 3, "unexpected `:` after a complete term"),
    ("\tf @", 1, 4, "'@'"),
    ("if x then\n  f\n    g\n", 3, 6, "expected `else`"),
]


@pytest.mark.parametrize(("text", "line", "col", "message"), TERM_ERRORS)
def test_term_errors(text: str, line: int, col: int, message: str) -> None:
    err = error(parse_term, text)
    assert err.kind is ErrorKind.SYNTAX
    assert message in err.message
    assert where(err) == (line, col)
    assert err.file == "f.cj"


def test_exact_eof_message() -> None:
    assert error(parse_term, "fun x : Bool =>").message == "expected a term after `=>`, found end of input"


def test_duplicate_clause_points_at_the_first_one() -> None:
    err = error(parse_term, "iter n {\n zero => a\n | zero => b }")
    assert where(err) == (3, 4)
    (note,) = err.related
    assert (note.span.line, note.span.col) == (2, 2)


def test_first_error_in_source_order_wins() -> None:
    # the syntax error on line 1 is reported, not the bad character on line 2
    err = error(parse_module, "def f = if x then y\n@")
    assert "'@'" in err.message  # the `if` is still open when `@` is reached
    err = error(parse_module, "def f = )\n@")
    assert where(err) == (1, 9)


MODULE_ERRORS = [
    ("x = 3", 1, 1, "expected `def`, `type` or `free`, found `x`"),
    ("def f = x\n)", 2, 1, "unmatched `)` after the definition of `f`"),
    ("def f = g\n= 3", 2, 1, "unexpected `=` after the definition of `f`; expected `def`, `type` or `free`"),
    ("type Img Img2", 1, 10, "unexpected `Img2` after `type Img`"),
    ("def 3 = x", 1, 5, "expected a name after `def`, found `3`"),
    ("def if = x", 1, 5, "`if` is a keyword and cannot name a definition"),
    ("type", 1, 5, "expected a type name after `type`, found end of input"),
    ("type Bool", 1, 6, "`Bool` is a keyword and cannot name a type"),
    ("free x Nat", 1, 8, "expected `:` and a type after `free x`, found `Nat`"),
    ("free in : Nat", 1, 6, "`in` is a keyword and cannot name a variable"),
    ("def f : = x", 1, 9, "expected a type after `:`, found `=`"),
    ("def f : Nat Nat = 3", 1, 13, "expected `=` after the type of `f`, found `Nat`"),
    ("def f x = 3", 1, 7, "expected `:` or `=` after `def f`, found `x`"),
    ("def f : Nat -o = x", 1, 16, "expected a type after `-o`, found `=`"),
    ("def f =", 1, 8, "expected a term after `=`, found end of input"),
    ("-- ok\ndef f = x\n\ndef g = fun y : Bool => @", 4, 25, "'@'"),
]


@pytest.mark.parametrize(("text", "line", "col", "message"), MODULE_ERRORS)
def test_module_errors(text: str, line: int, col: int, message: str) -> None:
    err = error(parse_module, text)
    assert err.kind is ErrorKind.SYNTAX
    assert message in err.message
    assert where(err) == (line, col)


def test_error_renders_with_caret() -> None:
    err = error(parse_module, "def f =\n  g @ x\n")
    assert err.render().splitlines() == [
        "f.cj:2:5: error: " + err.message,
        "  g @ x",
        "    ^",
        "help: this is error `syntax`; `cajal explain syntax` explains it",
    ]


def test_type_errors() -> None:
    err = error(parse_type, "Nat -o")
    assert err.message == "expected a type after `-o`, found end of input"
    assert where(err) == (1, 7)
    err = error(parse_type, "Nat Nat")
    assert "unexpected `Nat` after a complete type" in err.message
    assert where(err) == (1, 5)
    err = error(parse_type, "(Nat -o Nat")
    assert "unterminated `(`" in err.message
    assert where(err) == (1, 1)


# ---------------------------------------------------------------------------
# Contexts (--ctx)
# ---------------------------------------------------------------------------


def test_context() -> None:
    assert parse_context_text("") == ()
    assert parse_context_text("  \t ") == ()
    entries = parse_context(Source("<ctx>", "f : Nat -o Nat, n : Nat"))
    assert [(name, ty) for name, ty, _ in entries] == [("f", Arrow(NAT, NAT)), ("n", NAT)]
    assert [(span.line, span.col, span.end) for _, _, span in entries] == [(1, 1, 14), (1, 17, 23)]
    ((name, ty, span),) = parse_context_text("step : Img -o Img")
    assert (name, ty, span.start, span.end) == ("step", Arrow(Opaque("Img"), Opaque("Img")), 0, 17)


@pytest.mark.parametrize(
    ("text", "kind", "col", "message"),
    [
        ("f : Nat, f : Bool", ErrorKind.DUPLICATE, 10, "variable `f` is declared twice in the context"),
        ("if : Nat", ErrorKind.SYNTAX, 1, "`if` is a keyword and cannot name a variable"),
        ("n : Nat,", ErrorKind.SYNTAX, 9, "expected a variable name, found end of input"),
        ("n :", ErrorKind.SYNTAX, 4, "expected a type after `:`, found end of input"),
        ("n Nat", ErrorKind.SYNTAX, 3, "expected `:` and a type after `n`, found `Nat`"),
        ("n : Nat m : Nat", ErrorKind.SYNTAX, 9, "expected `,` or end of input after the type of `n`"),
    ],
)
def test_context_errors(text: str, kind: ErrorKind, col: int, message: str) -> None:
    err = error(parse_context, text)
    assert err.kind is kind
    assert message in err.message
    assert where(err) == (1, col)


def test_duplicate_context_entry_notes_the_first() -> None:
    err = error(parse_context, "a : Bool, f : Nat, f : Bool")
    (note,) = err.related
    assert (note.span.line, note.span.col) == (1, 11)


# ---------------------------------------------------------------------------
# Keywords
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_no_keyword_can_be_bound(keyword: str) -> None:
    err = error(parse_term, f"fun {keyword} : Bool => x")
    assert err.message == f"`{keyword}` is a keyword and cannot name a variable"
    assert where(err) == (1, 5)
    err = error(parse_module, f"def {keyword} = x")
    assert err.message == f"`{keyword}` is a keyword and cannot name a definition"


def test_keyword_set_is_the_specified_one() -> None:
    assert set(KEYWORDS) == {
        *("def", "type", "free", "fun", "let", "in", "if", "then", "else", "iter"),
        *("zero", "succ", "true", "false", "Bool", "Nat"),
    }


# ---------------------------------------------------------------------------
# Numerals and depth
# ---------------------------------------------------------------------------


def test_big_numerals_are_one_node() -> None:
    assert t("100000") == Numeral(100000)
    digits = "9" * MAX_NUMERAL_DIGITS  # beyond Python's default int/str digit limit
    term = t(digits)
    assert isinstance(term, Numeral)
    assert term.value == 10**MAX_NUMERAL_DIGITS - 1
    err = error(parse_term, "1" * (MAX_NUMERAL_DIGITS + 1))
    assert err.kind is ErrorKind.SYNTAX
    assert "digits" in err.message


def test_5000_nested_parentheses_parse() -> None:
    assert t("(" * 5000 + "x" + ")" * 5000) == x


def test_5000_nested_succs_parse() -> None:
    term = t("succ (" * 5000 + "zero" + ")" * 5000)
    expected: Term = Zero()
    for _ in range(5000):
        expected = Succ(expected)
    with deep_recursion():
        assert term == expected


def test_max_nesting_parens_parse_and_one_more_is_too_deep() -> None:
    assert t("(" * MAX_NESTING + "x" + ")" * MAX_NESTING) == x
    n = MAX_NESTING + 1
    err = error(parse_term, "(" * n + "x" + ")" * n)
    assert err.kind is ErrorKind.TOO_DEEP
    assert where(err) == (1, MAX_NESTING + 1)  # the parenthesis that went too deep


@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("succ " * (MAX_NESTING + 1) + "x", 5 * MAX_NESTING + 1),
        ("f" + " a" * (MAX_NESTING + 1), 2 * MAX_NESTING + 3),
        ("fun x : Bool => " * (MAX_NESTING + 1) + "x", 16 * MAX_NESTING + 1),
        ("if a then b else " * (MAX_NESTING + 1) + "x", 17 * MAX_NESTING + 1),
    ],
)
def test_too_deep_constructs(text: str, col: int) -> None:
    err = error(parse_term, text)
    assert err.kind is ErrorKind.TOO_DEEP
    assert where(err) == (1, col)


def test_exactly_max_nesting_is_accepted() -> None:
    term = t("succ " * MAX_NESTING + "x")
    depth = 0
    while isinstance(term, Succ):
        term, depth = term.arg, depth + 1
    assert (term, depth) == (x, MAX_NESTING)
    assert isinstance(t("f" + " a" * MAX_NESTING), App)


def test_deep_tree_inside_arguments_is_measured() -> None:
    # each argument is shallow for the parser, but the chain pushes the first one deep
    half = MAX_NESTING // 2 + 10
    text = "f" + " (succ " * 1 + "succ " * half + "x)" + " a" * half
    err = error(parse_term, text)
    assert err.kind is ErrorKind.TOO_DEEP


def test_too_deep_types_and_modules() -> None:
    err = error(parse_type, "Nat -o " * (MAX_NESTING + 1) + "Nat")
    assert err.kind is ErrorKind.TOO_DEEP
    n = MAX_NESTING + 1
    err = error(parse_type, "(" * n + "Nat" + ")" * n)
    assert err.kind is ErrorKind.TOO_DEEP
    err = error(parse_module, "def ok = x\ndef deep = " + "f" + " a" * n)
    assert err.kind is ErrorKind.TOO_DEEP
    assert err.line == 2


def test_recursion_limit_is_restored_and_not_needed_beforehand() -> None:
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        assert t("(" * 3000 + "x" + ")" * 3000) == x
        err = error(parse_term, "succ " * (MAX_NESTING + 1) + "x")
        assert err.kind is ErrorKind.TOO_DEEP
        assert sys.getrecursionlimit() == 400
    finally:
        sys.setrecursionlimit(before)


def test_module_object() -> None:
    src = Source("m.cj", "type T")
    module = parse_module(src)
    assert module == Module(Source("other", ""), (TypeDecl("T"),))
    assert module.source is src
