"""Figures of the user's own programs: `cajal figures -e EXPR` or `FILE... --def NAME`, at any K.

The same drawings as paper_figures/ (compiled matrix, network, derivation), plus
the trace of a closed program (each `iter`'s direct iterates beside its neuron's
states, from cajal_ref.tracing) and the grammar of SPEC §2. Each is a FigureSpec,
so `generate` writes them like the built-in figures (deterministic, atomic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from ..compiler import Compiled, compile_term
from ..derivation_view import DeriveResult, derive_def, derive_term
from ..diagnostics import CajalError, ErrorKind
from ..loader import Workspace
from ..printer import show_term, show_term_clipped
from ..syntax import Arrow, Iter, Term, Type, show_type
from ..tracing import IterTrace, Trace, trace_term
from .derivation import Block, block_figure, row, stack, text_block
from .heatmaps import MatrixView, compiled_matrix_view, draw_matrix, heatmap_figure
from .network import network_figure
from .style import OKABE_ITO, new_figure

KINDS = ("heatmap", "network", "derivation", "trace")
"""What `cajal figures -e/--def` can draw of a program (--kind; all that apply by default)."""


@dataclass(frozen=True)
class UserProgram:
    """A program to draw: its name (for file stems), checked term, context and the defs around it."""

    name: str
    term: Term
    type: Type
    context: tuple[tuple[str, Type], ...]
    source: str
    def_name: str | None = None

    @property
    def title(self) -> str:
        """How figures name it: the def's name, or the expression (shortened)."""
        return self.def_name or show_term_clipped(self.term, 60)


def slug(text: str) -> str:
    """A file stem for a program: its letters, digits and underscores, at most 40 of them."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")[:40]
    return cleaned or "expr"


def user_program(ws: Workspace, *, expr: str | None, ctx: str | None, def_name: str | None) -> UserProgram:
    """The program named by --def NAME, by -e NAME of an open def, or the expression -e EXPR."""
    name = def_name if def_name is not None else (expr or "").strip()
    info = ws.defs.get(name)
    if info is not None and (def_name is not None or (ctx is None and info.context)):
        source = f"def {name} : {show_type(info.type)} = {show_term_clipped(info.body, 400)}"
        return UserProgram(name, info.body, info.type, tuple(info.context), source, name)
    if def_name is not None:
        known = ", ".join(sorted(ws.defs)) or "none"
        raise CajalError(ErrorKind.UNBOUND, f"no def named `{def_name}` is loaded (defs: {known})")
    assert expr is not None
    checked = ws.check_expression(expr, ctx)
    source = expr if ctx is None else f"{expr}\n-- over {ctx}"
    return UserProgram(slug(expr), checked.term, checked.type, tuple(checked.context), source)


def compile_program(ws: Workspace, program: UserProgram, nat_bound: int) -> Compiled:
    return compile_term(program.term, program.context, ws.defs, nat_bound=nat_bound)


def matrix_view(program: UserProgram, compiled: Compiled) -> MatrixView:
    """The compiled tensor as a matrix: rows the value's basis, columns the rest (row-major)."""
    if isinstance(compiled.type, Arrow) and not compiled.context:
        return compiled_matrix_view(program.name, compiled, program.term)
    axes = compiled.axis_labels()
    printed = np.asarray(compiled.printed, dtype=object)
    title = f"{program.title} : {show_type(program.type)}   (K = {compiled.nat_bound})"
    if printed.ndim == 1:
        return MatrixView(title, printed.reshape(-1, 1), axes[0][0], axes[0][1], "", ["value"])
    rows = printed.reshape(printed.shape[0], -1)
    if len(axes) == 2 and len(axes[1][1]) == rows.shape[1]:
        col_title, col_labels = axes[1]
    else:
        col_title = ", ".join(a[0] for a in axes[1:]) + "  (row-major)"
        col_labels = [str(j) for j in range(rows.shape[1])]
    return MatrixView(title, rows, axes[0][0], axes[0][1], col_title, col_labels)


def program_heatmap(ws: Workspace, program: UserProgram, nat_bound: int) -> Figure:
    return heatmap_figure(matrix_view(program, compile_program(ws, program, nat_bound)))


def program_network(ws: Workspace, program: UserProgram, nat_bound: int) -> Figure:
    compiled = compile_program(ws, program, nat_bound)
    return network_figure(f"The network of {program.title} (K = {nat_bound})", compiled)


def program_derivation(ws: Workspace, program: UserProgram) -> DeriveResult:
    if program.def_name is not None:
        return derive_def(ws, program.def_name)
    return derive_term(ws, program.term, program.context)


def program_trace(ws: Workspace, program: UserProgram, nat_bound: int) -> Trace:
    """The trace of a closed program (an open one has no value to step to)."""
    if program.context:
        raise CajalError(ErrorKind.UNBOUND, f"`{program.title}` is open: only a closed program has a trace")

    def state_type(redex: Term) -> Type:
        assert isinstance(redex, Iter)
        return ws.check_expression(show_term(redex.base)).type

    return trace_term(program.term, ws.defs, nat_bound=nat_bound, state_types=state_type)


# ---------------------------------------------------------------------------
# The trace figure: per iter, direct iterates beside the neuron's states
# ---------------------------------------------------------------------------


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _iteration_matrix(it: IterTrace) -> tuple[list[list[object]], list[str]]:
    """Columns hᵢ of the neuron's states and, beside each, dᵢ: the direct iterate, encoded."""
    columns: list[list[object]] = []
    names: list[str] = []
    blank: list[object] = [""] * len(it.labels)
    for r in it.rows:
        columns.append(list(r.state) if r.state is not None else blank)
        names.append(f"h{_sub(r.i)}")
        columns.append(list(r.encoded) if r.encoded is not None else blank)
        names.append(f"d{_sub(r.i)}")
    matrix = [[col[i] for col in columns] for i in range(len(it.labels))]
    return matrix, names


MAX_TRACE_PANELS = 6
"""Iterations drawn in one trace figure (the text and JSON of `cajal trace` have them all)."""
MAX_TRACE_HEIGHT = 8.0
"""Inches: a trace figure fits in a text block; many states get smaller cells."""


def drawable_iterations(trace: Trace) -> list[IterTrace]:
    """The iterations fired whose states are vectors (a function-valued state has no column)."""
    return [it for it in trace.iterations if it.rows and it.rows[0].state is not None]


def trace_figure(trace: Trace, title: str) -> Figure:
    """One panel per `iter` fired: hᵢ (the neuron) and enc(dᵢ) (the direct semantics) side by side."""
    shown = drawable_iterations(trace)
    if not shown:
        raise ValueError("the program fires no iter over a ground state: there is no trace to draw")
    fired = len(shown)
    shown = shown[:MAX_TRACE_PANELS]
    if fired > len(shown):
        title += f"  (the first {len(shown)} of {fired} iters)"
    heights = [len(it.labels) for it in shown]
    widest = max(2 * len(it.rows) for it in shown)
    cell = min(0.36, (MAX_TRACE_HEIGHT - 0.7 - 0.75 * len(shown)) / sum(heights))
    fig = new_figure(max(4.5, 1.6 + 1.5 * cell * widest), 0.9 + sum(cell * h + 0.75 for h in heights))
    grid = fig.add_gridspec(len(shown), 1, height_ratios=[h + 2.0 for h in heights], hspace=0.45,
                            left=0.14, right=0.98, top=1 - 0.75 / fig.get_figheight(), bottom=0.05)
    for index, it in enumerate(shown):
        ax = fig.add_subplot(grid[index, 0])
        matrix, names = _iteration_matrix(it)
        draw_matrix(ax, matrix, list(it.labels), names, font_size=8 if cell >= 0.3 else 6.5)
        ax.tick_params(axis="x", labelsize=8 if cell >= 0.3 else 7)
        verdict = {True: "states = encoded direct iterates", False: "MISMATCH",
                   None: "not compared"}[it.agrees]
        ax.set_title(f"step {it.step}: {show_term_clipped(it.term, 70)}   (count {it.count}; {verdict})",
                     fontsize=8, loc="left",
                     color="black" if it.agrees is not False else OKABE_ITO["vermillion"])
    fig.suptitle(f"{title}\nhᵢ: the neuron's state, dᵢ: the direct iterate (encoded), side by side",
                 fontsize=10, y=1 - 0.05 / fig.get_figheight(), va="top")
    return fig


# ---------------------------------------------------------------------------
# The grammar of SPEC §2, typeset like Redex's render-language
# ---------------------------------------------------------------------------

GRAMMAR: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("A, B", "types", (
        (r"\mathsf{Bool}", "booleans"),
        (r"\mathsf{Nat}", "naturals"),
        (r"A \multimap B", "linear functions (right-associative)"),
    )),
    ("t, u", "terms", (
        ("x", "variable (used exactly once)"),
        (r"\mathsf{true} \mid \mathsf{false}", ""),
        (r"\mathsf{if}\ t\ \mathsf{then}\ u_1\ \mathsf{else}\ u_2", ""),
        (r"\mathsf{zero} \mid \mathsf{succ}\ t \mid 0 \mid 1 \mid 2 \mid \ldots",
         "numerals: sugar for succ … succ zero"),
        (r"\mathsf{fun}\ x : A \Rightarrow t", "linear abstraction"),
        ("t\\ u", "application (left-associative)"),
        (r"\mathsf{iter}\ t\ \{\ \mathsf{zero} \Rightarrow u_0 \mid \mathsf{succ}\ y \Rightarrow u_1\ \}",
         "iteration"),
        (r"\mathsf{let}\ x = t\ \mathsf{in}\ u", "sugar for (fun x : A ⇒ u) t"),
    )),
)


def grammar_figure(size: float = 10.0) -> Figure:
    """The grammar as `nonterminal ::= alternative | …`, one alternative a line, notes at the right."""
    heads: list[Block] = []
    productions: list[Block] = []
    notes: list[Block] = []
    groups: list[tuple[str, int]] = []
    for nonterminal, what, alternatives in GRAMMAR:
        groups.append((what, len(alternatives)))
        for index, (production, note) in enumerate(alternatives):
            heads.append(text_block(rf"{nonterminal}\ ::=" if index == 0 else r"\mid", size))
            productions.append(text_block(production, size))
            notes.append(text_block(note, size - 1.5, math=False, colour="#555555") if note else Block(0, 0))
    head_width = max(b.width for b in heads)
    production_width = max(b.width for b in productions)
    lines = [
        row([Block(head_width, h.height, h.shifted(head_width - h.width, 0.0)),
             Block(production_width, p.height, p.ops), n], 10.0)
        for h, p, n in zip(heads, productions, notes, strict=True)
    ]
    blocks = [text_block("The grammar of Cajal(⊸, 2, N)  (SPEC §2)", size + 2, math=False)]
    start = 0
    for what, count in groups:
        blocks.append(text_block(what, size - 1, math=False, colour="#333333"))
        blocks.append(stack(lines[start:start + count], 4.0))
        start += count
    return block_figure(stack(blocks, 8.0))
