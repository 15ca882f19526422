"""The exact compiler of SPEC §5: a well-typed term becomes a tensor of exact numbers.

The compiler works in two stages, so that every backend runs the same neurons:

1. `lower` turns the term into a small *neuron program* (the IR below): constants,
   inputs, the shift of `succ`, the linear neuron of `if` (`Mix`), abstractions,
   applications, and the recurrent neuron of `iter`. Lowering synthesises types,
   inlines def references (one shared node per def), and decides which binders are
   recurrent weights (`Abstract.per_basis`).
2. `compile_term` evaluates that program exactly, building tensors from the term's
   structure: a value is an array whose axis 0 is the (flattened) value and whose
   other axes are the free variables it still depends on. `fun` moves its variable's
   axis next to the value axis and flattens the matrix row-major (SPEC §8);
   application contracts; `if` mixes the branches by the condition's coordinates;
   `iter` unrolls the states Sⁱ·base and sums them with the count's coefficients.
   A binder that is a recurrent weight (used inside a nested step, like `m` in
   `mult`) cannot be an axis, because the step runs several times: its abstraction
   is compiled once per basis vector e_j, which is exactly the matrix of SPEC §5;
   only the subterms that use it inside a step are built per e_j: the others are
   linear in it (T3), so they are built once with an axis for it and sliced at j.
   Evaluation is memoised on the bindings of each node's free variables (a def's
   body is compiled once per compilation).
   The float backend (`backends.numpy_float`) evaluates the same program at a point.

Exactness and speed: arrays are int64 while a bound computed before each product
proves no entry can reach 2⁶², and object arrays of Python ints otherwise; bound
Fractions and sympy expressions make object arrays from the start. Every allocation
is checked against `max_entries` first.

The arithmetic primitives (`encode_bool`, `encode_nat`, `shift_matrix`, `mix`,
`apply_matrix`, `unflatten_function`, `flatten_function`, `abstract_axis`,
`stack_columns`, `unroll_states`, `recurrent_sum`, `context_permutation`) are
module-level functions looked up at call time, so that a mutation-testing harness
can replace any one of them with `unittest.mock.patch("cajal_ref.compiler.NAME")`.

This module must not import the interpreter: agreement between the two is the point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .diagnostics import CajalError, ErrorKind
from .spaces import (
    DEFAULT_NAT_BOUND,
    OpaqueDims,
    basis_labels,
    basis_vector,
    check_nat_bound,
    dim,
    shift_matrix,
    value_shape,
)
from .syntax import (
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    BoolT,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Span,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    deep_recursion,
    show_type,
    subterms,
)

ObjArray = npt.NDArray[np.object_]
Context = tuple[tuple[str, Type], ...]

DEFAULT_MAX_ENTRIES = 10**7
"""Largest tensor (final or intermediate) a compilation may allocate, in entries."""

_INT64_SAFE = 2**62
"""int64 arithmetic is used only while a bound proves every entry stays below this."""


class DefLike(Protocol):
    """What the compiler needs of a def (checker.DefInfo has it): its closed body and type."""

    @property
    def body(self) -> Term: ...

    @property
    def type(self) -> Type: ...


Defs = Mapping[str, DefLike]


# ===========================================================================
# Primitives (each replaceable by a mutation harness)
# ===========================================================================


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

    cond has shape (2, *Γ), the branches (dim A, *Δ); the result (dim A, *Δ, *Γ).
    """
    return xp.tensordot(xp.stack([then, else_]), cond, axes=([0], [0]))


def unflatten_function(array: Any, dom_dim: int) -> Any:
    """A function value (dim B · dim A, *rest) as its matrix (dim B, dim A, *rest) (row-major)."""
    return array.reshape(array.shape[0] // dom_dim, dom_dim, *array.shape[1:])


def flatten_function(matrix: Any) -> Any:
    """A matrix (dim B, dim A, *rest) as a function value (dim B · dim A, *rest), row-major:
    entry (b, a) at index b·dim A + a (SPEC §8)."""
    return matrix.reshape(matrix.shape[0] * matrix.shape[1], *matrix.shape[2:])


def apply_matrix(fn: Any, arg: Any, dom_dim: int, xp: Any = np) -> Any:
    """Application: the matrix of fn (dim B · dim A, *F) times arg (dim A, *X), giving (dim B, *F, *X)."""
    return xp.tensordot(unflatten_function(fn, dom_dim), arg, axes=([1], [0]))


def abstract_axis(body: Any, axis: int, xp: Any = np) -> Any:
    """`fun x => t`: move x's axis of t's tensor next to the value axis, giving (dim B, dim A, *rest)."""
    return xp.moveaxis(body, axis, 1)


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


def recurrent_sum(states: Sequence[Any], coefficients: Any, xp: Any = np) -> Any:
    """Σᵢ nᵢ·hᵢ: states (dim A, *Δ) each, coefficients (K+1, *Γ); result (dim A, *Δ, *Γ)."""
    return xp.tensordot(xp.stack(list(states)), coefficients, axes=([0], [0]))


def context_permutation(axes: Sequence[str], context: Sequence[str]) -> list[int]:
    """Where each context variable's axis is now: the transpose that puts axes in context order."""
    return [list(axes).index(name) for name in context]


# ===========================================================================
# The neuron program (IR)
# ===========================================================================


@dataclass(frozen=True, eq=False)
class Node:
    """A neuron-program node: its value's type, its source term, and what it depends on.

    `free`: the local or context variables free in it (sorted; defs excluded).
    `weights`: those of them used inside the step of some `iter` within it.
    """

    type: Type
    term: Term
    free: tuple[str, ...]
    weights: frozenset[str]

    @property
    def span(self) -> Span:
        return self.term.span


@dataclass(frozen=True, eq=False)
class Input(Node):
    """A variable: a context variable or one bound by an enclosing `fun`, `let` or step."""

    name: str


@dataclass(frozen=True, eq=False)
class Constant(Node):
    """`true`, `false`, `zero`, or a numeral: a basis vector (or 0 for a numeral > K)."""

    value: bool | int


@dataclass(frozen=True, eq=False)
class Shift(Node):
    """`succ t`: the shift matrix Sh applied to t."""

    arg: Node


@dataclass(frozen=True, eq=False)
class Mix(Node):
    """`if`: the linear neuron c_true·then + c_false·else."""

    cond: Node
    then: Node
    else_: Node


@dataclass(frozen=True, eq=False)
class Abstract(Node):
    """`fun param => body` (also a `let` body and an `iter` step): the matrix of basis images.

    per_basis: param is a recurrent weight of body (used in a nested step), so the
    body is compiled once per basis vector instead of with an axis for param.
    """

    param: str
    param_type: Type
    body: Node
    per_basis: bool


@dataclass(frozen=True, eq=False)
class Apply(Node):
    fn: Node
    arg: Node


@dataclass(frozen=True, eq=False)
class Recurrent(Node):
    """`iter count { zero => base | succ y => step }`: Σᵢ nᵢ·Sⁱ·base, S the step's matrix."""

    count: Node
    base: Node
    step: Abstract


@dataclass(frozen=True, eq=False)
class DefRef(Node):
    """A reference to a def: its closed body, lowered once and shared by every reference."""

    name: str
    body: Node


@dataclass(frozen=True, eq=False)
class NeuronProgram:
    """A lowered program: its root node over a context (SPEC §5's Γ, in order)."""

    root: Node
    context: Context
    recurrent_weights: tuple[str, ...]
    """Context variables used in some iteration step: they must be bound to values."""

    @property
    def type(self) -> Type:
        return self.root.type

    def weight_span(self, name: str) -> Span:
        """Where a recurrent weight is used inside a step (for error messages)."""
        for sub in subterms(self.root.term):
            if isinstance(sub, Iter):
                for inner in subterms(sub.step):
                    if isinstance(inner, Var) and inner.name == name:
                        return inner.span
        return self.root.term.span


def _kind_name(term: Term) -> str:
    match term:
        case Var(name):
            return f"`{name}`"
        case BoolLit(value):
            return "`true`" if value else "`false`"
        case Zero() | Numeral():
            return "the numeral"
        case Succ():
            return "the `succ`"
        case If():
            return "the `if`"
        case Lam(param):
            return f"`fun {param}`"
        case App():
            return "the application"
        case Iter():
            return "the `iter`"
        case Let(name):
            return f"`let {name}`"


class _Lowerer:
    def __init__(self, defs: Defs) -> None:
        self.defs = defs
        self.def_nodes: dict[str, DefRef] = {}
        self.lowering: set[str] = set()

    def lower(self, term: Term, scope: dict[str, Type]) -> Node:
        match term:
            case Var(name):
                if name in scope:
                    return Input(scope[name], term, (name,), frozenset(), name)
                return self.def_ref(term, name)
            case BoolLit(value):
                return Constant(BOOL, term, (), frozenset(), value)
            case Zero():
                return Constant(NAT, term, (), frozenset(), 0)
            case Numeral(value):
                return Constant(NAT, term, (), frozenset(), value)
            case Succ(arg):
                a = self.lower(arg, scope)
                self.expect(a, NAT, "`succ` expects a Nat")
                return Shift(NAT, term, a.free, a.weights, a)
            case If(cond, then, else_):
                c = self.lower(cond, scope)
                self.expect(c, BOOL, "the condition of `if` must be a Bool")
                t = self.lower(then, scope)
                e = self.lower(else_, scope)
                self.expect(e, t.type, "the branches of `if` must have the same type")
                return Mix(t.type, term, _union(c, t, e), c.weights | t.weights | e.weights, c, t, e)
            case Lam(param, param_type, body):
                return self.abstract(term, param, param_type, body, scope, in_step=False)
            case App(fn, arg):
                f = self.lower(fn, scope)
                a = self.lower(arg, scope)
                return self.apply(term, f, a)
            case Iter(count, base, step_var, step):
                n = self.lower(count, scope)
                self.expect(n, NAT, "`iter` counts with a Nat")
                b = self.lower(base, scope)
                s = self.abstract(term, step_var, b.type, step, scope, in_step=True)
                self.expect(s.body, b.type, "the step of `iter` must have the type of its base")
                weights = n.weights | b.weights | frozenset(s.free)
                return Recurrent(b.type, term, _union(n, b, s), weights, n, b, s)
            case Let(name, bound, body):
                a = self.lower(bound, scope)
                f = self.abstract(term, name, a.type, body, scope, in_step=False)
                return self.apply(term, f, a)

    def abstract(
        self, term: Term, param: str, param_type: Type, body: Term, scope: dict[str, Type], *, in_step: bool
    ) -> Abstract:
        missing = object()
        saved = scope.get(param, missing)
        scope[param] = param_type
        try:
            b = self.lower(body, scope)
        finally:
            if saved is missing:
                del scope[param]
            else:
                scope[param] = saved  # type: ignore[assignment]
        free = tuple(v for v in b.free if v != param)
        weights = b.weights - {param}
        return Abstract(
            Arrow(param_type, b.type), term, free, weights, param, param_type, b, param in b.weights
        )

    def apply(self, term: Term, f: Node, a: Node) -> Apply:
        if not isinstance(f.type, Arrow):
            raise CajalError(
                ErrorKind.NOT_A_FUNCTION,
                f"cannot apply a value of type {show_type(f.type)}: expected a function",
                f.span,
                rule="App",
            )
        self.expect(a, f.type.dom, "the argument must have the function's domain type")
        return Apply(f.type.cod, term, _union(f, a), f.weights | a.weights, f, a)

    def def_ref(self, term: Var, name: str) -> DefRef:
        if name not in self.defs:
            raise CajalError(
                ErrorKind.UNBOUND, f"unbound variable `{name}`: no binder or def of that name", term.span
            )
        node = self.def_nodes.get(name)
        if node is None:
            if name in self.lowering:
                raise CajalError(ErrorKind.UNBOUND, f"def `{name}` refers to itself", term.span)
            info = self.defs[name]
            self.lowering.add(name)
            try:
                body = self.lower(info.body, {})
            finally:
                self.lowering.discard(name)
            if body.free:
                raise CajalError(
                    ErrorKind.OPEN_DEF,
                    f"def `{name}` uses free variables ({', '.join(body.free)}); "
                    "only closed defs can be referenced",
                    term.span,
                )
            node = DefRef(body.type, term, (), frozenset(), name, body)
            self.def_nodes[name] = node
        # the cached node carries the first reference's term; give this reference its own span
        return DefRef(node.type, term, (), frozenset(), name, node.body)

    @staticmethod
    def expect(node: Node, expected: Type, what: str) -> None:
        if node.type != expected:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"{what}: expected {show_type(expected)}, found {show_type(node.type)}",
                node.span,
            )


def _union(*nodes: Node) -> tuple[str, ...]:
    return tuple(sorted({v for n in nodes for v in n.free}))


def lower(term: Term, ctx: Sequence[tuple[str, Type]] = (), defs: Defs | None = None) -> NeuronProgram:
    """Lower a well-typed term over a context to its neuron program (independent of K)."""
    context = tuple(ctx)
    scope = dict(context)
    if len(scope) != len(context):
        dup = next(n for i, (n, _) in enumerate(context) if any(n == m for m, _ in context[:i]))
        raise CajalError(ErrorKind.DUPLICATE, f"context variable `{dup}` is declared twice")
    with deep_recursion():
        root = _Lowerer(defs or {}).lower(term, scope)
    weights = tuple(name for name, _ in context if name in root.weights)
    return NeuronProgram(root, context, weights)


# ===========================================================================
# Exact tensors and the compiled network
# ===========================================================================


@dataclass(eq=False)
class Tensor:
    """An exact value with axes: axis 0 is the (flattened) value, then one axis per free variable.

    `array` is int64 (small integers) or object (Python ints, Fractions, sympy).
    """

    array: npt.NDArray[Any]
    axes: Context = ()
    _maxabs: int | None = field(default=None, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def maxabs(self) -> int | None:
        """Largest |entry| if the array is int64 (None for object arrays, which never overflow)."""
        if self.array.dtype != np.int64:
            return None
        if self._maxabs is None:
            self._maxabs = int(np.abs(self.array).max()) if self.array.size else 0
        return self._maxabs

    def exact(self) -> ObjArray:
        """The entries as an object array of Python ints / Fractions / sympy expressions."""
        return _exact_array(self.array)

    def to_nested(self) -> Any:
        """Nested lists of exact entries."""
        return self.exact().tolist()


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


# ===========================================================================
# Exact entries: bindings, normalisation
# ===========================================================================


def _is_sympy(x: object) -> bool:
    return type(x).__module__.startswith("sympy")


def _exact_entry(x: Any) -> Any:
    """An exact scalar in canonical form (int, Fraction, or a non-numeric sympy expression)."""
    if isinstance(x, bool | np.bool_):
        return int(x)
    if isinstance(x, int):
        return x
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else x
    if _is_sympy(x):
        import sympy

        value = sympy.expand(x)
        if value.is_Integer:
            return int(value)
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        if value.is_Float or (value.is_number and value.atoms(sympy.Float)):
            raise TypeError("float")
        return value
    raise TypeError(type(x).__name__)


def _exact_array(array: npt.NDArray[Any]) -> ObjArray:
    if array.dtype == np.int64 or np.issubdtype(array.dtype, np.integer):
        return array.astype(object)
    out = np.empty(array.shape, dtype=object)
    flat_in = array.reshape(-1)
    flat_out = out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = _exact_entry(flat_in[i])
    return out


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


def symbols_for(
    name: str, t: Type, nat_bound: int = DEFAULT_NAT_BOUND, opaque_dims: OpaqueDims | None = None
) -> ObjArray:
    """Sympy symbols for a variable's value: x_true, x_false; n_0 … n_K; f_b_a for a matrix entry.

    A function type gives its (dim B, dim A) matrix: entry (b, a) is `f_<b>_<a>` with the
    basis labels of B and A (so `f_0_1` for f : Nat -o Nat is row 0, column 1).
    """
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
) -> dict[str, ObjArray]:
    """Bindings of sympy symbols (see `symbols_for`) for the named context variables (default: all)."""
    wanted = set(names) if names is not None else None
    return {n: symbols_for(n, t, nat_bound, opaque_dims) for n, t in ctx if wanted is None or n in wanted}


# ===========================================================================
# The exact evaluator
# ===========================================================================


@dataclass(frozen=True, eq=False)
class _Axis:
    """A variable that is an axis of the tensor being built."""

    name: str
    type: Type


@dataclass(frozen=True, eq=False)
class _Bound:
    """A variable bound to a value: a user's binding, or the basis vector e_index of `type`
    (a recurrent binder compiled per basis vector)."""

    tensor: Tensor
    index: int | None = None
    type: Type | None = None


_Binding = _Axis | _Bound


class _Compiler:
    def __init__(self, nat_bound: int, opaque_dims: OpaqueDims, max_entries: int) -> None:
        self.k = nat_bound
        self.opaque_dims = opaque_dims
        self.max_entries = max_entries
        self.memo: dict[tuple[int, tuple[int, ...]], NeuronNode] = {}
        self.defs: dict[int, NeuronNode] = {}
        self.basis: dict[tuple[Type, int], _Bound] = {}
        self.axes: dict[tuple[str, Type], _Axis] = {}
        self.dims: dict[Type, int] = {}

    # -- sizes ------------------------------------------------------------

    def dim(self, t: Type) -> int:
        d = self.dims.get(t)
        if d is None:
            d = self.dims[t] = dim(t, self.k, self.opaque_dims)
        return d

    def guard(self, shape: Sequence[int], node: Node, axes: Context = (), what: str = "") -> None:
        """Refuse, before allocating, a tensor of more than max_entries entries."""
        entries = math.prod(shape)
        if entries <= self.max_entries:
            return
        value = f"its value has type {show_type(node.type)} (dim {self.dim(node.type):,})"
        if axes:
            value += ", with axes " + ", ".join(
                f"{n} : {show_type(t)} (dim {self.dim(t):,})" for n, t in axes
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
        key = (id(node), tuple(id(env[v]) for v in node.free))
        found = self.memo.get(key)
        if found is not None:
            return found
        result = None
        if not isinstance(node, Input):
            linear = tuple(v for v in node.free if _basis_index(env[v]) is not None and v not in node.weights)
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
                return self.recurrent(node, env)
            case DefRef():
                return self.def_ref(node)
        raise AssertionError(f"unknown node {node!r}")

    # -- cases ----------------------------------------------------------------

    def input(self, node: Input, binding: _Binding) -> NeuronNode:
        if isinstance(binding, _Bound):
            return InputNeuron(node, binding.tensor, node.name, False)
        d = self.dim(node.type)
        self.guard((d, d), node, ((node.name, node.type),))
        identity = np.eye(d, dtype=np.int64)
        return InputNeuron(node, Tensor(identity, ((node.name, node.type),), 1), node.name, True)

    def constant(self, node: Constant) -> NeuronNode:
        self.guard((self.dim(node.type),), node)
        if isinstance(node.type, BoolT):
            vector = encode_bool(bool(node.value))
        else:
            vector = encode_nat(int(node.value), self.k)
        return ConstantNeuron(node, Tensor(vector))

    def shift(self, node: Shift, env: dict[str, _Binding]) -> NeuronNode:
        arg = self.run(node.arg, env)
        self.guard((self.k + 1, self.k + 1), node, (), "the shift matrix of `succ`")
        matrix = shift_matrix(self.k)
        a = arg.value.array
        if not self.fits(self.k + 1, int(np.abs(matrix).max(initial=0)), arg.value.maxabs()):
            a = _obj(a)
        array = _matmul_first(matrix, a)
        return ShiftNeuron(node, Tensor(array, arg.value.axes), arg, matrix)

    def mix(self, node: Mix, env: dict[str, _Binding]) -> NeuronNode:
        cond = self.run(node.cond, env)
        then = self.run(node.then, env)
        else_ = self.run(node.else_, env)
        branch_axes = _merge_axes(then.value.axes, else_.value.axes)
        self.disjoint(node, branch_axes, cond.value.axes)
        d = self.dim(node.type)
        shape = (d, *(self.dim(t) for _, t in branch_axes))
        self.guard((2, *shape), node, branch_axes)
        self.guard((*shape, *cond.value.shape[1:]), node, (*branch_axes, *cond.value.axes))
        t_arr = self.align(then.value, branch_axes)
        e_arr = self.align(else_.value, branch_axes)
        c_arr = cond.value.array
        if not self.fits(2, cond.value.maxabs(), _max_bound(then.value.maxabs(), else_.value.maxabs())):
            c_arr, t_arr, e_arr = _obj(c_arr), _obj(t_arr), _obj(e_arr)
        array = mix(c_arr, t_arr, e_arr)
        return LinearNeuron(node, Tensor(array, (*branch_axes, *cond.value.axes)), cond, then, else_)

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
                matrix = stack_columns(arrays)
                return Abstraction(
                    node, Tensor(flatten_function(matrix), axes), node.param, None, tuple(columns)
                )
            env[node.param] = self.axis_binding(node.param, node.param_type)
            body = self.run(node.body, env)
        finally:
            if saved is None:
                env.pop(node.param, None)
            else:
                env[node.param] = saved
        names = body.value.names
        if node.param in names:
            position = names.index(node.param)
            rest = body.value.axes[:position] + body.value.axes[position + 1 :]
            matrix = abstract_axis(body.value.array, position + 1)
        else:  # the parameter is unused (not well-typed): the same image for every basis vector
            rest = body.value.axes
            shape = (body.value.shape[0], dom, *body.value.shape[1:])
            self.guard(shape, node, rest)
            matrix = np.broadcast_to(np.expand_dims(body.value.array, 1), shape)
        self.guard(matrix.shape, node, rest)
        value = Tensor(np.ascontiguousarray(flatten_function(matrix)), rest, body.value._maxabs)
        return Abstraction(node, value, node.param, body)

    def apply(self, node: Apply, env: dict[str, _Binding]) -> NeuronNode:
        fn = self.run(node.fn, env)
        arg = self.run(node.arg, env)
        self.disjoint(node, fn.value.axes, arg.value.axes)
        assert isinstance(node.fn.type, Arrow)
        dom = self.dim(node.fn.type.dom)
        axes = (*fn.value.axes, *arg.value.axes)
        self.guard((self.dim(node.type), *fn.value.shape[1:], *arg.value.shape[1:]), node, axes)
        f, a = fn.value.array, arg.value.array
        if not self.fits(dom, fn.value.maxabs(), arg.value.maxabs()):
            f, a = _obj(f), _obj(a)
        array = apply_matrix(f, a, dom)
        return Application(node, Tensor(array, axes), fn, arg)

    def recurrent(self, node: Recurrent, env: dict[str, _Binding]) -> NeuronNode:
        count = self.run(node.count, env)
        base = self.run(node.base, env)
        step = self.run(node.step, env)
        assert isinstance(step, Abstraction)
        if step.value.axes:  # impossible for a checked term: every variable of a step is bound
            names = ", ".join(step.value.names)
            raise CajalError(
                ErrorKind.UNBOUND_WEIGHT,
                f"the step of this `iter` depends on {names}, which must be bound to values",
                node.span,
            )
        self.disjoint(node, base.value.axes, count.value.axes)
        d = self.dim(node.type)
        matrix = Tensor(unflatten_function(step.value.array, d), (), step.value._maxabs)
        state_shape = base.value.shape
        self.guard(state_shape, node, base.value.axes)
        self.guard((self.k + 1, *state_shape), node, base.value.axes, "the states of the `iter`")
        self.guard((*state_shape, *count.value.shape[1:]), node, (*base.value.axes, *count.value.axes))

        known: dict[int, Tensor] = {id(base.value.array): base.value}

        def step_once(h: npt.NDArray[Any]) -> npt.NDArray[Any]:
            state = known.get(id(h)) or Tensor(h, base.value.axes)
            s_arr = matrix.array
            if not self.fits(d, matrix.maxabs(), state.maxabs()):
                s_arr, h = _obj(s_arr), _obj(h)
            out = Tensor(_matmul_first(s_arr, h), base.value.axes)
            known[id(out.array)] = out
            return out.array

        states = unroll_states(step_once, base.value.array, self.k)
        state_tensors = tuple(known.get(id(s)) or Tensor(s, base.value.axes) for s in states)
        bounds = [t.maxabs() for t in state_tensors]
        c_arr = count.value.array
        if None in bounds or not self.fits(len(states), max(b or 0 for b in bounds), count.value.maxabs()):
            states = [_obj(s) for s in states]
            c_arr = _obj(c_arr)
        array = recurrent_sum(states, c_arr)
        value = Tensor(array, (*base.value.axes, *count.value.axes))
        return RecurrentNeuron(node, value, count, base, step, matrix, state_tensors, count.value)

    def def_ref(self, node: DefRef) -> NeuronNode:
        body = self.defs.get(id(node.body))
        if body is None:
            body = self.defs[id(node.body)] = self.run(node.body, {})
        return DefNeuron(node, body.value, node.name, body)

    # -- helpers ------------------------------------------------------------

    def axis_binding(self, name: str, t: Type) -> _Axis:
        """One _Axis object per (name, type), so that memo keys (ids of bindings) stay valid."""
        found = self.axes.get((name, t))
        if found is None:
            found = self.axes[(name, t)] = _Axis(name, t)
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
        shared = {n for n, _ in left} & {n for n, _ in right}
        if shared:
            name = sorted(shared)[0]
            raise CajalError(
                ErrorKind.USED_TWICE,
                f"variable `{name}` is used twice (the compiler needs a linearly typed term)",
                node.span,
            )


def _matmul_first(matrix: npt.NDArray[Any], array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """matrix (m, n) times array (n, *rest) along its first axis: (m, *rest)."""
    flat = array.reshape(array.shape[0], -1)
    product: npt.NDArray[Any] = matrix @ flat
    return product.reshape(matrix.shape[0], *array.shape[1:])


def _max_bound(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def _basis_index(binding: _Binding) -> int | None:
    return binding.index if isinstance(binding, _Bound) else None


def _obj(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """An object array of Python ints (arbitrary precision) with the same entries."""
    return array if array.dtype == object else array.astype(object)


def _merge_axes(*groups: Context) -> Context:
    """The union of several axis lists, in order of first appearance."""
    seen: dict[str, Type] = {}
    for group in groups:
        for name, t in group:
            seen.setdefault(name, t)
    return tuple(seen.items())


# ===========================================================================
# Entry point
# ===========================================================================


def compile_program(
    program: NeuronProgram,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    bindings: Mapping[str, Any] | None = None,
    opaque_dims: OpaqueDims | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> Compiled:
    """Evaluate a lowered program exactly at bound K (see `compile_term`)."""
    check_nat_bound(nat_bound)
    bindings = dict(bindings or {})
    dims = dict(opaque_dims or {})
    names = [n for n, _ in program.context]
    for name in bindings:
        if name not in names:
            raise CajalError(
                ErrorKind.BAD_BINDING,
                f"`{name}` is bound but is not a context variable"
                + (f" (the context is {', '.join(names)})" if names else " (the term has no context)"),
            )
    for name in program.recurrent_weights:
        if name not in bindings:
            t = dict(program.context)[name]
            raise CajalError(
                ErrorKind.UNBOUND_WEIGHT,
                f"`{name} : {show_type(t)}` is a recurrent weight (it is used inside an `iter` step, so the "
                f"compiled map is not linear in it): bind it to a value to compile "
                f"(bindings={{'{name}': ...}}, or --bind / --symbolic on the command line)",
                program.weight_span(name),
            )
    compiler = _Compiler(nat_bound, dims, max_entries)
    env: dict[str, _Binding] = {}
    axes: list[tuple[str, Type]] = []
    for name, t in program.context:
        if name in bindings:
            env[name] = _Bound(_binding_array(name, t, bindings[name], nat_bound, dims))
        else:
            env[name] = _Axis(name, t)
            axes.append((name, t))
    with deep_recursion():
        root = compiler.run(program.root, env)
    axes_t = tuple(axes)
    compiler.guard((compiler.dim(program.type), *(compiler.dim(t) for _, t in axes_t)), program.root, axes_t)
    # a context variable the term does not use (not well-typed) gets a constant axis
    value = root.value
    have = value.axes + tuple(a for a in axes_t if a[0] not in value.names)
    array = compiler.align(value, have)
    perm = context_permutation([n for n, _ in have], [n for n, _ in axes_t])
    array = np.transpose(array, [0, *(1 + p for p in perm)])
    return Compiled(
        type=program.type,
        nat_bound=nat_bound,
        context=axes_t,
        tensor=_exact_array(np.ascontiguousarray(array)),
        structure=root,
        program=program,
        bound=tuple(n for n in names if n in bindings),
        opaque_dims=dims,
    )


def compile_term(
    term: Term,
    ctx: Sequence[tuple[str, Type]] = (),
    defs: Defs | None = None,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    bindings: Mapping[str, Any] | None = None,
    opaque_dims: OpaqueDims | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> Compiled:
    """Compile a well-typed term Γ ⊢ t : A to its exact tensor at bound K (SPEC §5, §8).

    bindings: context variables bound to exact values — a vector (Bool, Nat, opaque) or
    a (dim B, dim A) matrix for A -o B (its flattening also accepted), with int,
    Fraction or sympy entries. A bound variable has no axis; a recurrent weight must
    be bound (UNBOUND_WEIGHT otherwise). The other context variables are the tensor's
    axes after the value axis, in context order. opaque_dims gives each opaque type's
    dimension. A tensor (final or intermediate) over max_entries is refused (SIZE_LIMIT).
    """
    program = lower(term, ctx, defs)
    return compile_program(
        program, nat_bound=nat_bound, bindings=bindings, opaque_dims=opaque_dims, max_entries=max_entries
    )


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
"""Names a mutation harness may patch in this module (`unittest.mock.patch("cajal_ref.compiler." + name)`)."""

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "PRIMITIVES",
    "Abstract",
    "Abstraction",
    "Application",
    "Apply",
    "Compiled",
    "Constant",
    "ConstantNeuron",
    "DefNeuron",
    "DefRef",
    "Input",
    "InputNeuron",
    "LinearNeuron",
    "Mix",
    "NeuronNode",
    "NeuronProgram",
    "Node",
    "Recurrent",
    "RecurrentNeuron",
    "Shift",
    "ShiftNeuron",
    "Tensor",
    "abstract_axis",
    "apply_matrix",
    "basis_vector",
    "compile_program",
    "compile_term",
    "context_permutation",
    "encode_bool",
    "encode_nat",
    "flatten_function",
    "lower",
    "mix",
    "recurrent_sum",
    "shift_matrix",
    "stack_columns",
    "symbolic_bindings",
    "symbols_for",
    "unflatten_function",
    "unroll_states",
]
