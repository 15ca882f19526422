"""The compiled network: one node per neuron with its exact value, for figures and tests.

`compile_term` returns a `Compiled` whose `structure` is the root of this tree: each
node keeps its neuron-program node (`ir`) and its exact `Tensor`.
"""

from __future__ import annotations

from collections.abc import Iterator
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

    `step_matrix` is S (dim A × dim A, exact), `states[i]` is Sⁱ·base (with the
    base's axes), `coefficients` is n (the count's value, with its axes).
    """

    count: NeuronNode
    base: NeuronNode
    step: Abstraction
    step_matrix: Tensor
    states: tuple[Tensor, ...]
    coefficients: Tensor

    def children(self) -> tuple[NeuronNode, ...]:
        return (self.count, self.base, self.step)


@dataclass(eq=False)
class DefNeuron(NeuronNode):
    """A reference to a def: its compiled body (shared by every reference)."""

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

