"""The vector spaces V(A) of SPEC §5 and the conventions of §8 that make them concrete.

V(Bool) = Q² with e_true = (1, 0); V(Nat) = Q^(K+1) with basis e_0 … e_K; an opaque
type has the dimension the caller declares; V(A -o B) holds (dim B × dim A) matrices
whose column j is the image of the j-th basis vector of V(A), and which, used as a
vector, are flattened row-major: entry (b, a) sits at index b·dim A + a.

Everything here is exact: basis vectors and the shift matrix are int64 arrays of
0/1 entries (exact, and small enough never to overflow), and dimensions are Python
ints, so a type whose dimension is astronomically large is still measured exactly
before anything is allocated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .diagnostics import CajalError, ErrorKind
from .syntax import Arrow, BoolT, NatT, Opaque, Type, show_type

IntArray = npt.NDArray[np.int64]
OpaqueDims = Mapping[str, int]

DEFAULT_NAT_BOUND = 9
"""K: Nat has K + 1 = 10 basis vectors by default, as in the paper's artifact."""

BOOL_LABELS = ("true", "false")
"""Index 0 of V(Bool) is true (SPEC §8)."""

_NO_OPAQUE: dict[str, int] = {}


def check_nat_bound(nat_bound: int) -> None:
    """K must be a non-negative int: V(Nat) needs at least e_0."""
    if isinstance(nat_bound, bool) or not isinstance(nat_bound, int) or nat_bound < 0:
        raise CajalError(ErrorKind.BAD_BINDING, f"the Nat bound K must be an integer ≥ 0, got {nat_bound!r}")


def dim(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> int:
    """dim V(A): 2 for Bool, K+1 for Nat, the declared size of an opaque type, dim A · dim B for A -o B."""
    match t:
        case BoolT():
            return 2
        case NatT():
            return nat_bound + 1
        case Opaque(name):
            dims = opaque_dims if opaque_dims is not None else _NO_OPAQUE
            if name not in dims:
                raise CajalError(
                    ErrorKind.UNKNOWN_TYPE,
                    f"the exact compiler needs the dimension of opaque type `{name}`: "
                    f"give it (opaque_dims={{'{name}': N}}, or --opaque-dim {name}=N on the command line)",
                    t.span if t.span.source.text else None,
                )
            size = dims[name]
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise CajalError(
                    ErrorKind.BAD_BINDING,
                    f"the dimension of opaque type `{name}` must be an integer ≥ 1, got {size!r}",
                )
            return size
        case Arrow(dom, cod):
            return dim(dom, nat_bound, opaque_dims) * dim(cod, nat_bound, opaque_dims)


def function_shape(t: Arrow, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> tuple[int, int]:
    """(dim B, dim A) for A -o B: the matrix shape, with dim B flattened if B is a function type."""
    return dim(t.cod, nat_bound, opaque_dims), dim(t.dom, nat_bound, opaque_dims)


def value_shape(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> tuple[int, ...]:
    """The printed shape of a value (SPEC §8): (dim A,) for a first-order type, (dim B, dim A) for A -o B."""
    if isinstance(t, Arrow):
        return function_shape(t, nat_bound, opaque_dims)
    return (dim(t, nat_bound, opaque_dims),)


def basis_labels(t: Type, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> list[str]:
    """Names of the basis vectors of V(A), in index order.

    `true`, `false` for Bool; `0` … `K` for Nat; `0` … `d-1` for an opaque type;
    for A -o B the flattened entries `(b,a)` (row b of the matrix, column a) in
    row-major order, so that label i names the entry at flat index i.
    """
    match t:
        case BoolT():
            return list(BOOL_LABELS)
        case NatT():
            return [str(i) for i in range(nat_bound + 1)]
        case Opaque():
            return [str(i) for i in range(dim(t, nat_bound, opaque_dims))]
        case Arrow(dom, cod):
            rows = basis_labels(cod, nat_bound, opaque_dims)
            cols = basis_labels(dom, nat_bound, opaque_dims)
            return [f"({b},{a})" for b in rows for a in cols]


def flat_index(row: int, col: int, dom_dim: int) -> int:
    """Index of matrix entry (row, col) in the row-major flattening (SPEC §8)."""
    return row * dom_dim + col


def to_matrix(vector: Any, t: Arrow, nat_bound: int, opaque_dims: OpaqueDims | None = None) -> Any:
    """A flattened function value (length dim B · dim A) as its (dim B, dim A) matrix."""
    rows, cols = function_shape(t, nat_bound, opaque_dims)
    return np.asarray(vector).reshape(rows, cols)


def to_vector(matrix: Any) -> Any:
    """A matrix as the vector it is when passed to a higher-order function (row-major)."""
    return np.asarray(matrix).reshape(-1)


def basis_vector(size: int, index: int) -> IntArray:
    """e_index in Q^size (int64)."""
    vector = np.zeros(size, dtype=np.int64)
    vector[index] = 1
    return vector


def enc(value: bool | int, t: Type, nat_bound: int) -> IntArray | None:
    """enc of a first-order value (SPEC §5): e_true / e_false, or e_n for n ≤ K.

    Returns None for a natural n > K: it has no basis vector at this bound (the
    compiled program then computes the zero vector, by truncation). Raises
    ValueError for a value that is not of type t (a caller's mistake, not a user's).
    """
    if isinstance(t, BoolT):
        if not isinstance(value, bool):
            raise ValueError(f"enc: {value!r} is not a Bool")
        return basis_vector(2, 0 if value else 1)
    if isinstance(t, NatT):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"enc: {value!r} is not a natural number")
        if value > nat_bound:
            return None
        return basis_vector(nat_bound + 1, value)
    raise ValueError(f"enc: only Bool and Nat values have an encoding, not {show_type(t)}")


def decode(vector: Any, t: Type) -> bool | int | None:
    """The Bool/Nat value whose encoding is `vector`, or None if it is not a basis vector."""
    entries = list(np.asarray(vector, dtype=object).reshape(-1))
    ones = [i for i, x in enumerate(entries) if x == 1]
    if len(ones) != 1 or any(x != 0 for i, x in enumerate(entries) if i != ones[0]):
        return None
    if isinstance(t, BoolT) and len(entries) == 2:
        return ones[0] == 0
    if isinstance(t, NatT):
        return ones[0]
    return None


def shift_matrix(nat_bound: int) -> IntArray:
    """Sh, the matrix of `succ`: Sh e_i = e_(i+1) for i < K, and Sh e_K = 0 (truncation)."""
    size = nat_bound + 1
    matrix = np.zeros((size, size), dtype=np.int64)
    for i in range(nat_bound):
        matrix[i + 1, i] = 1
    return matrix


def tensor_shape(
    t: Type, context: tuple[tuple[str, Type], ...], nat_bound: int, opaque_dims: OpaqueDims | None = None
) -> tuple[int, ...]:
    """Shape of an open term's tensor (SPEC §5): (dim A, dim A₁, …, dim Aₙ), value axis flattened."""
    return (dim(t, nat_bound, opaque_dims), *(dim(a, nat_bound, opaque_dims) for _, a in context))


def printed_shape(
    t: Type, context: tuple[tuple[str, Type], ...], nat_bound: int, opaque_dims: OpaqueDims | None = None
) -> tuple[int, ...]:
    """Shape as printed (SPEC §8): the value's shape (a matrix for A -o B), then one axis per variable."""
    return (*value_shape(t, nat_bound, opaque_dims), *(dim(a, nat_bound, opaque_dims) for _, a in context))
