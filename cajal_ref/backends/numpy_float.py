"""The float backend: run the compiler's neuron program at a point, over float arrays.

This is not a second semantics of the source language: it walks the neuron program
that `compiler.lower` produced (the same `Mix`, `Recurrent`, `Abstract(per_basis)`
nodes the exact compiler evaluates) and calls the compiler's own primitives
(`mix`, `shift_matrix`, `apply_matrix`, `unroll_states`, `recurrent_sum`, …) on
float arrays instead of exact tensors. What differs is only what a value is:

- Bool / Nat: a 1-D float array (length 2 / K+1), any vector, not only basis vectors;
- an opaque type: an array of any shape (e.g. a 16×16 image);
- a function: a Python callable. A bound function variable may be a matrix
  (dim B × dim A, applied to the flattened argument) or any callable, e.g. a learned
  network, whose matrix is never materialised. A `fun` of the program evaluates to a
  closure; a `fun` whose parameter is a recurrent weight (`per_basis`) is, as in the
  exact compiler, the matrix of its images of basis vectors applied to the argument.

`iter` is the recurrent neuron: h₀ = base, hᵢ₊₁ = S(hᵢ), output Σᵢ nᵢ·hᵢ.

Every array operation goes through the array module `xp` (numpy by default), so a
JAX backend can run the same code with `xp=jax.numpy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compiler import (
    Abstract,
    Apply,
    Compiled,
    Constant,
    DefRef,
    Input,
    Mix,
    NeuronProgram,
    Node,
    Recurrent,
    Shift,
)
from ..compiler import primitives as neurons
from ..diagnostics import CajalError, ErrorKind
from ..spaces import DEFAULT_NAT_BOUND, OpaqueDims, check_nat_bound, dim
from ..syntax import Arrow, BoolT, NatT, Opaque, Type, deep_recursion, show_type

FloatValue = Any
"""An array (ground or opaque value) or a callable (function value)."""


def _is_function_value(value: Any) -> bool:
    return callable(value) and not hasattr(value, "shape")


@dataclass(frozen=True)
class MatrixFunction:
    """A function value given as its matrix (dim B, dim A): applied to the flattened argument.

    A result of function type is again a MatrixFunction (its flattened matrix reshaped,
    row-major); a result of opaque type takes the shape given for that type, if any.
    """

    matrix: Any
    type: Arrow
    nat_bound: int
    opaque_shapes: Mapping[str, tuple[int, ...]]
    xp: Any

    def __call__(self, arg: Any) -> Any:
        cols = self.matrix.shape[1]
        flat = self.matrix.reshape(-1)
        out = neurons.apply_matrix(flat, self.xp.reshape(arg, (-1,)), cols, xp=self.xp)
        return _shape_value(out, self.type.cod, self.nat_bound, self.opaque_shapes, self.xp)


def _shape_value(flat: Any, t: Type, nat_bound: int, shapes: Mapping[str, tuple[int, ...]], xp: Any) -> Any:
    """A flat result vector as a value of type t (a matrix function, an opaque array, a vector)."""
    if isinstance(t, Arrow):
        cols = dim(t.dom, nat_bound, _dims(shapes))
        return MatrixFunction(xp.reshape(flat, (-1, cols)), t, nat_bound, shapes, xp)
    if isinstance(t, Opaque) and t.name in shapes:
        return xp.reshape(flat, shapes[t.name])
    return flat


def _dims(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, int]:
    return {name: int(np.prod(shape)) for name, shape in shapes.items()}


def lincomb(coefficients: Any, values: Sequence[FloatValue], xp: Any = np) -> FloatValue:
    """Σⱼ cⱼ·valuesⱼ for arrays (via recurrent_sum's contraction) or, pointwise, for functions."""
    if values and _is_function_value(values[0]):
        return lambda arg: lincomb(coefficients, [f(arg) for f in values], xp)
    return neurons.recurrent_sum(values, coefficients, xp=xp)


class _FloatEvaluator:
    def __init__(
        self, nat_bound: int, xp: Any, dtype: Any, opaque_shapes: Mapping[str, tuple[int, ...]]
    ) -> None:
        self.k = nat_bound
        self.xp = xp
        self.dtype = dtype
        self.shapes = opaque_shapes
        self.defs: dict[int, FloatValue] = {}
        self._shift: Any = None

    def shift(self) -> Any:
        """The shift matrix of `succ` as floats (built on first use)."""
        if self._shift is None:
            self._shift = self.xp.asarray(neurons.shift_matrix(self.k), dtype=self.dtype)
        return self._shift

    def dim(self, t: Type) -> int:
        return dim(t, self.k, _dims(self.shapes))

    def basis(self, size: int, j: int) -> Any:
        return self.xp.asarray(neurons.basis_vector(size, j), dtype=self.dtype)

    def eval(self, node: Node, env: Mapping[str, FloatValue]) -> FloatValue:
        xp = self.xp
        match node:
            case Input(name=name):
                return env[name]
            case Constant(value=value):
                if isinstance(node.type, BoolT):
                    return xp.asarray(neurons.encode_bool(bool(value)), dtype=self.dtype)
                return xp.asarray(neurons.encode_nat(int(value), self.k), dtype=self.dtype)
            case Shift(arg=arg):
                return xp.tensordot(self.shift(), self.eval(arg, env), axes=([1], [0]))
            case Mix(cond=cond, then=then, else_=else_):
                c = self.eval(cond, env)
                return self.mix(c, self.eval(then, env), self.eval(else_, env))
            case Abstract():
                return self.abstract(node, env)
            case Apply(fn=fn, arg=arg):
                f = self.eval(fn, env)
                return f(self.eval(arg, env))
            case Recurrent(count=count, base=base, step=step):
                n = self.eval(count, env)
                h0 = self.eval(base, env)
                s = self.abstract(step, env)
                states = neurons.unroll_states(s, h0, self.k)
                return lincomb(n, states, xp)
            case DefRef(body=body):
                key = id(body)
                if key not in self.defs:
                    self.defs[key] = self.eval(body, {})
                return self.defs[key]
        raise AssertionError(f"unknown node {node!r}")

    def mix(self, cond: Any, then: FloatValue, else_: FloatValue) -> FloatValue:
        if _is_function_value(then):
            return lambda arg: self.mix(cond, then(arg), else_(arg))
        return neurons.mix(cond, then, else_, xp=self.xp)

    def as_value(self, arg: Any, t: Type) -> FloatValue:
        """A function-typed argument given as an array (a flattened matrix) becomes a MatrixFunction."""
        if isinstance(t, Arrow) and not _is_function_value(arg):
            return _shape_value(self.xp.reshape(arg, (-1,)), t, self.k, self.shapes, self.xp)
        return arg

    def abstract(self, node: Abstract, env: Mapping[str, FloatValue]) -> Callable[[Any], FloatValue]:
        if not node.per_basis:

            def closure(arg: Any) -> FloatValue:
                return self.eval(node.body, {**env, node.param: self.as_value(arg, node.param_type)})

            return closure
        size = self.dim(node.param_type)
        columns: list[FloatValue] = []

        def matrix_of_images(arg: Any) -> FloatValue:
            if not columns:
                columns.extend(
                    self.eval(node.body, {**env, node.param: self.basis(size, j)}) for j in range(size)
                )
            if _is_function_value(columns[0]):
                return lincomb(arg, columns, self.xp)
            matrix = neurons.flatten_function(neurons.stack_columns(columns, xp=self.xp))
            return neurons.apply_matrix(matrix, arg, size, xp=self.xp)

        return matrix_of_images


def _check_env(
    program: NeuronProgram,
    env: Mapping[str, Any],
    nat_bound: int,
    xp: Any,
    dtype: Any,
    shapes: Mapping[str, tuple[int, ...]],
) -> dict[str, FloatValue]:
    names = [n for n, _ in program.context]
    extra = [n for n in env if n not in names]
    if extra:
        raise CajalError(
            ErrorKind.BAD_BINDING, f"`{extra[0]}` is given a value but is not a context variable"
        )
    missing = [n for n in names if n not in env]
    if missing:
        raise CajalError(
            ErrorKind.BAD_BINDING,
            "the float backend evaluates at a point: give a value for "
            + ", ".join(f"`{n}`" for n in missing),
        )
    values: dict[str, FloatValue] = {}
    for name, t in program.context:
        value = env[name]
        if isinstance(t, Arrow):
            if _is_function_value(value):
                values[name] = value
                continue
            rows, cols = dim(t.cod, nat_bound, _dims(shapes)), dim(t.dom, nat_bound, _dims(shapes))
            matrix = xp.asarray(value, dtype=dtype)
            if tuple(matrix.shape) not in ((rows, cols), (rows * cols,)):
                raise CajalError(
                    ErrorKind.BAD_BINDING,
                    f"`{name} : {show_type(t)}` must be a callable or a {rows} × {cols} matrix, "
                    f"got shape {tuple(matrix.shape)}",
                )
            values[name] = MatrixFunction(xp.reshape(matrix, (rows, cols)), t, nat_bound, shapes, xp)
        elif isinstance(t, BoolT | NatT):
            vector = xp.asarray(value, dtype=dtype)
            size = dim(t, nat_bound)
            if tuple(vector.shape) != (size,):
                raise CajalError(
                    ErrorKind.BAD_BINDING,
                    f"`{name} : {show_type(t)}` must be a vector of length {size} at K = {nat_bound}, "
                    f"got shape {tuple(vector.shape)}",
                )
            values[name] = vector
        else:
            values[name] = xp.asarray(value, dtype=dtype)
    return values


def evaluate_float(
    program: NeuronProgram | Compiled,
    env: Mapping[str, Any] | None = None,
    *,
    nat_bound: int | None = None,
    xp: Any = np,
    dtype: Any = None,
    opaque_shapes: Mapping[str, tuple[int, ...]] | None = None,
) -> FloatValue:
    """Evaluate a lowered program (or a Compiled's program) at the point `env`, over floats.

    env binds every context variable: Bool/Nat to a float vector, an opaque type to an
    array of any shape, a function type to a matrix (dim B × dim A) or a callable.
    Returns an array, or a callable for a function type (see `materialize`).
    nat_bound defaults to the Compiled's K (else 9); dtype to float64 for numpy and to
    the array module's default float otherwise; opaque_shapes gives the shape of an
    opaque type's values where a matrix-bound function must produce one.
    """
    if isinstance(program, Compiled):
        k = program.nat_bound if nat_bound is None else nat_bound
        program = program.program
    else:
        k = DEFAULT_NAT_BOUND if nat_bound is None else nat_bound
    check_nat_bound(k)
    if dtype is None:
        dtype = np.float64 if xp is np else xp.asarray(0.0).dtype
    shapes = dict(opaque_shapes or {})
    values = _check_env(program, env or {}, k, xp, dtype, shapes)
    with deep_recursion():
        return _FloatEvaluator(k, xp, dtype, shapes).eval(program.root, values)


def materialize(
    value: FloatValue,
    t: Type,
    nat_bound: int = DEFAULT_NAT_BOUND,
    opaque_dims: OpaqueDims | None = None,
    xp: Any = np,
    dtype: Any = np.float64,
) -> Any:
    """A float value as the flat vector of V(A): a function by its images of basis vectors.

    Row-major like the exact compiler (entry (b, a) at b·dim A + a), so that
    `materialize(evaluate_float(p, env), A)` can be compared with a compiled tensor.
    """
    if not isinstance(t, Arrow):
        return xp.reshape(xp.asarray(value, dtype=dtype), (-1,))
    size = dim(t.dom, nat_bound, opaque_dims)
    columns = []
    for j in range(size):
        e_j = xp.asarray(neurons.basis_vector(size, j), dtype=dtype)
        columns.append(materialize(value(e_j), t.cod, nat_bound, opaque_dims, xp, dtype))
    return xp.reshape(xp.stack(columns, axis=1), (-1,))


__all__ = ["FloatValue", "MatrixFunction", "evaluate_float", "lincomb", "materialize"]
