"""Exact evaluation of a neuron program: tensors built from the program's structure.

A value is an array whose axis 0 is the (flattened) value and whose other axes are
the free variables it still depends on. `fun` moves its variable's axis next to the
value axis and flattens the matrix row-major (SPEC §8); application contracts; `if`
mixes the branches by the condition's coordinates; `iter` unrolls the states and sums
them with the count's coefficients. A binder that is a recurrent weight (used inside
a nested step, like `m` in `mult`) cannot be an axis, because the step runs several
times: its abstraction is compiled once per basis vector e_j; only the subterms that
use it inside a step are built per e_j (the others are linear in it, T3, so they are
built once with an axis for it and sliced at j). Evaluation is memoised on the
bindings of each node's free variables. Every allocation is checked against
`max_entries` first. Primitives are called through the `primitives` module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..diagnostics import CajalError, ErrorKind
from ..spaces import OpaqueDims, basis_vector, dim
from ..syntax import Arrow, BoolT, Type, show_type
from . import primitives as P
from .bindings import _Axis, _basis_index, _Binding, _Bound
from .contraction import contract_spine
from .ir import (
    Abstract,
    Apply,
    Constant,
    Context,
    DefRef,
    Input,
    Mix,
    Node,
    Recurrent,
    Shift,
    _kind_name,
)
from .network import (
    Abstraction,
    Application,
    ConstantNeuron,
    DefNeuron,
    InputNeuron,
    LinearNeuron,
    NeuronNode,
    ShiftNeuron,
)
from .recurrence import recurrent
from .substitution import substitute
from .tensors import (
    _INT64_SAFE,
    IdentityTensor,
    SparseMatrix,
    Tensor,
    _max_bound,
    _merge_axes,
    _obj,
    exact_product,
    identity_apply,
)

_SHIFTS: dict[tuple[Any, int], SparseMatrix] = {}
"""Sh at each K, kept as its nonzero entries (read-only) across compilations."""

_CONSTANTS: dict[tuple[Any, int, int], Tensor] = {}
"""Each constant's vector (read-only) by encoding primitive, value and K, across compilations."""


_DIMS: dict[int, dict[int, tuple[Type, int]]] = {}
"""dim of each type object met so far, per K (kept with the type, so that ids stay their own):
the prelude's types are measured once per process, not once per compilation."""


def _shared_dims(k: int) -> dict[int, tuple[Type, int]]:
    found = _DIMS.get(k)
    if found is None or len(found) > 4096:
        if len(_DIMS) >= 64:
            _DIMS.clear()
        found = _DIMS[k] = {}
    return found


def source_name(axis: str) -> str:
    """An axis's name as the user wrote it: substitution and the recurrent neuron rename axes
    apart as `x′3` (a user's identifier is ASCII, so never contains ′)."""
    return axis.split("′", 1)[0]


class _Compiler:
    """The exact evaluator of one compilation: memo, caches, the size guard, one method per node."""

    def __init__(self, nat_bound: int, opaque_dims: OpaqueDims, max_entries: int) -> None:
        self.k = nat_bound
        self.opaque_dims = opaque_dims
        self.max_entries = max_entries
        self.memo: dict[tuple[int, ...], NeuronNode] = {}
        self.defs: dict[int, NeuronNode] = {}
        self.basis: dict[tuple[Type, int], _Bound] = {}
        self.axes: dict[tuple[str, Type], _Axis] = {}
        self.axes_by_id: dict[tuple[str, int], _Axis] = {}
        self.dims: dict[int, tuple[Type, int]] = _shared_dims(nat_bound) if not opaque_dims else {}
        self.constants: dict[tuple[bool, int], Tensor] = {}
        self.binders: list[str] = []
        """Parameters of the enclosing `fun`s being abstracted as axes, outermost first."""
        self._shift: SparseMatrix | None = None
        self.serial = 0

    # -- sizes ------------------------------------------------------------

    def dim(self, t: Type) -> int:
        """dim V(t), cached by the type object (hashing a type walks it; its id does not)."""
        found = self.dims.get(id(t))
        if found is not None and found[0] is t:
            return found[1]
        d = dim(t, self.k, self.opaque_dims)
        self.dims[id(t)] = (t, d)  # the type is kept, so its id stays its own
        return d

    def guard(
        self, shape: Sequence[int], node: Node, axes: Context = (), what: str = "", value: str = ""
    ) -> None:
        """Refuse, before allocating, a tensor of more than max_entries entries.

        The message names the tensor's value (node's, unless `value` describes another, such
        as an intermediate of a reordered spine) and its axes by their names in the source.
        """
        entries = math.prod(shape)
        if entries <= self.max_entries:
            return
        value = value or f"its value has type {show_type(node.type)} (dim {self.dim(node.type):,})"
        if axes:
            value += ", with axes " + ", ".join(
                f"{source_name(n)} : {show_type(t)} (dim {self.dim(t):,})" for n, t in axes
            )
        raise CajalError(
            ErrorKind.SIZE_LIMIT,
            f"{what or _kind_name(node.term)} would need a tensor of {entries:,} entries at K = {self.k}: "
            f"{value}; the limit is {self.max_entries:,} (max_entries / --max-entries), "
            "or choose a smaller K (--nat-bound)",
            node.span,
        )

    @staticmethod
    def fits(terms: int, *bounds: int | None) -> bool:
        """Whether a sum of `terms` products of entries bounded by `bounds` provably fits int64."""
        total = terms
        for bound in bounds:
            if bound is None:
                return False
            total *= bound
        return total < _INT64_SAFE

    # -- driver -------------------------------------------------------------

    def run(self, node: Node, env: dict[str, _Binding]) -> NeuronNode:
        """Evaluate a node, memoised on the bindings of its free variables."""
        free = node.free
        if type(node) is Input:  # a variable's neuron is cheap and met once (linearity): not memoised
            return self.input(node, env[node.name])
        if not free:
            found = self.memo.get((id(node),))
            if found is None:
                found = self.memo[(id(node),)] = self.build(node, env)
            return found
        bindings = [env[v] for v in free]
        per_basis = False
        for b in bindings:
            if b.transient:
                return self.build(node, env)  # depends on a state: evaluated once per state anyway
            per_basis = per_basis or b.index is not None
        key = (id(node), *map(id, bindings))
        found = self.memo.get(key)
        if found is not None:
            return found
        result = None
        if per_basis and not isinstance(node, Input):
            pairs = zip(free, bindings, strict=True)
            linear = tuple(v for v, b in pairs if b.index is not None and v not in node.weights)
            if linear:
                result = self.hoist(node, env, linear)
        if result is None:
            result = self.build(node, env)
        self.memo[key] = result
        return result

    def hoist(self, node: Node, env: dict[str, _Binding], names: tuple[str, ...]) -> NeuronNode | None:
        """A node linear in per-basis variables: computed once with them as axes, then sliced.

        A binder compiled per basis vector (x = e_j for each j) is used inside some step,
        but a subterm that uses it outside every step is linear in it (T3), so its value
        at x = e_j is slice j of its tensor with an axis for x. That tensor does not
        depend on j and is memoised: the subterm is built once instead of once per j.
        Returns None (the caller builds the node at e_j) if the axes would be too large.
        """
        saved = {v: env[v] for v in names}
        try:
            for v in names:
                bound = saved[v]
                assert isinstance(bound, _Bound) and bound.type is not None
                env[v] = self.axis_binding(v, bound.type)
            try:
                full = self.run(node, env)
            except CajalError as err:
                if err.kind is ErrorKind.SIZE_LIMIT:
                    return None
                raise
        finally:
            env.update(saved)
        array, axes = full.value.array, full.value.axes
        for v in names:
            position = [n for n, _ in axes].index(v) if v in (n for n, _ in axes) else None
            if position is None:
                continue
            index = _basis_index(saved[v])
            assert index is not None
            array = np.take(array, index, axis=1 + position)
            axes = axes[:position] + axes[position + 1 :]
        return replace(full, value=Tensor(array, axes))

    def build(self, node: Node, env: dict[str, _Binding]) -> NeuronNode:
        match node:
            case Input():
                return self.input(node, env[node.name])
            case Constant():
                return self.constant(node)
            case Shift():
                return self.shift(node, env)
            case Mix():
                return self.mix(node, env)
            case Abstract():
                return self.abstract(node, env)
            case Apply():
                return self.apply(node, env)
            case Recurrent():
                return recurrent(self, node, env)
            case DefRef():
                return self.def_ref(node)
        raise AssertionError(f"unknown node {node!r}")

    # -- cases ----------------------------------------------------------------

    def input(self, node: Input, binding: _Binding) -> NeuronNode:
        if isinstance(binding, _Bound):
            return InputNeuron(node, binding.tensor, node.name, False)
        d = self.dim(node.type)
        axes = ((node.name, node.type),)

        def allocate() -> None:
            self.guard((d, d), node, axes)

        return InputNeuron(node, IdentityTensor(d, axes, allocate), node.name, True)

    def constant(self, node: Constant) -> NeuronNode:
        ground = isinstance(node.type, BoolT)
        key = (ground, int(node.value))
        value = self.constants.get(key)
        if value is None:  # one vector per constant: `true` written twenty times is encoded once
            self.guard((self.dim(node.type),), node)
            encode = P.encode_bool if ground else P.encode_nat
            shared = (encode, key[1], self.k)  # the function too: a patched primitive is not cached
            value = _CONSTANTS.get(shared)
            if value is None:
                vector = P.encode_bool(bool(node.value)) if ground else P.encode_nat(int(node.value), self.k)
                vector.setflags(write=False)
                if len(_CONSTANTS) >= 4096:
                    _CONSTANTS.clear()
                value = _CONSTANTS[shared] = Tensor(vector)
            self.constants[key] = value
        return ConstantNeuron(node, value)

    def shift(self, node: Shift, env: dict[str, _Binding]) -> NeuronNode:
        arg = self.run(node.arg, env)
        sparse = self.shift_matrix(node)
        a = arg.value.array
        if not self.fits(sparse.terms, sparse.bound, arg.value.maxabs()):
            a = _obj(a)
        array = sparse.apply_first(a)
        return ShiftNeuron(node, Tensor(array, arg.value.axes), arg, sparse.dense)

    def shift_matrix(self, node: Node) -> SparseMatrix:
        """Sh at K, from the primitive, once per compilation (kept as its nonzero entries)."""
        if self._shift is None:
            self.guard((self.k + 1, self.k + 1), node, (), "the shift matrix of `succ`")
            key = (P.shift_matrix, self.k)  # the function too: a patched primitive is not cached
            found = _SHIFTS.get(key)
            if found is None:
                if len(_SHIFTS) >= 64:
                    _SHIFTS.clear()
                found = _SHIFTS[key] = SparseMatrix.of(P.shift_matrix(self.k))
                for array in (found.dense, found.rows, found.cols, found.values):
                    array.setflags(write=False)
            self._shift = found
        return self._shift

    def mix(self, node: Mix, env: dict[str, _Binding]) -> NeuronNode:
        cond = self.run(node.cond, env)
        then = self.run(node.then, env)
        else_ = self.run(node.else_, env)
        c, t, e = cond.value, then.value, else_.value
        branch_axes = t.axes if t.axes == e.axes else _merge_axes(t.axes, e.axes)
        self.disjoint(node, branch_axes, c.axes)
        shape = (self.dim(node.type), *[self.dim(a) for _, a in branch_axes])
        self.guard((2, *shape), node, branch_axes)
        self.guard((*shape, *c.shape[1:]), node, (*branch_axes, *c.axes))
        t_arr = self.align(t, branch_axes)
        e_arr = self.align(e, branch_axes)
        bounds = (c.maxabs(), _max_bound(t.maxabs(), e.maxabs()))
        # elementwise products: float64 would not use BLAS here, so work=0 keeps the int dtype
        array = exact_product(P.mix, (c.array, t_arr, e_arr), 2, bounds, 0)
        return LinearNeuron(node, Tensor(array, (*branch_axes, *c.axes)), cond, then, else_)

    def abstract(self, node: Abstract, env: dict[str, _Binding]) -> Abstraction:
        dom = self.dim(node.param_type)
        saved = env.get(node.param)
        try:
            if node.per_basis:
                columns = []
                for j in range(dom):
                    env[node.param] = self.basis_binding(node.param_type, j)
                    columns.append(self.run(node.body, env))
                axes = _merge_axes(*(c.value.axes for c in columns))
                cod = self.dim(node.body.type)
                self.guard((cod, dom, *(self.dim(t) for _, t in axes)), node, axes)
                arrays = [self.align(c.value, axes) for c in columns]
                if len({a.dtype for a in arrays}) > 1:
                    arrays = [a.astype(object) for a in arrays]
                matrix = P.stack_columns(arrays)
                return Abstraction(
                    node, Tensor(P.flatten_function(matrix), axes), node.param, None, tuple(columns)
                )
            env[node.param] = self.axis_binding(node.param, node.param_type)
            self.binders.append(node.param)
            try:
                body = self.run(node.body, env)
            finally:
                self.binders.pop()
        finally:
            if saved is None:
                env.pop(node.param, None)
            else:
                env[node.param] = saved
        if node.param in body.value.names:
            ordered = self.binder_order(body.value, node.param)
            position = ordered.names.index(node.param)
            rest = ordered.axes[:position] + ordered.axes[position + 1 :]
            matrix = P.abstract_axis(ordered.array, position + 1)
        else:  # the parameter is unused (not well-typed): the same image for every basis vector
            rest = body.value.axes
            shape = (body.value.shape[0], dom, *body.value.shape[1:])
            self.guard(shape, node, rest)
            matrix = np.broadcast_to(np.expand_dims(body.value.array, 1), shape)
        self.guard(matrix.shape, node, rest)
        value = Tensor(np.ascontiguousarray(P.flatten_function(matrix)), rest, body.value._maxabs)
        return Abstraction(node, value, node.param, body)

    def apply(self, node: Apply, env: dict[str, _Binding]) -> NeuronNode:
        substituted = substitute(self, node, env)
        if substituted is not None:
            return substituted
        if isinstance(node.fn, Apply):
            reordered = contract_spine(self, node, env)
            if reordered is not None:
                return reordered
        fn = self.run(node.fn, env)
        arg = self.run(node.arg, env)
        self.disjoint(node, fn.value.axes, arg.value.axes)
        assert isinstance(node.fn.type, Arrow)
        dom = self.dim(node.fn.type.dom)
        axes = (*fn.value.axes, *arg.value.axes)
        self.guard((self.dim(node.type), *fn.value.shape[1:], *arg.value.shape[1:]), node, axes)
        copied = identity_apply(fn.value, arg.value, dom, self.binders[::-1])
        if copied is not None:
            return Application(node, copied, fn, arg)
        f, a = fn.value.array, arg.value.array
        work = f.size * math.prod(arg.value.shape[1:])

        def apply(f: npt.NDArray[Any], a: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.asarray(P.apply_matrix(f, a, dom))

        array = exact_product(apply, (f, a), dom, (fn.value.maxabs(), arg.value.maxabs()), work)
        return Application(node, Tensor(array, axes), fn, arg)

    def def_ref(self, node: DefRef) -> NeuronNode:
        body = self.defs.get(id(node.body))
        if body is None:
            body = self.defs[id(node.body)] = self.run(node.body, {})
        return DefNeuron(node, body.value, node.name, body)

    # -- helpers ------------------------------------------------------------

    def binder_order(self, body: Tensor, param: str) -> Tensor:
        """body with param's axis first, then the axes of the enclosing `fun`s, innermost first.

        `fun f => fun g => fun x => t` abstracts x, then g, then f: each moves its axis next
        to the value axis and flattens, a copy of the whole tensor wherever the axis is not
        already there. Put in this order once (one copy at most, here), every one of those
        moves is the identity and every flattening a view: compose at K = 13 copies its
        7.5 × 10⁶ entries once instead of twice. Axes are named, so any order is the same value.
        """
        names = body.names
        if len(names) == 1:
            return body
        outer = [n for n in dict.fromkeys(reversed(self.binders)) if n in names and n != param]
        order = [param, *outer, *[n for n in names if n != param and n not in outer]]
        if tuple(order) == names:
            return body
        perm = [0, *[1 + names.index(n) for n in order]]
        axes = tuple(body.axes[p - 1] for p in perm[1:])
        return Tensor(np.ascontiguousarray(body.array.transpose(perm)), axes, body._maxabs)

    def axis_binding(self, name: str, t: Type) -> _Axis:
        """One _Axis object per (name, type), so that memo keys (ids of bindings) stay valid."""
        quick = (name, id(t))  # hashing a type walks it; the _Axis found keeps t, so its id stays its own
        found = self.axes_by_id.get(quick)
        if found is None or found.type is not t:
            found = self.axes.get((name, t))
            if found is None:
                found = self.axes[(name, t)] = _Axis(name, t)
            self.axes_by_id[quick] = found
        return found

    def basis_binding(self, t: Type, j: int) -> _Bound:
        """e_j of V(t), one object per (t, j) so that memo keys (ids of bindings) stay valid."""
        found = self.basis.get((t, j))
        if found is None:
            found = self.basis[(t, j)] = _Bound(Tensor(basis_vector(self.dim(t), j), (), 1), j, t)
        return found

    def align(self, tensor: Tensor, axes: Context) -> npt.NDArray[Any]:
        """tensor's array with its axes in the order `axes` (broadcasting axes it lacks)."""
        if tensor.axes == axes:
            return tensor.array
        names = tensor.names
        have = [n for n, _ in axes if n in names]
        order = [0, *(1 + names.index(n) for n in have)]
        array = np.transpose(tensor.array, order)
        shape = [array.shape[0]]
        index: list[Any] = [slice(None)]
        for n, t in axes:
            shape.append(self.dim(t))
            index.append(slice(None) if n in names else None)
        return np.broadcast_to(array[tuple(index)], tuple(shape))

    @staticmethod
    def disjoint(node: Node, left: Context, right: Context) -> None:
        if not left or not right:
            return
        shared = {n for n, _ in left} & {n for n, _ in right}
        if shared:
            name = sorted(shared)[0]
            raise CajalError(
                ErrorKind.USED_TWICE,
                f"variable `{name}` is used twice (the compiler needs a linearly typed term)",
                node.span,
            )
