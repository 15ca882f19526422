"""The common path in one or two calls: parse, check, evaluate, compile, verify, derive, draw.

Every function takes Cajal source text (or an already parsed term) and checks it
against a workspace: the prelude by default, plus any files (`load("my.cj")`) or
declarations given as text (`load(source="def xor : ...")`). The lower layers
(`parser`, `checker`, `interpreter`, `compiler`, `verification`) stay available for
finer control; nothing here evaluates anything itself.

    >>> import cajal_ref as cj
    >>> cj.compile("fun x : Bool => not x", K=4).apply(True)
    False
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import display
from .checker import DefInfo
from .compiler import DEFAULT_MAX_ENTRIES, Compiled, NeuronNode, compile_term, symbolic_bindings
from .derivation_view import DeriveResult, derive_expression
from .diagnostics import CajalError, ErrorKind
from .interpreter import DEFAULT_FUEL, Evaluation
from .interpreter import evaluate as _evaluate
from .loader import CheckedExpr, Workspace, load_workspace
from .printer import show_term
from .spaces import DEFAULT_NAT_BOUND, OpaqueDims, decode, dim, enc, to_matrix
from .syntax import NO_SPAN, Arrow, BoolT, NatT, Source, Term, Type, show_type
from .tracing import DEFAULT_MAX_STEPS, Trace, trace_expression

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .verification.verify import DefReport

Program = str | Term
"""Source text of one expression, or a parsed term."""


# ---------------------------------------------------------------------------
# Workspaces
# ---------------------------------------------------------------------------


@functools.cache
def prelude() -> Workspace:
    """The prelude alone, loaded once (shared: extend a copy with `load`, not this one)."""
    return load_workspace()


def load(
    *files: str | Path, source: str | None = None, prelude: bool = True, strict_iter: bool = False
) -> Workspace:
    """A workspace: the prelude, then `files`, then the declarations in `source` (text)."""
    ws = load_workspace(files, prelude=prelude, strict_iter=strict_iter)
    if source is not None:
        ws.add_source(Source("<source>", source))
    return ws


def _ws(workspace: Workspace | None) -> Workspace:
    return workspace if workspace is not None else prelude()


# ---------------------------------------------------------------------------
# Checking and evaluating
# ---------------------------------------------------------------------------


def check(program: Program, ctx: str | None = None, *, workspace: Workspace | None = None) -> CheckedExpr:
    """Type-check an expression over an optional context (`"f : Nat -o Nat, n : Nat"`).

    The result has `.type`, `.context`, `.recurrent_weights` and `.typing.derivation`;
    a type error raises `CajalError` (its `render()` is the compiler-style message).
    """
    text = program if isinstance(program, str) else show_term(program)
    return _ws(workspace).check_expression(text, ctx)


def derive(program: Program, ctx: str | None = None, *, workspace: Workspace | None = None) -> DeriveResult:
    """The typing derivation, one rule per node; partial (with `.error`) when the program does not check."""
    text = program if isinstance(program, str) else show_term(program)
    return derive_expression(_ws(workspace), text, ctx)


def evaluate(
    program: Program,
    env: Mapping[str, Any] | None = None,
    defs: Mapping[str, Any] | None = None,
    *,
    ctx: str | None = None,
    workspace: Workspace | None = None,
    fuel: int = DEFAULT_FUEL,
) -> Evaluation:
    """The direct semantics (the specification): `.value` (bool, int or a Python function) and `.peak`.

    Text is type-checked first (over `ctx`, whose variables `env` binds); a term is
    evaluated as given, with the workspace's defs unless `defs` is passed.
    """
    ws = _ws(workspace)
    if isinstance(program, str):
        program = ws.check_expression(program, ctx).term
    return _evaluate(program, env, defs if defs is not None else ws.defs, fuel=fuel)


# ---------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------


def compile(
    program: Program,
    ctx: str | None = None,
    *,
    K: int = DEFAULT_NAT_BOUND,
    bind: Mapping[str, Any] | None = None,
    symbolic: Sequence[str] = (),
    opaque_dims: OpaqueDims | None = None,
    workspace: Workspace | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> CompiledProgram:
    """Check and compile an expression at bound K to its exact tensor (SPEC §5).

    `bind` binds context variables to exact vectors or matrices; `symbolic` names
    context variables to bind to sympy symbols (how a neuron is shown as a formula).
    """
    ws = _ws(workspace)
    text = program if isinstance(program, str) else show_term(program)
    checked = ws.check_expression(text, ctx)
    bindings = dict(bind or {})
    if symbolic:
        chosen = [(n, t) for n, t in checked.context if n in set(symbolic)]
        unknown = set(symbolic) - {n for n, _ in chosen}
        if unknown:
            raise CajalError(ErrorKind.BAD_BINDING, f"not context variables: {', '.join(sorted(unknown))}")
        bindings.update(symbolic_bindings(chosen, nat_bound=K, opaque_dims=opaque_dims))
    compiled = compile_term(
        checked.term,
        checked.context,
        ws.defs,
        nat_bound=K,
        bindings=bindings,
        opaque_dims=opaque_dims,
        max_entries=max_entries,
    )
    return CompiledProgram(checked, compiled)


@dataclass(frozen=True, eq=False)
class Network:
    """The compiled network (the compiler's structure): a tree of neurons, or a drawing in Jupyter."""

    root: NeuronNode
    compiled: Compiled | None = None
    title: str = ""

    def __str__(self) -> str:
        return display.network_text(self.root)

    def __repr__(self) -> str:
        return f"<Network {show_type(self.root.type)}: {sum(1 for _ in self.root.walk())} neurons>"

    def _repr_pretty_(self, p: display.PrettyPrinter, cycle: bool) -> None:
        display.pretty_text(p, cycle, str(self))

    def svg(self) -> str | None:
        """The box-and-arrow drawing of `cajal figures` as SVG text; None without matplotlib."""
        if self.compiled is None:
            return None
        try:
            from .figures.network import network_figure
        except ImportError:
            return None
        buffer = io.StringIO()
        network_figure(self.title, self.compiled).savefig(buffer, format="svg")
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        """Jupyter: the drawing when matplotlib is installed (extra `figures`), else the tree."""
        drawing = self.svg()
        return drawing if drawing is not None else display.network_html(self.root)

    def _repr_latex_(self) -> str:
        return display.network_latex(self.root)


@dataclass(frozen=True, eq=False)
class CompiledProgram:
    """A checked expression and its compiled tensor; it applies itself and renders itself.

    `tensor` is the exact tensor as printed (SPEC §8: a function value as its
    (dim B, dim A) matrix, then one axis per unbound context variable);
    `compiled` is the compiler's full result (`flat` tensor, structure, program).
    """

    checked: CheckedExpr
    compiled: Compiled

    @property
    def type(self) -> Type:
        return self.compiled.type

    @property
    def K(self) -> int:
        """The Nat bound the program was compiled at."""
        return self.compiled.nat_bound

    @property
    def context(self) -> tuple[tuple[str, Type], ...]:
        """The unbound context variables: the tensor's axes after the value's, in order."""
        return self.compiled.context

    @property
    def tensor(self) -> Any:
        return self.compiled.printed

    @property
    def network(self) -> Network:
        return Network(self.compiled.structure, self.compiled, show_term(self.term))

    @property
    def term(self) -> Term:
        return self.checked.term

    def labels(self) -> list[tuple[str, list[str]]]:
        """For each axis of `tensor`, its title and the names of its basis vectors."""
        return self.compiled.axis_labels()

    def apply(self, *args: Any, **inputs: Any) -> Any:
        """The compiled map at `inputs` (one per context variable) applied to `args`.

        A Bool or Nat argument is encoded (enc, SPEC §5); any other argument is an
        exact vector (a matrix for a function type is flattened row-major), or another
        CompiledProgram. A ground result that is a basis vector is decoded to a bool
        or an int; otherwise the exact vector (or matrix) is returned.
        """
        vector = self.vector(*args, **inputs)
        t = self._result_type(len(args))
        if isinstance(t, (BoolT, NatT)):
            value = decode(vector, t)
            if value is not None:
                return value
        if isinstance(t, Arrow):
            return to_matrix(vector, t, self.K, self.compiled.opaque_dims)
        return vector

    def vector(self, *args: Any, **inputs: Any) -> Any:
        """Like `apply`, but always the exact result vector (flattened for a function type)."""
        missing = [n for n, _ in self.context if n not in inputs]
        extra = sorted(set(inputs) - {n for n, _ in self.context})
        if missing or extra:
            raise CajalError(
                ErrorKind.BAD_BINDING,
                "apply needs one input per context variable"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not context variables: {', '.join(extra)}" if extra else ""),
            )
        array = np.asarray(self.compiled.tensor, dtype=object)
        for name, t in reversed(self.context):
            array = array.dot(self._encode(inputs[name], t, name))
        t = self.type
        for index, arg in enumerate(args):
            if not isinstance(t, Arrow):
                raise CajalError(
                    ErrorKind.NOT_A_FUNCTION,
                    f"too many arguments: after {index} the value has type {show_type(t)}, not a function",
                )
            matrix = to_matrix(array, t, self.K, self.compiled.opaque_dims)
            array = matrix.dot(self._encode(arg, t.dom, f"argument {index + 1}"))
            t = t.cod
        return array

    def _result_type(self, count: int) -> Type:
        t = self.type
        for _ in range(count):
            assert isinstance(t, Arrow)
            t = t.cod
        return t

    def _encode(self, value: Any, t: Type, what: str) -> Any:
        size = dim(t, self.K, self.compiled.opaque_dims)
        if isinstance(value, CompiledProgram):
            if value.context or value.type != t:
                raise CajalError(
                    ErrorKind.MISMATCH,
                    f"{what} expects a closed value of type {show_type(t)}, "
                    f"got one of {show_type(value.type)}",
                )
            value = value.compiled.tensor.reshape(-1)
        elif isinstance(value, (bool, int)) and isinstance(t, (BoolT, NatT)):
            try:
                vector = enc(value, t, self.K)
            except ValueError as err:
                raise CajalError(ErrorKind.MISMATCH, f"{what}: {err}") from None
            return np.zeros(size, dtype=object) if vector is None else vector.astype(object)
        array = np.asarray(value, dtype=object).reshape(-1)
        if array.size != size:
            raise CajalError(
                ErrorKind.BAD_BINDING,
                f"{what} of type {show_type(t)} needs {size} entries at K = {self.K}, got {array.size}",
            )
        return array

    def __str__(self) -> str:
        return display.compiled_text(self.compiled)

    def __repr__(self) -> str:
        shape = "×".join(str(n) for n in self.tensor.shape)
        return f"<CompiledProgram {show_term(self.term)!r} : {show_type(self.type)}, K={self.K}, {shape}>"

    def _repr_pretty_(self, p: display.PrettyPrinter, cycle: bool) -> None:
        display.pretty_text(p, cycle, str(self))

    def _repr_html_(self) -> str:
        return display.compiled_html(self.compiled)

    def _repr_latex_(self) -> str:
        return display.compiled_latex(self.compiled)


def trace(
    program: str,
    *,
    K: int | None = None,
    workspace: Workspace | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> Trace:
    """Watch a closed program run: reduction steps, and each `iter` beside its recurrent neuron.

    K defaults to the direct evaluation's peak (at most 20). The result prints as text and has
    `render_latex`/`trace_json` renderings in `cajal_ref.tracing`.
    """
    return trace_expression(_ws(workspace), program, nat_bound=K, max_steps=max_steps)


# ---------------------------------------------------------------------------
# Verifying and drawing (optional extras, imported on use)
# ---------------------------------------------------------------------------


def verify(
    program: Program,
    ctx: str | None = None,
    *,
    K: int = DEFAULT_NAT_BOUND,
    samples: int = 8,
    opaque_dims: OpaqueDims | None = None,
    workspace: Workspace | None = None,
) -> DefReport:
    """Check T2 for a def (by name) or an expression: the compiled map against the direct semantics.

    Complete over basis inputs when every input is first-order (T3); sampled
    otherwise. `report.ok` says whether they agree, `report.counterexample` where not.
    """
    from .verification.verify import verify_def

    ws = _ws(workspace)
    if isinstance(program, str) and program in ws.defs and ctx is None:
        return verify_def(ws.defs[program], ws.defs, nat_bound=K, samples=samples, opaque_dims=opaque_dims)
    checked = check(program, ctx, workspace=ws)
    name = show_term(checked.term)
    info = DefInfo(name, checked.type, checked.term, NO_SPAN, checked.context, checked.recurrent_weights)
    defs = {**ws.defs, name: info}
    return verify_def(info, defs, nat_bound=K, samples=samples, opaque_dims=opaque_dims)


def draw(
    program: Program | CompiledProgram,
    ctx: str | None = None,
    *,
    kind: str = "network",
    K: int = 4,
    workspace: Workspace | None = None,
) -> Figure:
    """A matplotlib figure (extra `figures`): kind "network", "heatmap" or "derivation"."""
    from .figures import derivation as derivation_fig
    from .figures import heatmaps, network

    if kind == "derivation":
        if isinstance(program, CompiledProgram):
            program = program.term
        result = derive(program, ctx, workspace=workspace)
        return derivation_fig.derivation_figure(result, show_term(result.root.term))
    compiled = program if isinstance(program, CompiledProgram) else compile(
        program, ctx, K=K, workspace=workspace
    )
    title = show_term(compiled.term)
    if kind == "network":
        return network.network_figure(title, compiled.compiled)
    if kind == "heatmap":
        view = heatmaps.compiled_matrix_view(title, compiled.compiled, compiled.term)
        return heatmaps.heatmap_figure(view)
    raise ValueError(f"kind must be 'network', 'heatmap' or 'derivation', not {kind!r}")


__all__ = [
    "CompiledProgram",
    "Network",
    "check",
    "compile",
    "derive",
    "draw",
    "evaluate",
    "load",
    "prelude",
    "trace",
    "verify",
]
