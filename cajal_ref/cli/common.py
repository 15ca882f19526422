"""Plumbing shared by the subcommands: loading, error reporting, JSON and exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, CajalError, ErrorKind
from ..loader import CheckedExpr, Workspace, load_workspace

Handler = Callable[[argparse.Namespace], int]


def add_files_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE... plus the options every file-reading command takes."""
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="Cajal source files (.cj), loaded after the prelude"
    )
    parser.add_argument("--no-prelude", action="store_true", help="do not load the prelude")
    parser.add_argument(
        "--strict-iter",
        action="store_true",
        help="strict mode: an iter step may use no outer variable (every compiled map is multilinear)",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


def add_expression_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("-e", "--expr", required=required, metavar="EXPR", help="the expression to process")
    parser.add_argument(
        "--ctx", metavar="CONTEXT", help='free variables of EXPR, in order, e.g. "f : Nat -o Nat, n : Nat"'
    )


def non_negative(text: str) -> int:
    """argparse type: an integer ≥ 0 (a bad value is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {value}")
    return value


def positive(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def load(args: argparse.Namespace) -> Workspace:
    return load_workspace(args.files, prelude=not args.no_prelude, strict_iter=args.strict_iter)


def check_expression(args: argparse.Namespace, ws: Workspace) -> CheckedExpr:
    return ws.check_expression(args.expr, args.ctx)


def emit_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def report(err: CajalError, args: argparse.Namespace) -> int:
    """Print a CajalError (caret form on stderr, or JSON on stdout) and return exit code 1."""
    if getattr(args, "json", False):
        emit_json(err.to_json())
    else:
        print(err.render(), file=sys.stderr)
    return EXIT_PROGRAM_ERROR


def guarded(handler: Handler) -> Handler:
    """Wrap a subcommand so that every CajalError becomes a clean message and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            code = handler(args)
        except CajalError as err:
            return report(err, args)
        except RecursionError:
            too_deep = CajalError(ErrorKind.TOO_DEEP, "the program is nested too deeply to process")
            return report(too_deep, args)
        return code if code is not None else EXIT_OK

    return run


def require_hypothesis(command: str) -> None:
    """`verify` and `mutants` sample with hypothesis, an optional extra: say so cleanly if it is missing."""
    try:
        import hypothesis  # noqa: F401
    except ModuleNotFoundError:
        raise CajalError(
            ErrorKind.IO,
            f"`cajal {command}` needs the hypothesis package: pip install 'cajal_ref[verify]'",
        ) from None
