"""How terms, types, derivations, compiled tensors and networks show themselves.

Plain text for `print` and IPython's pretty printer, LaTeX (MathJax-compatible: no
mathpartir, so a notebook renders it) and HTML for Jupyter. Each object's
`_repr_*_` method calls one function here, so the renderings live in one place and
the data classes stay small. Compiled objects are taken duck-typed (anything with
`type`, `nat_bound`, `printed` and `axis_labels()`), so this module sits below the
compiler and the checker: it imports only the printer at load time (derivations'
renderers are imported when used), and no optional dependency.
"""

from __future__ import annotations

import html
import itertools
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .printer import show_term
from .syntax import Arrow, Term, Type, show_type

if TYPE_CHECKING:
    from .checker import Derivation
    from .derivation_view import DeriveResult
    from .derivation_view import Node as DerivationNode

MAX_TABLE_CELLS = 4096
"""Beyond this many entries a tensor is summarised by its shape instead of tabulated."""


class PrettyPrinter(Protocol):
    """The part of IPython's `RepresentationPrinter` that `_repr_pretty_` uses."""

    def text(self, text: str) -> None: ...


class TensorLike(Protocol):
    """What a compiled result offers for display (`compiler.Compiled` has it)."""

    @property
    def type(self) -> Type: ...
    @property
    def nat_bound(self) -> int: ...
    @property
    def printed(self) -> Any: ...
    def axis_labels(self) -> list[tuple[str, list[str]]]: ...


def pretty_text(p: PrettyPrinter, cycle: bool, text: str) -> None:
    """`_repr_pretty_` body shared by every object here."""
    p.text("..." if cycle else text)


def pre(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


# ---------------------------------------------------------------------------
# Terms and types
# ---------------------------------------------------------------------------


def term_latex(t: Term) -> str:
    from .derivation_view import latex_term

    return f"${latex_term(t)}$"


def type_latex(t: Type) -> str:
    from .derivation_view import latex_type

    return f"${latex_type(t)}$"


def term_html(t: Term) -> str:
    return f"<code>{html.escape(show_term(t))}</code>"


def type_html(t: Type) -> str:
    return f"<code>{html.escape(show_type(t))}</code>"


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


def _as_node(d: Derivation | DerivationNode | DeriveResult) -> DerivationNode:
    from .checker import Derivation
    from .derivation_view import DeriveResult, from_derivation

    if isinstance(d, DeriveResult):
        return d.root
    if isinstance(d, Derivation):
        return from_derivation(d)
    return d


def derivation_text(d: Derivation | DerivationNode | DeriveResult) -> str:
    """A Gentzen-style text tree (premises above the bar, rule name at its right)."""
    from .derivation_view import render_proof_tree

    return render_proof_tree(_as_node(d))


def derivation_latex(d: Derivation | DerivationNode | DeriveResult) -> str:
    r"""Nested `\dfrac`s: the proof tree in the subset of LaTeX that MathJax renders."""
    from .derivation_view import latex_context, latex_term, latex_type

    node = _as_node(d)
    done: dict[int, str] = {}
    stack: list[tuple[DerivationNode, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((p, False) for p in current.premises)
            continue
        premises = r" \qquad ".join(done.pop(id(p)) for p in current.premises) or r"\phantom{x}"
        shown = latex_type(current.type) if current.type is not None else "{?}"
        judgement = rf"{latex_context(current.context)} \vdash {latex_term(current.term)} : {shown}"
        done[id(current)] = rf"\dfrac{{{premises}}}{{{judgement}}}\,\text{{{current.rule}}}"
    return "$$" + done[id(node)] + "$$"


def derivation_html(d: Derivation | DerivationNode | DeriveResult) -> str:
    return pre(derivation_text(d))


# ---------------------------------------------------------------------------
# Exact entries and compiled tensors
# ---------------------------------------------------------------------------


def entry_text(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(int(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return str(x)


def entry_latex(x: Any) -> str:
    if isinstance(x, Fraction) and x.denominator != 1:
        sign = "-" if x < 0 else ""
        return rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    if type(x).__module__.startswith("sympy"):
        import sympy  # only reached when the entry already is a sympy object

        return str(sympy.latex(x))
    return entry_text(x)


def _grid(c: TensorLike) -> tuple[str, list[str], str, list[str], list[list[Any]]]:
    """The printed tensor as a 2-D grid: rows = the first printed axis, columns = the rest."""
    array = np.asarray(c.printed, dtype=object)
    axes = c.axis_labels()
    row_title, row_labels = axes[0]
    rest = axes[1:]
    if not rest:
        return row_title, row_labels, "", [""], [[x] for x in array.reshape(-1)]
    col_title = " × ".join(title for title, _ in rest)
    col_labels = [", ".join(combo) for combo in itertools.product(*(labels for _, labels in rest))]
    grid = array.reshape(len(row_labels), len(col_labels)).tolist()
    return row_title, row_labels, col_title, col_labels, grid


def _too_big(c: TensorLike) -> bool:
    return int(np.asarray(c.printed, dtype=object).size) > MAX_TABLE_CELLS


def compiled_summary(c: TensorLike) -> str:
    shape = "×".join(str(n) for n in np.asarray(c.printed, dtype=object).shape)
    return f"compiled {show_type(c.type)} at K = {c.nat_bound}: {shape} tensor"


def compiled_text(c: TensorLike) -> str:
    """The tensor as a labelled table: one row per output basis vector, one column per input one."""
    if _too_big(c):
        return compiled_summary(c)
    row_title, rows, col_title, cols, grid = _grid(c)
    cells = [[entry_text(x) for x in line] for line in grid]
    head_w = max(len(row_title), *(len(r) for r in rows))
    widths = [max(len(col), *(len(line[j]) for line in cells)) for j, col in enumerate(cols)]
    lines = [compiled_summary(c)]
    if col_title:
        lines.append(" " * head_w + " │ " + col_title)
    header = "  ".join(col.rjust(w) for col, w in zip(cols, widths, strict=True))
    lines.append(row_title.ljust(head_w) + " │ " + header)
    lines.append("─" * head_w + "─┼─" + "─" * (sum(widths) + 2 * max(0, len(widths) - 1)))
    for label, line in zip(rows, cells, strict=True):
        row = "  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True))
        lines.append(label.ljust(head_w) + " │ " + row)
    return "\n".join(line.rstrip() for line in lines)


def compiled_html(c: TensorLike) -> str:
    if _too_big(c):
        return pre(compiled_summary(c))
    row_title, rows, col_title, cols, grid = _grid(c)
    esc = html.escape
    out = [f"<table><caption>{esc(compiled_summary(c))}</caption>"]
    if col_title:
        out.append(f"<tr><th></th><th colspan='{len(cols)}'>{esc(col_title)}</th></tr>")
    out.append(f"<tr><th>{esc(row_title)}</th>" + "".join(f"<th>{esc(col)}</th>" for col in cols) + "</tr>")
    for label, line in zip(rows, grid, strict=True):
        cells = "".join(f"<td>{esc(entry_text(x))}</td>" for x in line)
        out.append(f"<tr><th>{esc(label)}</th>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _latex_label(text: str) -> str:
    return r"\text{" + text.replace("\\", "").replace("{", "").replace("}", "").replace("_", r"\_") + "}"


def compiled_latex(c: TensorLike) -> str:
    """A bordered array: the basis labels of each axis around the exact entries."""
    if _too_big(c):
        return f"$\\text{{{compiled_summary(c)}}}$"
    row_title, rows, col_title, cols, grid = _grid(c)
    spec = "r|" + "r" * len(cols)
    lines = [_latex_label(row_title) + " & " + " & ".join(_latex_label(col) for col in cols) + r" \\ \hline"]
    for label, line in zip(rows, grid, strict=True):
        lines.append(_latex_label(label) + " & " + " & ".join(entry_latex(x) for x in line) + r" \\")
    caption = _latex_label(f"columns: {col_title}") + r" \\ " if col_title else ""
    body = "\n".join(lines)
    return f"$$\\begin{{array}}{{c}}{caption}\\begin{{array}}{{{spec}}}{body}\\end{{array}}\\end{{array}}$$"


# ---------------------------------------------------------------------------
# Networks (the compiled structure)
# ---------------------------------------------------------------------------

_KINDS = {
    "ConstantNeuron": "constant",
    "InputNeuron": "input",
    "ShiftNeuron": "succ (shift matrix)",
    "LinearNeuron": "linear neuron (if): c_true·then + c_false·else",
    "Abstraction": "matrix (fun)",
    "Application": "apply (matrix · vector)",
    "RecurrentNeuron": "recurrent neuron (iter): h₀ = base, hᵢ₊₁ = S·hᵢ, out = Σ nᵢ·hᵢ",
    "DefNeuron": "def",
}
_PORTS = {
    "ShiftNeuron": ("arg",),
    "LinearNeuron": ("cond", "then", "else"),
    "Application": ("fn", "arg"),
    "RecurrentNeuron": ("count n", "base", "step"),
    "DefNeuron": ("body",),
}


def _network_label(node: Any) -> str:
    kind = type(node).__name__
    text = _KINDS.get(kind, kind)
    if kind == "InputNeuron":
        text = f"{'input' if node.is_axis else 'bound'} {node.name}"
    elif kind == "DefNeuron":
        text = f"def {node.name}"
    elif kind == "Abstraction":
        text = f"matrix (fun {node.param})"
    elif kind == "ConstantNeuron":
        text = f"constant {show_term(node.term)}"
    return f"{text} : {show_type(node.type)}"


def network_text(root: Any, *, expand_defs: bool = False) -> str:
    """The compiled network as an indented tree, one neuron per line, ports named."""
    lines: list[str] = []
    stack: list[tuple[Any, str, str, str]] = [(root, "", "", "")]
    while stack:
        node, head, tail, port = stack.pop()
        lines.append(f"{head}{port + ': ' if port else ''}{_network_label(node)}")
        kind = type(node).__name__
        children = list(node.children())
        if kind == "DefNeuron" and not expand_defs and node is not root:
            children = []
        if kind == "Abstraction":
            ports: tuple[str, ...] = ("body",) if node.body is not None else tuple(
                f"{node.param} = e{j}" for j in range(len(children))
            )
        else:
            ports = _PORTS.get(kind, ())
        for index in reversed(range(len(children))):
            last = index == len(children) - 1
            branch, under = ("└─ ", "   ") if last else ("├─ ", "│  ")
            name = ports[index] if index < len(ports) else ""
            stack.append((children[index], tail + branch, tail + under, name))
    return "\n".join(lines)


def network_latex(root: Any) -> str:
    rows = [r"\texttt{" + _latex_text(line) + "}" for line in network_text(root).splitlines()]
    return "$$\\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}$$"


def _latex_text(text: str) -> str:
    replacements = {"\\": "", "{": r"\{", "}": r"\}", "_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&",
                    "$": r"\$", "^": "", "~": "", " ": r"\ ", "│": "|", "├": "+", "└": "+", "─": "-",
                    "·": "*", "⊸": "-o", "₀": "0", "ᵢ": "i", "₊": "+", "₁": "1", "Σ": "sum "}
    return "".join(replacements.get(ch, ch) for ch in text)


def network_html(root: Any) -> str:
    return pre(network_text(root))


def function_type_note(t: Type) -> str:
    """How to read a printed function matrix (SPEC §8): columns are inputs."""
    if isinstance(t, Arrow):
        return f"column j = image of the j-th basis vector of {show_type(t.dom)}"
    return ""
