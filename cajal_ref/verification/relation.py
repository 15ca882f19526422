"""The logical relation R_A ⊆ V(A) × D(A) of SPEC §6, and the helpers to check it.

R_G(v, a) iff v = enc(a) for a ground or opaque type G, and R_{A -o B}(M, f) iff
R_B(M·v, f(a)) for every related argument pair R_A(v, a). Each use is checked only
on arguments whose evaluation keeps the peak ≤ K (truncation is the only
approximation, T2). Related pairs are `RelatedValue`s; at first-order types the
whole basis is available (`basis`), at higher types callers pass sampled pairs:
closed value terms (evaluated and compiled) or tables (`tabulate`).

Vectors are flat 1-D numpy arrays of exact Python numbers (int / Fraction);
a value of A -o B is its (dim B × dim A) matrix flattened row-major (SPEC §5, §8).
An opaque type's values are `OpaqueValue(name, j)`, related to the basis vector e_j
of its declared dimension: an opaque type behaves like an enumeration the program
cannot inspect, which by multilinearity (T3) is no loss of generality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt

from ..diagnostics import CajalError, ErrorKind
from ..syntax import (
    App,
    Arrow,
    BoolLit,
    BoolT,
    If,
    Iter,
    Lam,
    Let,
    NatT,
    Numeral,
    Opaque,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    deep_recursion,
    free_vars,
    show_type,
)

Vector = npt.NDArray[np.object_]
"""A flat vector of exact numbers (Python int / Fraction), dtype object."""

OpaqueDims = Mapping[str, int]


@dataclass(frozen=True)
class OpaqueValue:
    """The j-th basis value of an opaque type: what the interpreter passes around."""

    type_name: str
    index: int

    def __repr__(self) -> str:
        return f"<{self.type_name} #{self.index}>"


# ---------------------------------------------------------------------------
# Dimensions, encodings, exact vectors
# ---------------------------------------------------------------------------


def dim(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> int:
    """dim V(A): 2 for Bool, K+1 for Nat, the declared dimension of an opaque type."""
    match t:
        case BoolT():
            return 2
        case NatT():
            return nat_bound + 1
        case Opaque(name):
            if opaque_dims is None or name not in opaque_dims:
                raise KeyError(f"no dimension given for opaque type {name}")
            return opaque_dims[name]
        case Arrow(dom, cod):
            return dim(dom, nat_bound, opaque_dims) * dim(cod, nat_bound, opaque_dims)


def exact(entries: Any) -> Vector:
    """A flat object array of exact numbers from ints, Fractions, sympy Rationals or arrays.

    Refuses floats: a compiled tensor is never allowed to hold one (SPEC §5).
    """
    array = np.asarray(entries, dtype=object).reshape(-1)
    out = np.empty(array.shape, dtype=object)
    for i, x in enumerate(array):
        out[i] = _exact_number(x)
    return out


def _exact_number(x: Any) -> int | Fraction:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else x
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        raise TypeError(f"a float ({x!r}) where an exact number was expected")
    # sympy numbers: Integer / Rational expose p and q
    p, q = getattr(x, "p", None), getattr(x, "q", None)
    if isinstance(p, int) and isinstance(q, int):
        return p if q == 1 else Fraction(p, q)
    raise TypeError(f"not an exact number: {x!r} ({type(x).__name__})")


def basis_vector(size: int, index: int) -> Vector:
    v = np.zeros(size, dtype=object)
    v[:] = 0
    if 0 <= index < size:
        v[index] = 1
    return v


def enc(value: Any, t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> Vector:
    """enc of a first-order value: e_true / e_false, e_n (n ≤ K), e_j for an opaque value.

    A natural above K has no encoding (ValueError): T2 only compares when the peak is ≤ K.
    """
    size = dim(t, nat_bound, opaque_dims)
    match t:
        case BoolT():
            return basis_vector(size, 0 if value else 1)
        case NatT():
            if not 0 <= int(value) <= nat_bound:
                raise ValueError(f"enc: {value} has no basis vector at K = {nat_bound}")
            return basis_vector(size, int(value))
        case Opaque():
            return basis_vector(size, value.index)
    raise TypeError(f"enc is defined on first-order values, not on {show_type(t)}")


def decode(vector: Vector, t: Type) -> Any | None:
    """The first-order value a basis vector encodes, or None if it is no basis vector."""
    nonzero = [i for i, x in enumerate(vector) if x != 0]
    if len(nonzero) != 1 or vector[nonzero[0]] != 1:
        return None
    i = nonzero[0]
    match t:
        case BoolT():
            return i == 0
        case NatT():
            return i
        case Opaque(name):
            return OpaqueValue(name, i)
    return None


def apply_matrix(matrix: Vector, argument: Vector) -> Vector:
    """M·v for M flattened row-major with len(M) = dim B · dim A and len(v) = dim A."""
    cols = len(argument)
    rows = len(matrix) // cols
    return exact(matrix.reshape(rows, cols).dot(argument))


def link(tensor: Any, arguments: Sequence[Vector]) -> Vector:
    """Contract an open term's tensor (shape (dim A, d1, ..., dn)) with its context vectors.

    The axes after the first are the context variables in order; each is contracted
    with the corresponding (flattened) argument, last axis first.
    """
    array = np.asarray(tensor, dtype=object)
    if array.ndim != 1 + len(arguments):
        raise ValueError(f"tensor of rank {array.ndim} linked with {len(arguments)} arguments")
    for arg in reversed(arguments):
        array = array.dot(arg)
    return exact(array)


def show_vector(vector: Vector, t: Type | None = None) -> str:
    """A readable vector: the value it encodes if it is a basis vector, then its entries."""
    entries = "(" + ", ".join(str(x) for x in vector) + ")"
    if t is not None and not isinstance(t, Arrow):
        value = decode(vector, t)
        if value is not None:
            return f"enc({show_value(value)}) = {entries}"
    return entries


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, OpaqueValue)):
        return repr(value) if isinstance(value, OpaqueValue) else str(value)
    if callable(value):
        return "<fun>"
    return repr(value)


# ---------------------------------------------------------------------------
# Peaks across several evaluations
# ---------------------------------------------------------------------------


@dataclass
class PeakLedger:
    """The peaks of every evaluation involved in one check (program and argument values).

    A function value evaluated separately (an argument) records its own peak when the
    program applies it, so the check must consult all of them.
    """

    readers: list[Callable[[], int]] = field(default_factory=list)

    def add(self, reader: Callable[[], int]) -> None:
        self.readers.append(reader)

    def add_fixed(self, peak: int) -> None:
        self.readers.append(lambda: peak)

    def peak(self) -> int:
        return max((read() for read in self.readers), default=0)


# ---------------------------------------------------------------------------
# Related pairs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedValue:
    """A pair (vector, value) assumed in R_type, with a readable label.

    `term` is a closed term denoting the value when there is one (numerals, booleans,
    closed `fun`s): substituting it is the second view of T2. `peak` reads the largest
    natural the value's own evaluation has built so far (0 for basis values and tables).
    """

    type: Type
    vector: Vector = field(compare=False)
    value: Any = field(compare=False)
    label: str
    term: Term | None = None
    peak: Callable[[], int] = field(default=lambda: 0, compare=False, repr=False)
    fresh: Callable[[], tuple[Any, Callable[[], int]]] | None = field(default=None, compare=False, repr=False)
    """A fresh evaluation of the value and its peak reader (for values with an evaluator).

    A function value counts the peak of all its applications so far; checking each
    argument path on a fresh instance keeps one path's peak from hiding another's.
    """

    def instance(self) -> tuple[Any, Callable[[], int]]:
        if self.fresh is not None:
            return self.fresh()
        return self.value, self.peak


def value_term(value: Any, t: Type) -> Term | None:
    """The closed term of a first-order value (None for opaque values)."""
    if isinstance(t, BoolT):
        return BoolLit(bool(value))
    if isinstance(t, NatT):
        return Numeral(int(value))
    return None


def basis(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> list[RelatedValue]:
    """Every related pair at a first-order type: e_true/e_false, e_0..e_K, e_0..e_(d-1)."""
    match t:
        case BoolT():
            values: list[Any] = [True, False]
        case NatT():
            values = list(range(nat_bound + 1))
        case Opaque(name):
            values = [OpaqueValue(name, j) for j in range(dim(t, nat_bound, opaque_dims))]
        case _:
            raise TypeError(f"basis is defined at first-order types, not at {show_type(t)}")
    return [
        RelatedValue(t, enc(v, t, nat_bound, opaque_dims), v, show_value(v), value_term(v, t)) for v in values
    ]


def _index(value: Any, t: Type, nat_bound: int) -> int:
    match t:
        case BoolT():
            return 0 if value else 1
        case NatT():
            return min(int(value), nat_bound)
        case Opaque():
            return int(value.index)
    raise TypeError(show_type(t))


def tabulate(t: Arrow, outputs: Sequence[RelatedValue], nat_bound: int) -> RelatedValue:
    """The function of a first-order domain given by its images of the basis values.

    Column j of the matrix is the vector of outputs[j]; the Python function returns
    outputs[j].value on the j-th basis value. (A Nat argument above K only arises when
    the program built it, so the peak already exceeds K and the result is not checked.)
    """
    if isinstance(t.dom, Arrow):
        raise TypeError("tabulate needs a first-order domain")
    columns = np.stack([o.vector for o in outputs], axis=1)  # (dim B, dim A)
    table = [o.value for o in outputs]

    def apply(arg: Any) -> Any:
        return table[_index(arg, t.dom, nat_bound)]

    label = "{" + ", ".join(o.label for o in outputs) + "}"
    readers = [o.peak for o in outputs]
    return RelatedValue(
        t,
        exact(columns.reshape(-1)),
        apply,
        f"table{label}",
        None,
        lambda: max((r() for r in readers), default=0),
    )


def tabulatable(t: Type) -> bool:
    """Whether every arrow in t has a first-order domain (so `tabulate` builds its values)."""
    if isinstance(t, Arrow):
        return not isinstance(t.dom, Arrow) and tabulatable(t.cod)
    return True


def all_tables(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> Iterator[RelatedValue]:
    """Every related value of a tabulatable type (beware: there are dim(cod)^dim(dom) of them)."""
    if not isinstance(t, Arrow):
        yield from basis(t, nat_bound, opaque_dims)
        return
    n = dim(t.dom, nat_bound, opaque_dims)
    codomain = list(all_tables(t.cod, nat_bound, opaque_dims))
    for outs in product(codomain, repeat=n):
        yield tabulate(t, outs, nat_bound)


# ---------------------------------------------------------------------------
# Checking the relation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """Where R fails: the arguments applied so far, the value expected, the vector found."""

    arguments: tuple[str, ...]
    expected: str
    found: str

    def describe(self) -> str:
        applied = " ".join(f"({a})" for a in self.arguments)
        where = f"applied to {applied}: " if applied else ""
        return f"{where}the interpreter gives {self.expected}, the compiled map gives {self.found}"


@dataclass
class RelationCheck:
    """Counts of the comparisons one relation check made (checked, skipped over the bound)."""

    checked: int = 0
    skipped: int = 0
    disagreement: Disagreement | None = None


ArgumentSource = Callable[[Type], Sequence[RelatedValue]]

Instance = Callable[[], tuple[Any, PeakLedger]]
"""Makes a fresh evaluation of the value under test, with the ledger of its peaks."""


def constant(value: Any, ledger: PeakLedger | None = None) -> Instance:
    """An Instance for a value that needs no fresh evaluation (first-order, or a table)."""
    return lambda: (value, ledger if ledger is not None else PeakLedger())


def check_related(
    vector: Vector,
    make: Instance,
    t: Type,
    nat_bound: int,
    *,
    opaque_dims: OpaqueDims | None = None,
    arguments: ArgumentSource | None = None,
    stop_at_first: bool = True,
) -> RelationCheck:
    """Check R_t(vector, value) with value = make()[0], on arguments keeping the peak ≤ K.

    At function types, `arguments(A)` gives the related pairs to apply both sides to
    (default: the basis at first-order A). Every argument path is evaluated on a fresh
    instance (`make()`), so the peak of one path does not count against another.
    Returns the number of ground comparisons made, the number skipped because the
    peak exceeded the bound (or the evaluation ran out of fuel), and the first
    disagreement.
    """
    source = arguments if arguments is not None else (lambda a: basis(a, nat_bound, opaque_dims))
    result = RelationCheck()
    _check(vector, make, t, nat_bound, opaque_dims, source, (), result, stop_at_first)
    return result


def _applied(make: Instance, arg: RelatedValue) -> Instance:
    def instance() -> tuple[Any, PeakLedger]:
        fn, ledger = make()
        value, peak = arg.instance()
        with deep_recursion():
            out = fn(value)
        return out, PeakLedger([*ledger.readers, peak])

    return instance


def _check(
    vector: Vector,
    make: Instance,
    t: Type,
    nat_bound: int,
    opaque_dims: OpaqueDims | None,
    source: ArgumentSource,
    path: tuple[str, ...],
    result: RelationCheck,
    stop_at_first: bool,
) -> None:
    if not isinstance(t, Arrow):
        try:
            value, ledger = make()
        except CajalError as err:
            if err.kind is not ErrorKind.FUEL:
                raise
            result.skipped += 1  # out of fuel: its peak is far beyond any bound we compile at
            return
        if ledger.peak() > nat_bound:
            result.skipped += 1
            return
        result.checked += 1
        expected = enc(value, t, nat_bound, opaque_dims)
        differs = len(vector) != len(expected) or any(a != b for a, b in zip(vector, expected, strict=True))
        if differs and result.disagreement is None:
            result.disagreement = Disagreement(path, show_value(value), show_vector(vector, t))
        return
    for arg in source(t.dom):
        if stop_at_first and result.disagreement is not None:
            return
        _check(
            apply_matrix(vector, arg.vector),
            _applied(make, arg),
            t.cod,
            nat_bound,
            opaque_dims,
            source,
            (*path, arg.label),
            result,
            stop_at_first,
        )


# ---------------------------------------------------------------------------
# Capture-avoiding substitution
# ---------------------------------------------------------------------------


def substitute(term: Term, mapping: Mapping[str, Term]) -> Term:
    """term[x := mapping[x]] for every x, renaming binders that would capture.

    Generated values are closed, so capture cannot happen with them; the renaming
    makes this correct for open replacement terms too.
    """
    if not mapping:
        return term
    with deep_recursion():
        return _subst(term, dict(mapping))


def _fresh(name: str, avoid: set[str]) -> str:
    i = 1
    while f"{name}_{i}" in avoid:
        i += 1
    return f"{name}_{i}"


def _binder(name: str, body_fv: frozenset[str], mapping: dict[str, Term]) -> tuple[str, dict[str, Term]]:
    """Drop a shadowed variable from the mapping; rename the binder if it would capture."""
    inner = {k: v for k, v in mapping.items() if k != name and k in body_fv}
    captured = any(name in free_vars(v) for v in inner.values())
    if not captured:
        return name, inner
    avoid = set(body_fv) | {n for v in inner.values() for n in free_vars(v)} | set(inner)
    new = _fresh(name, avoid)
    inner[name] = Var(new)
    return new, inner


def _subst(t: Term, mapping: dict[str, Term]) -> Term:
    match t:
        case Var(name):
            return mapping.get(name, t)
        case BoolLit() | Zero() | Numeral():
            return t
        case Succ(arg):
            return Succ(_subst(arg, mapping), t.span)
        case If(c, a, b):
            return If(_subst(c, mapping), _subst(a, mapping), _subst(b, mapping), t.span)
        case Lam(x, ty, body):
            x2, inner = _binder(x, free_vars(body), mapping)
            return Lam(x2, ty, _subst(body, inner), t.span, t.param_span)
        case App(f, a):
            return App(_subst(f, mapping), _subst(a, mapping), t.span)
        case Iter(n, b, y, s):
            y2, inner = _binder(y, free_vars(s), mapping)
            return Iter(_subst(n, mapping), _subst(b, mapping), y2, _subst(s, inner), t.span, t.step_var_span)
        case Let(x, bound, body):
            x2, inner = _binder(x, free_vars(body), mapping)
            return Let(x2, _subst(bound, mapping), _subst(body, inner), t.span, t.name_span)
