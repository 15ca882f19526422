"""The --bind reader (cli/bindings.py) under random input: exact round trips, and only located errors."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cajal_ref.cli.bindings import parse_bind_list
from cajal_ref.diagnostics import CajalError, ErrorKind

exact = st.one_of(
    st.integers(-(10**30), 10**30),
    st.fractions(max_denominator=10**12),
)


def show(x: int | Fraction) -> str:
    """One of the accepted spellings of an exact number."""
    if isinstance(x, Fraction) and x.denominator != 1:
        return f'"{x.numerator}/{x.denominator}"'
    return str(int(x))


vectors = st.lists(exact, min_size=1, max_size=6)
matrices = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(exact, min_size=width, max_size=width), min_size=1, max_size=4)
)


def text_of(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(text_of(v) for v in value) + "]"
    return show(value)


@given(st.one_of(vectors, matrices))
def test_lists_read_back_exactly(value: Any) -> None:
    assert parse_bind_list(text_of(value), "x") == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_decimals_are_read_as_exact_fractions(number: Any) -> None:
    text = str(number)
    if "E" in text or "e" in text:  # Decimal's exponent form: spelled the JSON way
        text = text.replace("E", "e")
    (got,) = parse_bind_list(f"[{text}]", "x")
    assert Fraction(got) == Fraction(number) and not isinstance(got, float)
    (quoted,) = parse_bind_list(f'["{text}"]', "x")
    assert quoted == got


@given(st.text(alphabet='[],.0123456789eE+-"/ x', max_size=40).map(lambda s: "[" + s))
def test_any_text_is_read_or_refused_with_a_located_error(text: str) -> None:
    try:
        parse_bind_list(text, "x")
    except CajalError as err:
        assert err.kind is ErrorKind.BAD_BINDING
        assert err.span is not None and 0 <= err.span.start <= len(text)
        assert err.file == "<bind x>"
