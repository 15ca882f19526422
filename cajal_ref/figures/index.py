"""Every figure of paper_figures/: what it shows, the program it comes from, how it is made.

`generate(out_dir)` compiles the programs, draws each figure, writes PDF and PNG
(deterministic bytes, atomic writes) and an index.md listing every figure with its
caption and program. The experiment figures come from `cajal_ref.experiments` when
it provides the hook named in EXPERIMENT_HOOK (see `experiment_figures`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from matplotlib.figure import Figure

from ..compiler import Compiled, compile_term
from ..derivation_view import derive_expression
from ..diagnostics import CajalError, ErrorKind
from ..loader import Workspace, load_workspace
from ..outputs import prepare_output_dir
from ..printer import show_term
from ..syntax import show_type
from .derivation import derivation_figure, rules_figure
from .heatmaps import compiled_matrix_view, heatmap_figure
from .network import network_figure
from .recurrent import find_recurrent, recurrent_figure, states_matrix, unrolled
from .style import figure_style, natural_width, save_figure, write_text_atomic
from .user import (
    KINDS,
    compile_program,
    drawable_iterations,
    grammar_figure,
    program_derivation,
    program_heatmap,
    program_network,
    program_trace,
    trace_figure,
    user_program,
)

HEATMAP_BOUND = 4
"""K for the figures: small enough that every entry can be written in its cell."""

HEATMAP_PROGRAMS = ("not", "and", "xor", "is_even", "add")
NETWORK_PROGRAMS = ("xor", "is_even", "add")

PAPER_STEP = ((0, 2), (3, 0))
"""The paper's running example of a recurrent neuron: f(n+1) = [[0,2],[3,0]]·f(n), f(0) = (1,0)."""
PAPER_COEFFICIENTS = (0, 1, 0, Fraction(1, 3), 0)
"""A coefficient vector that is not one-hot: the neuron is linear in n, so any vector works."""

EXPERIMENT_HOOK = "cajal_ref.experiments.figures:make_experiment_figures"
"""`make_experiment_figures(results_dir: Path, out_dir: Path) -> list[tuple[str, str, str]]`:
draws the experiment figures from a results directory into out_dir (PDF + PNG, using
`figures.style.save_figure`) and returns (stem, caption, program) for each one."""


@dataclass(frozen=True)
class FigureSpec:
    stem: str
    caption: str
    program: str
    build: Callable[[], Figure]


def compile_expression(ws: Workspace, text: str, ctx: str | None = None, *, nat_bound: int = HEATMAP_BOUND,
                       bindings: dict[str, Any] | None = None) -> Compiled:
    checked = ws.check_expression(text, ctx)
    return compile_term(checked.term, checked.context, ws.defs, nat_bound=nat_bound, bindings=bindings)


def def_source(ws: Workspace, name: str) -> str:
    info = ws.defs[name]
    return f"def {name} : {show_type(info.type)} = {show_term(info.body)}"


def _heatmap(ws: Workspace, name: str) -> Figure:
    compiled = compile_expression(ws, name)
    return heatmap_figure(compiled_matrix_view(name, compiled, ws.defs[name].body))


def _network(ws: Workspace, name: str) -> Figure:
    compiled = compile_expression(ws, name)
    return network_figure(f"The network of {name} (K = {HEATMAP_BOUND})", compiled)


IS_EVEN_STEP = "iter n { zero => true | succ b => not b }"
PAPER_ITER = "iter n { zero => true | succ y => f y }"


def unrolled_is_even(ws: Workspace, n: int = 3) -> Figure:
    k = HEATMAP_BOUND
    coefficients = [1 if i == n else 0 for i in range(k + 1)]
    bound = compile_expression(ws, IS_EVEN_STEP, "n : Nat", bindings={"n": coefficients})
    parts = unrolled(find_recurrent(bound), k)
    _require_states_are_columns(ws, "is_even", None, {}, parts)
    return recurrent_figure(
        f"is_even as a recurrent neuron (K = {k}): S is the matrix of not, base = true",
        parts,
        f"{IS_EVEN_STEP}   with n = {n} (one-hot coefficients)",
    )


def unrolled_paper(ws: Workspace) -> Figure:
    k = HEATMAP_BOUND
    step = [list(r) for r in PAPER_STEP]
    bound = compile_expression(ws, PAPER_ITER, "f : Bool -o Bool, n : Nat",
                               bindings={"f": step, "n": list(PAPER_COEFFICIENTS)})
    parts = unrolled(find_recurrent(bound), k)
    _require_states_are_columns(ws, f"fun n : Nat => {PAPER_ITER}", "f : Bool -o Bool", {"f": step}, parts)
    shown = ", ".join(str(c) for c in PAPER_COEFFICIENTS)
    return recurrent_figure(
        f"The paper's recurrent neuron (K = {k}): S = [[0,2],[3,0]], base = (1,0)",
        parts,
        f"fun n : Nat => {PAPER_ITER}   with f = [[0,2],[3,0]], n = ({shown})",
    )


def _require_states_are_columns(ws: Workspace, function: str, ctx: str | None, bindings: dict[str, Any],
                                parts: Any) -> None:
    """The states drawn must be the columns of the compiled `fun n => iter n ...` (linearity in n)."""
    matrix = compile_expression(ws, function, ctx, bindings=bindings).printed
    if matrix.tolist() != states_matrix(parts).tolist():
        raise AssertionError(f"the states of the neuron are not the columns of the compiled {function}")


def figure_specs(ws: Workspace) -> list[FigureSpec]:
    specs: list[FigureSpec] = []
    for name in HEATMAP_PROGRAMS:
        specs.append(FigureSpec(
            f"heatmap_{name}",
            f"The compiled matrix of `{name}` at K = {HEATMAP_BOUND}: column j is the image of the j-th "
            "basis vector of the input; a function-valued output is flattened row-major (SPEC §8). "
            "Entries are exact.",
            def_source(ws, name),
            lambda name=name: _heatmap(ws, name),  # type: ignore[misc]
        ))
    specs.append(FigureSpec(
        "recurrent_is_even",
        f"is_even unrolled at K = {HEATMAP_BOUND}: the step matrix S (the matrix of not), the states "
        "hᵢ = Sⁱ·e_true for i = 0…K, the coefficient vector n = enc(3), and the weighted sum Σ nᵢ·hᵢ "
        "= e_false (3 is odd). The states are the columns of the compiled matrix of is_even.",
        f"{def_source(ws, 'is_even')}\n-- drawn: {IS_EVEN_STEP}  over n : Nat, n = 3",
        lambda: unrolled_is_even(ws),
    ))
    specs.append(FigureSpec(
        "recurrent_paper",
        "The paper's running example, f(0) = (1,0), f(n+1) = [[0,2],[3,0]]·f(n), as the recurrent "
        f"neuron of an iter at K = {HEATMAP_BOUND}: states Sⁱ·(1,0), and a coefficient vector that is "
        "not one-hot, to show that the neuron is linear in n: the output is Σ nᵢ·Sⁱ·(1,0).",
        f"fun n : Nat => {PAPER_ITER}\n-- over f : Bool -o Bool bound to [[0,2],[3,0]]",
        lambda: unrolled_paper(ws),
    ))
    for name in NETWORK_PROGRAMS:
        specs.append(FigureSpec(
            f"network_{name}",
            f"The network `{name}` compiles to, drawn from the compiler's structure (K = {HEATMAP_BOUND}): "
            "inputs, constants, linear neurons (if), recurrent neurons (iter), matrices (fun) and "
            "applications, with the values they compute; other defs are single boxes holding their "
            "compiled matrix.",
            def_source(ws, name),
            lambda name=name: _network(ws, name),  # type: ignore[misc]
        ))
    specs.append(FigureSpec(
        "rules",
        "The typing rules of SPEC §3, typeset (with matplotlib's mathtext) from the same table "
        "(cajal_ref/rules.py) that the checker names in its errors. Side conditions are drawn as "
        "premises; strict mode (--strict-iter) adds Θ = · to Iter.",
        "cajal_ref/rules.py: RULES",
        rules_figure,
    ))
    specs.append(FigureSpec(
        "grammar",
        "The grammar of SPEC §2 (types and terms), typeset like PLT Redex's render-language.",
        "cajal_ref/figures/user.py: GRAMMAR",
        grammar_figure,
    ))
    specs.append(FigureSpec(
        "trace_mult",
        f"`cajal trace -e \"mult 2 3\" -K {TRACE_BOUND}` as a figure: for each iter the reduction fires, "
        "the recurrent neuron's states hᵢ beside the encoded direct iterates enc(dᵢ) (they are equal).",
        "mult 2 3",
        lambda: trace_figure(program_trace(ws, user_program(ws, expr="mult 2 3", ctx=None, def_name=None),
                                           TRACE_BOUND), f"mult 2 3 traced (K = {TRACE_BOUND})"),
    ))
    specs.append(FigureSpec(
        "derivation_is_even",
        "The full typing derivation of `is_even 3`, with the derivations of the defs it uses "
        "(is_even, then not); the same tree `cajal derive -e \"is_even 3\"` prints.",
        "is_even 3",
        lambda: derivation_figure(derive_expression(ws, "is_even 3"), "A derivation of · ⊢ is_even 3 : Bool"),
    ))
    return specs


TRACE_BOUND = 6
"""K for the trace figure: mult 2 3 = 6 must be representable."""


def user_specs(ws: Workspace, *, expr: str | None, ctx: str | None = None, def_name: str | None = None,
               nat_bound: int = HEATMAP_BOUND, kinds: Sequence[str] | None = None,
               log: TextIO | None = None) -> list[FigureSpec]:
    """The figures of the user's own program (`cajal figures -e EXPR` / `--def NAME`).

    Without `kinds`, every kind that applies: the derivation always, the trace only for
    a closed program (it must be closed to run), the tensor and network unless a free
    variable is a recurrent weight (it needs a value). Kinds asked for that cannot be
    drawn are refused here, before anything is drawn.
    """
    program = user_program(ws, expr=expr, ctx=ctx, def_name=def_name)
    chosen = list(kinds) if kinds else list(KINDS)
    if "trace" in chosen and program.context and not kinds:
        chosen.remove("trace")  # only a closed program runs
    elif "trace" in chosen and not drawable_iterations(program_trace(ws, program, nat_bound)):
        # (program_trace raises for an open program asked for by --kind trace)
        if kinds:
            raise ValueError(f"`{program.title}` fires no iter over a ground state: no trace to draw")
        chosen.remove("trace")
    if "heatmap" in chosen or "network" in chosen:
        try:
            compile_program(ws, program, nat_bound)
        except CajalError as err:
            if kinds or err.kind is not ErrorKind.UNBOUND_WEIGHT:
                raise
            _say(log, f"{program.title}: no tensor or network without a value for a recurrent weight "
                      "(cajal compile --bind draws it as text)")
            chosen = [k for k in chosen if k not in ("heatmap", "network")]
    stem, shown = program.name, program.title
    where = f" (K = {nat_bound})"
    builders: dict[str, tuple[str, Callable[[], Figure]]] = {
        "heatmap": (f"The compiled tensor of `{shown}`{where}, labelled by basis vectors.",
                    lambda: program_heatmap(ws, program, nat_bound)),
        "network": (f"The network `{shown}` compiles to{where}.",
                    lambda: program_network(ws, program, nat_bound)),
        "derivation": (f"The typing derivation of `{shown}`.",
                       lambda: derivation_figure(program_derivation(ws, program),
                                                 f"A derivation of {shown}")),
        "trace": (f"The trace of `{shown}`{where}: each iter's neuron states beside the direct "
                  "iterates.",
                  lambda: trace_figure(program_trace(ws, program, nat_bound),
                                       f"{shown} traced (K = {nat_bound})")),
    }
    return [FigureSpec(f"{stem}_{kind}", builders[kind][0], program.source, builders[kind][1])
            for kind in chosen]


def experiment_figures(
    results_dir: Path | None, out_dir: Path, log: TextIO | None
) -> list[tuple[str, str, str]]:
    """Run the experiments' figure hook (EXPERIMENT_HOOK) if it exists and results are given."""
    module_name, _, function_name = EXPERIMENT_HOOK.partition(":")
    if results_dir is None:
        _say(log, "experiment figures: skipped (no --results DIR given)")
        return []
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        _say(log, f"experiment figures: skipped ({module_name} does not exist yet)")
        return []
    make = getattr(module, function_name, None)
    if make is None:
        _say(log, f"experiment figures: skipped ({module_name} has no {function_name})")
        return []
    _say(log, f"experiment figures: from {results_dir}")
    entries: list[tuple[str, str, str]] = list(make(Path(results_dir), out_dir))
    return entries


def _say(log: TextIO | None, message: str) -> None:
    if log is not None:
        print(message, file=log, flush=True)


def generate(out_dir: Path, *, only: Sequence[str] | None = None, results_dir: Path | None = None,
             log: TextIO | None = None, ws: Workspace | None = None,
             specs: Sequence[FigureSpec] | None = None, width: float | None = None) -> list[Path]:
    """Write every figure (PDF + PNG) and index.md into out_dir; return the files written.

    `specs` replaces the built-in figures (the user's own, from `user_specs`; then no
    experiment figures). `width` (points) makes every page that wide (see save_figure).
    The figure names and the destination are checked before anything is drawn
    (ValueError for an unknown name, CajalError(IO) for a folder that cannot be written).
    """
    workspace = ws if ws is not None else load_workspace()
    available = list(specs) if specs is not None else figure_specs(workspace)
    own = specs is not None
    specs = [s for s in available if only is None or s.stem in only]
    if only is not None:
        unknown = sorted(set(only) - {s.stem for s in available})
        if unknown:
            raise ValueError(f"unknown figure(s): {', '.join(unknown)}")
    prepare_output_dir(out_dir)
    written: list[Path] = []
    entries: list[tuple[str, str, str]] = []
    for position, spec in enumerate(specs, start=1):
        _say(log, f"[{position}/{len(specs)}] {spec.stem}")
        with figure_style():
            fig = spec.build()
        if width is not None and natural_width(fig) > width + 0.5:
            _say(log, f"  {spec.stem} is {natural_width(fig):.0f} pt wide, wider than --width "
                      f"{width:.0f} pt: kept at its natural width")
        written.extend(save_figure(fig, out_dir, spec.stem, width=width))
        entries.append((spec.stem, spec.caption, spec.program))
    if only is None and not own:
        entries.extend(experiment_figures(results_dir, out_dir, log))
    index = out_dir / "index.md"
    write_text_atomic(index, index_markdown(entries))
    written.append(index)
    _say(log, f"wrote {len(entries)} figures and index.md to {out_dir}")
    return written


def index_markdown(entries: Sequence[tuple[str, str, str]]) -> str:
    lines = [
        "# Figures",
        "",
        "Generated by `cajal figures --out DIR` from the programs shown; every number comes from the",
        "exact compiler (cajal_ref/compiler/) or the type checker. Each figure is a PDF and a PNG.",
        "No LaTeX is installed where these were made: formulas are typeset with matplotlib's mathtext.",
        "",
    ]
    for stem, caption, program in entries:
        lines += [
            f"## {stem}",
            "",
            f"![{stem}]({stem}.png)",
            "",
            f"[PDF]({stem}.pdf) · [PNG]({stem}.png)",
            "",
            caption,
            "",
            "```",
            program,
            "```",
            "",
        ]
    return "\n".join(lines)
