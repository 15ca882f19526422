"""`--bind NAME=VALUE`, shared by `eval` and `compile`: one grammar, located errors, bounded work.

VALUE is either a closed Cajal term (`3`, `double`) or a list: a vector `[0, 1, 0]` or a
matrix `[[1, 0], [0, 1]]` of exact numbers: integers, decimals (`0.25`, `1e3`) and
quoted rationals or decimals (`"3/2"`, `"0.25"`), each read exactly. The list is read
here rather than by `json.loads` so that every refusal points at the offending
character, and so that no input can make the reading slow: a number has at most
`MAX_BIND_DIGITS` digits, counting the zeros its exponent adds (`1e100000000` is
refused at once instead of being expanded; CAJAL_MAX_BIND_DIGITS raises the limit), and
lists nest at most two deep (a
binding is a vector or a matrix). `compile` takes any such list; `eval` takes one
only where the direct semantics has a value for it (a basis vector, or a matrix whose
columns are basis vectors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

from ..diagnostics import CajalError, ErrorKind, setting
from ..parser import digits_to_int
from ..syntax import Arrow, BoolT, NatT, Source, Span, Type, show_type

MAX_BIND_DIGITS = 4300
"""Digits of one number in a --bind list by default, counting the zeros an exponent adds; raise it
with the environment variable CAJAL_MAX_BIND_DIGITS."""


def max_bind_digits() -> int:
    """The limit in force: CAJAL_MAX_BIND_DIGITS, or MAX_BIND_DIGITS."""
    return setting("CAJAL_MAX_BIND_DIGITS", MAX_BIND_DIGITS)

MAX_BIND_DEPTH = 2
"""A --bind list is a vector or a matrix."""

_NUMBER = re.compile(r"[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?")
_QUOTED_RATIONAL = re.compile(r"\s*([+-]?\d+)\s*/\s*(\d+)\s*")
_ACCEPTED = 'integers, decimals, or quoted rationals such as "3/2" or "0.25"'


def split_bindings(items: Sequence[str], context: Mapping[str, Type]) -> list[tuple[str, str]]:
    """(NAME, VALUE text) of each --bind, refusing a malformed item, an unknown or a repeated name."""
    seen: list[tuple[str, str]] = []
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise CajalError(ErrorKind.BAD_BINDING, f"--bind expects NAME=VALUE, got `{item}`")
        if name not in context:
            known = ", ".join(f"`{n}`" for n in context) or "none"
            raise CajalError(
                ErrorKind.BAD_BINDING, f"--bind names `{name}`, which is not a context variable ({known})"
            )
        if any(name == bound for bound, _ in seen):
            raise CajalError(ErrorKind.BAD_BINDING, f"`{name}` is bound twice with --bind")
        seen.append((name, text))
    return seen


def is_list(text: str) -> bool:
    """Whether a --bind VALUE is a list (otherwise it is a closed term)."""
    return text.lstrip().startswith("[")


@dataclass(frozen=True)
class _Node:
    value: Any  # an exact number, or a list of _Node
    span: Span


class _Reader:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.source = Source(f"<bind {name}>", text)
        self.pos = 0
        self.limit = max_bind_digits()

    def fail(self, message: str, start: int, end: int | None = None) -> NoReturn:
        end = start + 1 if end is None else end
        span = Span(self.source, start, min(max(end, start + 1), max(len(self.text), start + 1)))
        raise CajalError(ErrorKind.BAD_BINDING, f"--bind {self.name}: {message}", span)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def read(self) -> _Node:
        self.skip_space()
        node = self.value(0)
        self.skip_space()
        if self.pos < len(self.text):
            self.fail("unexpected text after the list", self.pos, len(self.text))
        return node

    def value(self, depth: int) -> _Node:
        self.skip_space()
        if self.pos >= len(self.text):
            self.fail(f"expected a number or a list, found the end of the value ({_ACCEPTED})", self.pos)
        ch = self.text[self.pos]
        if ch == "[":
            return self.vector(depth)
        if ch == '"':
            return self.quoted()
        if ch in "+-0123456789":
            return self.number()
        self.fail(f"expected a number or a list here ({_ACCEPTED})", self.pos)

    def vector(self, depth: int) -> _Node:
        start = self.pos
        if depth == MAX_BIND_DEPTH:
            self.fail(
                "a binding is a vector `[...]` or a matrix `[[...], ...]`: lists nest at most "
                f"{MAX_BIND_DEPTH} deep",
                start,
            )
        self.pos += 1
        items: list[_Node] = []
        self.skip_space()
        if self.pos < len(self.text) and self.text[self.pos] == "]":
            self.pos += 1
            return _Node([], Span(self.source, start, self.pos))
        while True:
            items.append(self.value(depth + 1))
            self.skip_space()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < len(self.text) and self.text[self.pos] == "]":
                self.pos += 1
                break
            self.fail("expected `,` or `]`", self.pos)
        node = _Node(items, Span(self.source, start, self.pos))
        self.check_rectangular(items)
        return node

    def check_rectangular(self, items: list[_Node]) -> None:
        rows = [isinstance(item.value, list) for item in items]
        if any(rows) and not all(rows):
            odd = items[rows.index(not rows[0])]
            message = "this list mixes numbers and lists (a matrix is a list of rows)"
            self.fail(message, odd.span.start, odd.span.end)
        if all(rows) and items:
            width = len(items[0].value)
            for i, row in enumerate(items[1:], start=2):
                if len(row.value) != width:
                    self.fail(
                        f"ragged matrix: row {i} has {len(row.value)} entries but row 1 has {width}",
                        row.span.start,
                        row.span.end,
                    )

    def number(self) -> _Node:
        start = self.pos
        match = _NUMBER.match(self.text, start)
        if match is None:
            self.fail(f"expected a number ({_ACCEPTED})", start)
        self.pos = match.end()
        return _Node(self.decimal(match, start), Span(self.source, start, self.pos))

    def decimal(self, match: re.Match[str], start: int) -> int | Fraction:
        whole, frac, exp = match.group(1), match.group(2) or "", match.group(3)
        end = start + len(match.group(0))
        digits = len(whole.lstrip("0") or "0") + len(frac)
        if exp is not None and len(exp.lstrip("+-").lstrip("0")) > len(str(self.limit)):
            self.too_long(match.group(0), start, end)
        exponent = int(exp) if exp is not None else 0
        if digits + abs(exponent) > self.limit:
            self.too_long(match.group(0), start, end)
        mantissa = digits_to_int(whole + frac)
        scale = exponent - len(frac)
        value = Fraction(mantissa * 10**scale) if scale >= 0 else Fraction(mantissa, 10**-scale)
        if match.group(0).startswith("-"):
            value = -value
        return int(value) if value.denominator == 1 else value

    def too_long(self, token: str, start: int, end: int) -> NoReturn:
        shown = token if len(token) <= 24 else token[:12] + "…" + token[-8:]
        self.fail(
            f"`{shown}` is too large: a number here has at most {self.limit:,} digits, "
            "counting the zeros its exponent adds (raise it with CAJAL_MAX_BIND_DIGITS)",
            start,
            end,
        )

    def quoted(self) -> _Node:
        start = self.pos
        close = self.text.find('"', start + 1)
        if close < 0:
            self.fail("unterminated string", start, len(self.text))
        self.pos = close + 1
        inner = self.text[start + 1 : close]
        whole = _NUMBER.fullmatch(inner.strip())
        if whole is not None:
            return _Node(self.decimal(whole, start), Span(self.source, start, self.pos))
        ratio = _QUOTED_RATIONAL.fullmatch(inner)
        if ratio is None:
            self.fail(f"`{inner}` is not an exact number ({_ACCEPTED})", start, self.pos)
        num, den = ratio.group(1), ratio.group(2)
        if max(len(num.lstrip("+-")), len(den)) > self.limit:
            self.too_long(inner.strip(), start, self.pos)
        numerator, denominator = digits_to_int(num.lstrip("+-")), digits_to_int(den)
        if denominator == 0:
            self.fail(f"`{inner.strip()}` divides by zero", start, self.pos)
        value = Fraction(-numerator if num.startswith("-") else numerator, denominator)
        return _Node(int(value) if value.denominator == 1 else value, Span(self.source, start, self.pos))


def _plain(node: _Node) -> Any:
    if isinstance(node.value, list):
        return [_plain(item) for item in node.value]
    return node.value


def parse_bind_list(text: str, name: str) -> Any:
    """A --bind list as nested Python lists of ints and Fractions, or a located CajalError(BAD_BINDING)."""
    return _plain(_Reader(name, text).read())


# ---------------------------------------------------------------------------
# eval: a list as a value of the direct semantics
# ---------------------------------------------------------------------------


def _ground_size(t: Type) -> int | None:
    """The length of a basis vector of `t` that eval can decode (Bool: 2, Nat: any), else None."""
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, NatT):
        return -1
    return None


def _decode(vector: list[Any], t: Type, what: str, fail: Callable[[str], NoReturn]) -> bool | int:
    size = _ground_size(t)
    if size is not None and size > 0 and len(vector) != size:
        fail(f"{what} has {len(vector)} entries; a {show_type(t)} is a basis vector of {size}")
    ones = [i for i, x in enumerate(vector) if x == 1]
    if len(ones) != 1 or any(x != 0 for i, x in enumerate(vector) if i != ones[0]):
        fail(
            f"{what} is not a basis vector (one entry 1, the others 0): the direct semantics has "
            "no linear combinations of values; `cajal compile --bind` takes any vector or matrix"
        )
    index = ones[0]
    return index == 0 if isinstance(t, BoolT) else index


def eval_value(text: str, name: str, t: Type) -> Any:
    """A --bind list for `eval`: a basis vector of Bool or Nat, or a matrix of basis-vector columns
    for a function between them (defined on the columns it has)."""
    reader = _Reader(name, text)
    node = reader.read()
    nested = _plain(node)

    def fail(message: str) -> NoReturn:
        reader.fail(message, node.span.start, node.span.end)

    if _ground_size(t) is not None:
        if not nested or isinstance(nested[0], list):
            fail(f"`{name} : {show_type(t)}` is bound with a vector, a basis vector such as [0, 1]")
        return _decode(nested, t, "the vector", fail)
    if isinstance(t, Arrow) and _ground_size(t.dom) is not None and _ground_size(t.cod) is not None:
        if not nested or not isinstance(nested[0], list):
            fail(f"`{name} : {show_type(t)}` is bound with a matrix (column j = the image of input j)")
        columns = [list(col) for col in zip(*nested, strict=True)]
        if isinstance(t.dom, BoolT) and len(columns) != 2:
            fail(f"the matrix has {len(columns)} columns; a function of a Bool has 2")
        images = [_decode(col, t.cod, f"column {j}", fail) for j, col in enumerate(columns)]
        return _matrix_function(name, t, images, node.span)
    raise CajalError(
        ErrorKind.BAD_BINDING,
        f"--bind {name}: eval reads a list only for Bool, Nat and functions between them, not for "
        f"`{show_type(t)}`; bind a closed term of that type instead",
        node.span,
    )


def _matrix_function(name: str, t: Arrow, images: list[bool | int], span: Span) -> Callable[[Any], Any]:
    def apply(arg: Any) -> Any:
        index = (0 if arg else 1) if isinstance(t.dom, BoolT) else arg
        if not 0 <= index < len(images):
            raise CajalError(
                ErrorKind.BAD_BINDING,
                f"`{name}` is bound to a matrix defined on 0 … {len(images) - 1}, and was applied to {arg}",
                span,
            )
        return images[index]

    return apply
