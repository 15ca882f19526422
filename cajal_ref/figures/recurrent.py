"""A recurrent neuron unrolled: the step S, the states Sⁱ·base, the coefficients n, the sum.

`iter n { zero => base | succ y => step }` compiles to h₀ = base, hᵢ₊₁ = S·hᵢ and the
output Σᵢ nᵢ·hᵢ for i = 0 … K (SPEC §5). Every number drawn here is read from the
compiler's `RecurrentNeuron`: its step matrix, its states and its coefficients. The
program is compiled twice — once with the count as an input (the states are then the
columns of the compiled matrix: the neuron is linear in n) and once with the count
bound to a coefficient vector, for the weighted sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ..compiler import Compiled, RecurrentNeuron
from ..spaces import basis_labels
from ..syntax import Type
from .heatmaps import draw_matrix, format_exact
from .style import OKABE_ITO, new_figure


@dataclass(frozen=True)
class UnrolledNeuron:
    """The parts of one recurrent neuron, as exact arrays."""

    state_type: Type
    nat_bound: int
    step: Any  # (d, d)
    states: list[Any]  # K+1 vectors of length d
    coefficients: Any  # K+1 vector
    output: Any  # d vector


def find_recurrent(compiled: Compiled) -> RecurrentNeuron:
    """The (first) recurrent neuron of a compiled program."""
    for node in compiled.structure.walk():
        if isinstance(node, RecurrentNeuron):
            return node
    raise ValueError("the program has no `iter`, so no recurrent neuron")


def unrolled(neuron: RecurrentNeuron, nat_bound: int) -> UnrolledNeuron:
    """Read S, the states, n and the output from a neuron whose count is bound (no axes)."""
    if neuron.coefficients.axes or neuron.value.axes:
        raise ValueError("bind the count (and every input of the neuron) to draw its weighted sum")
    return UnrolledNeuron(
        state_type=neuron.type,
        nat_bound=nat_bound,
        step=neuron.step_matrix.exact(),
        states=[s.exact() for s in neuron.states],
        coefficients=neuron.coefficients.exact(),
        output=neuron.value.exact(),
    )


def states_matrix(parts: UnrolledNeuron) -> Any:
    """[h₀ … h_K] as columns (d × (K+1))."""
    return np.stack(parts.states, axis=1)


def recurrent_figure(title: str, parts: UnrolledNeuron, program_text: str) -> Figure:
    """S | the states h₀ … h_K (arrows S·) | n | Σ nᵢ·hᵢ, with the equation underneath."""
    k = parts.nat_bound
    labels = basis_labels(parts.state_type, k)
    d = len(labels)
    width_units = [d, k + 1, 1, 1]
    fig = new_figure(2.0 + 0.55 * (sum(width_units) + 6), 3.2 + 0.45 * d)
    grid = fig.add_gridspec(1, 4, width_ratios=[max(w, 1.6) for w in width_units], wspace=0.55,
                            left=0.08, right=0.98, top=0.6, bottom=0.2)
    ax_step, ax_states, ax_n, ax_out = (fig.add_subplot(grid[0, i]) for i in range(4))

    draw_matrix(ax_step, parts.step, labels, labels)
    ax_step.set_title("step S\n(column j = step at eⱼ)", fontsize=10)

    state_cols = [f"h{_sub(i)}" for i in range(k + 1)]
    draw_matrix(ax_states, states_matrix(parts), labels, state_cols)
    ax_states.set_title("states hᵢ = Sⁱ·base,  i = 0 … K\n(the columns of the compiled fun n ⇒ iter n …)",
                        fontsize=10, pad=40)
    for i in range(k):
        arrow = FancyArrowPatch((i + 0.15, -0.62), (i + 0.85, -0.62), arrowstyle="-|>", mutation_scale=9,
                                color=OKABE_ITO["vermillion"], lw=1.2, clip_on=False,
                                connectionstyle="arc3,rad=-0.6")
        ax_states.add_patch(arrow)
        ax_states.text(i + 0.5, -0.9, "S·", ha="center", va="bottom", fontsize=8,
                       color=OKABE_ITO["vermillion"], clip_on=False)

    coefficients = np.array(parts.coefficients, dtype=object).reshape(-1, 1)
    draw_matrix(ax_n, coefficients, [str(i) for i in range(k + 1)], ["n"])
    ax_n.set_title("coefficients\nn", fontsize=10)

    output = np.array(parts.output, dtype=object).reshape(-1, 1)
    draw_matrix(ax_out, output, labels, ["out"])
    ax_out.set_title("output\nΣᵢ nᵢ·hᵢ", fontsize=10)

    terms = [f"{format_exact(c)}·h{_sub(i)}" for i, c in enumerate(parts.coefficients) if c != 0]
    equation = "output = Σᵢ nᵢ·hᵢ = " + (" + ".join(terms) if terms else "0")
    fig.text(0.5, 0.06, equation, ha="center", fontsize=10)
    fig.suptitle(f"{title}\n{program_text}", fontsize=11, y=0.98)
    return fig


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUBSCRIPTS)
