"""The linear type checker of Cajal(⊸, 2, N) (SPEC §3), algorithmic and with precise errors.

Every binder is annotated (and `let` synthesises its type from the bound term), so
each term's type is synthesised bottom-up together with the variables it uses and
where. Linearity is then a check at the points where a context is split (App, If,
Iter, Let): the parts must use disjoint variables, a binder's variable must be used
exactly once, and the two branches of an `if` must use the same ones.

Variables are tracked by binding (not by name), so shadowing needs no renaming: an
inner binder hides an outer one, a context variable, or a def.

Recurrent weights: a variable used inside the step of an `iter` (other than that
iter's own step variable). A context variable of any type may be one; a variable
bound by `fun`, `let`, or an enclosing step must be Bool or Nat (§3, §9), because a
`fun` compiles to the matrix of its images of basis vectors, which is exact on every
value only when every value is a basis vector.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from .diagnostics import CajalError, ErrorKind, Related, suggest
from .rules import RULES
from .syntax import (
    BOOL,
    NAT,
    NO_SOURCE,
    NO_SPAN,
    App,
    Arrow,
    BoolLit,
    BoolT,
    Def,
    FreeDecl,
    If,
    Iter,
    Lam,
    Let,
    Module,
    NatT,
    Numeral,
    Opaque,
    Span,
    Succ,
    Term,
    Type,
    TypeDecl,
    Var,
    Zero,
    deep_recursion,
    free_vars,
    is_ground,
    show_type,
)

Context = tuple[tuple[str, Type], ...]


@dataclass(frozen=True)
class Derivation:
    """A typing derivation: `context ⊢ term : type` by `rule` from `premises`.

    The context is exactly the variables the term uses (linearity), in context
    order: the declared context first, then binders outermost first.
    """

    rule: str
    context: Context
    term: Term
    type: Type
    premises: tuple[Derivation, ...] = ()

    # notebook and print renderings live in cajal_ref.display (imported on use)
    def __str__(self) -> str:
        from .display import derivation_text

        return derivation_text(self)

    def __repr__(self) -> str:
        context = ", ".join(f"{n} : {show_type(t)}" for n, t in self.context) or "·"
        return f"<Derivation by {self.rule}: {context} ⊢ {self.term} : {show_type(self.type)}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("..." if cycle else str(self))

    def _repr_latex_(self) -> str:
        from .display import derivation_latex

        return derivation_latex(self)

    def _repr_html_(self) -> str:
        from .display import derivation_html

        return derivation_html(self)


@dataclass(frozen=True)
class Typing:
    """The result of checking a term: its type, recurrent weights, and derivation.

    The derivation is built on first access (by checking the term again with
    derivations on): its contexts cost time and memory proportional to the term's
    size times its number of variables, which only `cajal derive` needs to pay.
    """

    type: Type
    recurrent_weights: tuple[str, ...]
    """Context variables used in some iter step, in context order."""
    derive: Callable[[], Derivation] = field(repr=False, compare=False)

    @cached_property
    def derivation(self) -> Derivation:
        return self.derive()


@dataclass(frozen=True)
class DefInfo:
    """A checked `def`. `context` is () for a closed def; an open def's are the module's
    `free` variables it uses, in declaration order."""

    name: str
    type: Type
    body: Term
    span: Span
    context: Context = ()
    recurrent_weights: tuple[str, ...] = ()
    typing: Typing | None = field(default=None, compare=False, repr=False)
    name_span: Span = field(default=NO_SPAN, compare=False, repr=False)
    context_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    """The `free` declaration of each context variable, parallel to `context`."""

    @property
    def is_open(self) -> bool:
        return bool(self.context)

    @property
    def derivation(self) -> Derivation | None:
        """The typing derivation of the body over `context` (None if not checked here)."""
        return self.typing.derivation if self.typing is not None else None


@dataclass
class Program:
    """The growing global scope while loading files: opaque types and defs, in load order."""

    types: dict[str, Span] = field(default_factory=dict)
    defs: dict[str, DefInfo] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Internal bookkeeping
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Binding:
    """One binding occurrence; compared and hashed by identity, so shadowed names stay apart."""

    name: str
    type: Type
    binder: str  # "context", "fun", "let" or "step"
    span: Span | None  # where it is bound (None: a context variable given without a span)
    order: int  # position in context order


class _Result(NamedTuple):
    type: Type
    uses: dict[_Binding, Span]  # every variable the term uses, with the span of its (single) use
    step_uses: dict[_Binding, Span]  # those used inside some iter step, with the first such use
    derivation: Derivation | None  # None unless the checker builds derivations


_BINDER_WORDS = {
    "fun": "`fun`",
    "let": "`let`",
    "step": "the step of an enclosing `iter`",
    "context": "the context",
}

_TERM_WORDS = {
    "BoolLit": "this boolean",
    "Zero": "`zero`",
    "Succ": "this `succ` term",
    "Numeral": "this numeral",
    "If": "this `if` expression",
    "Lam": "this function",
    "App": "this application",
    "Iter": "this `iter` expression",
    "Let": "this `let` expression",
}


def _rule(name: str) -> str:
    """A rule name, taken from the table so errors and the figure share one definition."""
    return RULES[name].name


def _binding_order(binding: _Binding) -> int:
    return binding.order


def _has_source(span: Span | None) -> bool:
    return span is not None and span.source is not NO_SOURCE


def _describe(term: Term) -> str:
    """Name a subterm in a message: a variable by name, else by its source text."""
    if isinstance(term, Var):
        return f"`{term.name}`"
    span = term.span
    if _has_source(span):
        snippet = " ".join(span.source.text[span.start : span.end].split())
        if snippet:
            if len(snippet) > 40:
                snippet = snippet[:39] + "…"
            return f"`{snippet}`"
    return _TERM_WORDS.get(type(term).__name__, "this term")


_KEYWORD_NAMES = ("true", "false", "zero", "succ", "iter", "if", "let", "fun")
"""Keywords a misspelt name may have meant (`ture`, `itr`)."""


def unknown_type_message(name: str, what: str, declared: Iterable[str], advice: str) -> str:
    """`bool` is most likely `Bool`: suggest a near type before advising a declaration."""
    guess = suggest(name, ["Bool", "Nat", *declared])
    if guess is not None:
        return f"type `{name}` of {what} is not declared; did you mean `{guess}`?"
    return f"type `{name}` of {what} is not declared; {advice}"


def _consume_hint(name: str, t: Type) -> str:
    if isinstance(t, BoolT):
        return f" (to consume a Bool without using it, branch on it: `if {name} then v else v`)"
    if isinstance(t, NatT):
        return " (to consume a Nat without using it, see `discard` in the prelude)"
    return ""


def _merge_earliest(parts: Sequence[dict[_Binding, Span]]) -> dict[_Binding, Span]:
    """Union of use maps (consuming them), keeping the earliest span of each binding.

    The smaller maps are merged into the largest one in place, so a chain of n splits
    costs O(n log n) rather than O(n · variables).
    """
    largest = max(parts, key=len)
    for part in parts:
        if part is largest:
            continue
        for binding, span in part.items():
            kept = largest.get(binding)
            if kept is None or span.start < kept.start:
                largest[binding] = span
    return largest


class _Checker:
    def __init__(
        self,
        defs: Mapping[str, DefInfo],
        types: Set[str],
        strict_iter: bool,
        defining: str | None,
        derive: bool = False,
    ) -> None:
        self.defs = defs
        self.types = types
        self.strict_iter = strict_iter
        self.defining = defining
        self.derive = derive
        self.scope: dict[str, _Binding] = {}
        self.counter = 0

    # -- scope -------------------------------------------------------------

    def bind(self, name: str, t: Type, binder: str, span: Span | None) -> _Binding:
        binding = _Binding(name, t, binder, span, self.counter)
        self.counter += 1
        return binding

    def synth_under(self, binding: _Binding, term: Term) -> _Result:
        """Synthesise `term` with `binding` in scope (shadowing any outer one)."""
        outer = self.scope.get(binding.name)
        self.scope[binding.name] = binding
        try:
            return self.synth(term)
        finally:
            if outer is None:
                del self.scope[binding.name]
            else:
                self.scope[binding.name] = outer

    def node(
        self, rule: str, uses: Mapping[_Binding, Span], term: Term, t: Type, *premises: _Result
    ) -> Derivation | None:
        """The derivation node for `term`, when derivations are being built."""
        if not self.derive:
            return None
        context = tuple((b.name, b.type) for b in sorted(uses, key=_binding_order))
        below = tuple(p.derivation for p in premises if p.derivation is not None)
        return Derivation(rule, context, term, t, below)

    def bind_context(self, ctx: Sequence[tuple[str, Type]], spans: Mapping[str, Span]) -> list[_Binding]:
        """Bring the declared context into scope, in order (it shadows defs)."""
        bindings: list[_Binding] = []
        for name, t in ctx:
            span = spans.get(name)
            self.require_declared(t, span, f"context variable `{name}`")
            earlier = self.scope.get(name)
            if earlier is not None:
                related = (Related(earlier.span, f"`{name}` is first declared here"),) if earlier.span else ()
                raise CajalError(
                    ErrorKind.DUPLICATE, f"context variable `{name}` is declared twice", span, related=related
                )
            binding = self.bind(name, t, "context", span)
            self.scope[name] = binding
            bindings.append(binding)
        return bindings

    # -- checks shared by several rules ------------------------------------------

    def require_declared(self, t: Type, fallback: Span | None, what: str) -> None:
        """Every opaque type named in `t` must have been declared with `type`."""
        match t:
            case Opaque(name, span):
                if name not in self.types:
                    raise CajalError(
                        ErrorKind.UNKNOWN_TYPE,
                        unknown_type_message(name, what, self.types, f"declare it with `type {name}`"),
                        span if _has_source(span) else fallback,
                    )
            case Arrow(dom, cod):
                self.require_declared(dom, fallback, what)
                self.require_declared(cod, fallback, what)
            case _:
                pass

    @staticmethod
    def disjoint(rule: str, parts: Sequence[dict[_Binding, Span]]) -> dict[_Binding, Span]:
        """Γ, Δ, …: the parts of a split context must be disjoint; returns their union.

        Parts are in source order, so the earlier part holds the first use. Of several
        clashes the one whose second use comes first in the source is reported. The
        parts are consumed (merged in place, smaller into larger).
        """
        clashes: list[tuple[int, _Binding, Span, Span]] = []
        for j, later in enumerate(parts):
            for earlier in parts[:j]:
                small = earlier if len(earlier) <= len(later) else later
                for binding in small:
                    if binding in earlier and binding in later:
                        clashes.append((later[binding].start, binding, earlier[binding], later[binding]))
        if clashes:
            _, binding, first, second = min(clashes, key=lambda c: c[0])
            raise CajalError(
                ErrorKind.USED_TWICE,
                f"variable `{binding.name}` is used twice; a linear variable must be used exactly once",
                second,
                rule=rule,
                related=(Related(first, f"first use of `{binding.name}`"),),
            )
        return _merge_earliest(parts)

    def require_used(self, binding: _Binding, uses: Mapping[_Binding, Span], rule: str, what: str) -> None:
        if binding not in uses:
            raise CajalError(
                ErrorKind.UNUSED,
                f"{what} `{binding.name}` is never used; a linear variable must be used exactly once"
                + _consume_hint(binding.name, binding.type),
                binding.span,
                rule=rule,
            )

    def require_ground_weight(self, binding: _Binding, step_uses: Mapping[_Binding, Span], rule: str) -> None:
        """§3: a recurrent weight bound by fun, let or a step must be Bool or Nat."""
        use = step_uses.get(binding)
        if use is None or is_ground(binding.type):
            return
        shown = show_type(binding.type)
        related: tuple[Related, ...] = ()
        if binding.span is not None:
            related = (
                Related(binding.span, f"`{binding.name}` is bound here by {_BINDER_WORDS[binding.binder]}"),
            )
        raise CajalError(
            ErrorKind.RECURRENT_WEIGHT_TYPE,
            f"`{binding.name}` is used inside the step of an `iter`, so it is a recurrent weight; "
            f"a recurrent weight bound by {_BINDER_WORDS[binding.binder]} must have type Bool or Nat, "
            f"but `{binding.name}` has type {shown} (make it a free variable of an open program, "
            f"e.g. `free {binding.name} : {shown}`)",
            use,
            rule=rule,
            related=related,
        )

    # -- the rules -----------------------------------------------------------

    def synth(self, term: Term) -> _Result:
        match term:
            case Var(name, span):
                return self.var(term, name, span)
            case BoolLit(value):
                rule = _rule("True" if value else "False")
                return _Result(BOOL, {}, {}, self.node(rule, {}, term, BOOL))
            case Zero():
                return _Result(NAT, {}, {}, self.node(_rule("Zero"), {}, term, NAT))
            case Numeral(value, span):
                if value < 0:
                    raise CajalError(
                        ErrorKind.MISMATCH,
                        f"a numeral must be a natural number (n ≥ 0), found {value}",
                        span,
                        rule=_rule("Numeral"),
                    )
                return _Result(NAT, {}, {}, self.node(_rule("Numeral"), {}, term, NAT))
            case Succ(arg):
                return self.succ(term, arg)
            case If(cond, then, else_):
                return self.if_(term, cond, then, else_)
            case Lam(param, param_type, body):
                return self.lam(term, param, param_type, body)
            case App(fn, arg):
                return self.app(term, fn, arg)
            case Iter(count, base, step_var, step):
                return self.iter(term, count, base, step_var, step)
            case Let(name, bound, body):
                return self.let(term, name, bound, body)

    def var(self, term: Var, name: str, span: Span) -> _Result:
        binding = self.scope.get(name)
        if binding is not None:
            uses = {binding: span}
            return _Result(binding.type, uses, {}, self.node(_rule("Var"), uses, term, binding.type))
        info = self.defs.get(name)
        if info is not None:
            if info.context:
                names = ", ".join(n for n, _ in info.context)
                raise CajalError(
                    ErrorKind.OPEN_DEF,
                    f"`{name}` is an open program (free variables {names}) and cannot be referenced; "
                    "only closed defs are inlined",
                    span,
                    rule=_rule("Def"),
                    related=(
                        Related(
                            info.name_span if _has_source(info.name_span) else info.span,
                            f"`{name}` is defined here",
                        ),
                    ),
                )
            return _Result(info.type, {}, {}, self.node(_rule("Def"), {}, term, info.type))
        message = f"`{name}` is not bound: no enclosing `fun`, `let` or `iter` step binds it"
        message += ", it is not in the context, and no def of that name is in scope"
        if name == self.defining:
            message += " (a def cannot refer to itself; repeat a computation with `iter`)"
        else:
            in_scope = [*self.scope, *(n for n, d in self.defs.items() if not d.context), *_KEYWORD_NAMES]
            guess = suggest(name, in_scope)
            if guess is not None:
                message += f"; did you mean `{guess}`?"
        raise CajalError(ErrorKind.UNBOUND, message, span, rule=_rule("Var"))

    def succ(self, term: Succ, arg: Term) -> _Result:
        rule = _rule("Succ")
        r = self.synth(arg)
        if r.type != NAT:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"the argument of `succ` must be a Nat: expected Nat, found {show_type(r.type)}",
                arg.span,
                rule=rule,
            )
        return _Result(NAT, r.uses, r.step_uses, self.node(rule, r.uses, term, NAT, r))

    def if_(self, term: If, cond: Term, then: Term, else_: Term) -> _Result:
        rule = _rule("If")
        rc = self.synth(cond)
        if rc.type != BOOL:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"the condition of `if` must be a Bool: expected Bool, found {show_type(rc.type)}",
                cond.span,
                rule=rule,
            )
        rt = self.synth(then)
        re = self.synth(else_)
        if rt.type != re.type:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"the branches of `if` must have the same type: expected {show_type(rt.type)} "
                f"(the type of the then branch), found {show_type(re.type)}",
                else_.span,
                rule=rule,
                related=(Related(then.span, f"the then branch has type {show_type(rt.type)}"),),
            )
        self.same_branch_contexts(rule, then, rt.uses, else_, re.uses)
        uses = self.disjoint(rule, (rc.uses, rt.uses))
        step_uses = _merge_earliest((rc.step_uses, rt.step_uses, re.step_uses))
        return _Result(rt.type, uses, step_uses, self.node(rule, uses, term, rt.type, rc, rt, re))

    def same_branch_contexts(
        self,
        rule: str,
        then: Term,
        then_uses: dict[_Binding, Span],
        else_: Term,
        else_uses: dict[_Binding, Span],
    ) -> None:
        """If: the branches share their context Δ, so they must use the same variables."""
        only: list[tuple[Span, _Binding, str, Term]] = [
            (span, b, "then", else_) for b, span in then_uses.items() if b not in else_uses
        ] + [(span, b, "else", then) for b, span in else_uses.items() if b not in then_uses]
        if not only:
            return
        only.sort(key=lambda entry: entry[0].start)
        span, binding, branch, other = only[0]
        parts = [f"`{binding.name}` is used only in the {branch} branch"]
        parts.extend(f"`{b.name}` only in the {br} branch" for _, b, br, _ in only[1:])
        other_name = "else" if branch == "then" else "then"
        related = [Related(other.span, f"the {other_name} branch does not use `{binding.name}`")]
        related.extend(Related(s, f"`{b.name}` is used here, in the {br} branch") for s, b, br, _ in only[1:])
        raise CajalError(
            ErrorKind.BRANCH_CONTEXTS,
            "the branches of `if` must use the same variables (they share one linear context): "
            + "; ".join(parts),
            span,
            rule=rule,
            related=tuple(related),
        )

    def lam(self, term: Lam, param: str, param_type: Type, body: Term) -> _Result:
        rule = _rule("Lam")
        self.require_declared(param_type, term.param_span, f"parameter `{param}`")
        binding = self.bind(param, param_type, "fun", term.param_span)
        r = self.synth_under(binding, body)
        self.require_used(binding, r.uses, rule, "parameter")
        self.require_ground_weight(binding, r.step_uses, rule)
        del r.uses[binding]
        r.step_uses.pop(binding, None)
        t = Arrow(param_type, r.type)
        return _Result(t, r.uses, r.step_uses, self.node(rule, r.uses, term, t, r))

    def app(self, term: App, fn: Term, arg: Term) -> _Result:
        rule = _rule("App")
        rf = self.synth(fn)
        ra = self.synth(arg)
        if not isinstance(rf.type, Arrow):
            raise CajalError(
                ErrorKind.NOT_A_FUNCTION,
                f"{_describe(fn)} has type {show_type(rf.type)} and cannot be applied",
                fn.span,
                rule=rule,
            )
        if ra.type != rf.type.dom:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"the argument of {_describe(fn)} has the wrong type: expected {show_type(rf.type.dom)}, "
                f"found {show_type(ra.type)}",
                arg.span,
                rule=rule,
                related=(Related(fn.span, f"{_describe(fn)} has type {show_type(rf.type)}"),),
            )
        uses = self.disjoint(rule, (rf.uses, ra.uses))
        step_uses = _merge_earliest((rf.step_uses, ra.step_uses))
        t = rf.type.cod
        return _Result(t, uses, step_uses, self.node(rule, uses, term, t, rf, ra))

    def iter(self, term: Iter, count: Term, base: Term, step_var: str, step: Term) -> _Result:
        rule = _rule("Iter")
        rn = self.synth(count)
        if rn.type != NAT:
            raise CajalError(
                ErrorKind.ITER_NOT_NAT,
                f"`iter` counts over a Nat: expected Nat, found {show_type(rn.type)} "
                f"({_describe(count)} has type {show_type(rn.type)})",
                count.span,
                rule=rule,
            )
        rb = self.synth(base)
        state = rb.type
        binding = self.bind(step_var, state, "step", term.step_var_span)
        rs = self.synth_under(binding, step)
        self.require_used(binding, rs.uses, rule, "step variable")
        if rs.type != state:
            raise CajalError(
                ErrorKind.STEP_TYPE,
                f"the step of `iter` must have the type of its base: expected {show_type(state)}, "
                f"found {show_type(rs.type)}",
                step.span,
                rule=rule,
                related=(Related(base.span, f"the base has type {show_type(state)}"),),
            )
        theta = rs.uses
        del theta[binding]
        if self.strict_iter and theta:
            outer, use = min(theta.items(), key=lambda item: item[1].start)
            related: tuple[Related, ...] = ()
            if outer.span is not None:
                related = (Related(outer.span, f"`{outer.name}` is bound here, outside the step"),)
            raise CajalError(
                ErrorKind.STRICT_ITER,
                f"`{outer.name}` is bound outside the step of `iter` but used inside it "
                f"(a recurrent weight); "
                f"strict mode (--strict-iter) requires the step to use only its step variable "
                f"`{step_var}` (Θ = ·)",
                use,
                rule=rule,
                related=related,
            )
        self.require_ground_weight(binding, rs.step_uses, rule)
        # every variable of Θ is used in this step: all of them are recurrent weights here
        step_uses = _merge_earliest((rn.step_uses, rb.step_uses, dict(theta)))
        uses = self.disjoint(rule, (rn.uses, rb.uses, theta))
        return _Result(state, uses, step_uses, self.node(rule, uses, term, state, rn, rb, rs))

    def let(self, term: Let, name: str, bound: Term, body: Term) -> _Result:
        rule = _rule("Let")
        rt = self.synth(bound)
        binding = self.bind(name, rt.type, "let", term.name_span)
        ru = self.synth_under(binding, body)
        self.require_used(binding, ru.uses, rule, "`let` variable")
        self.require_ground_weight(binding, ru.step_uses, rule)
        del ru.uses[binding]
        ru.step_uses.pop(binding, None)
        uses = self.disjoint(rule, (rt.uses, ru.uses))
        step_uses = _merge_earliest((rt.step_uses, ru.step_uses))
        return _Result(ru.type, uses, step_uses, self.node(rule, uses, term, ru.type, rt, ru))


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def check_term(
    term: Term,
    ctx: Sequence[tuple[str, Type]] = (),
    defs: Mapping[str, DefInfo] | None = None,
    *,
    types: Set[str] = frozenset(),
    strict_iter: bool = False,
    ctx_spans: Mapping[str, Span] | None = None,
    defining: str | None = None,
) -> Typing:
    """Check `ctx ⊢ term : A` linearly: every context variable is used exactly once.

    `types` are the declared opaque type names. A variable bound by no binder and not
    in `ctx` but named in `defs` is a reference to that (closed) def. `ctx_spans`
    locates context variables for error messages; `defining` names the def whose body
    this is, to explain a self-reference. Raises CajalError on any type error.
    """
    scope_defs: Mapping[str, DefInfo] = defs if defs is not None else {}
    spans = dict(ctx_spans) if ctx_spans is not None else {}
    context = tuple(ctx)
    frozen_types = frozenset(types)

    def run(derive: bool) -> tuple[_Result, list[_Binding]]:
        checker = _Checker(scope_defs, frozen_types, strict_iter, defining, derive)
        bindings = checker.bind_context(context, spans)
        with deep_recursion():
            result = checker.synth(term)
        for binding in bindings:
            checker.require_used(binding, result.uses, _root_rule(term), "context variable")
        return result, bindings

    def derive() -> Derivation:
        derivation = run(True)[0].derivation
        assert derivation is not None
        return derivation

    result, bindings = run(False)
    # The lazy derivation re-checks the term later: it keeps only the defs the term names,
    # never a copy of the whole scope (one per def would make memory quadratic in the defs).
    with deep_recursion():
        named = free_vars(term)
    scope_defs = {n: scope_defs[n] for n in named if n in scope_defs}
    weights = tuple(b.name for b in bindings if b in result.step_uses)
    return Typing(result.type, weights, derive)


def _root_rule(term: Term) -> str:
    """The rule at the root of a derivation for `term` (it owns the whole context)."""
    match term:
        case Var():
            return _rule("Var")
        case BoolLit(value):
            return _rule("True" if value else "False")
        case _:
            return _rule(type(term).__name__)


def _def_span(info: DefInfo) -> Span:
    return info.name_span if _has_source(info.name_span) else info.span


def _decl_name_span(decl: Def) -> Span:
    return decl.name_span if _has_source(decl.name_span) else decl.span


def check_module(module: Module, program: Program, *, strict_iter: bool = False) -> list[DefInfo]:
    """Check a module's declarations in order and add its types and defs to `program`.

    `free` declarations are scoped to the module: each later def's context is the
    subset of them that it mentions, in declaration order (an open program). A
    `type` already declared by an earlier module is the same opaque type (allowed);
    twice in one module, or a def name reused anywhere, is a DUPLICATE. The program
    is changed only if the whole module checks.

    Errors are collected, not stopped at: a failed declaration is left out and
    checking goes on, except that a def naming a failed def or free variable is
    skipped (its errors would only echo the first). The first error is raised with
    the others in `also`.
    """
    new_types: dict[str, Span] = {}
    new_defs: dict[str, DefInfo] = {}
    frees: dict[str, tuple[Type, Span]] = {}
    errors: list[CajalError] = []
    failed: set[str] = set()

    def all_types() -> Set[str]:
        return program.types.keys() | new_types.keys()

    def find_def(name: str) -> DefInfo | None:
        return new_defs.get(name) or program.defs.get(name)

    for decl in module.decls:
        if isinstance(decl, Def) and failed:
            with deep_recursion():
                if free_vars(decl.body) & failed:
                    failed.add(decl.name)  # it names a failed declaration: skipped, not re-reported
                    continue
        try:
            match decl:
                case TypeDecl(name, span):
                    if name in ("Bool", "Nat"):
                        raise CajalError(
                            ErrorKind.DUPLICATE, f"`{name}` is a built-in type and cannot be redeclared", span
                        )
                    first_type = new_types.get(name)
                    if first_type is not None:
                        raise CajalError(
                            ErrorKind.DUPLICATE,
                            f"type `{name}` is declared twice in this file",
                            span,
                            related=(Related(first_type, f"`{name}` is first declared here"),),
                        )
                    # An opaque type has no constructors, so `type Img` in two files declares
                    # the same type: each open program file stays self-contained (SPEC §2).
                    if name not in program.types:
                        new_types[name] = span
                case FreeDecl(name, t, span):
                    if name in frees:
                        raise CajalError(
                            ErrorKind.DUPLICATE,
                            f"free variable `{name}` is declared twice",
                            span,
                            related=(Related(frees[name][1], f"`{name}` is first declared here"),),
                        )
                    clash = find_def(name)
                    if clash is not None:
                        raise CajalError(
                            ErrorKind.DUPLICATE,
                            f"free variable `{name}` has the name of a def; choose another name",
                            span,
                            related=(Related(_def_span(clash), f"def `{name}` is defined here"),),
                        )
                    checker = _Checker({}, all_types(), False, None)
                    checker.require_declared(t, span, f"free variable `{name}`")
                    frees[name] = (t, span)
                case Def():
                    info = _check_def(decl, frees, program, new_defs, all_types(), strict_iter)
                    new_defs[decl.name] = info
        except CajalError as err:
            errors.append(err)
            # a name left undefined by the failure: later declarations that use it are skipped
            undefined_def = isinstance(decl, Def) and find_def(decl.name) is None
            if undefined_def or (isinstance(decl, FreeDecl) and decl.name not in frees):
                failed.add(decl.name)
    if errors:
        first = errors[0]
        first.also = tuple(errors[1:])
        raise first
    program.types.update(new_types)
    program.defs.update(new_defs)
    return list(new_defs.values())


def _check_def(
    decl: Def,
    frees: Mapping[str, tuple[Type, Span]],
    program: Program,
    new_defs: dict[str, DefInfo],
    types: Set[str],
    strict_iter: bool,
) -> DefInfo:
    name = decl.name
    first = new_defs.get(name) or program.defs.get(name)
    if first is not None:
        raise CajalError(
            ErrorKind.DUPLICATE,
            f"def `{name}` is defined twice",
            _decl_name_span(decl),
            related=(Related(_def_span(first), f"`{name}` is first defined here"),),
        )
    if name in frees:
        raise CajalError(
            ErrorKind.DUPLICATE,
            f"def `{name}` has the name of a free variable of this file; choose another name",
            _decl_name_span(decl),
            related=(Related(frees[name][1], f"free variable `{name}` is declared here"),),
        )
    if decl.type is not None:
        _Checker({}, types, False, None).require_declared(decl.type, _decl_name_span(decl), f"def `{name}`")
    with deep_recursion():
        mentioned = free_vars(decl.body)
    context = tuple((n, t) for n, (t, _) in frees.items() if n in mentioned)
    spans = {n: frees[n][1] for n, _ in context}
    scope = ChainMap(new_defs, program.defs)  # a view: no copy of the earlier defs per def
    typing = check_term(
        decl.body, context, scope, types=types, strict_iter=strict_iter, ctx_spans=spans, defining=name
    )
    if decl.type is not None and decl.type != typing.type:
        related: tuple[Related, ...] = ()
        if _has_source(decl.type.span):
            related = (
                Related(decl.type.span, f"`{name}` is declared with type {show_type(decl.type)} here"),
            )
        raise CajalError(
            ErrorKind.MISMATCH,
            f"the body of def `{name}` does not have its declared type: expected {show_type(decl.type)}, "
            f"found {show_type(typing.type)}",
            decl.body.span,
            rule=_rule("Def"),
            related=related,
        )
    return DefInfo(
        name=name,
        type=decl.type if decl.type is not None else typing.type,
        body=decl.body,
        span=decl.span,
        context=context,
        recurrent_weights=typing.recurrent_weights,
        typing=typing,
        name_span=decl.name_span,
        context_spans=tuple(spans[n] for n, _ in context),
    )
