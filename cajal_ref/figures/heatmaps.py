"""Heatmaps of compiled matrices, every exact entry written in its cell.

A compiled closed function `f : A -o B` is the matrix whose column j is the image of
the j-th basis vector of V(A) (SPEC §5); when B is itself a function type, each
column is that function's matrix flattened row-major (SPEC §8), so `and` is 4×2.
Rows and columns are labelled by the basis vectors, exactly as `cajal compile`
labels them. Colour is only a guide (cividis); the numbers are the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..compiler import Compiled
from ..syntax import Arrow, Lam, Term, show_type
from .style import HEATMAP_CMAP, new_figure, text_colour_on

CELL_GID = "cell"
"""The gid of every cell's text artist, so tests can read the drawn numbers back."""


def format_exact(x: Any) -> str:
    """An exact entry as text: `3`, `-1/2`, or a sympy expression."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, Fraction):
        return str(x)
    return str(x)


def as_float(x: Any) -> float:
    """An entry's colour value (display only; the figure writes the exact entry)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


@dataclass(frozen=True)
class MatrixView:
    """A 2-D exact matrix with titled, labelled axes."""

    title: str
    matrix: Any  # 2-D object array of exact entries
    row_title: str
    row_labels: list[str]
    col_title: str
    col_labels: list[str]


def param_names(term: Term) -> list[str]:
    """The parameters of a chain of `fun`s: `fun x => fun y => ...` gives [x, y]."""
    names: list[str] = []
    while isinstance(term, Lam):
        names.append(term.param)
        term = term.body
    return names


def compiled_matrix_view(name: str, compiled: Compiled, body: Term | None = None) -> MatrixView:
    """The printed matrix of a compiled closed function, its axes named after its parameters."""
    t = compiled.type
    if not isinstance(t, Arrow) or compiled.context:
        raise ValueError(f"{name} is not a closed function: it has no matrix to draw")
    params = param_names(body) if body is not None else []
    (out_title, out_labels), (in_title, in_labels) = compiled.axis_labels()[:2]
    first = params[0] if params else "input"
    col_title = f"{first} : {show_type(t.dom)}  (basis vector)"
    if isinstance(t.cod, Arrow):
        second = params[1] if len(params) > 1 else "argument"
        row_title = (
            f"{name} {first} : {show_type(t.cod)}\n"
            f"entry (output, {second}) of its matrix, row-major"
        )
    else:
        row_title = f"output : {show_type(t.cod)}  (basis vector)"
    del out_title, in_title
    title = f"{name} : {show_type(t)}   (K = {compiled.nat_bound})"
    return MatrixView(title, compiled.printed, row_title, out_labels, col_title, in_labels)


def draw_matrix(ax: Axes, matrix: Any, row_labels: list[str], col_labels: list[str], *,
                font_size: float = 9.0, cmap: str = HEATMAP_CMAP) -> None:
    """Draw an exact matrix as a heatmap with every entry written in its cell (gid `cell`)."""
    values = np.array([[as_float(x) for x in row] for row in matrix], dtype=float)
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if high == low:
        high = low + 1.0
    norm = Normalize(vmin=min(low, 0.0), vmax=high)
    image = ax.imshow(values, cmap=cmap, norm=norm, aspect="equal", interpolation="nearest")
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            colour = image.cmap(norm(values[i, j])) if np.isfinite(values[i, j]) else (1, 1, 1, 1)
            text = ax.text(j, i, format_exact(matrix[i][j]), ha="center", va="center",
                           fontsize=font_size, color=text_colour_on(colour))
            text.set_gid(CELL_GID)
    ax.set_xticks(range(cols), labels=col_labels)
    ax.set_yticks(range(rows), labels=row_labels)
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


MAX_HEIGHT = 6.8
"""Inches of cells and labels: with its title the page stays under 8 in, inside a text block (9 in)."""


def heatmap_figure(view: MatrixView) -> Figure:
    """One compiled matrix, sized so that every cell is legible."""
    rows = len(view.row_labels)
    cols = len(view.col_labels)
    cell = 0.42 if rows * cols <= 60 else 0.3
    cell = min(cell, (MAX_HEIGHT - 1.6) / rows)  # a tall matrix gets smaller cells, not a taller page
    label_width = max((len(s) for s in view.row_labels), default=4) * 0.075
    width = max(3.6, cols * cell + label_width + 1.4)
    height = max(2.4, rows * cell + 1.6)
    fig = new_figure(width, height)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    font_size = 9 if cell > 0.35 else 7.5 if cell >= 0.28 else 6.5
    draw_matrix(ax, view.matrix, view.row_labels, view.col_labels, font_size=font_size)
    ax.set_title(view.title, pad=10)
    ax.set_xlabel(view.col_title)
    ax.set_ylabel(view.row_title)
    ax.xaxis.set_label_position("bottom")
    return fig


def cell_texts(fig: Figure) -> list[list[str]]:
    """The numbers drawn in each heatmap of a figure (row-major per axes), read back for tests."""
    out: list[list[str]] = []
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_gid() == CELL_GID]
        if texts:
            ordered = sorted(texts, key=lambda t: (t.get_position()[1], t.get_position()[0]))
            out.append([t.get_text() for t in ordered])
    return out
