"""Application by substitution: `(fun x => t) u` evaluated as t with x bound to u's value.

SPEC §5 defines ⟦t u⟧ as the matrix of `fun x => t` times u's vector, but only the value
is specified. Where t is linear in x (x is not a recurrent weight of t), ⟦t⟧ at x = u
is that product, so a spine `h a₁ … aₙ` whose head is a `fun` (or a def whose body is
one) is evaluated by binding each parameter to its argument's value and running the
body once: the head's matrix — for `compose` at K = 9 a 10⁶-entry tensor — is never
built, and the work follows the body's own operations on the arguments. A parameter
that is a recurrent weight (used in a nested step, so not linear) is bound only to an
argument that is a basis vector e_j, where the value is the body at e_j exactly;
otherwise the spine falls back to matrix products from that parameter on.

The argument's axes (its own free variables) are renamed while the body runs, so that
a binder inside the body with the name of one of them cannot meet it, and renamed
back after; a variable used twice (an unchecked term) then shows as a repeated axis
and is refused as USED_TWICE, as the matrix route refuses it. The values of the head
and of the partial applications are built only if asked (figures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..diagnostics import CajalError, ErrorKind
from ..syntax import Arrow
from . import primitives as P
from .bindings import _Binding, _Bound
from .contraction import spine
from .ir import Abstract, Apply, DefRef, Node
from .network import Abstraction, Application, DefNeuron, NeuronNode
from .tensors import DeferredTensor, Tensor, exact_product, identity_apply, rename_axes

if TYPE_CHECKING:
    from .evaluation import _Compiler


def substitute(c: _Compiler, node: Apply, env: dict[str, _Binding]) -> NeuronNode | None:
    """The spine's network with its value computed by substitution, or None where its head
    is not a `fun` (or a def of one) whose first parameter can take its argument."""
    head_node: Node = node.fn
    while isinstance(head_node, Apply):
        head_node = head_node.fn
    target = head_node.body if isinstance(head_node, DefRef) else head_node
    if not isinstance(target, Abstract):
        return None
    head_node, arg_nodes = spine(node)
    scope: dict[str, _Binding] = {} if isinstance(head_node, DefRef) else dict(env)
    args: list[NeuronNode] = []
    lambdas: list[Abstract] = []
    back: dict[str, str] = {}
    body: Node = target
    for arg_node in arg_nodes:
        if not isinstance(body, Abstract) or body.param not in body.body.free:
            break
        arg = c.run(arg_node, env)
        binding = _bind(c, body, arg.value, back)
        if binding is None:
            break
        scope[body.param] = binding
        args.append(arg)
        lambdas.append(body)
        body = body.body
    if not lambdas:
        return None
    try:
        inner = c.run(body, scope)
    except CajalError as err:
        if err.kind is ErrorKind.SIZE_LIMIT:
            return None  # the matrix route may allocate less
        raise
    value = inner.value
    partial_nodes = _applications(node)
    applied: list[NeuronNode] = []
    for i in range(len(args), len(arg_nodes)):  # parameters not bound: matrix products from here
        arg = c.run(arg_nodes[i], env)
        applied.append(arg)
        value = _apply(c, partial_nodes[i], value, arg.value)
    if back:
        value = rename_axes(value, back)
    names = value.names
    if len(set(names)) != len(names):
        name = next(n for i, n in enumerate(names) if n in names[:i])
        raise CajalError(
            ErrorKind.USED_TWICE,
            f"variable `{name}` is used twice (the compiler needs a linearly typed term)",
            node.span,
        )
    return _network(c, node, head_node, env, lambdas, inner, [*args, *applied], value)


def _applications(node: Apply) -> list[Apply]:
    """The spine's applications, innermost first: the i-th applies argument i (its value's
    type and its span are those of `h a₁ … aᵢ`)."""
    out: list[Apply] = []
    fn: Node = node
    while isinstance(fn, Apply):
        out.append(fn)
        fn = fn.fn
    return out[::-1]


def _bind(c: _Compiler, lam: Abstract, arg: Tensor, back: dict[str, str]) -> _Binding | None:
    """The binding of lam's parameter to arg's value, or None where it cannot be bound."""
    if lam.per_basis:
        j = _basis_index(arg)
        return None if j is None else c.basis_binding(lam.param_type, j)
    if not arg.axes:  # nothing to rename
        return _Bound(arg, None, lam.param_type, transient=True)
    c.serial += 1
    renames = {name: f"{name}′{c.serial}" for name in arg.names}
    back.update({new: old for old, new in renames.items()})
    return _Bound(rename_axes(arg, renames), None, lam.param_type, transient=True)


def _basis_index(arg: Tensor) -> int | None:
    """j where arg is exactly e_j with no axes (an int64 vector with one entry 1, the rest 0)."""
    a = arg.array
    if arg.axes or a.ndim != 1 or a.dtype != np.int64:
        return None
    nonzero = np.flatnonzero(a)
    if nonzero.size != 1 or a[nonzero[0]] != 1:
        return None
    return int(nonzero[0])


def _apply(c: _Compiler, node: Apply, fn: Tensor, arg: Tensor) -> Tensor:
    """fn's matrix applied to arg (the plain route of `apply`), for a parameter left unbound;
    `node` is the application whose value that is."""
    dom = arg.shape[0]
    rows = fn.shape[0] // dom
    c.guard((rows, *fn.shape[1:], *arg.shape[1:]), node, (*fn.axes, *arg.axes))
    copied = identity_apply(fn, arg, dom)
    if copied is not None:
        return copied
    work = fn.array.size * int(np.prod(arg.shape[1:], dtype=np.int64))

    def apply(f: npt.NDArray[Any], a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.asarray(P.apply_matrix(f, a, dom))

    array = exact_product(apply, (fn.array, arg.array), dom, (fn.maxabs(), arg.maxabs()), work)
    return Tensor(array, (*fn.axes, *arg.axes))


def _network(
    c: _Compiler, node: Apply, head_node: Node, env: dict[str, _Binding], lambdas: Sequence[Abstract],
    inner: NeuronNode, args: Sequence[NeuronNode], value: Tensor,
) -> NeuronNode:
    """Application neurons for the spine, the head's `fun`s with the body that ran inside them.

    Every value but the spine's own is deferred: the head's matrix (its plain compilation)
    and the partial applications (products of the head's matrix with the arguments).
    """
    snapshot = dict(env)
    scope = {} if isinstance(head_node, DefRef) else snapshot

    def head_value() -> Tensor:
        return c.run(head_node, dict(scope)).value

    apply_nodes: list[Apply] = []
    sub: Node = node
    while isinstance(sub, Apply):
        apply_nodes.append(sub)
        sub = sub.fn
    apply_nodes.reverse()
    values: list[Tensor] = [DeferredTensor(head_value)]
    for k, apply_node in enumerate(apply_nodes):
        if k == len(apply_nodes) - 1:
            values.append(value)
        else:
            values.append(DeferredTensor(_partial_value(c, values[k], args[k], apply_node)))
    # the head's `fun`s, innermost first: fun k's value is the head applied to k arguments
    body: NeuronNode = inner
    for k in range(len(lambdas) - 1, -1, -1):
        body = Abstraction(lambdas[k], values[k], lambdas[k].param, body)
    head: NeuronNode = body
    if isinstance(head_node, DefRef):
        head = DefNeuron(head_node, values[0], head_node.name, body)
    fn = head
    for k, (apply_node, arg) in enumerate(zip(apply_nodes, args, strict=True)):
        fn = Application(apply_node, values[k + 1], fn, arg)
    return fn


def _partial_value(c: _Compiler, fn: Tensor, arg: NeuronNode, node: Apply) -> Callable[[], Tensor]:
    """The value of a partial application, built on demand with exact entries."""

    def build() -> Tensor:
        assert isinstance(node.fn.type, Arrow)
        dom = c.dim(node.fn.type.dom)
        array = np.asarray(P.apply_matrix(fn.exact(), arg.value.exact(), dom))
        return Tensor(array, (*fn.axes, *arg.value.axes))

    return build
