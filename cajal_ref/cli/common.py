"""Plumbing shared by the subcommands: loading, error reporting, JSON, option types, exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..checker import DefInfo
from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, CajalError, ErrorKind
from ..loader import CheckedExpr, Workspace, load_workspace

Handler = Callable[[argparse.Namespace], int]

EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""

MAX_OPTION_DIGITS = 100
"""An integer option value has at most this many digits (any larger value is refused as usage)."""


class UsageError(Exception):
    """A bad command line (exit 2): raised by the argparse subclass and by subcommands."""

    def __init__(self, message: str, *, usage: str = "", prog: str = "cajal") -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.prog = prog


class ExamplesHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that an `examples:` epilog keeps its lines as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def help_examples(*lines: str) -> dict[str, Any]:
    """Keyword arguments for `sub.add_parser`: an examples section at the end of `--help`.

    Every line is a real command, run from the repository root by tests/test_cli_help.py.
    """
    return {
        "epilog": "examples:\n" + "".join(f"  {line}\n" for line in lines),
        "formatter_class": ExamplesHelpFormatter,
    }


def add_quiet_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help=what)


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
    parser.add_argument(
        "-e",
        "--expr",
        required=required,
        metavar="EXPR",
        help="the expression to process (text that starts with `-` is written -e=TEXT); the name of an "
        "open def of a FILE means its body over its declared context",
    )
    parser.add_argument(
        "--ctx", metavar="CONTEXT", help='free variables of EXPR, in order, e.g. "f : Nat -o Nat, n : Nat"'
    )


def _integer(text: str) -> int:
    stripped = text.strip()
    digits = stripped.lstrip("+-")
    if len(digits) > MAX_OPTION_DIGITS:
        raise argparse.ArgumentTypeError(f"expected an integer of at most {MAX_OPTION_DIGITS} digits")
    try:
        return int(stripped)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def non_negative(text: str) -> int:
    """argparse type: an integer ≥ 0 (a bad value is a usage error, exit 2)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {value}")
    return value


def positive(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def opaque_dim(text: str) -> tuple[str | None, int]:
    """argparse type of --opaque-dim: `TYPE=N` (one opaque type) or `N` (every opaque type), N ≥ 1."""
    name, eq, size = text.rpartition("=") if "=" in text else ("", "", text)
    if eq and not name.strip():
        raise argparse.ArgumentTypeError(f"expected TYPE=N or N, got {text!r}")
    try:
        value = positive(size)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"expected TYPE=N or N with N ≥ 1, got {text!r} ({exc})") from None
    return (name.strip() if eq else None), value


def opaque_dims(specs: list[tuple[str | None, int]], types: Any = ()) -> dict[str, int]:
    """--opaque-dim values as a mapping: a bare N applies to every type in `types` not named."""
    dims: dict[str, int] = {}
    for name, size in specs:
        if name is None:
            dims.update({t: size for t in types})
    for name, size in specs:
        if name is not None:
            dims[name] = size
    return dims


def add_opaque_dim_argument(parser: argparse.ArgumentParser, note: str = "") -> None:
    parser.add_argument(
        "--opaque-dim",
        action="append",
        default=[],
        type=opaque_dim,
        metavar="TYPE=N",
        help="dimension of an opaque type declared with `type TYPE` (N ≥ 1); a bare N applies to "
        f"every opaque type; repeatable{note}",
    )


def add_nat_bound_argument(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument(
        "-K",
        "--nat-bound",
        type=non_negative,
        default=default,
        metavar="K",
        help="Nat has basis e_0..e_K, K ≥ 0 (default %(default)s)",
    )


def load(args: argparse.Namespace) -> Workspace:
    return load_workspace(args.files, prelude=not args.no_prelude, strict_iter=args.strict_iter)


def check_expression(args: argparse.Namespace, ws: Workspace) -> CheckedExpr:
    return ws.check_expression(args.expr, args.ctx)


def open_def(args: argparse.Namespace, ws: Workspace) -> DefInfo | None:
    """The def that `-e NAME` names when it is an open def of a FILE (one over `free` variables).

    Such a def cannot be referenced from an expression (rule Def), so `compile`, `eval`
    and `derive` take `-e NAME` without --ctx to mean its body over its declared context.
    """
    name = args.expr.strip() if args.expr else ""
    info = ws.defs.get(name)
    if args.ctx is None and info is not None and info.context:
        return info
    return None


def json_safe(obj: Any) -> Any:
    """`obj` with every string made valid UTF-8.

    A file name that is not UTF-8 reaches Python as lone surrogates (surrogateescape);
    printed as is, it would put raw invalid bytes into the JSON. Such bytes become
    `\\xNN` text instead.
    """
    if isinstance(obj, str):
        try:
            obj.encode("utf-8")
        except UnicodeEncodeError:
            try:
                raw = obj.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                raw = obj.encode("utf-8", "backslashreplace")
            return raw.decode("utf-8", "backslashreplace")
        return obj
    if isinstance(obj, dict):
        return {json_safe(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


def emit_json(obj: Any) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(json_safe(obj), indent=2, ensure_ascii=False)
    print(text)


def failure_json(kind: str, message: str, exit_code: int, **extra: Any) -> dict[str, Any]:
    """The JSON of a failure that is not a CajalError (usage, interrupted, internal)."""
    error: dict[str, Any] = {
        "kind": kind,
        "message": message,
        "file": None,
        "line": None,
        "col": None,
        "rule": None,
        "related": [],
    }
    error.update({k: v for k, v in extra.items() if v is not None})
    return {"error": error, "exit_code": exit_code}


def error_json(err: CajalError) -> dict[str, Any]:
    """A CajalError's JSON with the exit code it ends the command with."""
    return {**err.to_json(), "exit_code": EXIT_PROGRAM_ERROR}


def report(err: CajalError, args: argparse.Namespace) -> int:
    """Print a CajalError (caret form on stderr, or JSON on stdout) and return exit code 1."""
    if getattr(args, "json", False):
        emit_json(error_json(err))
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
        except MemoryError:  # a safety net: the size guards should refuse such work before it starts
            too_big = CajalError(
                ErrorKind.SIZE_LIMIT,
                "ran out of memory: the input or the work it asks for is too large for this machine "
                "(a smaller -K, --max-entries or input keeps it in bounds)",
            )
            return report(too_big, args)
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

