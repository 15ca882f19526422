"""Application spines contracted in the order of least work.

`h a₁ a₂ … aₙ` is evaluated left to right by default: h·a₁, then (h a₁)·a₂, …. When h's
tensor is large and a₁ carries axes of its own (free variables), every intermediate
keeps both, e.g. `compose (fun n => g p n) id 2` with g, p free builds a 4 × 10⁶-entry
intermediate for a 4,000-entry result. The spine is one multilinear contraction,
so its arguments may be contracted in any order; this module picks the cheapest
(every order of up to 6 arguments is costed, by the sizes of the intermediates) and
contracts with the `apply_matrix` primitive, each time after moving the argument's
domain axis of h's matrix next to its value axis. The partial applications of the
network (`h a₁`, …) then get their values only if asked (figures).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import permutations
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..syntax import Arrow
from . import primitives as P
from .bindings import _Binding
from .ir import Apply, Node
from .network import Application, NeuronNode
from .tensors import DeferredTensor, IdentityTensor, Tensor, exact_product

if TYPE_CHECKING:
    from .evaluation import _Compiler

MIN_SAVING = 4
"""Reorder only when left to right costs this many times the best order (and MIN_WORK)."""

MIN_WORK = 200_000
"""Below this many multiply-adds left to right is kept (its network is the plain one)."""

MAX_ARGS = 6
"""Spines with more arguments are applied left to right, never reordered (6! = 720 orders is the
most the search costs)."""


def spine(node: Apply) -> tuple[Node, list[Node]]:
    """`h a₁ … aₙ` as (h, [a₁, …, aₙ])."""
    args: list[Node] = []
    fn: Node = node
    while isinstance(fn, Apply):
        args.append(fn.arg)
        fn = fn.fn
    return fn, args[::-1]


def order_cost(
    value_dims: Sequence[int], head_rest: int, arg_rest: Sequence[int], order: Sequence[int]
) -> int:
    """Multiply-adds of contracting the arguments in `order` (value_dims: B, then A₁ … Aₙ)."""
    size = math.prod(value_dims) * head_rest
    cost = 0
    for i in order:
        cost += size * arg_rest[i]
        size = size // value_dims[1 + i] * arg_rest[i]
    return cost


def contract_spine(c: _Compiler, node: Apply, env: dict[str, _Binding]) -> NeuronNode | None:
    """The spine's network with its value contracted in the cheapest order, or None where
    left to right is about as cheap (the caller then applies one argument at a time)."""
    head_node, arg_nodes = spine(node)
    if len(arg_nodes) < 2 or len(arg_nodes) > MAX_ARGS:
        return None
    doms: list[int] = []
    t = head_node.type
    for _ in arg_nodes:
        assert isinstance(t, Arrow)
        doms.append(c.dim(t.dom))
        t = t.cod
    value_dims = [c.dim(t), *doms]
    head = c.run(head_node, env)
    if isinstance(head.value, IdentityTensor):
        return None  # each application is a copy (identity_apply): no order is cheaper
    args = [c.run(a, env) for a in arg_nodes]
    head_rest = math.prod(head.value.shape[1:])
    arg_rest = [math.prod(a.value.shape[1:]) for a in args]
    n = len(args)
    plain = order_cost(value_dims, head_rest, arg_rest, range(n))
    best = min(permutations(range(n)), key=lambda o: order_cost(value_dims, head_rest, arg_rest, o))
    if plain < MIN_WORK or plain < MIN_SAVING * order_cost(value_dims, head_rest, arg_rest, best):
        return None
    axes = head.value.axes
    for a in args:
        c.disjoint(node, axes, a.value.axes)
        axes = (*axes, *a.value.axes)
    c.guard((value_dims[0], *(s for x in (head, *args) for s in x.value.shape[1:])), node, axes)
    value = _contract(c, node, head, args, doms, value_dims[0], best)
    return _network(c, node, head, args, value)


def _contract(
    c: _Compiler, node: Apply, head: NeuronNode, args: Sequence[NeuronNode], doms: Sequence[int],
    cod: int, order: Sequence[int],
) -> Tensor:
    n = len(args)
    head_axes = head.value.shape[1:]
    # the head as (B, Aₙ, …, A₁, *H): applying a₁ contracts the last value axis first
    array = head.value.array.reshape(cod, *doms[::-1], *head_axes)
    value_axes = [n - 1 - i for i in range(n)]  # value axis j (after B) is argument n-1-j
    done: list[int] = []
    current = Tensor(array, (), head.value._maxabs)
    for i in order:
        position = 1 + value_axes.index(i)
        rest_values = [j for j in value_axes if j != i]
        moved = np.moveaxis(current.array, position, len(rest_values) + 1)
        rows = cod * math.prod(doms[j] for j in rest_values)
        flat = moved.reshape(rows * doms[i], *moved.shape[len(rest_values) + 2 :])
        arg = args[i].value
        axes = (*head.value.axes, *(a for j in (*done, i) for a in args[j].value.axes))
        applied = ", ".join(str(j + 1) for j in (*done, i))
        value = (
            f"its intermediate value, with argument{'s' if done else ''} {applied} of {n} applied "
            f"(the spine is applied in a cheaper order), has dim {rows:,}"
        )
        c.guard((rows, *flat.shape[1:], *arg.shape[1:]), node, axes, value=value)
        work = flat.size * math.prod(arg.shape[1:])
        dom = doms[i]

        def apply(f: npt.NDArray[Any], a: npt.NDArray[Any], dom: int = dom) -> npt.NDArray[Any]:
            return np.asarray(P.apply_matrix(f, a, dom))

        product = exact_product(apply, (flat, arg.array), dom, (current.maxabs(), arg.maxabs()), work)
        shaped = product.reshape(cod, *(doms[j] for j in rest_values), *product.shape[1:])
        current = Tensor(shaped)
        value_axes = rest_values
        done.append(i)
    # axes now: B, *H, then each argument's axes in contraction order; put them in spine order
    sizes = [len(head_axes)] + [len(args[i].value.shape) - 1 for i in done]
    groups: list[list[int]] = []
    start = 1
    for s in sizes:
        groups.append(list(range(start, start + s)))
        start += s
    by_arg = {i: groups[1 + k] for k, i in enumerate(done)}
    perm = [0, *groups[0], *(ax for i in range(n) for ax in by_arg[i])]
    result = np.ascontiguousarray(np.transpose(current.array, perm))
    axes = head.value.axes
    for a in args:
        axes = (*axes, *a.value.axes)
    return Tensor(result, axes)


def _network(
    c: _Compiler, node: Apply, head: NeuronNode, args: Sequence[NeuronNode], value: Tensor
) -> NeuronNode:
    """Application neurons for the spine; the partial applications' values are deferred."""
    fn: NeuronNode = head
    nodes: list[Apply] = []
    sub: Node = node
    while isinstance(sub, Apply):
        nodes.append(sub)
        sub = sub.fn
    nodes.reverse()
    for k, (apply_node, arg) in enumerate(zip(nodes, args, strict=True)):
        if k == len(nodes) - 1:
            return Application(apply_node, value, fn, arg)
        fn = Application(apply_node, DeferredTensor(_partial(c, fn, arg, apply_node)), fn, arg)
    raise AssertionError("a spine has at least two arguments")


def _partial(c: _Compiler, fn: NeuronNode, arg: NeuronNode, node: Apply) -> Any:
    def build() -> Tensor:
        assert isinstance(node.fn.type, Arrow)
        dom = c.dim(node.fn.type.dom)
        array = np.asarray(P.apply_matrix(fn.value.exact(), arg.value.exact(), dom))
        return Tensor(array, (*fn.value.axes, *arg.value.axes))

    return build
