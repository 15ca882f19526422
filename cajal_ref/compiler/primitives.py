"""The compiler's arithmetic primitives: each SPEC §5 operation as one small array function.

Every neuron of the exact evaluator and of the float backends is computed by these
functions, looked up as attributes of this module at call time (`primitives.mix(...)`),
so that a mutation-testing harness can replace any one of them with
`unittest.mock.patch.object(cajal_ref.compiler.primitives, NAME, ...)` and reach every
use. The array module is a parameter (`xp`): numpy here, jax.numpy in the JAX backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..spaces import basis_vector
from ..spaces import shift_matrix as shift_matrix  # a primitive: looked up here, so patchable here


def encode_bool(value: bool) -> npt.NDArray[np.int64]:
    """enc(true) = e_true = (1, 0), enc(false) = e_false = (0, 1)."""
    return basis_vector(2, 0 if value else 1)


def encode_nat(value: int, nat_bound: int) -> npt.NDArray[np.int64]:
    """The numeral n: e_n for n ≤ K, else the zero vector (Shⁿ·e_0 truncates to 0)."""
    if value > nat_bound:
        return np.zeros(nat_bound + 1, dtype=np.int64)
    return basis_vector(nat_bound + 1, value)


def mix(cond: Any, then: Any, else_: Any, xp: Any = np) -> Any:
    """The linear neuron of `if`: c_true·then + c_false·else.

    cond has shape (2, *Γ), the branches (dim A, *Δ); the result (dim A, *Δ, *Γ). Two
    broadcast products: no stacked copy of the branches, no contraction machinery.
    """
    extra = (1,) * (len(cond.shape) - 1)
    if extra:  # array methods, not xp.reshape: a tenth of the cost for the small arrays of `if`
        then = then.reshape((*then.shape, *extra))
        else_ = else_.reshape((*else_.shape, *extra))
    return then * cond[0] + else_ * cond[1]


def unflatten_function(array: Any, dom_dim: int) -> Any:
    """A function value (dim B · dim A, *rest) as its matrix (dim B, dim A, *rest) (row-major)."""
    return array.reshape(array.shape[0] // dom_dim, dom_dim, *array.shape[1:])


def flatten_function(matrix: Any) -> Any:
    """A matrix (dim B, dim A, *rest) as a function value (dim B · dim A, *rest), row-major:
    entry (b, a) at index b·dim A + a (SPEC §8)."""
    return matrix.reshape(matrix.shape[0] * matrix.shape[1], *matrix.shape[2:])


def apply_matrix(fn: Any, arg: Any, dom_dim: int, xp: Any = np) -> Any:
    """Application: the matrix of fn (dim B · dim A, *F) times arg (dim A, *X), giving (dim B, *F, *X).

    One matrix product (B·F, A) @ (A, X): what tensordot does, without its overhead."""
    matrix = unflatten_function(fn, dom_dim)
    rows, cols, f_shape, x_shape = matrix.shape[0], matrix.shape[1], matrix.shape[2:], arg.shape[1:]
    if f_shape:
        matrix = xp.moveaxis(matrix, 1, -1)
    product = xp.reshape(matrix, (-1, cols)) @ xp.reshape(arg, (cols, -1))
    return xp.reshape(product, (rows, *f_shape, *x_shape))


def abstract_axis(body: Any, axis: int, xp: Any = np) -> Any:
    """`fun x => t`: move x's axis of t's tensor next to the value axis, giving (dim B, dim A, *rest)."""
    order = [0, axis, *[i for i in range(1, len(body.shape)) if i != axis]]
    return body.transpose(order)


def stack_columns(columns: Sequence[Any], xp: Any = np) -> Any:
    """A matrix from its columns: column j (dim B, *rest) is the image of e_j.

    The result has shape (dim B, dim A, *rest)."""
    return xp.stack(list(columns), axis=1)


def unroll_states(step: Callable[[Any], Any], base: Any, nat_bound: int) -> list[Any]:
    """The states of the recurrent neuron: h₀ = base, hᵢ₊₁ = S·hᵢ, for i = 0 … K."""
    states = [base]
    for _ in range(nat_bound):
        states.append(step(states[-1]))
    return states


class Identity:
    """The coefficients of a count that is a variable (an axis): the identity, never built."""


def recurrent_sum(states: Sequence[Any], coefficients: Any, xp: Any = np) -> Any:
    """Σᵢ nᵢ·hᵢ: states (dim A, *Δ) each, coefficients (K+1, *Γ); result (dim A, *Δ, *Γ).

    One matrix product (A·Δ, n) @ (n, Γ) over the n states given. Identity coefficients
    (a count that is a variable n: coefficient (i, n) = δ(i, n)) give the states side by
    side, the result at n = i being state i: no product at all."""
    states = list(states)
    if isinstance(coefficients, Identity):
        return xp.stack(states, axis=-1)
    n = len(states)
    stacked = xp.reshape(xp.stack(states), (n, -1))
    product = xp.transpose(stacked) @ xp.reshape(coefficients, (n, -1))
    return xp.reshape(product, (*states[0].shape, *coefficients.shape[1:]))


def context_permutation(axes: Sequence[str], context: Sequence[str]) -> list[int]:
    """Where each context variable's axis is now: the transpose that puts axes in context order."""
    return [list(axes).index(name) for name in context]


PRIMITIVES = (
    "encode_bool",
    "encode_nat",
    "shift_matrix",
    "mix",
    "apply_matrix",
    "unflatten_function",
    "flatten_function",
    "abstract_axis",
    "stack_columns",
    "unroll_states",
    "recurrent_sum",
    "context_permutation",
)
"""Names a mutation harness may patch in this module (`mock.patch.object(primitives, name, ...)`)."""

__all__ = [*PRIMITIVES, "PRIMITIVES", "Identity", "basis_vector"]
