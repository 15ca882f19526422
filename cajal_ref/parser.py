"""Lexer and recursive-descent parser for Cajal source text (SPEC §2).

The grammar is small enough to parse by hand, which buys precise messages: every
failure is a `CajalError` that names what was expected, what was found, and where.
Lexing stops at the first bad character and leaves an error token there, so errors
are reported in source order (a bad character on line 50 does not hide a syntax
error on line 2).

Nesting is bounded by `syntax.MAX_NESTING`, counted twice: open parentheses, and the
depth of the syntax tree being built. The parser's own recursion is bounded by those
counters, so it runs safely under `syntax.deep_recursion()`; a final iterative pass
measures the real tree depth (a chain of n applications is n levels deep without any
parser recursion), so every later recursive pass over a parsed term stays in bounds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .diagnostics import CajalError, ErrorKind, Related, setting, suggest
from .syntax import (
    MAX_NESTING,
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
    Span,
    Succ,
    Term,
    Type,
    TypeDecl,
    Var,
    Zero,
    children,
    deep_recursion,
)

KEYWORDS = frozenset(
    {"def", "type", "free", "fun", "let", "in", "if", "then", "else", "iter", "zero", "succ", "true", "false"}
    | {"Bool", "Nat"}
)
"""Words that are never identifiers."""

_UNICODE_TOKENS = {"λ": "fun", "𝟚": "Bool", "ℕ": "Nat", "⊸": "-o", "⇒": "=>"}
"""Unicode spellings, mapped to the token kind of their ASCII equivalent."""

_LINE_END = re.compile(r"[\r\n]")
_SINGLE_CHAR_TOKENS = frozenset("(){}|:,.")
_WHITESPACE = frozenset(" \t\r\n\f\v")

MAX_NUMERAL_DIGITS = 4_000
"""Longest numeral accepted by default (below Python's int/str digit limit of 4,300, so every
printer copes); raise it with the environment variable CAJAL_MAX_NUMERAL_DIGITS. Longer digit
strings are still converted in chunks (`digits_to_int`), whatever Python's own limit."""


def max_numeral_digits() -> int:
    """The numeral digit limit in force: CAJAL_MAX_NUMERAL_DIGITS, or MAX_NUMERAL_DIGITS."""
    return setting("CAJAL_MAX_NUMERAL_DIGITS", MAX_NUMERAL_DIGITS)


_DIGIT_CHUNK = 500
"""Digits converted per step: below Python's smallest int-to-str digit limit (640)."""

_CHAR_HINTS = {
    "\\": "; write a function as `fun x : A => t` or `λx:A. t`",
    "→": "; function types are written `-o` (or `⊸`)",
    "⇾": "; function types are written `-o` (or `⊸`)",
    ";": "; declarations need no separator",
}

_TERM_STARTERS = frozenset({"ident", "num", "true", "false", "zero", "(", "iter", "succ", "fun", "let", "if"})
_ARG_STARTERS = frozenset({"ident", "num", "true", "false", "zero", "(", "iter", "succ"})


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: `kind` is "ident", "num", "eof", "error", or the ASCII spelling of a keyword/symbol."""

    kind: str
    text: str
    start: int
    end: int
    value: int = 0
    error: CajalError | None = None


# ---------------------------------------------------------------------------
# Lexer
# ---------------------------------------------------------------------------


def _is_ident_start(ch: str) -> bool:
    return ch == "_" or "a" <= ch <= "z" or "A" <= ch <= "Z"


def _is_ident_char(ch: str) -> bool:
    return _is_ident_start(ch) or "0" <= ch <= "9" or ch == "'"


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _describe_char(ch: str) -> str:
    """'@' (U+0040) for visible characters, U+0007 (a control character) for the rest."""
    code = f"U+{ord(ch):04X}"
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}' ({code})"
    name = unicodedata.name(ch, "")
    if name:
        return f"{code} ({name})"
    if unicodedata.category(ch) == "Cc":
        return f"{code} (a control character)"
    return code


def digits_to_int(digits: str) -> int:
    """Exact int of a decimal digit string of any length, whatever Python's int/str digit limit."""
    value = 0
    for begin in range(0, len(digits), _DIGIT_CHUNK):
        chunk = digits[begin : begin + _DIGIT_CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def _lex(source: Source) -> list[Token]:
    """All tokens up to an "eof" token, or up to an "error" token at the first bad character."""
    text = source.text
    n = len(text)
    tokens: list[Token] = []
    i = 0
    max_digits = max_numeral_digits()

    def error(start: int, end: int, message: str) -> list[Token]:
        err = CajalError(ErrorKind.SYNTAX, message, Span(source, start, end))
        tokens.append(Token("error", text[start:end], start, end, error=err))
        return tokens

    while True:
        while i < n:
            if text[i] in _WHITESPACE:
                i += 1
            elif text.startswith("--", i):
                match = _LINE_END.search(text, i)  # a comment ends at \n, \r\n or a lone \r
                i = n if match is None else match.start()
            else:
                break
        if i >= n:
            tokens.append(Token("eof", "", n, n))
            return tokens
        ch = text[i]
        start = i
        if _is_ident_start(ch):
            while i < n and _is_ident_char(text[i]):
                i += 1
            word = text[start:i]
            tokens.append(Token(word if word in KEYWORDS else "ident", word, start, i))
        elif _is_digit(ch):
            while i < n and _is_digit(text[i]):
                i += 1
            if i < n and _is_ident_char(text[i]):
                end = i
                while end < n and _is_ident_char(text[end]):
                    end += 1
                return error(
                    start,
                    end,
                    f"`{text[start:end]}` is neither a numeral nor a name: numeral `{text[start:i]}` is "
                    f"immediately followed by `{text[i]}` (names start with a letter or `_`; "
                    "put a space after a numeral)",
                )
            if i - start > max_digits:
                return error(
                    start,
                    i,
                    f"numeral has {i - start:,} digits; at most {max_digits:,} are accepted "
                    "(raise the limit with the environment variable CAJAL_MAX_NUMERAL_DIGITS)",
                )
            tokens.append(Token("num", text[start:i], start, i, value=digits_to_int(text[start:i])))
        elif ch in _UNICODE_TOKENS:
            i += 1
            tokens.append(Token(_UNICODE_TOKENS[ch], ch, start, i))
        elif ch == "-":
            following = text[i + 1] if i + 1 < n else ""
            if following == "o":
                i += 2
                tokens.append(Token("-o", "-o", start, i))
            elif following == ">":
                return error(
                    start, i + 2, "`->` is not Cajal syntax: function types are written `-o` (or `⊸`)"
                )
            else:
                return error(
                    start,
                    i + 1,
                    "unexpected character '-': function types are written `-o` and comments start with `--`",
                )
        elif ch == "=":
            if i + 1 < n and text[i + 1] == ">":
                i += 2
                tokens.append(Token("=>", "=>", start, i))
            else:
                i += 1
                tokens.append(Token("=", "=", start, i))
        elif ch in _SINGLE_CHAR_TOKENS:
            i += 1
            tokens.append(Token(ch, ch, start, i))
        else:
            hint = _CHAR_HINTS.get(ch, "")
            if not hint and ch.isalpha():
                hint = "; names use ASCII letters, digits, `_` and `'`"
            return error(start, i + 1, f"unexpected character {_describe_char(ch)}{hint}")


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------


def _describe(tok: Token) -> str:
    return "end of input" if tok.kind == "eof" else f"`{tok.text}`"


class _Parser:
    """Recursive descent over the token list; `depth` and `parens` bound the recursion."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = _lex(source)
        self.pos = 0
        self.prev_end = 0
        self.depth = 0
        self.parens = 0

    # -- token access -------------------------------------------------------

    def peek(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.error is not None:
            raise tok.error
        return tok

    def advance(self) -> Token:
        tok = self.peek()
        if tok.kind != "eof":
            self.pos += 1
            self.prev_end = tok.end
        return tok

    def span_from(self, start: int) -> Span:
        """From `start` to the end of the last consumed token."""
        return Span(self.source, start, max(start, self.prev_end))

    def tok_span(self, tok: Token) -> Span:
        """Where to point at a token; end of input is pointed at just after the last real token."""
        if tok.kind == "eof":
            return Span(self.source, self.prev_end, self.prev_end)
        return Span(self.source, tok.start, tok.end)

    def fail(self, tok: Token, message: str, kind: ErrorKind = ErrorKind.SYNTAX) -> CajalError:
        if tok.kind == "{" and kind is ErrorKind.SYNTAX:  # `itr n { ... }`: point at the typo, not at `{`
            typo = self.keyword_typo("iter", self.term_start())
            if typo is not None:
                return self.typo_error(typo, "iter", message)
        return CajalError(kind, message, self.tok_span(tok))

    def keyword_typo(self, keyword: str, start: int) -> Token | None:
        """The last identifier among the tokens consumed since index `start` that misspells `keyword`."""
        for tok in reversed(self.tokens[start : self.pos]):
            if tok.kind == "ident" and suggest(tok.text, [keyword]) == keyword:
                return tok
        return None

    def term_start(self) -> int:
        """Index of the first token of the application that ends just before the current token."""
        index = self.pos
        while index > 0 and self.tokens[index - 1].kind in _APPLICATION_TOKENS:
            index -= 1
        return index

    def typo_error(self, typo: Token, keyword: str, message: str) -> CajalError:
        return CajalError(
            ErrorKind.SYNTAX,
            f"`{typo.text}` is not a keyword; did you mean `{keyword}`? ({message})",
            self.tok_span(typo),
        )

    def expect(
        self, kind: str, expected: str, *, after_term: bool = False, typo_from: int | None = None
    ) -> Token:
        """Consume a token of `kind`, or fail with "expected {expected}, found ...".

        With `typo_from` (a token index), a misspelling of the keyword `kind` among the
        tokens since then is reported at the misspelling (`if c than a else b`).
        """
        tok = self.peek()
        if tok.kind == kind:
            return self.advance()
        message = f"expected {expected}, found {_describe(tok)}"
        if after_term:
            message += _argument_hint(tok)
        if typo_from is not None:
            typo = self.keyword_typo(kind, typo_from)
            if typo is not None:
                raise self.typo_error(typo, kind, message)
        raise self.fail(tok, message)

    def name(self, role: str, expected: str) -> Token:
        """An identifier naming a `role` ("variable", "definition", "type")."""
        tok = self.peek()
        if tok.kind == "ident":
            return self.advance()
        if tok.kind in KEYWORDS:
            raise self.fail(tok, f"`{tok.text}` is a keyword and cannot name a {role}")
        raise self.fail(tok, f"expected {expected}, found {_describe(tok)}")

    # -- nesting limits -----------------------------------------------------

    def deeper(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(
                tok,
                f"nested too deeply: more than {MAX_NESTING} levels of syntax "
                "(split the program into smaller definitions)",
                ErrorKind.TOO_DEEP,
            )

    def open_paren(self, tok: Token) -> None:
        self.parens += 1
        if self.parens > MAX_NESTING:
            raise self.fail(tok, f"parentheses nested more than {MAX_NESTING} deep", ErrorKind.TOO_DEEP)

    # -- declarations -------------------------------------------------------

    def module(self) -> Module:
        decls: list[Decl] = []
        while True:
            tok = self.peek()
            if tok.kind == "eof":
                return Module(self.source, tuple(decls))
            if tok.kind == "def":
                decls.append(self.def_decl())
            elif tok.kind == "type":
                decls.append(self.type_decl())
            elif tok.kind == "free":
                decls.append(self.free_decl())
            elif decls:
                raise self.fail(tok, _after_decl_message(decls[-1], tok))
            else:
                raise self.fail(tok, f"expected `def`, `type` or `free`, found {_describe(tok)}")

    def def_decl(self) -> Def:
        start = self.advance().start
        name = self.name("definition", "a name after `def`")
        declared: Type | None = None
        if self.peek().kind == ":":
            self.advance()
            declared = self.type_()
            self.expect("=", f"`=` after the type of `{name.text}`")
        else:
            self.expect("=", f"`:` or `=` after `def {name.text}`")
        body = self.term()
        return Def(name.text, declared, body, self.span_from(start), Span(self.source, name.start, name.end))

    def type_decl(self) -> TypeDecl:
        start = self.advance().start
        name = self.name("type", "a type name after `type`")
        return TypeDecl(name.text, self.span_from(start))

    def free_decl(self) -> FreeDecl:
        start = self.advance().start
        name = self.name("variable", "a variable name after `free`")
        self.expect(":", f"`:` and a type after `free {name.text}`")
        declared = self.type_()
        return FreeDecl(name.text, declared, self.span_from(start))

    def context(self) -> tuple[tuple[str, Type, Span], ...]:
        entries: list[tuple[str, Type, Span]] = []
        if self.peek().kind == "eof":
            return ()
        while True:
            name = self.name("variable", "a variable name")
            self.expect(":", f"`:` and a type after `{name.text}`")
            declared = self.type_()
            span = self.span_from(name.start)
            for other, _, other_span in entries:
                if other == name.text:
                    raise CajalError(
                        ErrorKind.DUPLICATE,
                        f"variable `{name.text}` is declared twice in the context",
                        Span(self.source, name.start, name.end),
                        related=(Related(other_span, f"`{other}` is first declared here"),),
                    )
            entries.append((name.text, declared, span))
            tok = self.peek()
            if tok.kind == "eof":
                return tuple(entries)
            self.expect(",", f"`,` or end of input after the type of `{name.text}`")

    # -- types --------------------------------------------------------------

    def type_(self) -> Type:
        start = self.peek().start
        dom = self.atype()
        tok = self.peek()
        if tok.kind != "-o":
            return dom
        self.advance()
        self.deeper(tok)
        cod = self.type_()
        self.depth -= 1
        return Arrow(dom, cod, self.span_from(start))

    def atype(self) -> Type:
        tok = self.peek()
        if tok.kind == "Bool":
            self.advance()
            return BoolT(self.span_from(tok.start))
        if tok.kind == "Nat":
            self.advance()
            return NatT(self.span_from(tok.start))
        if tok.kind == "ident":
            self.advance()
            return Opaque(tok.text, self.span_from(tok.start))
        if tok.kind == "(":
            self.advance()
            self.open_paren(tok)
            inner = self.type_()
            self.close_paren(tok, "type")
            self.parens -= 1
            return inner
        raise self.fail(tok, f"expected a type after `{self.previous_text()}`, found {_describe(tok)}")

    # -- terms --------------------------------------------------------------

    def previous_text(self) -> str:
        return self.tokens[self.pos - 1].text if self.pos > 0 else ""

    def term(self) -> Term:
        kind = self.peek().kind
        if kind == "fun":
            return self.lam()
        if kind == "let":
            return self.let()
        if kind == "if":
            return self.if_()
        return self.app()

    def sub_term(self, tok: Token) -> Term:
        """A child term, one level deeper than the node that `tok` starts."""
        self.deeper(tok)
        result = self.term()
        self.depth -= 1
        return result

    def lam(self) -> Lam:
        fun = self.advance()
        opener = self.peek()
        parenthesised = opener.kind == "("
        if parenthesised:
            self.advance()
        param = self.name("variable", f"a parameter name after `{fun.text}`")
        self.expect(":", f"`:` and a type after parameter `{param.text}`")
        param_type = self.type_()
        if parenthesised:
            self.close_paren(opener, "parameter")
        tok = self.peek()
        if tok.kind in ("=>", "."):
            self.advance()
        else:
            raise self.fail(
                tok,
                f"expected `=>` (or `.`) after the type of parameter `{param.text}`, found {_describe(tok)}",
            )
        body = self.sub_term(fun)
        return Lam(
            param.text,
            param_type,
            body,
            self.span_from(fun.start),
            Span(self.source, param.start, param.end),
        )

    def let(self) -> Let:
        let = self.advance()
        name = self.name("variable", "a variable name after `let`")
        self.expect("=", f"`=` after `let {name.text}`")
        bound = self.sub_term(let)
        self.expect("in", f"`in` after the bound term of `let {name.text} = ...`", after_term=True)
        body = self.sub_term(let)
        return Let(name.text, bound, body, self.span_from(let.start), Span(self.source, name.start, name.end))

    def if_(self) -> If:
        if_tok = self.advance()
        start = self.pos
        cond = self.sub_term(if_tok)
        self.expect("then", "`then` after the condition of `if`", after_term=True, typo_from=start)
        start = self.pos
        then = self.sub_term(if_tok)
        self.expect("else", "`else` after the `then` branch of `if`", after_term=True, typo_from=start)
        else_ = self.sub_term(if_tok)
        return If(cond, then, else_, self.span_from(if_tok.start))

    def app(self) -> Term:
        start = self.peek().start
        result = self.arg()
        chain = 0
        while self.peek().kind in _ARG_STARTERS:
            tok = self.peek()
            chain += 1
            if self.depth + chain > MAX_NESTING:  # the head now sits `chain` levels below
                raise self.fail(
                    tok,
                    f"nested too deeply: an application chain puts its function more than "
                    f"{MAX_NESTING} levels deep (each argument adds a level)",
                    ErrorKind.TOO_DEEP,
                )
            self.deeper(tok)
            argument = self.arg()
            self.depth -= 1
            result = App(result, argument, self.span_from(start))
        return result

    def arg(self) -> Term:
        tok = self.peek()
        if tok.kind != "succ":
            return self.atom()
        self.advance()
        self.deeper(tok)
        if self.peek().kind not in _ARG_STARTERS:
            nxt = self.peek()
            message = f"expected an argument after `succ`, found {_describe(nxt)}"
            if nxt.kind in ("fun", "let", "if"):
                message += f"; put parentheses around the `{nxt.text}`: `succ ({nxt.text} ...)`"
            raise self.fail(nxt, message)
        inner = self.arg()
        self.depth -= 1
        return Succ(inner, self.span_from(tok.start))

    def atom(self) -> Term:
        tok = self.peek()
        kind = tok.kind
        if kind == "ident":
            self.advance()
            return Var(tok.text, self.span_from(tok.start))
        if kind in ("true", "false"):
            self.advance()
            return BoolLit(kind == "true", self.span_from(tok.start))
        if kind == "zero":
            self.advance()
            return Zero(self.span_from(tok.start))
        if kind == "num":
            self.advance()
            return Numeral(tok.value, self.span_from(tok.start))
        if kind == "(":
            self.advance()
            self.open_paren(tok)
            inner = self.term()
            self.close_paren(tok, "term", after_term=True)
            self.parens -= 1
            return inner
        if kind == "iter":
            return self.iter_()
        raise self.fail(tok, self.no_term_message(tok))

    def no_term_message(self, tok: Token) -> str:
        previous = self.previous_text()
        where = f" after `{previous}`" if previous else ""
        if tok.kind in KEYWORDS and tok.kind not in _TERM_STARTERS:
            return f"expected a term{where}, found the keyword `{tok.text}`"
        return f"expected a term{where}, found {_describe(tok)}"

    def close_paren(self, opener: Token, what: str, *, after_term: bool = False) -> None:
        tok = self.peek()
        if tok.kind == ")":
            self.advance()
            return
        if tok.kind == "eof":
            raise self.fail(opener, "unterminated `(`: expected `)` before end of input")
        line, col = self.source.position(opener.start)
        message = f"expected `)` to close the `(` at {line}:{col}, found {_describe(tok)}"
        if after_term:
            message += _argument_hint(tok)
        raise self.fail(tok, message)

    def iter_(self) -> Iter:
        iter_tok = self.advance()
        count = self.sub_term(iter_tok)
        brace = self.expect("{", "`{` after the count of `iter`", after_term=True)
        if self.peek().kind == "|":
            self.advance()
        first = self.clause(iter_tok, brace)
        tok = self.peek()
        if tok.kind == "}":
            missing = "`succ y => ...`" if first[0] == "zero" else "`zero => ...`"
            raise self.fail(
                tok, f"`iter` is missing its {missing} clause; it needs a `zero` and a `succ` clause"
            )
        if tok.kind == "eof":
            raise self.fail(brace, "unterminated `iter {`: expected `}` before end of input")
        self.expect("|", "`|` between the two clauses of `iter`", after_term=True)
        second = self.clause(iter_tok, brace)
        if second[0] == first[0]:
            raise CajalError(
                ErrorKind.SYNTAX,
                f"`iter` has two `{first[0]}` clauses; it needs one `zero` and one `succ` clause",
                second[1],
                related=(Related(first[1], f"the first `{first[0]}` clause"),),
            )
        tok = self.peek()
        if tok.kind == "eof":
            raise self.fail(brace, "unterminated `iter {`: expected `}` before end of input")
        if tok.kind == "|":
            raise self.fail(
                tok, "`iter` takes exactly two clauses (`zero` and `succ`); expected `}`, found `|`"
            )
        self.expect("}", "`}` to close `iter`", after_term=True)
        zero_clause, succ_clause = (first, second) if first[0] == "zero" else (second, first)
        step_var, step_var_span = succ_clause[3]
        return Iter(
            count,
            zero_clause[2],
            step_var,
            succ_clause[2],
            self.span_from(iter_tok.start),
            step_var_span,
        )

    def clause(self, iter_tok: Token, brace: Token) -> tuple[str, Span, Term, tuple[str, Span]]:
        """One `iter` clause: (its kind, its keyword's span, its body, its bound name and span)."""
        tok = self.peek()
        if tok.kind == "eof":
            raise self.fail(brace, "unterminated `iter {`: expected its clauses and `}` before end of input")
        if tok.kind == "zero":
            self.advance()
            self.expect("=>", "`=>` after `zero` in an `iter` clause")
            body = self.sub_term(iter_tok)
            return "zero", self.tok_span(tok), body, ("", self.tok_span(tok))
        if tok.kind == "succ":
            self.advance()
            var = self.name("variable", "a variable name after `succ` in an `iter` clause")
            self.expect("=>", f"`=>` after `succ {var.text}` in an `iter` clause")
            body = self.sub_term(iter_tok)
            return "succ", self.tok_span(tok), body, (var.text, Span(self.source, var.start, var.end))
        raise self.fail(
            tok, f"expected an `iter` clause `zero => ...` or `succ y => ...`, found {_describe(tok)}"
        )

    def finish(self, what: str) -> None:
        """Refuse a stray token after a complete term or type."""
        tok = self.peek()
        if tok.kind == "eof":
            return
        if tok.kind in (")", "}"):
            raise self.fail(tok, f"unmatched `{tok.text}` after a complete {what}")
        message = f"unexpected {_describe(tok)} after a complete {what}"
        if what == "term":
            message += _argument_hint(tok)
        raise self.fail(tok, message)


_APPLICATION_TOKENS = frozenset({"ident", "num", "true", "false", "zero", "succ"})
"""Tokens an application without parentheses is made of (where `itr n` would sit)."""


def _argument_hint(tok: Token) -> str:
    """After a complete application, a binder keyword means an unparenthesised argument."""
    if tok.kind in ("fun", "let", "if"):
        return f"; if this `{tok.text}` is meant as an argument, put it in parentheses: `f ({tok.text} ...)`"
    return ""


def _after_decl_message(previous: Decl, tok: Token) -> str:
    if isinstance(previous, Def):
        where = f"after the definition of `{previous.name}`"
    elif isinstance(previous, FreeDecl):
        where = f"after the declaration of `{previous.name}`"
    else:
        where = f"after `type {previous.name}`"
    if tok.kind in (")", "}"):
        return f"unmatched `{tok.text}` {where}"
    hint = _argument_hint(tok) if isinstance(previous, Def) else ""
    return f"unexpected {_describe(tok)} {where}; expected `def`, `type` or `free`{hint}"


def _check_tree_depth(term: Term) -> None:
    """Refuse a term whose syntax tree is deeper than MAX_NESTING (iteratively)."""
    stack: list[tuple[Term, int]] = [(term, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise CajalError(
                ErrorKind.TOO_DEEP,
                f"term nested too deeply: its syntax tree is more than {MAX_NESTING} levels deep "
                "(a chain of applications counts one level per argument)",
                node.span,
            )
        stack.extend((child, depth + 1) for child in reversed(children(node)))


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _as_source(source: Source | str, name: str) -> Source:
    """Accept plain text where a Source is expected (the Python API takes strings)."""
    return Source(name, source) if isinstance(source, str) else source


def parse_module(source: Source | str) -> Module:
    """A whole file: `type`, `free` and `def` declarations (an empty file has none); text or a Source."""
    source = _as_source(source, "<input>")
    parser = _Parser(source)
    with deep_recursion():
        module = parser.module()
    for decl in module.decls:
        if isinstance(decl, Def):
            _check_tree_depth(decl.body)
    return module


def parse_term(source: Source | str) -> Term:
    """A source that is exactly one term (the CLI's `-e EXPR`); `parse_term("not true")` works too."""
    source = _as_source(source, "<expr>")
    parser = _Parser(source)
    with deep_recursion():
        term = parser.term()
        parser.finish("term")
    _check_tree_depth(term)
    return term


def parse_type(source: Source | str) -> Type:
    """A source that is exactly one type: `parse_type("Nat -o Bool")`."""
    source = _as_source(source, "<type>")
    parser = _Parser(source)
    with deep_recursion():
        result = parser.type_()
        parser.finish("type")
    return result


def parse_context(source: Source | str) -> tuple[tuple[str, Type, Span], ...]:
    """`f : Nat -o Nat, n : Nat` as (name, type, span of the entry); empty text gives ()."""
    source = _as_source(source, "<ctx>")
    parser = _Parser(source)
    with deep_recursion():
        return parser.context()


def parse_module_text(text: str, name: str = "<input>") -> Module:
    return parse_module(Source(name, text))


def parse_term_text(text: str, name: str = "<expr>") -> Term:
    return parse_term(Source(name, text))


def parse_type_text(text: str, name: str = "<type>") -> Type:
    return parse_type(Source(name, text))


def parse_context_text(text: str, name: str = "<ctx>") -> tuple[tuple[str, Type, Span], ...]:
    return parse_context(Source(name, text))
