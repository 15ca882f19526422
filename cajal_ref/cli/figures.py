"""`cajal figures --out DIR`: draw every figure (PDF + PNG) and an index.md into DIR.

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
from .common import UsageError, add_quiet_argument, guarded, help_examples


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "figures",
        help="draw the figures (compiled matrices, neurons, networks, rules, a derivation)",
        description="Draw every figure as PDF and PNG, with DIR/index.md listing each one with its "
        "caption and the program it comes from.",
        **help_examples(
            "cajal figures --list",
            "cajal figures --out paper_figures --results experiment_results",
            "cajal figures --out /tmp/figures --only heatmap_not --quiet",
        ),
    )
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
    from ..loader import load_workspace

    ws = load_workspace()
    if args.list:
        for spec in figure_specs(ws):
            print(f"{spec.stem}: {spec.caption}")
        return EXIT_OK
    results = Path(args.results) if args.results else None
    if results is not None and not results.is_dir():
        raise CajalError(ErrorKind.IO, f"--results `{os.fsdecode(results)}` is not a folder")
    try:
        log = None if args.quiet else sys.stderr
        generate(Path(args.out), only=args.only, results_dir=results, log=log, ws=ws)
    except ValueError as exc:
        raise UsageError(str(exc), prog="cajal figures") from None
    return EXIT_OK
