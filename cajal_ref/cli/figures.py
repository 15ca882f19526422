"""`cajal figures --out DIR`: draw every figure (PDF + PNG) and an index.md into DIR.

`cajal figures -e EXPR` (or `FILE... --def NAME`, `-e NAME` of an open def) draws
the user's own program instead, at any `-K`: its compiled tensor, network,
derivation and (closed programs) trace. `--width` sets one page width for all.

Deterministic: the same programs give the same bytes. Progress lines go to stderr.
Needs matplotlib (the `figures` extra); the other commands do not. The figure names
and the destination are checked before any drawing: an unknown --only is a usage
error (exit 2); an --out that is a file, lies under a file or cannot be written, and
a --results that is not a folder, are errors of kind `io` (exit 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..diagnostics import EXIT_OK, CajalError, ErrorKind
from .common import (
    UsageError,
    add_files_arguments,
    add_nat_bound_argument,
    add_quiet_argument,
    guarded,
    help_examples,
    load,
)

FIGURE_KINDS = ("heatmap", "network", "derivation", "trace")
"""cajal_ref.figures.user.KINDS (not imported here: that would load matplotlib for --help)."""
FIGURES_NAT_BOUND = 4
"""The default K of figures: small enough that every entry can be written in its cell."""


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "figures",
        help="draw the figures (compiled matrices, neurons, networks, rules, a derivation), or your own",
        description="Draw every figure as PDF and PNG, with DIR/index.md listing each one with its "
        "caption and the program it comes from. With -e EXPR or --def NAME, draw that program instead "
        "(at any -K): its compiled tensor, network, derivation and, for a closed program, its trace.",
        **help_examples(
            "cajal figures --list",
            "cajal figures --out paper_figures --results experiment_results",
            "cajal figures --out /tmp/figures --only heatmap_not --quiet",
            "cajal figures -e 'mult 2 3' -K 6 --out /tmp/mine --width 3.3in",
            "cajal figures cajal_ref/examples/apply_n.cj --def apply_n --kind derivation --out /tmp/mine",
        ),
    )
    parser.add_argument("-e", "--expr", metavar="EXPR",
                        help="draw this expression (the name of an open def of a FILE: its body over "
                        "its declared context)")
    parser.add_argument("--ctx", metavar="CONTEXT", help='free variables of EXPR, e.g. "x : Bool"')
    parser.add_argument("--def", dest="def_name", metavar="NAME", help="draw this loaded def")
    parser.add_argument("--kind", action="append", choices=FIGURE_KINDS,
                        help="with -e/--def: draw only this kind (repeatable; default: every kind that "
                        "applies)")
    add_nat_bound_argument(parser, FIGURES_NAT_BOUND)
    parser.add_argument("--width", metavar="W",
                        help="page width of every figure, in points (455, 455pt) or inches (6.3in): "
                        "figures that fit are centred on it, fonts unchanged")
    add_files_arguments(parser)
    parser.add_argument("--out", default="paper_figures", metavar="DIR", help="output directory "
                        "(default %(default)s)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="draw only this figure (repeatable; see --list)")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument("--results", metavar="DIR",
                        help="experiment results directory, for the experiment figures")
    add_quiet_argument(parser, "no progress lines on stderr")
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    try:
        from ..figures.index import figure_specs, generate
    except ImportError as exc:
        raise CajalError(
            ErrorKind.IO,
            f"`cajal figures` needs matplotlib ({exc}): pip install 'cajal_ref[figures]'",
        ) from None
    from ..figures.index import user_specs
    from ..figures.style import width_points

    try:
        width = width_points(args.width) if args.width is not None else None
    except ValueError as exc:
        raise UsageError(str(exc), prog="cajal figures") from None
    if args.expr is not None and args.def_name is not None:
        raise UsageError("give at most one of -e EXPR and --def NAME", prog="cajal figures")
    own = args.expr is not None or args.def_name is not None
    if not own and (args.kind or args.ctx):
        raise UsageError("--kind and --ctx need -e EXPR or --def NAME", prog="cajal figures")
    ws = load(args)
    try:
        specs = (user_specs(ws, expr=args.expr, ctx=args.ctx, def_name=args.def_name,
                            nat_bound=args.nat_bound, kinds=args.kind,
                            log=None if args.quiet else sys.stderr) if own else None)
    except ValueError as exc:
        raise UsageError(str(exc), prog="cajal figures") from None
    if args.list:
        for spec in specs if specs is not None else figure_specs(ws):
            print(f"{spec.stem}: {spec.caption}")
        return EXIT_OK
    results = Path(args.results) if args.results else None
    if results is not None and not results.is_dir():
        raise CajalError(ErrorKind.IO, f"--results `{os.fsdecode(results)}` is not a folder")
    try:
        log = None if args.quiet else sys.stderr
        generate(Path(args.out), only=args.only, results_dir=results, log=log, ws=ws, specs=specs,
                 width=width)
    except ValueError as exc:
        raise UsageError(str(exc), prog="cajal figures") from None
    return EXIT_OK
