"""`cajal explain [CODE]`: what an error code means, a minimal failing example, and the fix.

With no CODE it lists every code. The examples are run when shown, so the output
under them is what this version of cajal really prints.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..diagnostics import EXIT_OK
from ..explanations import EXPLANATIONS, explanation, listing, render
from .common import UsageError, emit_json, guarded, help_examples
from .transcripts import run_example


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "explain",
        help="explain an error code, with a failing example and its fix",
        description="Explain an error code (the `kind` of an error, e.g. used-twice): what it means, "
        "a minimal program that produces it (run live), and how to fix it. With no CODE, list the "
        "codes.",
        **help_examples("cajal explain", "cajal explain used-twice", "cajal explain size-limit --no-run"),
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="an error code, e.g. used-twice")
    parser.add_argument(
        "--no-run", action="store_true", help="show the examples without running them"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    if args.code is None:
        if args.json:
            emit_json({"codes": [{"code": k.value, "title": e.title} for k, e in EXPLANATIONS.items()]})
        else:
            print(listing(), end="")
        return EXIT_OK
    entry = explanation(args.code)
    if entry is None:
        raise UsageError(
            f"unknown error code `{args.code}`; run `cajal explain` to list the codes", prog="cajal explain"
        )
    if args.json:
        emit_json(
            {
                "code": entry.kind.value,
                "title": entry.title,
                "rules": list(entry.rules),
                "explanation": entry.text,
                "example": entry.example.command_line() if entry.example else None,
                "example_files": dict(entry.example.files) if entry.example else {},
                "fix": entry.fix,
                "fixed": entry.fixed.command_line() if entry.fixed else None,
                "fixed_files": dict(entry.fixed.files) if entry.fixed else {},
            }
        )
        return EXIT_OK
    print(render(entry, runner=None if args.no_run else run_example), end="")
    return EXIT_OK
