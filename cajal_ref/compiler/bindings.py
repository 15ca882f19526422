"""Bindings: a user's exact value for a context variable, sympy symbols for one, and the
evaluator's environment entries (a variable as an axis, or bound to a value)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..diagnostics import CajalError, ErrorKind
from ..spaces import DEFAULT_NAT_BOUND, OpaqueDims, basis_labels, value_shape
from ..syntax import Arrow, Type, show_type
from .tensors import _INT64_SAFE, ObjArray, Tensor, _exact_entry


def _binding_array(name: str, t: Type, value: Any, nat_bound: int, opaque_dims: OpaqueDims) -> Tensor:
    """A user's binding as an exact Tensor without axes (value axis flattened), or BAD_BINDING."""
    if callable(value) and not isinstance(value, np.ndarray):
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"`{name}` is bound to a callable: the exact compiler needs its matrix "
            "(callables are for the float backend, backends.numpy_float.evaluate_float)",
        )
    expected = value_shape(t, nat_bound, opaque_dims)
    size = math.prod(expected)
    try:
        array = np.asarray(value, dtype=object)
    except (ValueError, TypeError) as exc:
        raise CajalError(
            ErrorKind.BAD_BINDING, f"`{name}`: cannot read the binding as an array ({exc})"
        ) from None
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"`{name}` is bound to a float array; the exact compiler takes ints, Fractions or sympy values",
        )
    if array.shape not in (expected, (size,)):
        want = " × ".join(map(str, expected))
        kind = "a matrix" if isinstance(t, Arrow) else "a vector"
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"`{name} : {show_type(t)}` must be bound to {kind} of shape {want} at K = {nat_bound}, "
            f"got shape {' × '.join(map(str, array.shape)) or 'scalar'}",
        )
    flat = array.reshape(-1)
    out = np.empty(size, dtype=object)
    for i in range(size):
        try:
            out[i] = _exact_entry(flat[i])
        except TypeError as exc:
            raise CajalError(
                ErrorKind.BAD_BINDING,
                f"`{name}`: entry {flat[i]!r} is not exact (use ints, fractions.Fraction or sympy; "
                f"floats are not allowed) [{exc}]",
            ) from None
    if all(isinstance(x, int) for x in out) and all(abs(x) < _INT64_SAFE for x in out):
        return Tensor(out.astype(np.int64))
    return Tensor(out)


DEFAULT_MAX_SYMBOLS = 100_000
"""Most sympy symbols one variable may be bound to (each costs about a kilobyte and microseconds)."""


def symbols_for(
    name: str,
    t: Type,
    nat_bound: int = DEFAULT_NAT_BOUND,
    opaque_dims: OpaqueDims | None = None,
    max_symbols: int = DEFAULT_MAX_SYMBOLS,
) -> ObjArray:
    """Sympy symbols for a variable's value: x_true, x_false; n_0 … n_K; f_b_a for a matrix entry.

    A function type gives its (dim B, dim A) matrix: entry (b, a) is `f_<b>_<a>` with the
    basis labels of B and A (so `f_0_1` for f : Nat -o Nat is row 0, column 1). More than
    max_symbols symbols are refused (SIZE_LIMIT) before any is made.
    """
    count = math.prod(value_shape(t, nat_bound, opaque_dims))
    if count > max_symbols:
        raise CajalError(
            ErrorKind.SIZE_LIMIT,
            f"binding `{name} : {show_type(t)}` to symbols would need {count:,} sympy symbols at "
            f"K = {nat_bound}; the limit is {max_symbols:,} symbols: choose a smaller K (--nat-bound) "
            "or bind the variable to values (--bind)",
        )
    import sympy

    def clean(label: str) -> str:
        return label.replace("(", "").replace(")", "").replace(",", "_")

    if isinstance(t, Arrow):
        rows = basis_labels(t.cod, nat_bound, opaque_dims)
        cols = basis_labels(t.dom, nat_bound, opaque_dims)
        matrix = np.empty((len(rows), len(cols)), dtype=object)
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                matrix[i, j] = sympy.Symbol(f"{name}_{clean(r)}_{clean(c)}")
        return matrix
    labels = basis_labels(t, nat_bound, opaque_dims)
    vector = np.empty(len(labels), dtype=object)
    for i, label in enumerate(labels):
        vector[i] = sympy.Symbol(f"{name}_{clean(label)}")
    return vector


def symbolic_bindings(
    ctx: Sequence[tuple[str, Type]],
    names: Sequence[str] | None = None,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    opaque_dims: OpaqueDims | None = None,
    max_symbols: int = DEFAULT_MAX_SYMBOLS,
) -> dict[str, ObjArray]:
    """Bindings of sympy symbols (see `symbols_for`) for the named context variables (default: all)."""
    wanted = set(names) if names is not None else None
    return {
        n: symbols_for(n, t, nat_bound, opaque_dims, max_symbols)
        for n, t in ctx
        if wanted is None or n in wanted
    }


@dataclass(frozen=True, eq=False)
class _Axis:
    """A variable that is an axis of the tensor being built."""

    name: str
    type: Type
    index: ClassVar[None] = None
    transient: ClassVar[bool] = False


@dataclass(frozen=True, eq=False)
class _Bound:
    """A variable bound to a value: a user's binding, or the basis vector e_index of `type`
    (a recurrent binder compiled per basis vector)."""

    tensor: Tensor
    index: int | None = None
    type: Type | None = None
    transient: bool = False
    """A state of an `iter` fed to its step: nodes that depend on it are not memoised."""


_Binding = _Axis | _Bound


def _basis_index(binding: _Binding) -> int | None:
    return binding.index if isinstance(binding, _Bound) else None

