"""The compiled network: one node per neuron with its exact value, for figures and tests.

`compile_term` returns a `Compiled` whose `structure` is the root of this tree: each
node keeps its neuron-program node (`ir`) and its exact `Tensor`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt

from ..spaces import basis_labels, value_shape
from ..syntax import Arrow, Span, Term, Type, show_type
from .ir import Context, NeuronProgram, Node
from .tensors import ObjArray, Tensor


@dataclass(eq=False)
class NeuronNode:
    """A node of the compiled network: its program node and its exact value (a Tensor)."""

    ir: Node
    value: Tensor

    @property
    def type(self) -> Type:
        return self.ir.type

    @property
    def term(self) -> Term:
        return self.ir.term

    @property
    def span(self) -> Span:
        return self.ir.term.span

    def children(self) -> tuple[NeuronNode, ...]:
        return ()

    def walk(self) -> Iterator[NeuronNode]:
        """This node and every node below it, pre-order (shared nodes once)."""
        seen: set[int] = set()
        stack: list[NeuronNode] = [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            stack.extend(reversed(node.children()))


@dataclass(eq=False)
class ConstantNeuron(NeuronNode):
    """`true`, `false`, a numeral: a fixed basis vector."""


@dataclass(eq=False)
class InputNeuron(NeuronNode):
    """A variable: an axis of the tensor (value = identity), or bound to a value."""

    name: str
    is_axis: bool


@dataclass(eq=False)
class ShiftNeuron(NeuronNode):
    """`succ`: the shift matrix applied to its argument."""

    arg: NeuronNode
    matrix: npt.NDArray[Any]

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.arg,)


@dataclass(eq=False)
class LinearNeuron(NeuronNode):
    """`if`: the linear neuron c_true·then + c_false·else, c the condition's value."""

    cond: NeuronNode
    then: NeuronNode
    else_: NeuronNode

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.cond, self.then, self.else_)


@dataclass(eq=False)
class Abstraction(NeuronNode):
    """`fun x => t`: the matrix of images of basis vectors.

    With an axis for x, `body` is t's network; compiled per basis vector (x a
    recurrent weight), `columns[j]` is t's network at x = e_j and `body` is None.
    """

    param: str
    body: NeuronNode | None
    columns: tuple[NeuronNode, ...] = ()

    @property
    def per_basis(self) -> bool:
        return self.body is None

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.body,) if self.body is not None else self.columns


@dataclass(eq=False)
class Application(NeuronNode):
    """`t u`: the contraction of t's matrix with u's vector."""

    fn: NeuronNode
    arg: NeuronNode

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.fn, self.arg)


@dataclass(eq=False)
class RecurrentNeuron(NeuronNode):
    """`iter`: h₀ = base, hᵢ₊₁ = S·hᵢ, output Σᵢ nᵢ·hᵢ for i = 0 … K.

    S is never built where the step is linear in its variable (SPEC §9): hᵢ₊₁ is the
    step run on hᵢ. `computed_states` are the states the output needed (up to the
    count's last nonzero coefficient); `states` continues them to K on demand, and
    `step` / `step_matrix` build S's network and matrix on demand (for figures), so a
    walk over the network never materialises them. `step_network` is what was built:
    S's columns (a ground step variable used in a nested step) or the step's network
    at h₀.
    """

    count: NeuronNode
    base: NeuronNode
    step_network: NeuronNode | None
    computed_states: tuple[Tensor, ...]
    coefficients: Tensor
    next_state: Callable[[Tensor], Tensor] = field(repr=False)
    build_step: Callable[[], Abstraction] = field(repr=False)
    _step: Abstraction | None = field(default=None, repr=False)

    @property
    def step(self) -> Abstraction:
        """The step's network as a matrix of basis images (built on first use)."""
        if self._step is None:
            self._step = self.build_step()
        return self._step

    @property
    def step_matrix(self) -> Tensor:
        """S (dim A × dim A, exact), built on first use."""
        d = self.base.value.shape[0]
        array = self.step.value.array
        return Tensor(array.reshape(array.shape[0] // d, d), (), self.step.value._maxabs)

    @property
    def states(self) -> tuple[Tensor, ...]:
        """Sⁱ·base for i = 0 … K (with the base's axes), continued from the computed ones."""
        k = self.coefficients.shape[0] - 1
        states = list(self.computed_states)
        while len(states) <= k:
            states.append(self.next_state(states[-1]))
        return tuple(states)

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.count, self.base) + ((self.step_network,) if self.step_network is not None else ())


@dataclass(eq=False)
class DefNeuron(NeuronNode):
    """A reference to a def: its compiled body.

    References compiled as values share one body; a def applied to arguments runs its
    body on them (substitution), so each such application has a body of its own.
    """

    name: str
    body: NeuronNode

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.body,)


@dataclass(eq=False)
class Compiled:
    """The result of compiling a term at bound K.

    `tensor` has SPEC §5's shape (dim A, dim A₁, …, dim Aₙ): the value axis
    (flattened row-major for a function type), then one axis per *unbound* context
    variable, in context order (`context`). Entries are exact (Python ints,
    Fractions, or sympy expressions for symbolic bindings).
    """

    type: Type
    nat_bound: int
    context: Context
    tensor: ObjArray
    structure: NeuronNode
    program: NeuronProgram
    bound: tuple[str, ...] = ()
    opaque_dims: dict[str, int] = field(default_factory=dict)

    # print and notebook renderings: cajal_ref.display (imported on use)
    def __repr__(self) -> str:
        shape = "×".join(str(n) for n in self.printed_shape)
        return f"<Compiled {show_type(self.type)} at K={self.nat_bound}: {shape} tensor>"

    def __str__(self) -> str:
        from ..display import compiled_text

        return compiled_text(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("..." if cycle else str(self))

    def _repr_html_(self) -> str:
        from ..display import compiled_html

        return compiled_html(self)

    def _repr_latex_(self) -> str:
        from ..display import compiled_latex

        return compiled_latex(self)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.tensor.shape)

    @property
    def printed_shape(self) -> tuple[int, ...]:
        """SPEC §8: a function value shown as its (dim B, dim A) matrix, then the context axes."""
        return (*value_shape(self.type, self.nat_bound, self.opaque_dims), *self.tensor.shape[1:])

    @property
    def printed(self) -> ObjArray:
        """The tensor reshaped to `printed_shape` (a view)."""
        return self.tensor.reshape(self.printed_shape)

    def entries(self) -> Any:
        """Nested lists of the exact entries of `tensor`."""
        return self.tensor.tolist()

    def axis_labels(self) -> list[tuple[str, list[str]]]:
        """For each axis of `printed`: a title and the basis labels along it."""
        t = self.type
        k, od = self.nat_bound, self.opaque_dims
        axes: list[tuple[str, list[str]]]
        if isinstance(t, Arrow):
            axes = [
                (f"output ({show_type(t.cod)})", basis_labels(t.cod, k, od)),
                (f"input ({show_type(t.dom)})", basis_labels(t.dom, k, od)),
            ]
        else:
            axes = [(f"value ({show_type(t)})", basis_labels(t, k, od))]
        axes.extend((f"{name} : {show_type(a)}", basis_labels(a, k, od)) for name, a in self.context)
        return axes

