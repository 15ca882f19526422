"""The `cajal` command line: one module per subcommand, each with `add_parser` and `run`.

Exit codes: 0 ok, 1 program error (a `CajalError`: bad syntax, a type error, a
missing file, a disagreement found by `verify`), 2 usage error (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ..diagnostics import EXIT_INTERNAL_ERROR, EXIT_PROGRAM_ERROR, EXIT_USAGE

COMMANDS = ("check", "eval", "compile", "verify", "mutants", "derive", "explain", "figures", "experiment")
"""Subcommand modules of this package, in the order `cajal --help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cajal",
        description="Cajal(-o, 2, N): a linear language compiled to linear and recurrent neurons.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage exits 2
        code = exc.code if isinstance(exc.code, int) else EXIT_USAGE
        return code
    try:
        result: int = args.run(args)
        return result
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_PROGRAM_ERROR
    except Exception as exc:  # a bug in cajal_ref itself, not in the user's program
        if os.environ.get("CAJAL_DEBUG"):
            raise
        print(
            f"cajal: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in cajal_ref; rerun with CAJAL_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


def entry_point() -> None:
    sys.exit(main())
