"""Typing derivations for people: text trees, LaTeX, and derivations that break part-way.

`cajal derive` shows *why* a program has its type, one rule of SPEC §3 per node,
with the linear context each subterm uses. When a program does not check, the
checker reports the first error of a term; here the program is re-examined subterm by
subterm (each subterm checked on its own, in exactly the variables it mentions) so
the student sees every part that did check, and the node whose rule broke.

This module needs no matplotlib: the figures reuse its LaTeX (through mathtext).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .checker import DefInfo, Derivation, check_term
from .diagnostics import CajalError, ErrorKind, Related
from .loader import Workspace
from .parser import parse_context, parse_term
from .printer import show_term, show_term_clipped
from .syntax import (
    App,
    Arrow,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Opaque,
    Source,
    Span,
    Succ,
    Term,
    Type,
    Var,
    deep_recursion,
    free_vars,
    show_type,
    size,
    subterms,
)

Context = tuple[tuple[str, Type], ...]


class Status(StrEnum):
    """How far a node of a (possibly partial) derivation got."""

    OK = "ok"
    """Derived: the judgement holds."""
    BROKEN = "broken"
    """Every premise was derived but this node's rule failed: the error is here."""
    PREMISE_FAILED = "premise-failed"
    """Some premise above this node failed, so its rule cannot be applied."""
    UNCHECKED = "unchecked"
    """Not examined: a variable it uses has no known type, or the search budget ran out."""


@dataclass(frozen=True)
class Node:
    """One node of a derivation to display: `context ⊢ term : type` by `rule`.

    A complete derivation has only OK nodes; a partial one has BROKEN nodes (with
    the error that broke them), their PREMISE_FAILED ancestors, and UNCHECKED parts.
    """

    rule: str
    context: Context
    term: Term
    type: Type | None
    premises: tuple[Node, ...] = ()
    status: Status = Status.OK
    error: CajalError | None = field(default=None, compare=False)
    note: str | None = None


@dataclass(frozen=True)
class DeriveResult:
    """A derivation (complete, or partial with `error` set) and those of the defs it uses."""

    root: Node
    error: CajalError | None
    defs: tuple[tuple[str, Node], ...]
    """Derivations of the defs referenced (by rule Def), in order of first reference."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        return render_text(self, style="tree").rstrip("\n")

    def __repr__(self) -> str:
        state = "complete" if self.error is None else f"broken: {self.error.kind.value}"
        return f"<DeriveResult {judgement_text(self.root)} ({state})>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text("..." if cycle else str(self))

    def _repr_latex_(self) -> str:
        from .display import derivation_latex

        return derivation_latex(self)

    def _repr_html_(self) -> str:
        from .display import pre

        return pre(str(self))


def from_derivation(d: Derivation) -> Node:
    """The checker's derivation as display nodes (iteratively: derivations can be deep)."""
    built: dict[int, Node] = {}
    stack: list[tuple[Derivation, bool]] = [(d, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            premises = tuple(built.pop(id(p)) for p in current.premises)
            built[id(current)] = Node(current.rule, current.context, current.term, current.type, premises)
        else:
            stack.append((current, True))
            stack.extend((p, False) for p in current.premises)
    return built[id(d)]


def walk(node: Node) -> Iterator[Node]:
    """All nodes, conclusion first then premises left to right (pre-order)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.premises))


def broken_nodes(node: Node) -> list[Node]:
    """The nodes whose own rule failed (where the derivation breaks)."""
    return [n for n in walk(node) if n.status is Status.BROKEN]


# ---------------------------------------------------------------------------
# Building derivations: complete ones from the checker, partial ones by re-checking
# ---------------------------------------------------------------------------

PARTIAL_BUDGET = 400_000
"""Term nodes the partial search may re-check in total before it stops descending.

A failing program is re-checked along the path to its errors, which costs up to
depth × size; the budget keeps a huge failing program from taking minutes.
"""


def referenced_defs(root: Node, defs: Mapping[str, DefInfo]) -> tuple[tuple[str, Node], ...]:
    """Derivations of the defs named by Def nodes, transitively, in order of first reference."""
    found: dict[str, Node] = {}
    queue = [root]
    while queue:
        current = queue.pop(0)
        for node in walk(current):
            if node.rule != "Def" or node.status is not Status.OK or not isinstance(node.term, Var):
                continue
            name = node.term.name
            info = defs.get(name)
            if name in found or info is None or info.derivation is None:
                continue
            found[name] = from_derivation(info.derivation)
            queue.append(found[name])
    return tuple(found.items())


def derive_def(ws: Workspace, name: str, *, with_defs: bool = True) -> DeriveResult:
    """The derivation of a def of the workspace (closed, or an open program over its `free`s)."""
    info = ws.defs.get(name)
    if info is None:
        known = ", ".join(sorted(ws.defs)) or "none"
        raise CajalError(ErrorKind.UNBOUND, f"no def named `{name}` is loaded (defs: {known})")
    if info.derivation is None:
        raise CajalError(ErrorKind.UNBOUND, f"def `{name}` has no derivation recorded")
    root = from_derivation(info.derivation)
    return DeriveResult(root, None, referenced_defs(root, ws.defs) if with_defs else ())


def derive_term(
    ws: Workspace,
    term: Term,
    ctx: Sequence[tuple[str, Type]] = (),
    *,
    ctx_spans: Mapping[str, Span] | None = None,
    with_defs: bool = True,
    budget: int = PARTIAL_BUDGET,
) -> DeriveResult:
    """Derive `ctx ⊢ term : A` over the workspace's defs; partial (with the error) if it fails."""
    search = _PartialSearch(ws, budget)
    root, error = search.explore_root(term, tuple(ctx), dict(ctx_spans or {}))
    return DeriveResult(root, error, referenced_defs(root, ws.defs) if with_defs else ())


def derive_expression(
    ws: Workspace,
    text: str,
    ctx_text: str | None = None,
    *,
    name: str = "<expr>",
    with_defs: bool = True,
    budget: int = PARTIAL_BUDGET,
) -> DeriveResult:
    """Derive `ctx ⊢ text : A`; if it does not check, a partial derivation and the error.

    Syntax errors and errors in the context itself are raised: there is no term to
    derive. Type errors are returned in `DeriveResult.error` (the checker's own
    report), together with the partial derivation that shows where it breaks.
    """
    try:
        checked = ws.check_expression(text, ctx_text, name=name)
    except CajalError as err:
        if err.kind in (ErrorKind.SYNTAX, ErrorKind.TOO_DEEP, ErrorKind.IO):
            raise
        if err.file == "<ctx>" and err.kind in (ErrorKind.UNKNOWN_TYPE, ErrorKind.DUPLICATE):
            raise  # the context itself is wrong: there is no judgement to derive
        term = parse_term(Source(name, text))
        entries = parse_context(Source("<ctx>", ctx_text)) if ctx_text else ()
        ctx = tuple((n, t) for n, t, _ in entries)
        partial = derive_term(
            ws, term, ctx, ctx_spans={n: s for n, _, s in entries}, with_defs=with_defs, budget=budget
        )
        root = partial.root
        if not broken_nodes(root):  # the search found no failure: keep the checker's error at the root
            rule = _rule_of(term, frozenset(n for n, _ in ctx), ws)
            root = Node(rule, ctx, term, None, root.premises, Status.BROKEN, err)
        return DeriveResult(root, err, partial.defs)
    root = from_derivation(checked.typing.derivation)
    return DeriveResult(root, None, referenced_defs(root, ws.defs) if with_defs else ())


def _rule_of(term: Term, bound: frozenset[str], ws: Workspace) -> str:
    """The rule whose conclusion has the form of `term` (Var vs Def by scope)."""
    match term:
        case Var(name):
            return "Def" if name not in bound and name in ws.defs else "Var"
        case BoolLit(value):
            return "True" if value else "False"
        case _:
            return type(term).__name__


def _undeclared(t: Type, declared: Mapping[str, Any]) -> bool:
    match t:
        case Opaque(name):
            return name not in declared
        case Arrow(dom, cod):
            return _undeclared(dom, declared) or _undeclared(cod, declared)
        case _:
            return False


class _PartialSearch:
    """Re-checks the subterms of a failing term to find where its derivation breaks.

    Each subterm is checked on its own over exactly the in-scope variables it
    mentions (in scope order, like the checker's contexts). A subterm that checks
    contributes its whole derivation; one that fails is opened up: if a premise
    failed the node is PREMISE_FAILED, else its own rule broke (BROKEN).
    """

    def __init__(self, ws: Workspace, budget: int) -> None:
        self.ws = ws
        self.budget = budget
        self.types = set(ws.program.types)

    def explore_root(
        self, term: Term, ctx: Context, spans: Mapping[str, Span]
    ) -> tuple[Node, CajalError | None]:
        """The derivation of the whole term, and the checker's error if it does not check."""
        scope: list[tuple[str, Type | None]] = list(ctx)
        with deep_recursion():
            outcome = self.try_check(term, ctx, spans, frozenset(n for n, _ in ctx))
            if isinstance(outcome, Derivation):
                return from_derivation(outcome), None
            return self.explore(term, scope, declared=(ctx, spans)), outcome

    def try_check(
        self, term: Term, ctx: Context, spans: Mapping[str, Span], bound: frozenset[str]
    ) -> Derivation | CajalError:
        self.budget -= size(term)
        if self.ws.strict_iter:
            refused = self.refuse_non_strict(term, bound)
            if refused is not None:
                return refused
        try:
            typing = check_term(
                term, ctx, self.ws.defs, types=self.types, strict_iter=self.ws.strict_iter, ctx_spans=spans
            )
            return typing.derivation
        except CajalError as err:
            return err

    def refuse_non_strict(self, term: Term, bound: frozenset[str]) -> CajalError | None:
        """Strict mode: a reference to a (prelude) def that uses recurrent weights fails."""
        bad = (free_vars(term) - bound) & self.ws.not_strict.keys()
        if not bad:
            return None
        use = next(s for s in subterms(term) if isinstance(s, Var) and s.name in bad)
        cause = self.ws.not_strict[use.name]
        related = (Related(cause.span, cause.message),) if cause.span is not None else ()
        return CajalError(
            ErrorKind.STRICT_ITER,
            f"`{use.name}` uses a recurrent weight, which strict mode (--strict-iter) forbids",
            use.span,
            rule="Def",
            related=related,
        )

    def explore(
        self,
        term: Term,
        scope: list[tuple[str, Type | None]],
        declared: tuple[Context, Mapping[str, Span]] | None = None,
    ) -> Node:
        visible: dict[str, tuple[int, Type | None]] = {n: (i, t) for i, (n, t) in enumerate(scope)}
        bound = frozenset(visible)
        rule = _rule_of(term, bound, self.ws)
        spans: Mapping[str, Span] = {}
        if declared is not None:
            ctx, spans = declared
        else:
            mentioned = free_vars(term)
            wanted = sorted((i, n, t) for n, (i, t) in visible.items() if n in mentioned)
            unknown = [n for _, n, t in wanted if t is None]
            if unknown:
                known = tuple((n, t) for _, n, t in wanted if t is not None)
                return Node(rule, known, term, None, status=Status.UNCHECKED,
                            note=f"not checked: the type of `{unknown[0]}` is unknown")
            ctx = tuple((n, t) for _, n, t in wanted if t is not None)
        if self.budget <= 0:
            return Node(rule, ctx, term, None, status=Status.UNCHECKED,
                        note="not checked: the program is too large to examine further")
        outcome = self.try_check(term, ctx, spans, bound)
        if isinstance(outcome, Derivation):
            return from_derivation(outcome)
        premises = self.premises(term, scope)
        if any(p.status in (Status.BROKEN, Status.PREMISE_FAILED) for p in premises):
            return Node(rule, ctx, term, None, premises, Status.PREMISE_FAILED)
        return Node(outcome.rule or rule, ctx, term, None, premises, Status.BROKEN, outcome)

    def binder_type(self, t: Type | None) -> Type | None:
        return None if t is None or _undeclared(t, self.ws.program.types) else t

    def premises(self, term: Term, scope: list[tuple[str, Type | None]]) -> tuple[Node, ...]:
        match term:
            case Succ(arg):
                return (self.explore(arg, scope),)
            case If(cond, then, else_):
                return tuple(self.explore(part, scope) for part in (cond, then, else_))
            case App(fn, arg):
                return (self.explore(fn, scope), self.explore(arg, scope))
            case Lam(param, param_type, body):
                return (self.explore(body, [*scope, (param, self.binder_type(param_type))]),)
            case Iter(count, base, step_var, step):
                count_node = self.explore(count, scope)
                base_node = self.explore(base, scope)
                state = base_node.type if base_node.status is Status.OK else None
                step_node = self.explore(step, [*scope, (step_var, state)])
                return (count_node, base_node, step_node)
            case Let(name, bound, body):
                bound_node = self.explore(bound, scope)
                bound_type = bound_node.type if bound_node.status is Status.OK else None
                return (bound_node, self.explore(body, [*scope, (name, bound_type)]))
            case _:
                return ()


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


OUTLINE_TERM_WIDTH = 80
"""An outline line shows at most this many characters of its term (then `…`).

Every line of an outline shows a subterm, so printing each in full costs
depth × size: 1,000 nested lets printed 12 MB. Clipped, the output is linear.
"""
OUTLINE_CONTEXT_WIDTH = 60
"""Likewise for a line's context (a deep chain of binders can use all of them)."""
OUTLINE_MAX_INDENT = 24
"""Tree levels drawn in an outline line's prefix; deeper lines show their depth instead."""


def show_context(ctx: Context, width: int | None = None) -> str:
    """`x : Bool, f : Nat -o Nat`, or `·` for the empty context (the --ctx syntax).

    With `width`, at most about that many characters (whole entries, then `…`).
    """
    if not ctx:
        return "·"
    if width is None:
        return ", ".join(f"{n} : {show_type(t)}" for n, t in ctx)
    shown: list[str] = []
    used = 0
    for index, (n, t) in enumerate(ctx):
        entry = f"{n} : {show_type(t)}"
        if used + len(entry) > width and index:
            return ", ".join(shown) + f", … ({len(ctx) - index} more)"
        shown.append(entry)
        used += len(entry) + 2
    return ", ".join(shown)


def judgement_text(node: Node, *, clip: bool = False) -> str:
    """`Γ ⊢ term : type`; with `clip`, term and context cut to the outline widths."""
    shown_type = show_type(node.type) if node.type is not None else "?"
    if clip:
        context = show_context(node.context, OUTLINE_CONTEXT_WIDTH)
        return f"{context} ⊢ {show_term_clipped(node.term, OUTLINE_TERM_WIDTH)} : {shown_type}"
    return f"{show_context(node.context)} ⊢ {show_term(node.term)} : {shown_type}"


def _label(node: Node) -> str:
    match node.status:
        case Status.OK:
            return f"[{node.rule}]"
        case Status.BROKEN:
            kind = node.error.kind.value if node.error is not None else "error"
            return f"[{node.rule}] ✗ {kind}"
        case Status.PREMISE_FAILED:
            return f"[{node.rule}] (a premise failed)"
        case Status.UNCHECKED:
            return f"({node.note or 'not checked'})"


def render_outline(node: Node, *, width: int = 100) -> str:
    """The tree as an outline: each conclusion with its premises indented below it.

    Rule names are aligned in a right-hand column when the lines fit in `width`.
    A BROKEN node is followed by its error message. Each line's size is bounded
    (terms and contexts clipped, the prefix drawn for at most OUTLINE_MAX_INDENT
    levels), so the outline is linear in the size of the derivation.
    """
    entries: list[tuple[str, str] | str] = []  # (tree prefix + judgement, label), or a raw line
    # a prefix is (depth, its last OUTLINE_MAX_INDENT levels): never rebuilt in full
    stack: list[tuple[Node, int, str, str]] = [(node, 0, "", "")]
    keep = 3 * OUTLINE_MAX_INDENT
    while stack:
        current, depth, head, tail = stack.pop()
        entries.append((_prefix(depth, head) + judgement_text(current, clip=True), _label(current)))
        if current.status is Status.BROKEN and current.error is not None:
            continuation = (tail + ("│  " if current.premises else "   "))[-keep:]
            entries.append(f"{_prefix(depth + 1, continuation)}error: {current.error.message}")
        count = len(current.premises)
        for index in reversed(range(count)):
            last = index == count - 1
            branch, under = ("└─ ", "   ") if last else ("├─ ", "│  ")
            head_next, tail_next = (tail + branch)[-keep:], (tail + under)[-keep:]
            stack.append((current.premises[index], depth + 1, head_next, tail_next))
    widest = max(len(entry[0]) for entry in entries if isinstance(entry, tuple))
    column = min(widest + 3, width)
    lines: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            lines.append(entry)
            continue
        text, label = entry
        lines.append(text.ljust(column) + label if len(text) + 2 <= column else f"{text}  {label}")
    return "\n".join(line.rstrip() for line in lines)


def _prefix(depth: int, drawn: str) -> str:
    """The tree prefix of a line `depth` levels down, of which `drawn` shows the last ones."""
    hidden = depth - len(drawn) // 3
    return f"⋮{hidden} " + drawn if hidden > 0 else drawn


def render_proof_tree(node: Node) -> str:
    """A Gentzen-style drawing: premises side by side above a bar, the rule name at its right.

    A broken rule is marked `✗1`, `✗2`, … and its error is listed under the tree.
    """
    marks = {id(n): index + 1 for index, n in enumerate(broken_nodes(node))}
    blocks: dict[int, list[str]] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((p, False) for p in current.premises)
            continue
        above = [blocks.pop(id(p)) for p in current.premises]
        blocks[id(current)] = _proof_block(current, above, marks.get(id(current)))
    lines = [line.rstrip() for line in blocks[id(node)]]
    for broken in broken_nodes(node):
        if broken.error is not None:
            lines.append(f"✗{marks[id(broken)]} {broken.rule}: {broken.error.message}")
    return "\n".join(lines)


def _proof_block(node: Node, above: list[list[str]], mark: int | None) -> list[str]:
    gap = "   "
    height = max((len(b) for b in above), default=0)
    padded = [[" " * len(b[0])] * (height - len(b)) + b for b in above]
    top = [gap.join(b[row] for b in padded) for row in range(height)]
    top_width = len(top[0]) if top else 0
    conclusion = judgement_text(node)
    if node.status is Status.UNCHECKED:
        conclusion += f"   ({node.note or 'not checked'})"
    bar_width = max(top_width, len(conclusion), 3)
    label = {
        Status.OK: node.rule,
        Status.BROKEN: f"{node.rule} ✗{mark or ''}",
        Status.PREMISE_FAILED: f"{node.rule} ?",
        Status.UNCHECKED: "",
    }[node.status]
    bar_char = "─" if node.status is Status.OK else "╌"
    lines = [line.center(bar_width) for line in top]
    lines.append(bar_char * bar_width + (" " + label if label else ""))
    lines.append(conclusion.center(bar_width))
    block_width = max(len(line) for line in lines)
    return [line.ljust(block_width) for line in lines]


TREE_STYLE_MAX_DEPTH = 60
"""Deeper derivations are shown as outlines: a textbook tree that deep is too wide to read."""


def _depth(node: Node) -> int:
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((p, depth + 1) for p in current.premises)
    return deepest


def render_text(result: DeriveResult, *, style: str = "outline", width: int = 100) -> str:
    """The derivation, then the derivations of the defs it uses, as plain text."""
    parts: list[str] = []
    too_deep = style == "tree" and _depth(result.root) > TREE_STYLE_MAX_DEPTH
    if too_deep:
        parts.append(f"(the derivation is more than {TREE_STYLE_MAX_DEPTH} rules deep, too wide to draw "
                     "as a tree: shown as an outline)")

    def draw(root: Node) -> str:
        if style == "tree" and _depth(root) <= TREE_STYLE_MAX_DEPTH:
            return render_proof_tree(root)
        return render_outline(root, width=width)

    parts.append(draw(result.root))
    if result.error is not None:
        broken = broken_nodes(result.root)
        where = ", ".join(
            f"rule {n.rule} at {show_term_clipped(n.term, OUTLINE_TERM_WIDTH)}" for n in broken[:3]
        )
        parts.append(f"the derivation breaks at {where}" if where else "the derivation breaks")
    for name, def_root in result.defs:
        parts.append(f"def {name}, by Def from:\n{draw(def_root)}")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# LaTeX (mathpartir) — also the source of the mathtext of the figures
# ---------------------------------------------------------------------------

_KEYWORDS = frozenset(
    {"fun", "if", "then", "else", "iter", "zero", "succ", "true", "false", "let", "in"}
)
_TOKEN = re.compile(r"\s+|=>|-o|[A-Za-z_][A-Za-z0-9_']*|[0-9]+|[(){}|:=]|.", re.DOTALL)
_OPERATORS = frozenset({"=>", "-o", "|", "=", ":"})
_SYMBOLS = {"=>": r"\Rightarrow", "-o": r"\multimap", "|": r"\mid", "{": r"\{", "}": r"\}", ":": "{:}",
            "…": r"\ldots"}


def latex_name(name: str, *, font: str = r"\mathit") -> str:
    """An identifier in math mode: one letter bare, longer names in `font` (`_` escaped)."""
    escaped = name.replace("_", r"\_").replace("'", r"^{\prime}")
    if len(name.rstrip("'")) == 1 and name[0] != "_":
        return escaped
    core = name.rstrip("'")
    primes = "^{" + r"\prime" * (len(name) - len(core)) + "}" if len(core) < len(name) else ""
    return font + "{" + core.replace("_", r"\_") + "}" + primes


def latex_type(t: Type) -> str:
    return _latex_tokens(show_type(t), in_type=True)


def latex_term(t: Term, *, clip: int | None = None) -> str:
    """Math-mode LaTeX of a term; with `clip`, of at most that many characters of it (then `…`)."""
    text = show_term(t) if clip is None else show_term_clipped(t, clip)
    return _latex_tokens(text, in_type=False)


def _latex_tokens(text: str, *, in_type: bool) -> str:
    """Math-mode LaTeX of printed Cajal text, token by token (the printer decides parentheses).

    Inside a `fun x : TYPE =>` annotation identifiers are types (sans-serif).
    """
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    typing = in_type
    after_binder = False
    for index, token in enumerate(tokens):
        if token.isspace():
            before = tokens[index - 1] if index > 0 else ""
            after = tokens[index + 1] if index + 1 < len(tokens) else ""
            if before not in _OPERATORS and after not in _OPERATORS:
                out.append(r"\ ")
            continue
        if token in _SYMBOLS:
            out.append(_SYMBOLS[token])
        elif token in _KEYWORDS and not typing:
            out.append(r"\mathsf{" + token + "}")
        elif token[0].isdigit():
            out.append(token)
        elif token[0].isalpha() or token[0] == "_":
            out.append(latex_name(token, font=r"\mathsf") if typing else latex_name(token))
        else:
            out.append(token)
        # track `fun x : TYPE =>`: after `fun NAME :` come type tokens until `=>`
        if not in_type:
            if token == "fun":
                after_binder = True
            elif token == ":" and after_binder:
                typing = True
                after_binder = False
            elif token == "=>":
                typing = False
    return " ".join(out)


def latex_context(ctx: Context) -> str:
    if not ctx:
        return r"\cdot"
    return ", ".join(f"{latex_name(n)}{{:}}{latex_type(t)}" for n, t in ctx)


def latex_judgement(node: Node, *, clip: int | None = None) -> str:
    """`Γ ⊢ t : A` in LaTeX; `clip` bounds the term's printed characters (see render_latex)."""
    shown_type = latex_type(node.type) if node.type is not None else "{?}"
    return rf"{latex_context(node.context)} \vdash {latex_term(node.term, clip=clip)} : {shown_type}"


def latex_rule_label(node: Node) -> str:
    match node.status:
        case Status.OK:
            return rf"\textsc{{{node.rule}}}"
        case Status.BROKEN:
            return rf"\textsc{{{node.rule}}}~(\text{{fails}})"
        case Status.PREMISE_FAILED:
            return rf"\textsc{{{node.rule}}}~(?)"
        case Status.UNCHECKED:
            return r"\text{not checked}"


def render_latex(node: Node) -> str:
    """One derivation as nested mathpartir `\\inferrule*` (needs the mathpartir package).

    Emitted line by line from an explicit stack, so the cost is linear in the output
    even for very deep derivations (indentation stops growing after 20 levels), and
    each conclusion's term is clipped like the outline's, so the output is linear too.
    """
    lines: list[str] = []
    stack: list[tuple[Node, int] | str] = [(node, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            lines.append(item)
            continue
        current, depth = item
        pad = "  " * min(depth, 20)
        lines.append(f"{pad}\\inferrule*[right={latex_rule_label(current)}]")
        lines.append(f"{pad}{{")
        closing = [f"{pad}}}", f"{pad}{{{latex_judgement(current, clip=OUTLINE_TERM_WIDTH)}}}"]
        work: list[tuple[Node, int] | str] = []
        for index, premise in enumerate(current.premises):
            if index:
                work.append(f"{pad}  \\\\")
            work.append((premise, depth + 1))
        if not current.premises:
            work.append(f"{pad}  {{}}")
        work.extend(closing)
        stack.extend(reversed(work))
    return "\n".join(lines)


LATEX_PREAMBLE = (
    "\\documentclass{article}\n"
    "\\usepackage[a3paper,landscape,margin=1cm]{geometry}\n"
    "\\usepackage{amsmath,amssymb,mathpartir}\n"
    "\\pagestyle{empty}\n"
)


def latex_fragment(result: DeriveResult) -> str:
    """`mathpar` displays: the derivation, then each referenced def's."""
    parts = ["\\begin{mathpar}\n" + render_latex(result.root) + "\n\\end{mathpar}\n"]
    for name, def_root in result.defs:
        parts.append(
            f"\\noindent where \\({latex_name(name)}\\) is derived by\n"
            "\\begin{mathpar}\n" + render_latex(def_root) + "\n\\end{mathpar}\n"
        )
    if result.error is not None:
        message = latex_escape_text(result.error.message)
        parts.append(f"\\noindent\\textbf{{error}} ({result.error.kind.value}): {message}\n")
    return "\n".join(parts)


def latex_document(body: str) -> str:
    """A standalone document around a fragment (compiles with pdflatex)."""
    return LATEX_PREAMBLE + "\\begin{document}\n" + body + "\\end{document}\n"


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "`": "'",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_TEXT_UNICODE = {"⊢": r"\(\vdash\)", "⊸": r"\(\multimap\)", "·": r"\(\cdot\)", "Γ": r"\(\Gamma\)",
                 "Δ": r"\(\Delta\)", "Θ": r"\(\Theta\)", "≥": r"\(\geq\)", "≤": r"\(\leq\)"}


def latex_escape_text(text: str) -> str:
    """Plain text (an error message) safe for LaTeX text mode; `code` becomes typewriter."""
    pieces = re.split(r"`([^`]*)`", text)
    out: list[str] = []
    for index, piece in enumerate(pieces):
        escaped = "".join(_TEXT_ESCAPES.get(ch) or _TEXT_UNICODE.get(ch) or ch for ch in piece)
        out.append(r"\texttt{" + escaped + "}" if index % 2 else escaped)
    return "".join(out)


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def node_json(node: Node) -> dict[str, Any]:
    """A node and its premises as JSON-ready dicts (built without recursion)."""
    out: dict[int, dict[str, Any]] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((p, False) for p in current.premises)
            continue
        entry: dict[str, Any] = {
            "rule": current.rule,
            "status": current.status.value,
            "context": [{"name": n, "type": show_type(t)} for n, t in current.context],
            "term": show_term(current.term),
            "type": show_type(current.type) if current.type is not None else None,
            "premises": [out.pop(id(p)) for p in current.premises],
        }
        if current.error is not None:
            entry["error"] = current.error.to_json()["error"]
        if current.note is not None:
            entry["note"] = current.note
        out[id(current)] = entry
    return out[id(node)]


def result_json(result: DeriveResult) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "ok": result.ok,
        "derivation": node_json(result.root),
        "defs": [{"name": name, "derivation": node_json(root)} for name, root in result.defs],
    }
    if result.error is not None:
        obj["error"] = result.error.to_json()["error"]
    return obj


def judgements(node: Node) -> Sequence[str]:
    """Every judgement of the tree as text (pre-order): handy for tests and search."""
    return [judgement_text(n) for n in walk(node)]
