"""The recurrent neuron of `iter`: states h₀ = base, hᵢ₊₁ = S·hᵢ, output Σᵢ nᵢ·hᵢ.

S (SPEC §5) defines a value; it is built only where it must be (SPEC §9):

- where the step is linear in its variable y (always when y is not Bool/Nat, and when a
  ground y is not a recurrent weight of a nested step), S·h is the step run with y
  bound to h: no dim A × dim A matrix, no identity for y, and work that follows the
  step's own operations on the state;
- where a ground y is used inside a nested step (the map is not linear in it), S is
  built from its ≤ K+1 columns, the step at y = e_j, and applied by products; so it is
  where the state is ground (S has at most (K+1)² entries) and the step itself
  iterates (one run of the step on the K+1 basis vectors at once instead of K runs that
  each repeat the inner loops), and where S is small (ground, or ≤ SMALL_MATRIX entries)
  and all K products with it are cheap (SMALL_PRODUCTS): a cost choice, not a semantic
  one; S of a large state (a function type of dim 10⁴) is never built.

Only the states the output needs are computed: those up to the last nonzero
coefficient of the count (an `iter 0 { … }` runs no step at all). The primitives
`unroll_states` and `recurrent_sum` are still the ones that unroll and sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..diagnostics import CajalError, ErrorKind
from . import primitives as P
from .bindings import _Axis, _Binding, _Bound
from .ir import Abstract, DefRef, Node, Recurrent, children
from .network import Abstraction, NeuronNode, RecurrentNeuron
from .tensors import IdentityTensor, Tensor, _matmul_first, exact_product, rename_axes

if TYPE_CHECKING:
    from .evaluation import _Compiler


def recurrent(c: _Compiler, node: Recurrent, env: dict[str, _Binding]) -> NeuronNode:
    """Evaluate `iter count { zero => base | succ y => step }` exactly."""
    count = c.run(node.count, env)
    base = c.run(node.base, env)
    unbound = [v for v in node.step.free if isinstance(env[v], _Axis)]
    if unbound:  # impossible for a checked term: every variable of a step is bound
        raise CajalError(
            ErrorKind.UNBOUND_WEIGHT,
            f"the step of this `iter` depends on {', '.join(unbound)}, which must be bound to values",
            node.span,
        )
    c.disjoint(node, base.value.axes, count.value.axes)
    identity = isinstance(count.value, IdentityTensor)
    last = count.value.shape[0] - 1 if identity else _last_nonzero(count.value.array)
    state_shape = base.value.shape
    c.guard((last + 1, *state_shape), node, base.value.axes, "the states of the `iter`")
    c.guard((*state_shape, *count.value.shape[1:]), node, (*base.value.axes, *count.value.axes))
    scope = dict(env)  # the step's bindings, kept for states and S asked for later (figures)

    step_network: NeuronNode | None = None
    next_state: Callable[[Tensor], Tensor]
    build_step: Callable[[], Abstraction]
    first: list[NeuronNode] = []
    if node.step.per_basis:
        next_state = _column_step(c, node, scope, first)

        def build_step() -> Abstraction:
            return c.abstract(node.step, dict(scope))

    elif (
        node.step.param not in node.step.body.free
        or _ground_and_iterating(c, node)
        or _small_ground_products(c, node, base.value, last)
    ):
        matrix: list[Abstraction] = []
        product: list[Callable[[Tensor], Tensor]] = []

        def build_step() -> Abstraction:
            if not matrix:  # S is built on the first state that needs it (none for `iter 0`)
                matrix.append(c.abstract(node.step, dict(scope)))
                first.append(matrix[0])
            return matrix[0]

        def next_state(h: Tensor) -> Tensor:
            if not product:
                product.append(_matrix_step(c, node, build_step()))
            return product[0](h)

    else:

        def next_state(h: Tensor) -> Tensor:
            network, value = run_step(c, node.step, scope, h)
            if not first:
                first.append(network)
            return value

        def build_step() -> Abstraction:
            return c.abstract(node.step, dict(scope))

    known: dict[int, Tensor] = {id(base.value.array): base.value}
    zero: list[npt.NDArray[Any]] = []

    def step_once(h: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if zero and h is zero[0]:
            return h  # the step is linear in its state: S·0 = 0, and every later state is 0 too
        state = known.get(id(h)) or Tensor(h, base.value.axes)
        if state.maxabs() == 0:
            zero.append(np.zeros_like(h))
            known[id(zero[0])] = Tensor(zero[0], state.axes, 0)
            return zero[0]
        out = next_state(state)
        known[id(out.array)] = out
        return out.array

    arrays = P.unroll_states(step_once, base.value.array, last)
    states = tuple(known.get(id(a)) or Tensor(a, base.value.axes) for a in arrays)
    if step_network is None and first:
        step_network = first[0]
    if identity:  # the count is a variable (an axis): the sum is the states side by side
        array = np.asarray(P.recurrent_sum([s.array for s in states], P.Identity()))
    else:
        coefficients = count.value.array[: last + 1]
        bounds = [s.maxabs() for s in states]
        state_bound = None if None in bounds else max(b or 0 for b in bounds)
        work = len(states) * states[0].array.size * math.prod(count.value.shape[1:])

        def total(coefficients: npt.NDArray[Any], *state_arrays: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.asarray(P.recurrent_sum(list(state_arrays), coefficients))

        arrays_in = (coefficients, *(s.array for s in states))
        array = exact_product(total, arrays_in, len(states), (count.value.maxabs(), state_bound), work)
    value = Tensor(array, (*base.value.axes, *count.value.axes))
    return RecurrentNeuron(
        node, value, count, base, step_network, states, count.value, next_state, build_step
    )


def run_step(c: _Compiler, step: Abstract, env: dict[str, _Binding], h: Tensor) -> tuple[NeuronNode, Tensor]:
    """S·h as the step run on h (the step is linear in its variable): its network and value.

    h's axes are renamed for the run, so that a binder inside the step with the name of
    one of them cannot meet it; the value comes back with h's axes, in h's order.
    """
    c.serial += 1
    renames = {name: f"{name}′{c.serial}" for name in h.names}
    state = rename_axes(h, renames)
    saved = env.get(step.param)
    env[step.param] = _Bound(state, None, step.param_type, transient=True)
    try:
        network = c.run(step.body, env)
    finally:
        if saved is None:
            env.pop(step.param, None)
        else:
            env[step.param] = saved
    array = c.align(network.value, state.axes)
    if array.base is not None and not array.flags.writeable:
        array = np.ascontiguousarray(array)  # a broadcast view (an unused state axis)
    back = {new: old for old, new in renames.items()}
    return network, rename_axes(Tensor(array, state.axes, network.value._maxabs), back)


def _matrix_step(c: _Compiler, node: Recurrent, step: Abstraction) -> Callable[[Tensor], Tensor]:
    """S·h by products with S's matrix (a ground step variable: at most K+1 columns)."""
    if step.value.axes:  # impossible for a checked term
        names = ", ".join(step.value.names)
        raise CajalError(
            ErrorKind.UNBOUND_WEIGHT,
            f"the step of this `iter` depends on {names}, which must be bound to values",
            node.span,
        )
    d = c.dim(node.type)
    matrix = Tensor(P.unflatten_function(step.value.array, d), (), step.value._maxabs)

    def next_state(h: Tensor) -> Tensor:
        work = matrix.array.size * math.prod(h.shape[1:])
        bounds = (matrix.maxabs(), h.maxabs())
        return Tensor(exact_product(_matmul_first, (matrix.array, h.array), d, bounds, work), h.axes)

    return next_state


def _column_step(
    c: _Compiler, node: Recurrent, scope: dict[str, _Binding], first: list[NeuronNode]
) -> Callable[[Tensor], Tensor]:
    """S·h from the columns S·e_j that h needs (y a recurrent weight of a nested step).

    Column j is the step run at y = e_j, built the first time a state has a nonzero
    coordinate j (and memoised with the other nodes at e_j): a state that visits few
    basis vectors, e.g. a numeral stepped by `succ`, builds few columns, not K+1.
    """
    d = c.dim(node.type)
    step = node.step
    columns: dict[int, Tensor] = {}

    def column(j: int) -> Tensor:
        found = columns.get(j)
        if found is None:
            env = dict(scope)
            env[step.param] = c.basis_binding(step.param_type, j)
            network = c.run(step.body, env)
            if network.value.axes:  # impossible for a checked term
                names = ", ".join(network.value.names)
                raise CajalError(
                    ErrorKind.UNBOUND_WEIGHT,
                    f"the step of this `iter` depends on {names}, which must be bound to values",
                    node.span,
                )
            if not first:
                first.append(network)
            found = columns[j] = network.value
        return found

    def next_state(h: Tensor) -> Tensor:
        rows = h.array.reshape(d, -1)
        used = [int(j) for j in np.flatnonzero(np.any(rows != 0, axis=1))]
        if not used:
            return Tensor(np.zeros_like(h.array), h.axes, 0)
        cols = [column(j) for j in used]
        arrays = [col.array for col in cols]
        if len({a.dtype for a in arrays}) > 1:
            arrays = [a.astype(object) for a in arrays]
        sub = Tensor(h.array[used], h.axes)  # the coordinates of h that meet a column
        bounds = [col.maxabs() for col in cols]
        bound = None if None in bounds else max(b or 0 for b in bounds)
        partial = Tensor(P.stack_columns(arrays), (), bound)
        work = partial.array.size * math.prod(h.shape[1:])
        arrays_in = (partial.array, sub.array)
        return Tensor(exact_product(_matmul_first, arrays_in, len(used), (bound, h.maxabs()), work), h.axes)

    return next_state


SMALL_PRODUCTS = 1_000_000
"""A small state (ground, or S of at most SMALL_MATRIX entries) whose K products with S
cost at most this many multiply-adds in all builds S (one run of the step) instead of
running the step K times: below this, a run's fixed cost in Python exceeds the
arithmetic it saves."""


SMALL_MATRIX = 10_000
"""The largest S (in entries) built for a state that is not ground (dim ≤ 100), and then
only when its products are cheap too: a function-typed state of dim 10⁴ never builds S."""


NODE_COST = 10_000
"""The fixed cost of evaluating one neuron in Python, in multiply-adds (about 10 µs of
numpy calls, at about 1 ns per multiply-add): what a run of the step costs beyond its
arithmetic."""


def _small_ground_products(c: _Compiler, node: Recurrent, base: Tensor, last: int) -> bool:
    """Whether S (one run of the step) and `last` products with it cost less than `last` runs
    of the step: a run costs NODE_COST per neuron plus the state's size (a `succ` step on a
    large state is a copy, cheaper than a dense product with S; `not` on a Bool is not)."""
    d = c.dim(node.type)
    small = d <= c.k + 1 or d * d <= SMALL_MATRIX
    size = math.prod(base.shape)
    if not small or last * d * size > SMALL_PRODUCTS:
        return False
    neurons = _neurons(node.step.body)
    matrix = last * (d * size + NODE_COST) + neurons * (NODE_COST + d * d)
    return matrix <= last * neurons * (NODE_COST + size)


@lru_cache(maxsize=4096)
def _neurons(node: Node) -> int:
    """The neurons one run of node evaluates (through the defs it applies, which run too)."""
    total = 0
    stack: list[Node] = [node]
    while stack:
        sub = stack.pop()
        total += 1
        stack.extend((sub.body,) if isinstance(sub, DefRef) else children(sub))
    return total


def _ground_and_iterating(c: _Compiler, node: Recurrent) -> bool:
    """A ground state (dim ≤ K+1) whose step itself iterates (also inside a def it applies,
    which runs on its arguments): S, from its ≤ K+1 columns, is one run of the step where
    running it on every state would repeat its inner loops."""
    return c.dim(node.type) <= c.k + 1 and _iterates(node.step.body)


@lru_cache(maxsize=4096)
def _iterates(node: Node) -> bool:
    """Whether an `iter` occurs in node (looking through def references); K-independent."""
    stack: list[Node] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, Recurrent):
            return True
        stack.extend((sub.body,) if isinstance(sub, DefRef) else children(sub))
    return False


def _last_nonzero(coefficients: npt.NDArray[Any]) -> int:
    """The last i with a nonzero coefficient nᵢ anywhere (0 if none): states past it are unused."""
    rows = coefficients.reshape(coefficients.shape[0], -1)
    nonzero = np.flatnonzero(np.any(rows != 0, axis=1))
    return int(nonzero[-1]) if nonzero.size else 0
