"""Watching a program run: the direct semantics step by step, and each `iter` as its neuron.

Two views side by side, computed independently:

- the direct evaluation, as Redex-style call-by-value reduction steps on closed
  terms (δ unfolds a def, β substitutes a value, `iter` counts down by
  `iter (succ k) {zero => v | succ y => u} → iter k {zero => u[y:=v] | succ y => u}`);
  its final value is checked against the interpreter (`interpreter.evaluate`);
- for every `iter` that the reduction fires, the recurrent neuron the compiler
  builds for that closed instance: its states hᵢ = Sⁱ·h₀ and coefficients nᵢ, next
  to the direct semantics' iterates (the interpreter run on `iter i {…}`), encoded.

The stepper here is a third, deliberately naive evaluator for display only; the
interpreter and the compiler are only called, so they still share no code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compiler import Compiled, RecurrentNeuron, compile_term
from .diagnostics import CajalError, ErrorKind
from .interpreter import evaluate
from .printer import show_term
from .spaces import basis_labels, enc
from .syntax import (
    App,
    Arrow,
    BoolLit,
    BoolT,
    If,
    Iter,
    Lam,
    Let,
    NatT,
    Numeral,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    deep_recursion,
    show_type,
)

DEFAULT_MAX_STEPS = 2_000
"""Reduction steps shown before the trace stops (the program terminates; the page would not)."""

DEFAULT_MAX_NAT_BOUND = 20
"""The default K is the evaluation's peak, but at most this (past it the neuron visibly truncates)."""

MAX_NAT_BOUND = 1_000
"""Largest K a trace accepts: each iteration's table has K + 1 rows."""

MAX_ITERATIONS = 50
"""Iterations shown with their neuron (each is one exact compilation)."""


@dataclass(frozen=True)
class Step:
    """One reduction: the rule that fired and the whole term after it."""

    rule: str
    term: Term


@dataclass(frozen=True)
class IterRow:
    """Row i of an iteration: coefficient nᵢ, neuron state hᵢ, direct iterate dᵢ (None past K)."""

    i: int
    coefficient: Any
    state: list[Any] | None
    direct: Any
    encoded: list[Any] | None

    @property
    def agrees(self) -> bool | None:
        """hᵢ = enc(dᵢ); None where there is nothing to compare (a function state, or i > K)."""
        if self.state is None or self.encoded is None:
            return None
        return bool(self.state == self.encoded)


@dataclass(frozen=True)
class IterTrace:
    """One `iter` fired by the reduction: the closed instance, its count, and the rows."""

    step: int
    term: Term
    count: int
    type: Type
    labels: list[str]
    rows: tuple[IterRow, ...]
    output: list[Any]
    direct: Any
    encoded: list[Any] | None

    @property
    def agrees(self) -> bool | None:
        checks = [r.agrees for r in self.rows if r.agrees is not None]
        if self.encoded is not None:
            checks.append(self.output == self.encoded)
        return all(checks) if checks else None


@dataclass
class Trace:
    term: Term
    nat_bound: int
    steps: list[Step] = field(default_factory=list)
    iterations: list[IterTrace] = field(default_factory=list)
    value: Any = None
    peak: int = 0
    truncated: bool = False

    def __str__(self) -> str:
        return render_text(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("..." if cycle else render_text(self))

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(render_text(self))}</pre>"


# ---------------------------------------------------------------------------
# The stepper: call-by-value reduction on closed terms
# ---------------------------------------------------------------------------


def _is_value(t: Term) -> bool:
    return isinstance(t, (BoolLit, Zero, Numeral, Lam))


def _nat(t: Term) -> int | None:
    if isinstance(t, Zero):
        return 0
    if isinstance(t, Numeral):
        return t.value
    return None


def substitute(t: Term, name: str, value: Term) -> Term:
    """t[name := value] for a *closed* value (so no capture can happen)."""
    match t:
        case Var(x):
            return value if x == name else t
        case BoolLit() | Zero() | Numeral():
            return t
        case Succ(arg):
            return Succ(substitute(arg, name, value))
        case If(c, a, b):
            return If(substitute(c, name, value), substitute(a, name, value), substitute(b, name, value))
        case Lam(x, ty, body):
            return t if x == name else Lam(x, ty, substitute(body, name, value))
        case App(f, a):
            return App(substitute(f, name, value), substitute(a, name, value))
        case Iter(n, b, y, s):
            step = s if y == name else substitute(s, name, value)
            return Iter(substitute(n, name, value), substitute(b, name, value), y, step)
        case Let(x, bound, body):
            inner = body if x == name else substitute(body, name, value)
            return Let(x, substitute(bound, name, value), inner)


class _Stepper:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs
        self.fired: list[Iter] = []
        """Iter redexes that start an iteration (count and base values, not a continuation)."""
        self.continuing: dict[int, Iter] = {}

    def step(self, t: Term) -> tuple[str, Term]:
        """One reduction of the leftmost-outermost redex (t is closed and not a value)."""
        match t:
            case Var(name):
                if name not in self.defs:
                    raise CajalError(ErrorKind.UNBOUND, f"`{name}` is free: trace needs a closed program")
                return f"δ {name}", self.defs[name].body
            case Succ(arg):
                k = _nat(arg)
                if k is not None:
                    return "Succ", Numeral(k + 1)
                rule, arg2 = self.step(arg)
                return rule, Succ(arg2)
            case If(c, a, b):
                if isinstance(c, BoolLit):
                    return ("If-true", a) if c.value else ("If-false", b)
                rule, c2 = self.step(c)
                return rule, If(c2, a, b)
            case App(f, a):
                if not _is_value(f):
                    rule, f2 = self.step(f)
                    return rule, App(f2, a)
                if not _is_value(a):
                    rule, a2 = self.step(a)
                    return rule, App(f, a2)
                assert isinstance(f, Lam)
                return "β", substitute(f.body, f.param, a)
            case Let(x, bound, body):
                if not _is_value(bound):
                    rule, bound2 = self.step(bound)
                    return rule, Let(x, bound2, body)
                return "Let", substitute(body, x, bound)
            case Iter(n, b, y, s):
                k = _nat(n)
                if k is None:
                    rule, n2 = self.step(n)
                    return rule, Iter(n2, b, y, s)
                if not _is_value(b):
                    rule, b2 = self.step(b)
                    return rule, self._carry(t, Iter(n, b2, y, s), id(t) in self.continuing)
                if id(t) not in self.continuing:
                    self.fired.append(t)
                if k == 0:
                    return "Iter-zero", b
                return "Iter-succ", self._carry(t, Iter(Numeral(k - 1), substitute(s, y, b), y, s), True)
            case _:
                raise AssertionError(f"no reduction for a value: {show_term(t)}")

    def _carry(self, old: Iter, new: Iter, continuing: bool) -> Iter:
        """Mark `new` as carrying on an iteration already fired (so it is not traced again)."""
        if continuing:
            self.continuing[id(new)] = new
        return new


# ---------------------------------------------------------------------------
# The neuron of each fired iter, against the interpreter's iterates
# ---------------------------------------------------------------------------


def _ground_values(t: Type, nat_bound: int) -> list[Any]:
    return [True, False] if isinstance(t, BoolT) else list(range(nat_bound + 1))


def _encoded(value: Any, t: Type, nat_bound: int) -> list[Any] | None:
    """enc of a direct value; a function between Bool/Nat by its images of basis values (SPEC §5)."""
    if isinstance(t, Arrow) and isinstance(t.dom, (BoolT, NatT)) and isinstance(t.cod, (BoolT, NatT)):
        columns = [_encoded(value(a), t.cod, nat_bound) for a in _ground_values(t.dom, nat_bound)]
        return [column[b] for b in range(len(columns[0] or [])) for column in columns if column is not None]
    if not isinstance(t, (BoolT, NatT)):
        return None
    vector = enc(value, t, nat_bound)
    size = 2 if isinstance(t, BoolT) else nat_bound + 1
    return [0] * size if vector is None else [int(x) for x in vector]


def _iteration(
    redex: Iter, step_index: int, state_type: Type, defs: Mapping[str, Any], nat_bound: int, fuel: int
) -> IterTrace:
    count = _nat(redex.count)
    assert count is not None
    compiled: Compiled = compile_term(redex, (), defs, nat_bound=nat_bound)
    neuron = next(n for n in compiled.structure.walk() if isinstance(n, RecurrentNeuron))
    states = [list(s.exact().reshape(-1)) for s in neuron.states]
    coefficients = list(neuron.coefficients.exact().reshape(-1))
    # the interpreter's iterates: d_0 = base, d_(i+1) = (fun y : A => step) d_i
    step_fn = evaluate(Lam(redex.step_var, state_type, redex.step), {}, defs, fuel=fuel).value
    direct = evaluate(redex.base, {}, defs, fuel=fuel).value
    rows: list[IterRow] = []
    for i in range(nat_bound + 1):  # the neuron's states; a count past K has coefficient vector 0
        rows.append(IterRow(i, coefficients[i], states[i], direct, _encoded(direct, state_type, nat_bound)))
        if i < nat_bound:
            direct = step_fn(direct)
    output = list(compiled.tensor.reshape(-1))
    final = evaluate(redex, {}, defs, fuel=fuel).value
    return IterTrace(
        step_index,
        redex,
        count,
        state_type,
        basis_labels(state_type, nat_bound) if not isinstance(state_type, Arrow) else [],
        tuple(rows),
        output,
        final,
        _encoded(final, state_type, nat_bound),
    )


def trace_term(
    term: Term,
    defs: Mapping[str, Any],
    *,
    nat_bound: int | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    fuel: int = 1_000_000,
    state_types: Any = None,
) -> Trace:
    """Reduce a closed, well-typed term step by step and trace every `iter` it fires.

    `state_types(iter_term)` gives an iteration's state type (the checker's); K
    defaults to the direct evaluation's peak (at least 1, at most
    DEFAULT_MAX_NAT_BOUND), the smallest bound at which the compiled program is exact (T2).
    """
    if nat_bound is not None and not 0 <= nat_bound <= MAX_NAT_BOUND:
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"trace shows one row per basis vector of Nat: K must be at most {MAX_NAT_BOUND}, "
            f"got {nat_bound}",
        )
    result = evaluate(term, {}, defs, fuel=fuel)
    k = nat_bound if nat_bound is not None else min(max(1, result.peak), DEFAULT_MAX_NAT_BOUND)
    trace = Trace(term, k, value=result.value, peak=result.peak)
    stepper = _Stepper(defs)
    current = term
    with deep_recursion():
        while not _is_value(current):
            if len(trace.steps) >= max_steps:
                trace.truncated = True
                break
            before = len(stepper.fired)
            rule, current = stepper.step(current)
            trace.steps.append(Step(rule, current))
            for redex in stepper.fired[before:][: MAX_ITERATIONS - len(trace.iterations)]:
                t = state_types(redex) if state_types is not None else None
                if t is not None:
                    trace.iterations.append(_iteration(redex, len(trace.steps), t, defs, k, fuel))
    if not trace.truncated and not _agrees_with_interpreter(current, result.value):
        raise AssertionError(f"the stepper reached {show_term(current)}, the interpreter {result.value!r}")
    return trace


def _agrees_with_interpreter(value_term: Term, value: Any) -> bool:
    if isinstance(value_term, BoolLit):
        return value_term.value is value
    k = _nat(value_term)
    if k is not None:
        return bool(k == value)
    return callable(value)


def trace_expression(ws: Any, text: str, *, nat_bound: int | None = None,
                     max_steps: int = DEFAULT_MAX_STEPS) -> Trace:
    """Check `text` in the workspace (it must be closed) and trace it."""
    checked = ws.check_expression(text)
    if checked.context:
        raise CajalError(ErrorKind.UNBOUND, "trace needs a closed program (no --ctx)")

    def state_type(redex: Iter) -> Type:
        return ws.check_expression(show_term(redex.base)).type  # type: ignore[no-any-return]

    return trace_term(checked.term, ws.defs, nat_bound=nat_bound, max_steps=max_steps,
                      state_types=state_type)


# ---------------------------------------------------------------------------
# Rendering: text, LaTeX, JSON
# ---------------------------------------------------------------------------


def _entry(x: Any) -> str:
    return str(int(x)) if isinstance(x, (int, np.integer)) else str(x)


def _vector_text(v: list[Any] | None, labels: list[str]) -> str:
    if v is None:
        return "—"
    ones = [i for i, x in enumerate(v) if x == 1]
    if len(ones) == 1 and all(x == 0 for i, x in enumerate(v) if i != ones[0]) and labels:
        return f"e_{labels[ones[0]]}"
    if all(x == 0 for x in v):
        return "0"
    return "(" + ", ".join(_entry(x) for x in v) + ")"


def _encoded_text(row: IterRow, it: IterTrace, nat_bound: int) -> str:
    text = _vector_text(row.encoded, it.labels)
    past = isinstance(row.direct, int) and not isinstance(row.direct, bool) and row.direct > nat_bound
    return text + " (> K)" if past else text


def _direct_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "—"
    return "<function>" if callable(value) else str(value)


def render_text(trace: Trace, *, steps: bool = True) -> str:
    capped = " > K: the neuron truncates; pass -K to raise K" if trace.peak > trace.nat_bound else ""
    lines = [f"trace of {show_term(trace.term)}   (K = {trace.nat_bound}, peak {trace.peak}{capped})", ""]
    if steps:
        lines.append("direct evaluation (call-by-value reduction):")
        width = len(str(len(trace.steps)))
        lines.append(f"  {'0'.rjust(width)}    {show_term(trace.term)}")
        rule_w = max((len(s.rule) for s in trace.steps), default=0)
        for index, s in enumerate(trace.steps, 1):
            lines.append(f"  {str(index).rjust(width)}  → {s.rule.ljust(rule_w)}  {show_term(s.term)}")
        if trace.truncated:
            lines.append(f"  … stopped after {len(trace.steps)} steps (raise --max-steps)")
        lines.append("")
    lines.append(f"value: {_direct_text(trace.value)}")
    for number, it in enumerate(trace.iterations, 1):
        lines.append("")
        lines.append(f"iteration {number} (step {it.step}): {show_term(it.term)}   : {show_type(it.type)}")
        lines.append("  recurrent neuron h₀ = base, hᵢ₊₁ = S·hᵢ, out = Σᵢ nᵢ·hᵢ; direct dᵢ = iter i {…}")
        lines.append(f"  {'i':>3}  {'nᵢ':>3}  {'hᵢ (neuron)':<16} {'dᵢ (direct)':<12} {'enc(dᵢ)':<16} agree")
        for r in it.rows:
            mark = {True: "✓", False: "✗", None: ""}[r.agrees]
            coefficient = "—" if r.coefficient is None else _entry(r.coefficient)
            lines.append(
                f"  {r.i:>3}  {coefficient:>3}  {_vector_text(r.state, it.labels):<16} "
                f"{_direct_text(r.direct):<12} {_encoded_text(r, it, trace.nat_bound):<16} {mark}".rstrip()
            )
        out = _vector_text(it.output, it.labels)
        final = IterRow(it.count, None, it.output, it.direct, it.encoded)
        mark = {True: "  ✓", False: "  ✗", None: ""}[it.agrees]
        direct = f"{_direct_text(it.direct)} = {_encoded_text(final, it, trace.nat_bound)}"
        lines.append(f"  out = Σ nᵢ·hᵢ = {out};  direct: {direct}{mark}")
    return "\n".join(lines) + "\n"


def _latex_vector(v: list[Any] | None) -> str:
    if v is None:
        return "-"
    return r"(" + ", ".join(_entry(x) for x in v) + r")^{\top}"


def render_latex(trace: Trace, *, steps: bool = True) -> str:
    """A LaTeX fragment (amsmath): the reduction sequence, then one table per iteration."""
    from .derivation_view import latex_term, latex_type

    parts: list[str] = []
    if steps:
        rows = [rf"& {latex_term(trace.term)}"]
        rows += [rf"\longrightarrow_{{\text{{{s.rule}}}}} & {latex_term(s.term)}" for s in trace.steps]
        parts.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    for it in trace.iterations:
        head = rf"\[{latex_term(it.term)} : {latex_type(it.type)},\quad K = {trace.nat_bound}\]"
        body = [r"i & n_i & h_i & d_i & \mathrm{enc}(d_i) \\ \hline"]
        for r in it.rows:
            coefficient = "-" if r.coefficient is None else _entry(r.coefficient)
            direct = r"\mathsf{" + _direct_text(r.direct) + "}"
            state, encoded = _latex_vector(r.state), _latex_vector(r.encoded)
            body.append(f"{r.i} & {coefficient} & {state} & {direct} & {encoded} \\\\")
        parts.append(head + "\n\\[\\begin{array}{rrlll}\n" + "\n".join(body) + "\n\\end{array}\\]")
    return "\n\n".join(parts) + "\n"


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    return "<function>" if callable(value) else str(value)


def _json_entry(x: Any) -> Any:
    if x is None:
        return None
    return int(x) if isinstance(x, (int, np.integer)) else str(x)


def _json_vector(v: list[Any] | None) -> list[Any] | None:
    return None if v is None else [_json_entry(x) for x in v]


def trace_json(trace: Trace) -> dict[str, Any]:
    return {
        "expr": show_term(trace.term),
        "K": trace.nat_bound,
        "peak": trace.peak,
        "value": _json_value(trace.value),
        "steps": [{"rule": s.rule, "term": show_term(s.term)} for s in trace.steps],
        "truncated": trace.truncated,
        "iterations": [
            {
                "step": it.step,
                "term": show_term(it.term),
                "type": show_type(it.type),
                "count": it.count,
                "basis": it.labels,
                "rows": [
                    {
                        "i": r.i,
                        "coefficient": _json_entry(r.coefficient),
                        "state": _json_vector(r.state),
                        "direct": _json_value(r.direct),
                        "encoded": _json_vector(r.encoded),
                        "agrees": r.agrees,
                    }
                    for r in it.rows
                ],
                "output": _json_vector(it.output),
                "direct": _json_value(it.direct),
                "encoded": _json_vector(it.encoded),
                "agrees": it.agrees,
            }
            for it in trace.iterations
        ],
    }
