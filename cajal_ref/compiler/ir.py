"""The neuron program: the IR that lowering produces and every evaluator walks.

Nodes are constants, inputs, the shift of `succ`, the linear neuron of `if` (`Mix`),
abstractions, applications, and the recurrent neuron of `iter`. Each node records its
type, its source term, its free variables and which of them are recurrent weights
(used inside the step of some nested `iter`). The program is independent of K.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..syntax import (
    MAX_NESTING,
    App,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Span,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    subterms,
)

Context = tuple[tuple[str, Type], ...]


class DefLike(Protocol):
    """What the compiler needs of a def (checker.DefInfo has it): its closed body and type."""

    @property
    def body(self) -> Term: ...

    @property
    def type(self) -> Type: ...


Defs = Mapping[str, DefLike]



@dataclass(frozen=True, eq=False)
class Node:
    """A neuron-program node: its value's type, its source term, and what it depends on.

    `free`: the local or context variables free in it (sorted; defs excluded).
    `weights`: those of them used inside the step of some `iter` within it.
    """

    type: Type
    term: Term
    free: tuple[str, ...]
    weights: frozenset[str]

    @property
    def span(self) -> Span:
        return self.term.span


@dataclass(frozen=True, eq=False)
class Input(Node):
    """A variable: a context variable or one bound by an enclosing `fun`, `let` or step."""

    name: str


@dataclass(frozen=True, eq=False)
class Constant(Node):
    """`true`, `false`, `zero`, or a numeral: a basis vector (or 0 for a numeral > K)."""

    value: bool | int


@dataclass(frozen=True, eq=False)
class Shift(Node):
    """`succ t`: the shift matrix Sh applied to t."""

    arg: Node


@dataclass(frozen=True, eq=False)
class Mix(Node):
    """`if`: the linear neuron c_true·then + c_false·else."""

    cond: Node
    then: Node
    else_: Node


@dataclass(frozen=True, eq=False)
class Abstract(Node):
    """`fun param => body` (also a `let` body and an `iter` step): the matrix of basis images.

    per_basis: param is a recurrent weight of body (used in a nested step), so the
    body is compiled once per basis vector instead of with an axis for param.
    """

    param: str
    param_type: Type
    body: Node
    per_basis: bool


@dataclass(frozen=True, eq=False)
class Apply(Node):
    fn: Node
    arg: Node


@dataclass(frozen=True, eq=False)
class Recurrent(Node):
    """`iter count { zero => base | succ y => step }`: Σᵢ nᵢ·Sⁱ·base, S the step's matrix."""

    count: Node
    base: Node
    step: Abstract


@dataclass(frozen=True, eq=False)
class DefRef(Node):
    """A reference to a def: its closed body, lowered once and shared by every reference."""

    name: str
    body: Node


@dataclass(frozen=True, eq=False)
class NeuronProgram:
    """A lowered program: its root node over a context (SPEC §5's Γ, in order)."""

    root: Node
    context: Context
    recurrent_weights: tuple[str, ...]
    """Context variables used in some iteration step: they must be bound to values."""

    @property
    def type(self) -> Type:
        return self.root.type

    def weight_span(self, name: str) -> Span:
        """Where a recurrent weight is used inside a step (for error messages)."""
        for sub in subterms(self.root.term):
            if isinstance(sub, Iter):
                for inner in subterms(sub.step):
                    if isinstance(inner, Var) and inner.name == name:
                        return inner.span
        return self.root.term.span


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly below a node (a def reference's body excluded: it is shared)."""
    match node:
        case Shift(arg=arg):
            return (arg,)
        case Mix(cond=cond, then=then, else_=else_):
            return (cond, then, else_)
        case Abstract(body=body):
            return (body,)
        case Apply(fn=fn, arg=arg):
            return (fn, arg)
        case Recurrent(count=count, base=base, step=step):
            return (count, base, step)
    return ()


def _kind_name(term: Term) -> str:
    match term:
        case Var(name):
            return f"`{name}`"
        case BoolLit(value):
            return "`true`" if value else "`false`"
        case Zero() | Numeral():
            return "the numeral"
        case Succ():
            return "the `succ`"
        case If():
            return "the `if`"
        case Lam(param):
            return f"`fun {param}`"
        case App():
            return "the application"
        case Iter():
            return "the `iter`"
        case Let(name):
            return f"`let {name}`"


_RECURSION_LIMIT = 12 * MAX_NESTING + 1_000
"""syntax.deep_recursion's default limit."""


class raised_recursion_limit:
    """syntax.deep_recursion as a class: entered for a comparison, where the generator-based
    context manager costs several µs (twice a compilation, a tenth of compiling `true`)."""

    __slots__ = ("old",)

    def __enter__(self) -> None:
        self.old = sys.getrecursionlimit()
        if self.old < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)

    def __exit__(self, *exc: object) -> None:
        if self.old < _RECURSION_LIMIT:
            sys.setrecursionlimit(self.old)
