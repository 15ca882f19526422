"""The typing rules and a typing derivation, typeset with matplotlib's mathtext.

No LaTeX is needed: the LaTeX strings of `rules.RULES` and of `derivation_view`
(the same ones `cajal derive --latex` prints) are translated to mathtext by
`to_mathtext` and laid out here as inference figures — premises side by side over a
bar, the conclusion under it, the rule's name at its right. So the figure of the
rules is made from the very table the checker reports its errors with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.figure import Figure

from ..derivation_view import DeriveResult, Node, Status, latex_judgement
from ..rules import RULES, Rule
from .style import OKABE_ITO, new_figure, text_size

_MATHTEXT_REPLACEMENTS = (
    (re.compile(r"\\implies"), r"\\Rightarrow"),
    (re.compile(r"\\textsc\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\mathord\{\?\}"), "?"),
)


def to_mathtext(latex: str) -> str:
    """A math-mode LaTeX string in the subset matplotlib's mathtext understands."""
    for pattern, replacement in _MATHTEXT_REPLACEMENTS:
        latex = pattern.sub(replacement, latex)
    return latex


@dataclass
class _Op:
    x: float
    y: float  # baseline for text, height for a bar
    text: str = ""
    size: float = 10.0
    math: bool = True
    colour: str = "black"
    bar_length: float = 0.0
    dashed: bool = False
    gid: str | None = None


@dataclass
class Block:
    """A laid-out piece of a figure, in points, origin at its bottom-left corner."""

    width: float
    height: float
    ops: list[_Op] = field(default_factory=list)

    def shifted(self, dx: float, dy: float) -> list[_Op]:
        return [
            _Op(op.x + dx, op.y + dy, op.text, op.size, op.math, op.colour, op.bar_length, op.dashed, op.gid)
            for op in self.ops
        ]


def text_block(text: str, size: float, *, math: bool = True, colour: str = "black",
               gid: str | None = None) -> Block:
    w, h, d = text_size(text, size, math=math)
    return Block(w, h, [_Op(0.0, d, text, size, math, colour, gid=gid)])


def inference(premises: Sequence[Block], conclusion: Block, label: str, size: float, *,
              status: Status = Status.OK) -> Block:
    """Premises side by side above a bar, the conclusion centred below, the label at the right."""
    gap = 2.2 * size
    top_width = sum(p.width for p in premises) + gap * max(len(premises) - 1, 0)
    top_height = max((p.height for p in premises), default=0.0)
    bar_width = max(top_width, conclusion.width) + 0.6 * size
    rise = 0.35 * size
    colour = "black" if status is Status.OK else OKABE_ITO["vermillion"]
    label_block = text_block(label, 0.85 * size, math=False, colour=colour) if label else Block(0, 0)
    width = bar_width + (0.4 * size + label_block.width if label else 0.0)
    ops = conclusion.shifted((bar_width - conclusion.width) / 2, 0.0)
    bar_y = conclusion.height + rise
    ops.append(_Op(0.0, bar_y, bar_length=bar_width, dashed=status is not Status.OK, colour=colour))
    if label:
        ops.extend(label_block.shifted(bar_width + 0.4 * size, bar_y - label_block.height / 2))
    x = (bar_width - top_width) / 2
    for premise in premises:
        ops.extend(premise.shifted(x, bar_y + rise))
        x += premise.width + gap
    height = bar_y + rise + top_height if premises else bar_y + 0.2 * size
    return Block(width, height, ops)


def stack(blocks: Sequence[Block], gap: float) -> Block:
    """Blocks one above the other, first on top, left-aligned."""
    width = max((b.width for b in blocks), default=0.0)
    height = sum(b.height for b in blocks) + gap * max(len(blocks) - 1, 0)
    ops: list[_Op] = []
    y = height
    for block in blocks:
        y -= block.height
        ops.extend(block.shifted(0.0, y))
        y -= gap
    return Block(width, height, ops)


def row(blocks: Sequence[Block], gap: float) -> Block:
    """Blocks side by side, bottom-aligned."""
    width = sum(b.width for b in blocks) + gap * max(len(blocks) - 1, 0)
    height = max((b.height for b in blocks), default=0.0)
    ops: list[_Op] = []
    x = 0.0
    for block in blocks:
        ops.extend(block.shifted(x, 0.0))
        x += block.width + gap
    return Block(width, height, ops)


def block_figure(block: Block, margin: float = 10.0) -> Figure:
    """Draw a block on a figure of exactly its size (plus a margin)."""
    width = block.width + 2 * margin
    height = block.height + 2 * margin
    fig = new_figure(width / 72, height / 72)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    for op in block.ops:
        x, y = op.x + margin, op.y + margin
        if op.bar_length:
            ax.plot([x, x + op.bar_length], [y, y], color=op.colour, lw=0.8,
                    linestyle=(0, (3, 2)) if op.dashed else "-", solid_capstyle="butt")
        else:
            text = ax.text(x, y, f"${op.text}$" if op.math else op.text, fontsize=op.size, ha="left",
                           va="baseline", color=op.colour)
            if op.gid:
                text.set_gid(op.gid)
    return fig


# ---------------------------------------------------------------------------
# The rules of SPEC §3
# ---------------------------------------------------------------------------


def rule_block(rule: Rule, size: float = 10.0) -> Block:
    premises = [text_block(to_mathtext(p), size) for p in rule.latex_premises]
    if rule.latex_side_condition:
        premises.append(text_block(to_mathtext(rule.latex_side_condition), size))
    conclusion = text_block(to_mathtext(rule.latex_conclusion), size)
    block = inference(premises, conclusion, rule.name, size)
    for op in block.ops:
        if not op.math and op.text == rule.name:
            op.gid = f"rule:{rule.name}"
    return block


def rules_block(
    rules: Sequence[Rule] | None = None, *, page_width: float = 620.0, size: float = 10.0
) -> Block:
    """Every rule, filled into rows of at most `page_width` points, rows centred."""
    chosen = list(RULES.values()) if rules is None else list(rules)
    blocks = [rule_block(rule, size) for rule in chosen]
    gap = 3.0 * size
    rows: list[list[Block]] = [[]]
    used = 0.0
    for block in blocks:
        extra = block.width + (gap if rows[-1] else 0.0)
        if rows[-1] and used + extra > page_width:
            rows.append([])
            used = 0.0
            extra = block.width
        rows[-1].append(block)
        used += extra
    laid = [row(r, gap) for r in rows]
    width = max(b.width for b in laid)
    centred = [Block(width, b.height, b.shifted((width - b.width) / 2, 0.0)) for b in laid]
    return stack(centred, 1.6 * size)


def rules_figure() -> Figure:
    title = text_block("The typing rules of Cajal(⊸, 2, N)  (SPEC §3)", 12.0, math=False)
    note = text_block(
        "Γ, Δ is a disjoint union: every variable is used exactly once. rw(t): the variables "
        "used inside an iteration step in t (recurrent weights).",
        8.5, math=False, colour="#333333",
    )
    return block_figure(stack([title, rules_block(), note], 14.0))


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


def derivation_block(node: Node, size: float = 9.0) -> Block:
    """A derivation tree, built bottom-up without recursion."""
    built: dict[int, Block] = {}
    work: list[tuple[Node, bool]] = [(node, False)]
    while work:
        current, expanded = work.pop()
        if not expanded:
            work.append((current, True))
            work.extend((p, False) for p in current.premises)
            continue
        premises = [built.pop(id(p)) for p in current.premises]
        conclusion = text_block(to_mathtext(latex_judgement(current)), size)
        label = current.rule if current.status is not Status.UNCHECKED else ""
        if current.status is Status.BROKEN:
            label += " ✗"
        built[id(current)] = inference(premises, conclusion, label, size, status=current.status)
    return built[id(node)]


def derivation_figure(result: DeriveResult, title: str) -> Figure:
    """A derivation and those of the defs it uses, one under the other."""
    parts = [text_block(title, 11.0, math=False), derivation_block(result.root)]
    for name, root in result.defs:
        parts.append(text_block(f"where {name} is derived by", 9.0, math=False, colour="#333333"))
        parts.append(derivation_block(root))
    if result.error is not None:
        parts.append(text_block(f"error ({result.error.kind.value}): {result.error.message}", 8.5,
                                math=False, colour=OKABE_ITO["vermillion"]))
    return block_figure(stack(parts, 12.0))
