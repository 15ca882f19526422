"""Fuzzing the parser: whatever the text, only a located CajalError may escape.

Four sources of input: arbitrary unicode text (control characters and surrogates
included), text built from Cajal's own tokens, the prelude and examples with
characters deleted, inserted or replaced, and grammatical term text with tokens
deleted, duplicated, inserted or replaced (random token soup fails within a few
tokens; a mutated grammatical text fails deep inside the grammar).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.diagnostics import CajalError
from cajal_ref.parser import parse_context, parse_module, parse_term, parse_type
from cajal_ref.syntax import Source


def _shipped_programs() -> list[str]:
    texts: list[str] = []
    for folder in ("prelude", "examples"):
        for entry in sorted(resources.files("cajal_ref").joinpath(folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".cj"):
                texts.append(entry.read_text(encoding="utf-8"))
    return texts


PROGRAMS = _shipped_programs()

TOKENS = [
    *("def", "type", "free", "fun", "let", "in", "if", "then", "else", "iter", "zero", "succ"),
    *("true", "false", "Bool", "Nat", "λ", "𝟚", "ℕ", "⊸", "⇒", "-o", "=>", "=", ":", ".", ","),
    *("(", ")", "{", "}", "|", "x", "f", "y'", "_n", "0", "42", "-- note\n", "\n", "\r\n", "\t", " "),
]

INTERESTING_CHARS = st.one_of(
    st.sampled_from(list("(){}|:=.,-o>λ𝟚ℕ⊸⇒0123456789xyz_' \t\r\n@#\\→\x00\x07\u00a0\u2028\ufeff")),
    st.characters(),
)

PARSERS: list[Callable[[Source], object]] = [parse_module, parse_term, parse_type, parse_context]


def assert_parses_or_fails_cleanly(text: str) -> None:
    for parse in PARSERS:
        source = Source("fuzz.cj", text)
        try:
            parse(source)
        except CajalError as err:
            assert err.message
            assert err.span is not None
            assert err.line is not None and err.line >= 1
            assert err.col is not None and err.col >= 1
            assert 0 <= err.span.start <= err.span.end <= len(text)
            err.render()  # rendering the caret line must not fail either


@given(st.text())
def test_arbitrary_text(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


@given(st.text(alphabet=INTERESTING_CHARS, max_size=60))
def test_text_of_interesting_characters(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup_without_spaces(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


_TOKEN_PATTERN = re.compile(r"\s+|--[^\n]*|-o|=>|[A-Za-z_][A-Za-z0-9_']*|[0-9]+|.", re.DOTALL)

_TOKEN_MUTATIONS = ["delete", "duplicate", "insert", "replace", "swap", "cut"]


def _mutate_tokens(draw: st.DrawFn, text: str, rounds: int) -> str:
    """Delete, duplicate, insert, replace or swap whole tokens, or cut the text short."""
    pieces: list[str] = _TOKEN_PATTERN.findall(text)
    for _ in range(rounds):
        position = draw(st.integers(0, len(pieces)))
        action = draw(st.sampled_from(_TOKEN_MUTATIONS))
        token = " " + draw(st.sampled_from(TOKENS)) + " "
        if action == "cut":
            del pieces[position:]
        elif action == "insert" or position >= len(pieces):
            pieces.insert(position, token)
        elif action == "delete":
            del pieces[position]
        elif action == "duplicate":
            pieces.insert(position, pieces[position])
        elif action == "replace":
            pieces[position] = token
        elif position + 1 < len(pieces):
            pieces[position], pieces[position + 1] = pieces[position + 1], pieces[position]
    return "".join(pieces)


def _mutate_chars(draw: st.DrawFn, text: str, rounds: int) -> str:
    for _ in range(rounds):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        if action == "delete":
            text = text[:position] + text[position + 1 :]
        elif action == "insert":
            text = text[:position] + draw(INTERESTING_CHARS) + text[position:]
        else:
            text = text[:position] + draw(INTERESTING_CHARS) + text[position + 1 :]
    return text


@st.composite
def mutated_programs(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(PROGRAMS))
    rounds = draw(st.integers(1, 4))
    if draw(st.booleans()):
        return _mutate_chars(draw, text, rounds)
    return _mutate_tokens(draw, text, rounds)


@given(mutated_programs())
def test_mutated_programs(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


def _compound_term_text(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, inner).map(lambda p: f"{p[0]} ({p[1]})"),
        inner.map(lambda a: f"succ ({a})"),
        inner.map(lambda a: f"({a})"),
        st.tuples(inner, inner, inner).map(lambda p: f"if {p[0]} then {p[1]} else {p[2]}"),
        inner.map(lambda body: f"fun x : (Nat -o Bool) -o Img => {body}"),
        inner.map(lambda body: f"λ(y : ℕ) ⇒ {body}"),
        st.tuples(inner, inner).map(lambda p: f"let z = {p[0]} in {p[1]}"),
        st.tuples(inner, inner, inner).map(lambda p: f"iter {p[0]} {{ zero => {p[1]} | succ y => {p[2]} }}"),
        st.tuples(inner, inner, inner).map(
            lambda p: f"iter {p[0]} {{ | succ y => {p[2]} | zero => {p[1]} }}"
        ),
    )


term_texts = st.recursive(
    st.sampled_from(["x", "true", "zero", "3", "f y", "(g x)", "iter n { zero => a | succ y => f (y) }"]),
    _compound_term_text,
    max_leaves=8,
)


@given(term_texts)
def test_grammatical_terms_parse(text: str) -> None:
    parse_term(Source("gen.cj", text))
    parse_module(Source("gen.cj", f"type Img\ndef d = {text}\n"))


@st.composite
def mutated_terms(draw: st.DrawFn) -> str:
    return _mutate_tokens(draw, draw(term_texts), draw(st.integers(1, 3)))


@given(mutated_terms())
def test_mutated_terms(text: str) -> None:
    assert_parses_or_fails_cleanly(text)
    assert_parses_or_fails_cleanly(f"def d = {text}\ndef e = x")


CONTEXTS = ["f : Nat -o Nat, n : Nat", "a : Bool, b : (Img -o Img) -o Bool, a : Nat", "x : ℕ ⊸ 𝟚"]


@st.composite
def mutated_contexts(draw: st.DrawFn) -> str:
    return _mutate_tokens(draw, draw(st.sampled_from(CONTEXTS)), draw(st.integers(1, 3)))


@given(mutated_contexts())
def test_mutated_contexts(text: str) -> None:
    assert_parses_or_fails_cleanly(text)


CLAUSE_PARTS = ["zero => a", "succ y => f y", "succ => b", "zero", "succ z", "=>", "|", "|", "}", "{", ")"]


@given(term_texts, st.lists(st.sampled_from(CLAUSE_PARTS), max_size=6))
def test_iter_clause_soup(count: str, parts: list[str]) -> None:
    """Clauses missing, repeated, reordered or unterminated: the `iter` error paths."""
    assert_parses_or_fails_cleanly(f"iter {count} {{ {' '.join(parts)}")
    assert_parses_or_fails_cleanly(f"def d = iter {count} {{ {' '.join(parts)} }}\nfree x : Nat\n)")


def test_shipped_programs_parse() -> None:
    for text in PROGRAMS:
        parse_module(Source("shipped.cj", text))
