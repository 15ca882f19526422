"""Lowering: a checked term becomes its neuron program (`term_to_neurons`, alias `lower`).

Lowering synthesises types, inlines def references (one shared node per def), and
decides which binders are recurrent weights (`Abstract.per_basis`: a Bool/Nat binder
used inside a nested step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..diagnostics import CajalError, ErrorKind
from ..syntax import (
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    show_type,
)
from .ir import (
    Abstract,
    Apply,
    Constant,
    DefRef,
    Defs,
    Input,
    Mix,
    NeuronProgram,
    Node,
    Recurrent,
    Shift,
    children,
    raised_recursion_limit,
)


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
        free = tuple([v for v in b.free if v != param]) if param in b.free else b.free
        weights = b.weights - {param} if param in b.weights else b.weights
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
        weights = f.weights | a.weights if a.weights else f.weights
        return Apply(f.type.cod, term, _union(f, a), weights, f, a)

    def def_ref(self, term: Var, name: str) -> DefRef:
        if name not in self.defs:
            raise CajalError(
                ErrorKind.UNBOUND, f"unbound variable `{name}`: no binder or def of that name", term.span
            )
        node = self.def_nodes.get(name)
        if node is None:
            cached = _LOWERED_DEFS.get(self.cache_key(name))
            if cached is not None and all(
                dep in self.defs and self.defs[dep].body is body for dep, body in cached[1]
            ):
                node = self.def_nodes[name] = cached[0]
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
            if len(_LOWERED_DEFS) >= _LOWERED_DEFS_MAX:
                _LOWERED_DEFS.clear()
            _LOWERED_DEFS[self.cache_key(name)] = (node, self.uses(name, node.body))
        # the cached node carries the first reference's term; give this reference its own span
        return DefRef(node.type, term, (), frozenset(), name, node.body)

    def cache_key(self, name: str) -> tuple[Any, ...]:
        """A def's key in _LOWERED_DEFS: its name, its body, and this class's lowering
        methods (a mutation harness that patches them must neither hit nor fill the cache)."""
        return (name, id(self.defs[name].body), type(self).lower, type(self).def_ref)

    def uses(self, name: str, body: Node) -> tuple[tuple[str, Term], ...]:
        """The defs a lowered def reaches (itself included), with the bodies it was lowered from."""
        seen = {name: self.defs[name].body}
        stack = [body]
        while stack:
            sub = stack.pop()
            if isinstance(sub, DefRef):
                if sub.name not in seen:
                    seen[sub.name] = self.defs[sub.name].body
                    stack.append(sub.body)
                continue
            stack.extend(children(sub))
        return tuple(seen.items())

    @staticmethod
    def expect(node: Node, expected: Type, what: str) -> None:
        if node.type is not expected and node.type != expected:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"{what}: expected {show_type(expected)}, found {show_type(node.type)}",
                node.span,
            )


_LOWERED_DEFS: dict[tuple[Any, ...], tuple[DefRef, tuple[tuple[str, Term], ...]]] = {}
"""Closed defs already lowered, by name and body, with every def they reach and its body
(kept, so ids stay their own; a hit needs the same bodies in the current defs): a def's
neuron program does not depend on K or on the program that uses it, so the prelude is
lowered once per process, not once per compilation."""


_LOWERED_DEFS_MAX = 1024


def _union(*nodes: Node) -> tuple[str, ...]:
    """The sorted union of the nodes' free variables (one node's own tuple where the others have none)."""
    having = [n.free for n in nodes if n.free]
    if len(having) <= 1:
        return having[0] if having else ()
    return tuple(sorted({v for free in having for v in free}))


def lower(term: Term, ctx: Sequence[tuple[str, Type]] = (), defs: Defs | None = None) -> NeuronProgram:
    """Lower a well-typed term over a context to its neuron program (independent of K)."""
    context = tuple(ctx)
    scope = dict(context)
    if len(scope) != len(context):
        dup = next(n for i, (n, _) in enumerate(context) if any(n == m for m, _ in context[:i]))
        raise CajalError(ErrorKind.DUPLICATE, f"context variable `{dup}` is declared twice")
    with raised_recursion_limit():
        root = _Lowerer(defs or {}).lower(term, scope)
    weights = tuple(name for name, _ in context if name in root.weights)
    return NeuronProgram(root, context, weights)



term_to_neurons = lower
"""The stage's name in the pipeline: a term to its neuron program."""
