"""`cajal derive -e EXPR [FILE...] [--ctx ...] [--latex]`: the typing derivation of a term.

Shows every rule of SPEC §3 used to type the expression, with the linear context
of each subterm, then the derivations of the defs it names (rule Def stands for
them). A term that does not check gets a partial derivation: everything that did
check, the node whose rule broke, and the error (exit code 1).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..derivation_view import (
    DeriveResult,
    derive_def,
    derive_expression,
    latex_document,
    latex_fragment,
    render_text,
    result_json,
)
from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR
from .common import (
    UsageError,
    add_expression_arguments,
    add_files_arguments,
    emit_json,
    guarded,
    help_examples,
    load,
    open_def,
    positive,
    report,
)


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "derive",
        help="print the typing derivation of an expression (or of a def)",
        description="Print the typing derivation of an expression: the rule of SPEC §3 at every "
        "node, with the variables each subterm uses. When the expression does not type-check, print "
        "the part of the derivation that did check and mark the rule that failed.",
        **help_examples(
            "cajal derive -e 'is_even 3'",
            "cajal derive --def mult --style tree",
            "cajal derive -e 'fun x : Bool => and x x'    # a failed derivation: the rule that broke",
            "cajal derive cajal_ref/examples/apply_n.cj -e apply_n --latex --fragment",
        ),
    )
    add_expression_arguments(parser, required=False)
    parser.add_argument(
        "--def", dest="def_name", metavar="NAME", help="derive a loaded def instead of an expression"
    )
    add_files_arguments(parser)
    parser.add_argument(
        "--style",
        choices=("outline", "tree"),
        default="outline",
        help="outline: conclusions with premises indented below (default); "
        "tree: premises above a bar, as in a textbook",
    )
    parser.add_argument("--latex", action="store_true", help="print a LaTeX document (mathpartir)")
    parser.add_argument(
        "--fragment", action="store_true", help="with --latex: only the mathpar blocks, no preamble"
    )
    parser.add_argument(
        "--no-defs", action="store_true", help="do not append the derivations of the defs the term names"
    )
    parser.add_argument(
        "--width", type=positive, default=100, metavar="N", help="outline width for aligning rule names"
    )
    parser.set_defaults(run=guarded(run))


def derive(args: argparse.Namespace) -> DeriveResult:
    ws = load(args)
    with_defs = not args.no_defs
    if args.def_name is not None:
        return derive_def(ws, args.def_name, with_defs=with_defs)
    info = open_def(args, ws)
    if info is not None:  # -e NAME of an open def: its derivation over its declared context
        return derive_def(ws, info.name, with_defs=with_defs)
    text: str = args.expr
    return derive_expression(ws, text, args.ctx, with_defs=with_defs)


def run(args: argparse.Namespace) -> int:
    if (args.expr is None) == (args.def_name is None):
        raise UsageError("give exactly one of -e EXPR and --def NAME", prog="cajal derive")
    result = derive(args)
    if args.json:
        obj = result_json(result)
        if result.error is not None:
            obj["exit_code"] = EXIT_PROGRAM_ERROR
        emit_json(obj)
        return EXIT_OK if result.error is None else EXIT_PROGRAM_ERROR
    if args.latex:
        fragment = latex_fragment(result)
        print(fragment if args.fragment else latex_document(fragment), end="")
    else:
        print(render_text(result, style=args.style, width=args.width), end="")
    if result.error is not None:
        sys.stdout.flush()
        return report(result.error, args)
    return EXIT_OK
