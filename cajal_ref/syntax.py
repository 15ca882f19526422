"""Abstract syntax of Cajal(⊸, 2, N): types, terms, declarations, and source spans.

Every node is an immutable dataclass. Spans are carried on every node but take no
part in equality, so a term printed and parsed back compares equal to the original.
Numerals are kept as one node (`Numeral`) rather than nested `succ`s, so that a
numeral of 100000 costs one node, not a recursion 100000 deep.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Union

# ---------------------------------------------------------------------------
# Sources and spans
# ---------------------------------------------------------------------------


_LINE_END = re.compile(r"\r\n?|\n")


@dataclass(frozen=True, eq=False)
class Source:
    """A named source text (a file, the prelude, or an `-e` expression).

    `library` marks text shipped with cajal_ref (the prelude, the examples): an error
    raised while running it is reported at the user's code that called into it.
    """

    name: str
    text: str
    library: bool = False

    def line_starts(self) -> list[int]:
        """Offsets where lines begin: a line ends at "\r\n", "\n" or a lone "\r" (old Mac files)."""
        starts: list[int] | None = self.__dict__.get("_line_starts")
        if starts is None:
            starts = [0]
            starts.extend(m.end() for m in _LINE_END.finditer(self.text))
            object.__setattr__(self, "_line_starts", starts)
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count code points."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        starts = self.line_starts()
        begin = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        text = self.text[begin:end]
        return text[:-1] if text.endswith("\r") else text  # the \r of a \r\n


@dataclass(frozen=True)
class Span:
    """A half-open range [start, end) of character offsets in a source."""

    source: Source = field(compare=False, repr=False)
    start: int
    end: int

    @property
    def file(self) -> str:
        return self.source.name

    @property
    def line(self) -> int:
        return self.source.position(self.start)[0]

    @property
    def col(self) -> int:
        return self.source.position(self.start)[1]

    @property
    def end_position(self) -> tuple[int, int]:
        return self.source.position(max(self.start, self.end))

    def to(self, other: Span) -> Span:
        """The span covering self and other (same source)."""
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SOURCE = Source("<generated>", "")
NO_SPAN = Span(NO_SOURCE, 0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BoolT:
    span: Span = _span()


@dataclass(frozen=True)
class NatT:
    span: Span = _span()


@dataclass(frozen=True)
class Arrow:
    """A -o B, the linear function type."""

    dom: Type
    cod: Type
    span: Span = _span()


@dataclass(frozen=True)
class Opaque:
    """A base type declared with `type NAME`; it has no constructors."""

    name: str
    span: Span = _span()


Type = Union[BoolT, NatT, Arrow, Opaque]

BOOL = BoolT()
NAT = NatT()


def arrow(*types: Type) -> Type:
    """arrow(A, B, C) = A -o (B -o C)."""
    result = types[-1]
    for t in reversed(types[:-1]):
        result = Arrow(t, result)
    return result


def is_ground(t: Type) -> bool:
    """Bool and Nat: the types whose values are basis vectors."""
    return isinstance(t, (BoolT, NatT))


def is_first_order(t: Type) -> bool:
    return not isinstance(t, Arrow)


def show_type(t: Type) -> str:
    """ASCII form with minimal parentheses: `Nat -o Nat -o Bool`, `(Nat -o Nat) -o Nat`."""
    match t:
        case BoolT():
            return "Bool"
        case NatT():
            return "Nat"
        case Opaque(name):
            return name
        case Arrow(dom, cod):
            left = f"({show_type(dom)})" if isinstance(dom, Arrow) else show_type(dom)
            return f"{left} -o {show_type(cod)}"


# ---------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """A variable, or a reference to an earlier `def` when no binder is in scope."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class Zero:
    span: Span = _span()


@dataclass(frozen=True)
class Succ:
    arg: Term
    span: Span = _span()


@dataclass(frozen=True)
class Numeral:
    """A literal natural number: sugar for `succ (... (succ zero))`."""

    value: int
    span: Span = _span()


@dataclass(frozen=True)
class If:
    cond: Term
    then: Term
    else_: Term
    span: Span = _span()


@dataclass(frozen=True)
class Lam:
    """fun param : param_type => body."""

    param: str
    param_type: Type
    body: Term
    span: Span = _span()
    param_span: Span = _span()


@dataclass(frozen=True)
class App:
    fn: Term
    arg: Term
    span: Span = _span()


@dataclass(frozen=True)
class Iter:
    """iter count { zero => base | succ step_var => step }."""

    count: Term
    base: Term
    step_var: str
    step: Term
    span: Span = _span()
    step_var_span: Span = _span()


@dataclass(frozen=True)
class Let:
    """let name = bound in body: sugar for (fun name : A => body) bound."""

    name: str
    bound: Term
    body: Term
    span: Span = _span()
    name_span: Span = _span()


Term = Union[Var, BoolLit, Zero, Succ, Numeral, If, Lam, App, Iter, Let]


def children(t: Term) -> tuple[Term, ...]:
    match t:
        case Var() | BoolLit() | Zero() | Numeral():
            return ()
        case Succ(arg):
            return (arg,)
        case If(c, a, b):
            return (c, a, b)
        case Lam(_, _, body):
            return (body,)
        case App(f, a):
            return (f, a)
        case Iter(n, b, _, s):
            return (n, b, s)
        case Let(_, bound, body):
            return (bound, body)


def subterms(t: Term) -> Iterator[Term]:
    """All subterms in pre-order, iteratively (no recursion limit)."""
    stack = [t]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def size(t: Term) -> int:
    return sum(1 for _ in subterms(t))


def free_vars(t: Term) -> frozenset[str]:
    """Names occurring free in t (def references included: a name is free if unbound)."""
    return _scan_variables(t)[0]


def step_free_vars(t: Term) -> frozenset[str]:
    """Names free in t that occur free inside the step of some `iter` within t.

    These are the recurrent weights that t's binders (or its context) supply: a
    variable x bound outside t is a recurrent weight of t iff x is in this set.
    """
    return _scan_variables(t)[1]


def bound_recurrent_weights(t: Term) -> list[tuple[str, Span]]:
    """Variables bound inside t (by fun, let, or an iter step) that are recurrent weights.

    A binder's variable is a recurrent weight when it occurs inside the step of an
    `iter` in its scope (other than as that iter's own step variable), like `m` in
    `mult`. Returned with the binder's span, in pre-order.
    """
    return _scan_variables(t)[2]


def _scan_variables(t: Term) -> tuple[frozenset[str], frozenset[str], list[tuple[str, Span]]]:
    """free_vars, step_free_vars and bound_recurrent_weights of t in one pass.

    Iterative and bottom-up, so that a term nested as deeply as the parser allows
    (5,000 `let`s) needs no recursion and each subterm is visited once, not once per
    enclosing binder.
    """
    found: list[tuple[int, str, Span]] = []
    results: list[tuple[frozenset[str], frozenset[str]]] = []
    stack: list[tuple[Term, int]] = [(t, -1)]
    visited = 0
    empty: frozenset[str] = frozenset()
    while stack:
        node, order = stack.pop()
        kids = children(node)
        if order < 0:  # first visit (pre-order): come back after the children
            stack.append((node, visited))
            visited += 1
            stack.extend((kid, -1) for kid in reversed(kids))
            continue
        parts = results[len(results) - len(kids) :]
        del results[len(results) - len(kids) :]
        match node:
            case Var(name):
                fv, sfv = frozenset({name}), empty
            case Lam(x, _, _):
                fv, sfv = parts[0]
                if x in sfv:
                    found.append((order, x, node.param_span))
                fv, sfv = fv - {x}, sfv - {x}
            case Iter(_, _, y, _):
                (fn, sn), (fb, sb), (fs, ss) = parts
                if y in ss:
                    found.append((order, y, node.step_var_span))
                fv, sfv = fn | fb | (fs - {y}), sn | sb | (fs - {y})
            case Let(x, _, _):
                (fb, sb), (fv, sfv) = parts
                if x in sfv:
                    found.append((order, x, node.name_span))
                fv, sfv = fb | (fv - {x}), sb | (sfv - {x})
            case _:  # literals, succ, if, application: the union of the parts
                fv = empty.union(*(p[0] for p in parts))
                sfv = empty.union(*(p[1] for p in parts))
        results.append((fv, sfv))
    found.sort(key=lambda entry: entry[0])
    return results[0][0], results[0][1], [(name, span) for _, name, span in found]


# ---------------------------------------------------------------------------
# Display: Cajal syntax for print(), short reprs, notebook renderings
# ---------------------------------------------------------------------------
# The printer and the renderers build on this module, hence the imports inside the
# functions; `cajal_ref.display` holds the LaTeX/HTML code.


def _show_term(t: Term) -> str:
    from .printer import show_term

    return show_term(t)


def _term_repr(t: Term) -> str:
    return f"parse_term({_show_term(t)!r})"


def _type_repr(t: Type) -> str:
    return f"parse_type({show_type(t)!r})"


def _term_latex(t: Term) -> str:
    from .display import term_latex

    return term_latex(t)


def _type_latex(t: Type) -> str:
    from .display import type_latex

    return type_latex(t)


def _term_html(t: Term) -> str:
    from .display import term_html

    return term_html(t)


def _type_html(t: Type) -> str:
    from .display import type_html

    return type_html(t)


def _pretty(show: Callable[[object], str]) -> Callable[[object, Any, bool], None]:
    def _repr_pretty_(self: object, p: Any, cycle: bool) -> None:
        p.text("..." if cycle else show(self))

    return _repr_pretty_


def _attach(classes: tuple[type, ...], methods: dict[str, Callable[..., Any]]) -> None:
    for cls in classes:
        for name, method in methods.items():
            setattr(cls, name, method)


_attach(
    (BoolT, NatT, Arrow, Opaque),
    {"__str__": show_type, "__repr__": _type_repr, "_repr_latex_": _type_latex,
     "_repr_html_": _type_html, "_repr_pretty_": _pretty(show_type)},  # type: ignore[arg-type]
)
_attach(
    (Var, BoolLit, Zero, Succ, Numeral, If, Lam, App, Iter, Let),
    {"__str__": _show_term, "__repr__": _term_repr, "_repr_latex_": _term_latex,
     "_repr_html_": _term_html, "_repr_pretty_": _pretty(_show_term)},  # type: ignore[arg-type]
)


# ---------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeDecl:
    """type NAME: an opaque base type."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class FreeDecl:
    """free NAME : TYPE: a free variable available to the open programs after it."""

    name: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Def:
    """def NAME [: TYPE] = TERM."""

    name: str
    type: Type | None
    body: Term
    span: Span = _span()
    name_span: Span = _span()


Decl = Union[TypeDecl, FreeDecl, Def]


@dataclass(frozen=True)
class Module:
    """The declarations of one source file, in order."""

    source: Source = field(compare=False, repr=False)
    decls: tuple[Decl, ...]


# ---------------------------------------------------------------------------
# Recursion headroom
# ---------------------------------------------------------------------------

MAX_NESTING = 10_000
"""Deepest nesting (parentheses or syntax-tree depth) the parser accepts.

Deeper input is refused with a clean error; everything below it is processed by
recursive functions that run under `deep_recursion()`.
"""


@contextmanager
def deep_recursion(limit: int = 12 * MAX_NESTING + 1_000) -> Iterator[None]:
    """Raise Python's recursion limit for a structural recursion over a term.

    On CPython 3.11+ Python-to-Python calls do not consume the C stack, so a high
    limit is safe for the pure-Python recursions of this package.
    """
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        if old < limit:
            sys.setrecursionlimit(old)
