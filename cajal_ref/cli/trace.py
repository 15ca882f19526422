"""`cajal trace -e EXPR [FILE...] [-K N] [--latex | --json]`: watch a program run, both ways.

The direct evaluation as call-by-value reduction steps, then, for every `iter` the
reduction fires, the recurrent neuron the compiler builds for it (states hᵢ and
coefficients nᵢ) next to the direct semantics' iterates dᵢ, encoded (`cajal_ref.tracing`).

--json prints one object: `expr`, `K`, `peak`, `value` (bool, int, or "<function>"),
`steps` [{`rule`, `term`}], `truncated`, and `iterations` [{`step`, `term`, `type`,
`count`, `basis` (labels), `rows` [{`i`, `coefficient`, `state`, `direct`, `encoded`,
`agrees`}], `output`, `direct`, `encoded`, `agrees`}]; vectors are lists of exact entries
(ints, or strings for fractions), `agrees` is null where nothing is compared.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..diagnostics import EXIT_OK
from ..tracing import (
    DEFAULT_MAX_STEPS,
    MAX_NAT_BOUND,
    render_latex,
    render_text,
    trace_expression,
    trace_json,
)
from .common import UsageError, add_files_arguments, emit_json, guarded, load, non_negative, positive

EXAMPLES = """examples:
  cajal trace -e 'is_even 3'
  cajal trace -e 'mult 2 3' --no-steps
  cajal trace -e 'double 2' -K 3          (a bound below the peak: watch truncation)
  cajal trace -e 'is_even 3' --latex > trace.tex
"""


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "trace",
        help="evaluate a closed expression step by step, each iter beside its recurrent neuron",
        description="Reduce a closed expression step by step (the direct semantics), and for every iter "
        "show the recurrent neuron's states h_i and coefficients n_i beside the direct iterates, encoded.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-e", "--expr", required=True, metavar="EXPR", help="the closed expression to trace")
    add_files_arguments(parser)
    parser.add_argument(
        "-K",
        "--nat-bound",
        type=non_negative,
        default=None,
        metavar="K",
        help="Nat has basis e_0..e_K, K ≤ 1000 (default: the evaluation's peak, the smallest exact bound, "
        "at most 20)",
    )
    parser.add_argument("--latex", action="store_true", help="print a LaTeX fragment (amsmath)")
    parser.add_argument("--no-steps", action="store_true", help="show only the iterations, not every step")
    parser.add_argument(
        "--max-steps",
        type=positive,
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help="stop showing reduction steps after N (default %(default)s)",
    )
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    if args.nat_bound is not None and args.nat_bound > MAX_NAT_BOUND:
        message = f"argument -K/--nat-bound: trace shows K + 1 rows, K ≤ {MAX_NAT_BOUND}"
        raise UsageError(message, prog="cajal trace")
    ws = load(args)
    trace = trace_expression(ws, args.expr, nat_bound=args.nat_bound, max_steps=args.max_steps)
    if args.json:
        emit_json(trace_json(trace))
    elif args.latex:
        sys.stdout.write(render_latex(trace, steps=not args.no_steps))
    else:
        sys.stdout.write(render_text(trace, steps=not args.no_steps))
    return EXIT_OK
