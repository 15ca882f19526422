"""`cajal verify [FILE...] [--def NAME]... [-K K] [--samples N] [--opaque-dim TYPE=N] [--json]`.

Checks each def (of the files, or of the prelude when no FILE is given) against the
interpreter: over every tuple of basis inputs when all inputs are first-order (a
complete check at that K, by T3), over sampled values for higher-order inputs.
Exit 1 when some def disagrees (with the first counterexample, as a program).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, CajalError, ErrorKind
from ..spaces import DEFAULT_NAT_BOUND
from ..syntax import show_type
from .common import (
    add_files_arguments,
    add_nat_bound_argument,
    add_opaque_dim_argument,
    add_quiet_argument,
    emit_json,
    guarded,
    help_examples,
    load,
    opaque_dims,
    positive,
    require_hypothesis,
)

DEFAULT_OPAQUE_DIM = 2
"""The dimension of an opaque type that no --opaque-dim names."""


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="check compiled defs against the interpreter (SPEC §6)",
        description="Check that each def's compiled map agrees with the direct semantics: over every "
        "tuple of basis inputs when all inputs are first-order (complete at that K), over sampled "
        "values for higher-order inputs. With no FILE, verify the prelude.",
        **help_examples(
            "cajal verify --def mult -K 4",
            "cajal verify --def not --def compose --json",
            "cajal verify cajal_ref/examples/iterate.cj -K 3 --opaque-dim Img=2 --samples 2",
            "cajal verify -q -K 3               # print only the defs that disagree",
        ),
    )
    add_files_arguments(parser)
    parser.add_argument(
        "--def",
        dest="defs",
        action="append",
        default=[],
        metavar="NAME",
        help="verify only this def (repeatable)",
    )
    add_nat_bound_argument(parser, DEFAULT_NAT_BOUND)
    parser.add_argument(
        "--samples",
        type=positive,
        default=8,
        metavar="N",
        help="sampled values per higher-order input (default %(default)s)",
    )
    add_opaque_dim_argument(parser, f" (default {DEFAULT_OPAQUE_DIM})")
    add_quiet_argument(parser, "print only the defs that disagree or could not be checked")
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    require_hypothesis("verify")
    from ..verification.verify import verify_def  # needs hypothesis (sampling); load on use

    ws = load(args)
    if args.files:
        names = [info.name for _, infos in ws.modules[-len(args.files) :] for info in infos]
    else:
        names = list(ws.defs)
    if args.defs:
        unknown = [n for n in args.defs if n not in ws.defs]
        if unknown:
            raise CajalError(
                ErrorKind.UNBOUND,
                f"--def names `{unknown[0]}`, which is not a def"
                + (f" of {', '.join(args.files)}" if args.files else " of the prelude"),
            )
        names = list(dict.fromkeys(args.defs))
    dims = {name: DEFAULT_OPAQUE_DIM for name in ws.program.types}
    dims.update(opaque_dims(args.opaque_dim, ws.program.types))
    reports = [
        verify_def(ws.defs[n], ws.defs, nat_bound=args.nat_bound, samples=args.samples, opaque_dims=dims)
        for n in names
    ]
    if args.json:
        emit_json({"nat_bound": args.nat_bound, "defs": [r.to_json() for r in reports]})
    else:
        for report in reports:
            if not (args.quiet and report.agree):
                print(report_text(report))
    return EXIT_OK if all(r.agree for r in reports) else EXIT_PROGRAM_ERROR


def report_text(report: Any) -> str:
    """The text block of one verification.verify.DefReport."""
    verdict = "agree" if report.agree else ("NOT CHECKED" if report.error else "DISAGREE")
    how = "complete (every basis input)" if report.complete else "sampled"
    line = (
        f"{report.name} : {show_type(report.type)}\n"
        f"    {verdict}: {report.inputs_checked} inputs checked, {how}"
    )
    if report.skipped:
        line += f"; {report.skipped} skipped (peak > K)"
    if report.error is not None:
        line += f"\n    not checked: {report.error}"
    if report.counterexample is not None:
        body = report.counterexample.describe().replace("\n", "\n        ")
        line += "\n    counterexample:\n        " + body
    return line
