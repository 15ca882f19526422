"""The `cajal` command line: one module per subcommand, each with `add_parser` and `run`.

Exit codes: 0 ok, 1 program error (a `CajalError`: bad syntax, a type error, a
missing file, a disagreement found by `verify`), 2 usage error (argparse, or a bad
option value), 130 interrupted (Ctrl-C), 70 a bug in cajal_ref itself.

With `--json`, every path prints one JSON object on stdout, results and failures
alike. A failure has the shape `{"error": {"kind", "message", "file", "line", "col",
"rule", "related"}, "exit_code": N}`: `kind` is an `ErrorKind` code for program
errors, or `usage`, `interrupted`, `internal` for the other three outcomes.

Start-up is kept short by importing only the module of the subcommand asked for
(`cajal eval` never loads numpy, sympy or the compiler); `cajal --help` and an
unknown command import them all, to list them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..diagnostics import EXIT_INTERNAL_ERROR, EXIT_PROGRAM_ERROR, EXIT_USAGE
from .common import EXIT_INTERRUPTED, UsageError, emit_json, failure_json
from .version import VersionAction

COMMANDS = (
    "check", "eval", "trace", "compile", "verify", "mutants", "derive", "explain", "figures", "experiment"
)
"""Subcommand modules of this package, in the order `cajal --help` lists them."""


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error raises `UsageError` instead of printing and exiting.

    So `main` decides how to report it: plain text on stderr, or JSON on stdout.
    Subparsers inherit the class.
    """

    def error(self, message: str) -> NoReturn:
        if "expected one argument" in message and "-e/--expr" in message:
            message += (
                "; an expression that starts with `-` is written with `=`, "
                "e.g. -e=-1 or --expr='--x' (or with a leading space: -e ' -1')"
            )
        raise UsageError(message, usage=self.format_usage(), prog=self.prog)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known `command`, only that subcommand's module is imported (none for
    `--version`, which needs none)."""
    parser = Parser(
        prog="cajal",
        description="Cajal(-o, 2, N): a linear language compiled to linear and recurrent neurons.",
        epilog="examples:\n  cajal eval -e 'mult 3 4'\n  cajal compile -e not\n  cajal check my.cj\n"
        "  cajal explain used-twice\n\nrun `cajal COMMAND --help` for each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = (command,) if command in COMMANDS else () if command == "--version" else COMMANDS
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
    return parser


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON, read before parsing (so usage errors honour it)."""
    for arg in argv:
        if arg == "--":
            return False
        if len(arg) >= 4 and "--json".startswith(arg):  # argparse accepts --js, --jso
            return True
    return False


def _usage_error(err: UsageError, json_mode: bool) -> int:
    if json_mode:
        usage = " ".join(err.usage.split()) or None  # one line, whatever the terminal's width
        emit_json(failure_json("usage", err.message, EXIT_USAGE, usage=usage))
    else:
        usage = err.usage.rstrip()
        print((usage + "\n" if usage else "") + f"{err.prog}: error: {err.message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    json_mode = _wants_json(argv)
    command = argv[0] if argv else None
    try:
        parser = build_parser(command)
        args = parser.parse_args(argv)
        json_mode = bool(getattr(args, "json", json_mode))
        result: int = args.run(args)
        return result
    except UsageError as err:
        return _usage_error(err, json_mode)
    except SystemExit as exc:  # argparse's --help exits 0
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        if json_mode:
            emit_json(failure_json("interrupted", "interrupted", EXIT_INTERRUPTED))
        else:
            print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_PROGRAM_ERROR
    except Exception as exc:  # a bug in cajal_ref itself, not in the user's program
        if os.environ.get("CAJAL_DEBUG"):
            raise
        message = f"{type(exc).__name__}: {exc}"
        if json_mode:
            emit_json(failure_json("internal", message, EXIT_INTERNAL_ERROR))
        else:
            print(
                f"cajal: internal error: {message}\n"
                "This is a bug in cajal_ref; rerun with CAJAL_DEBUG=1 for the traceback.",
                file=sys.stderr,
            )
        return EXIT_INTERNAL_ERROR


def entry_point() -> None:
    sys.exit(main())
