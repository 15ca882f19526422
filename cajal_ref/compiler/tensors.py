"""Exact tensors: a value with one axis per free variable, and exact-entry normalisation.

An array is int64 while a bound proves its entries small, else an object array of
Python ints, Fractions or sympy expressions (arbitrary precision, never floats).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ..syntax import Type
from .ir import Context

ObjArray = npt.NDArray[np.object_]

DEFAULT_MAX_ENTRIES = 10**7
"""Largest tensor (final or intermediate) a compilation may allocate, in entries."""

_INT64_SAFE = 2**62
"""int64 arithmetic is used only while a bound proves every entry stays below this."""


@dataclass(eq=False)
class Tensor:
    """An exact value with axes: axis 0 is the (flattened) value, then one axis per free variable.

    `array` is int64 (small integers) or object (Python ints, Fractions, sympy).
    """

    array: npt.NDArray[Any]
    axes: Context = ()
    _maxabs: int | None = field(default=None, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple([name for name, _ in self.axes])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def maxabs(self) -> int | None:
        """Largest |entry| if the array is int64 (None for object arrays, which never overflow)."""
        if self.array.dtype != np.int64:
            return None
        if self._maxabs is None:
            self._maxabs = _maxabs(self.array)
        return self._maxabs

    def exact(self) -> ObjArray:
        """The entries as an object array of Python ints / Fractions / sympy expressions."""
        return _exact_array(self.array)

    def to_nested(self) -> Any:
        """Nested lists of exact entries."""
        return self.exact().tolist()


_SMALL = 32
"""Up to this many entries, Python's max over a list beats two numpy reductions (a few µs each)."""


def _maxabs(array: npt.NDArray[np.int64]) -> int:
    """Largest |entry| of an int64 array (0 if empty)."""
    if array.size <= _SMALL:
        return max(map(abs, array.ravel().tolist()), default=0)
    return int(np.abs(array).max())


def _is_sympy(x: object) -> bool:
    return type(x).__module__.startswith("sympy")


def _exact_entry(x: Any) -> Any:
    """An exact scalar in canonical form (int, Fraction, or a non-numeric sympy expression)."""
    if isinstance(x, bool | np.bool_):
        return int(x)
    if isinstance(x, int):
        return x
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else x
    if _is_sympy(x):
        import sympy

        value = sympy.expand(x)
        if value.is_Integer:
            return int(value)
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if value.is_Float or (value.is_number and value.atoms(sympy.Float)):
            raise TypeError("float")
        return value
    raise TypeError(type(x).__name__)


def _exact_array(array: npt.NDArray[Any]) -> ObjArray:
    if array.dtype == np.int64 or np.issubdtype(array.dtype, np.integer):
        return array.astype(object)
    out = np.empty(array.shape, dtype=object)
    flat_in = array.reshape(-1)
    flat_out = out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = _exact_entry(flat_in[i])
    return out


def _matmul_first(matrix: npt.NDArray[Any], array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """matrix (m, n) times array (n, *rest) along its first axis: (m, *rest)."""
    flat = array.reshape(array.shape[0], -1)
    product: npt.NDArray[Any] = matrix @ flat
    return product.reshape(matrix.shape[0], *array.shape[1:])


def _max_bound(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def _obj(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """An object array of Python ints (arbitrary precision) with the same entries."""
    return array if array.dtype == object else array.astype(object)


def _merge_axes(*groups: Context) -> Context:
    """The union of several axis lists, in order of first appearance."""
    seen: dict[str, Type] = {}
    for group in groups:
        for name, t in group:
            seen.setdefault(name, t)
    return tuple(seen.items())



_FLOAT_EXACT = 2**53
"""float64 holds every integer below this exactly: a BLAS product is exact while its bound is."""

_BLAS_MIN_WORK = 20_000
"""Below this many multiply-adds, converting to float64 and back costs more than it saves."""


def exact_product(
    fn: Callable[..., npt.NDArray[Any]], arrays: Sequence[npt.NDArray[Any]], terms: int,
    bounds: Sequence[int | None], work: int,
) -> npt.NDArray[Any]:
    """fn(*arrays) for a multilinear fn (sums of `terms` products of one entry of each array).

    The dtype is chosen from a bound proved before the product: float64 (through BLAS) when
    every partial sum is an integer below 2⁵³, int64 below 2⁶², object arrays of Python
    ints otherwise (or when an array already holds Fractions or sympy values).
    """
    total: int | None = terms
    for bound in bounds:
        total = None if total is None or bound is None else total * bound
    if total is not None and total < _FLOAT_EXACT and work >= _BLAS_MIN_WORK:
        out = fn(*(a.astype(np.float64) for a in arrays))
        return np.asarray(out).astype(np.int64)
    if total is not None and total < _INT64_SAFE:
        return fn(*arrays)
    return fn(*(_obj(a) for a in arrays))


def rename_axes(tensor: Tensor, names: Mapping[str, str]) -> Tensor:
    """The same array with some axes renamed (no data moves)."""
    axes = tuple((names.get(n, n), t) for n, t in tensor.axes)
    if isinstance(tensor, IdentityTensor):
        renamed = IdentityTensor(tensor.d, axes, tensor._allocate)
        renamed._array = tensor._array
        return renamed
    return Tensor(tensor.array, axes, tensor._maxabs)


@dataclass(frozen=True, eq=False)
class SparseMatrix:
    """A matrix kept as its nonzero entries, applied along an array's first axis.

    The shift matrix of `succ` has K nonzeros among (K+1)²: applied this way `succ` costs
    one copy of its argument, not a dense product. Built once per compilation.
    """

    dense: npt.NDArray[Any]
    rows: npt.NDArray[np.intp]
    cols: npt.NDArray[np.intp]
    values: npt.NDArray[Any]
    ones: bool
    unique_rows: bool
    terms: int
    """The most nonzeros in a row: the number of products summed into one entry."""
    bound: int | None
    """Largest |entry| (None for an object matrix)."""

    @classmethod
    def of(cls, matrix: npt.NDArray[Any]) -> SparseMatrix:
        rows, cols = np.nonzero(matrix)
        values = matrix[rows, cols]
        terms = int(np.count_nonzero(matrix, axis=1).max(initial=0))
        bound = int(np.abs(matrix).max(initial=0)) if matrix.dtype == np.int64 else None
        unique = len(np.unique(rows)) == len(rows)
        return cls(matrix, rows, cols, values, bool(np.all(values == 1)), unique, terms, bound)

    def apply_first(self, array: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """matrix (m, n) times array (n, *rest) along its first axis: (m, *rest)."""
        out = np.zeros((self.dense.shape[0], *array.shape[1:]), dtype=np.result_type(self.dense, array))
        picked = array[self.cols]
        if not self.ones:
            picked = picked * self.values.reshape(-1, *([1] * (array.ndim - 1)))
        if self.unique_rows:
            out[self.rows] = picked
        else:
            np.add.at(out, self.rows, picked)
        return out


class DeferredTensor(Tensor):
    """A Tensor whose array is built on first use: the value of a partial application that
    a cheaper contraction order skipped (asked for only by figures and inspection)."""

    def __init__(self, build: Callable[[], Tensor]) -> None:
        self._build = build
        self._built: Tensor | None = None
        self._maxabs = None

    def _value(self) -> Tensor:
        if self._built is None:
            self._built = self._build()
        return self._built

    @property
    def array(self) -> npt.NDArray[Any]:
        return self._value().array

    @array.setter
    def array(self, value: npt.NDArray[Any]) -> None:
        self._value().array = value

    @property
    def axes(self) -> Context:
        return self._value().axes

    @axes.setter
    def axes(self, value: Context) -> None:
        self._value().axes = value


_IDENTITIES: dict[int, npt.NDArray[np.int64]] = {}
"""Small identity matrices (read-only), kept across compilations."""


def _identity(d: int) -> npt.NDArray[np.int64]:
    if d > 256:
        return np.eye(d, dtype=np.int64)
    found = _IDENTITIES.get(d)
    if found is None:
        found = _IDENTITIES[d] = np.eye(d, dtype=np.int64)
        found.setflags(write=False)
    return found


class IdentityTensor(Tensor):
    """The value of a variable that is an axis: the identity (dim A × dim A), allocated on first
    read. Applying it, or applying a matrix to it, is a copy of the other operand
    (`identity_apply`), so a variable of a large type that is only applied never allocates it;
    `allocate` (the size guard) runs before the identity is built."""

    def __init__(self, d: int, axes: Context, allocate: Callable[[], None]) -> None:
        self.d = d
        self._axes = axes
        self._allocate = allocate
        self._array: npt.NDArray[Any] | None = None
        self._maxabs = 1

    @property
    def array(self) -> npt.NDArray[Any]:
        if self._array is None:
            self._allocate()
            self._array = _identity(self.d)
        return self._array

    @array.setter
    def array(self, value: npt.NDArray[Any]) -> None:
        self._array = value

    @property
    def axes(self) -> Context:
        return self._axes

    @axes.setter
    def axes(self, value: Context) -> None:
        self._axes = value

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.d, self.d)

    def maxabs(self) -> int | None:
        return 1


def identity_apply(fn: Tensor, arg: Tensor, dom: int, prefer: Sequence[str] = ()) -> Tensor | None:
    """fn's matrix applied to arg where either is an identity, as a copy (None otherwise).

    arg the identity of x : A: the result is fn's matrix (B, A, *F) with A moved last (x's axis).
    fn the identity of f : A -o B: entry (b, f = (b′, a), *X) is δ(b, b′)·arg[a, *X]. A large
    one is laid out in memory with its axes in the order `prefer` (the enclosing `fun`s,
    innermost first; the axes keep their logical order): abstracting them is then a view.
    """
    axes = (*fn.axes, *arg.axes)
    if isinstance(arg, IdentityTensor) and not isinstance(fn, IdentityTensor):
        matrix = fn.array.reshape(fn.shape[0] // dom, dom, *fn.shape[1:])
        return Tensor(np.ascontiguousarray(np.moveaxis(matrix, 1, -1)), axes, fn._maxabs)
    if isinstance(fn, IdentityTensor):
        a = arg.array
        rows = fn.d // dom
        rest = a.shape[1:]
        logical = (rows, rows, dom, *rest)  # b, then f's axis as (b′, a), then arg's axes
        perm = _preferred_layout([n for n, _ in axes], prefer) if a.size * rows >= _LAYOUT_MIN else None
        if perm is None:
            out = np.zeros(logical, dtype=a.dtype)
            out.reshape(rows * rows, dom, *rest)[:: rows + 1] = a  # the (b, b) blocks: a strided view
        else:
            out = np.zeros([logical[d] for d in perm], dtype=a.dtype).transpose(np.argsort(perm))
            index = np.arange(rows)
            out[index, index] = a
        return Tensor(out.reshape(rows, rows * dom, *rest), axes, arg._maxabs)
    return None


_LAYOUT_MIN = 1 << 12
"""Below this many entries a tensor is laid out in its logical order (the reordering is a
fixed cost of a few µs; a copy of a small tensor costs less)."""


def _preferred_layout(names: Sequence[str], prefer: Sequence[str]) -> list[int] | None:
    """The memory order of (b, b′, a, *X) that puts the axes (f's, then X's) in the order
    `prefer` (others after, as they are), or None where that is the logical order."""
    rank = {n: i for i, n in enumerate(prefer)}
    order = sorted(range(len(names)), key=lambda i: rank.get(names[i], len(prefer) + i))
    if order == sorted(order):
        return None
    groups = [[1, 2], *[[3 + j] for j in range(len(names) - 1)]]  # f's axis is (b′, a): kept adjacent
    return [0, *[d for i in order for d in groups[i]]]
