"""The network a program compiles to, drawn from the compiler's own structure.

Each node of `Compiled.structure` becomes a box: inputs, constants (basis vectors),
`succ` (the shift), linear neurons (`if`), matrices (`fun`), applications, recurrent
neurons (`iter`), and references to defs. Arrows carry values upward, from inputs to
the output, labelled with the port they feed (cond/then/else, n/base/S, fn/arg).
A def other than the one drawn is shown as a single box holding its compiled matrix
(it is compiled once and inlined as weights); pass `expand_defs=True` to open it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from ..compiler import (
    Abstraction,
    Application,
    Compiled,
    ConstantNeuron,
    DefNeuron,
    InputNeuron,
    LinearNeuron,
    NeuronNode,
    RecurrentNeuron,
    ShiftNeuron,
)
from ..printer import show_term
from ..spaces import basis_labels, value_shape
from ..syntax import show_type
from .heatmaps import format_exact
from .style import OKABE_ITO, new_figure, text_size

KIND_COLOURS = {
    "input": OKABE_ITO["sky_blue"],
    "constant": OKABE_ITO["yellow"],
    "shift": OKABE_ITO["grey"],
    "linear": OKABE_ITO["orange"],
    "recurrent": OKABE_ITO["vermillion"],
    "matrix": OKABE_ITO["bluish_green"],
    "apply": OKABE_ITO["blue"],
    "def": OKABE_ITO["reddish_purple"],
}

KIND_NAMES = {
    "input": "input variable",
    "constant": "constant (basis vector)",
    "shift": "succ (shift matrix)",
    "linear": "linear neuron (if)",
    "recurrent": "recurrent neuron (iter)",
    "matrix": "matrix (fun)",
    "apply": "application (matrix · vector)",
    "def": "def (compiled once)",
}


@dataclass
class Box:
    """One node of the diagram: its kind, text lines, and (port label, child) pairs."""

    kind: str
    lines: list[str]
    children: list[tuple[str, Box]] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


def value_summary(node: NeuronNode, nat_bound: int) -> str:
    """The node's exact value when small and closed, else its shape and the variables it depends on."""
    tensor = node.value
    array = tensor.exact()
    shape = value_shape(node.type, nat_bound)
    if not tensor.axes and array.size <= 12:
        value = array.reshape(shape)
        if value.ndim == 1:
            return "(" + ", ".join(format_exact(x) for x in value) + ")"
        return "[" + "; ".join(" ".join(format_exact(x) for x in row) for row in value) + "]"
    dims = "×".join(str(d) for d in (*shape, *array.shape[1:]))
    parts = ["matrix" if len(shape) == 2 else "value", *tensor.names]
    return f"{dims} tensor ({' × '.join(parts)})"


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_boxes(node: NeuronNode, nat_bound: int, *, expand_defs: bool = False, top: bool = True) -> Box:
    """The diagram tree of a compiled network (shared defs are drawn once per use)."""
    value = value_summary(node, nat_bound)
    match node:
        case DefNeuron(name=name, body=body):
            if top or expand_defs:
                inner = build_boxes(body, nat_bound, expand_defs=expand_defs, top=False)
                inner.lines[0] = f"def {name} = " + inner.lines[0]
                return inner
            return Box("def", [f"def {name}", f": {show_type(node.type)}", value])
        case Abstraction(param=param, body=body, columns=columns):
            dom = node.type.dom if hasattr(node.type, "dom") else node.type
            box = Box("matrix", [f"fun {param} : {show_type(dom)}", value])
            if body is not None:
                inner = build_boxes(body, nat_bound, expand_defs=expand_defs, top=False)
                box.children.append(("body", inner))
            else:
                labels = basis_labels(dom, nat_bound)
                for label, column in zip(labels, columns, strict=True):
                    child = build_boxes(column, nat_bound, expand_defs=expand_defs, top=False)
                    box.children.append((f"{param}={label}", child))
            return box
        case LinearNeuron(cond=cond, then=then, else_=else_):
            box = Box("linear", ["linear neuron (if)", "c_true·then + c_false·else", value])
            for port, part in (("cond", cond), ("then", then), ("else", else_)):
                box.children.append((port, build_boxes(part, nat_bound, expand_defs=expand_defs, top=False)))
            return box
        case RecurrentNeuron(count=count, base=base, step=step):
            box = Box("recurrent", ["recurrent neuron (iter)", "h₀ = base, hᵢ₊₁ = S·hᵢ",
                                    "out = Σᵢ nᵢ·hᵢ", value])
            for port, part in (("count", count), ("base", base), ("step S", step)):
                box.children.append((port, build_boxes(part, nat_bound, expand_defs=expand_defs, top=False)))
            return box
        case Application(fn=fn, arg=arg):
            box = Box("apply", ["apply", _short(show_term(node.term)), value])
            for port, part in (("fn", fn), ("arg", arg)):
                box.children.append((port, build_boxes(part, nat_bound, expand_defs=expand_defs, top=False)))
            return box
        case ShiftNeuron(arg=arg):
            box = Box("shift", ["succ (shift)", value])
            box.children.append(("arg", build_boxes(arg, nat_bound, expand_defs=expand_defs, top=False)))
            return box
        case InputNeuron(name=name, is_axis=is_axis):
            word = "input" if is_axis else "bound"
            return Box("input", [f"{word} {name} : {show_type(node.type)}"])
        case ConstantNeuron():
            return Box("constant", [f"{show_term(node.term)}", value])
        case _:
            return Box("apply", [type(node).__name__, value])


FONT = 8.0
LINE = FONT * 1.35 / 72  # inches per text line
PAD_X, PAD_Y = 0.12, 0.08
H_GAP, V_GAP = 0.25, 0.55


def _measure(box: Box) -> None:
    width = max(text_size(line, FONT)[0] for line in box.lines) / 72
    box.width = width + 2 * PAD_X
    box.height = len(box.lines) * LINE + 2 * PAD_Y
    for _, child in box.children:
        _measure(child)


def _layout(root: Box) -> tuple[float, float]:
    """Tidy tree layout: leaves left to right, parents centred over children, root on top."""
    levels: dict[int, float] = {}

    def level_heights(box: Box, depth: int) -> None:
        levels[depth] = max(levels.get(depth, 0.0), box.height)
        for _, child in box.children:
            level_heights(child, depth + 1)

    level_heights(root, 0)
    tops: dict[int, float] = {}
    y = 0.0
    for depth in sorted(levels):
        tops[depth] = y
        y += levels[depth] + V_GAP
    total_height = y - V_GAP
    cursor = [0.0]

    def place(box: Box, depth: int) -> None:
        box.y = total_height - tops[depth] - levels[depth] / 2
        if not box.children:
            box.x = cursor[0] + box.width / 2
            cursor[0] += box.width + H_GAP
            return
        start = cursor[0]
        for _, child in box.children:
            place(child, depth + 1)
        centre = (box.children[0][1].x + box.children[-1][1].x) / 2
        if centre - box.width / 2 < start:  # a parent wider than its children: move them right
            shift = start - (centre - box.width / 2)
            _shift(box, shift)
            centre += shift
            cursor[0] += shift
        box.x = centre
        cursor[0] = max(cursor[0], centre + box.width / 2 + H_GAP)

    place(root, 0)
    return cursor[0] - H_GAP, total_height


def _shift(box: Box, dx: float) -> None:
    for _, child in box.children:
        child.x += dx
        _shift(child, dx)


def _walk(box: Box) -> list[Box]:
    out = [box]
    for _, child in box.children:
        out.extend(_walk(child))
    return out


def network_figure(title: str, compiled: Compiled, *, expand_defs: bool = False) -> Figure:
    """The compiled network of a program as a box-and-arrow diagram."""
    root = build_boxes(compiled.structure, compiled.nat_bound, expand_defs=expand_defs)
    _measure(root)
    width, height = _layout(root)
    margin = 0.2
    legend_height = 0.5
    fig = new_figure(width + 2 * margin, height + 2 * margin + legend_height + 0.4)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-margin, width + margin)
    ax.set_ylim(-margin - legend_height, height + margin + 0.4)
    ax.set_axis_off()
    boxes = _walk(root)
    for box in boxes:
        colour = KIND_COLOURS[box.kind]
        patch = FancyBboxPatch(
            (box.x - box.width / 2, box.y - box.height / 2), box.width, box.height,
            boxstyle="round,pad=0,rounding_size=0.06", facecolor=colour, alpha=0.3,
            edgecolor="none",
        )
        ax.add_patch(patch)
        outline = FancyBboxPatch(
            (box.x - box.width / 2, box.y - box.height / 2), box.width, box.height,
            boxstyle="round,pad=0,rounding_size=0.06", facecolor="none", edgecolor=colour, lw=1.4,
        )
        outline.set_gid(f"neuron:{box.kind}")
        ax.add_patch(outline)
        ax.text(box.x, box.y, "\n".join(box.lines), ha="center", va="center", fontsize=FONT,
                linespacing=1.25)
        for port, child in box.children:
            start = (child.x, child.y + child.height / 2)
            end = (box.x, box.y - box.height / 2)
            arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, lw=0.9,
                                    color="#444444", shrinkA=1, shrinkB=1)
            ax.add_patch(arrow)
            mid_x = child.x + (box.x - child.x) * 0.35
            mid_y = start[1] + (end[1] - start[1]) * 0.35
            ax.text(mid_x, mid_y, port, ha="center", va="center", fontsize=7, style="italic",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    kinds = [k for k in KIND_COLOURS if any(b.kind == k for b in boxes)]
    handles = [Patch(facecolor=KIND_COLOURS[k], alpha=0.5, edgecolor=KIND_COLOURS[k], label=KIND_NAMES[k])
               for k in kinds]
    ax.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=7.5, frameon=False,
              bbox_to_anchor=(0.5, 0.0))
    ax.set_title(title, fontsize=11, pad=2, loc="center", y=1 - 0.15 / (height + 2 * margin + 0.9))
    return fig


def neuron_kinds(compiled: Compiled, *, expand_defs: bool = False) -> list[str]:
    """The kinds of the boxes the diagram draws (for tests)."""
    root = build_boxes(compiled.structure, compiled.nat_bound, expand_defs=expand_defs)
    return [b.kind for b in _walk(root)]
