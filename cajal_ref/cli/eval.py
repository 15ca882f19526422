"""`cajal eval -e EXPR [FILE...]`: evaluate with the direct semantics (SPEC §4).

Prints `true`, `false`, a number, or `<fun : TYPE>`, and with --json also the
peak: the largest natural the evaluation constructed (what the bounded compiler
theorem is stated over). Free variables (`--ctx`) are bound with `--bind NAME=VALUE`,
the grammar of `compile --bind` (see cli/bindings.py): a closed term, evaluated first,
or a basis vector / a matrix of basis-vector columns.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..diagnostics import CajalError, ErrorKind
from ..interpreter import DEFAULT_FUEL, evaluate
from ..loader import Workspace
from ..printer import show_natural
from ..syntax import Type, show_type
from .common import (
    add_expression_arguments,
    add_files_arguments,
    check_expression,
    emit_json,
    guarded,
    help_examples,
    load,
    open_def,
    positive,
)


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "eval",
        help="evaluate an expression with the direct semantics",
        description="Evaluate an expression with the direct (source) semantics, "
        "with the prelude and the files' defs in scope.",
        **help_examples(
            "cajal eval -e 'mult 3 4'",
            "cajal eval -e 'is_even 7' --json                          # type, value and peak",
            "cajal eval -e 'f 2' --ctx 'f : Nat -o Nat' --bind 'f = double'",
            "cajal eval -e 'not x' --ctx 'x : Bool' --bind 'x=[0, 1]'  # a basis vector: false",
            "cajal eval cajal_ref/examples/apply_n.cj -e apply_n --bind f=double --bind n=3 --bind x=1",
        ),
    )
    add_expression_arguments(parser)
    add_files_arguments(parser)
    parser.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a --ctx variable to a closed term (--bind 'f = fun x : Nat => succ x') or to a basis "
        "vector or a matrix of basis-vector columns (--bind 'n=[0,0,1]'); repeatable, once per name",
    )
    parser.add_argument(
        "--fuel", type=positive, default=DEFAULT_FUEL, help="step budget, N ≥ 1 (default %(default)s)"
    )
    parser.set_defaults(run=guarded(run))


def show_value(value: Any, ty: Type) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return show_natural(value)  # str() fails past Python's int/str digit limit
    if callable(value):
        return f"<fun : {show_type(ty)}>"
    return repr(value)


def run(args: argparse.Namespace) -> int:
    ws = load(args)
    info = open_def(args, ws)
    if info is not None:
        term, ty, ctx_types = info.body, info.type, dict(info.context)
    else:
        expr = check_expression(args, ws)
        term, ty, ctx_types = expr.term, expr.type, dict(expr.context)
    env = _bound_values(args, ws, ctx_types) if args.bind else {}
    missing = [n for n in ctx_types if n not in env]
    if missing:
        raise CajalError(
            ErrorKind.BAD_BINDING,
            "free variables need values to evaluate: bind "
            + ", ".join(f"`{n}`" for n in missing)
            + " with --bind",
        )
    result = evaluate(term, env, ws.defs, fuel=args.fuel)
    shown = show_value(result.value, ty)
    if args.json:
        emit_json(
            {
                "type": show_type(ty),
                "value": _json_value(result.value, shown),
                "peak": _json_value(result.peak, show_natural(result.peak)),
            }
        )
    else:
        print(shown)
    return 0


def _bound_values(args: argparse.Namespace, ws: Workspace, ctx_types: dict[str, Type]) -> dict[str, Any]:
    """The values of the --bind options: closed terms evaluated first, or lists read as values."""
    from .bindings import eval_value, is_list, split_bindings  # only with --bind: keeps start-up short

    env: dict[str, Any] = {}
    for name, text in split_bindings(args.bind, ctx_types):
        if is_list(text):
            env[name] = eval_value(text, name, ctx_types[name])
            continue
        value_expr = ws.check_expression(text, name=f"<bind {name}>")
        if value_expr.type != ctx_types[name]:
            raise CajalError(
                ErrorKind.MISMATCH,
                f"`{name}` has type {show_type(ctx_types[name])} but is bound to a term of type "
                f"{show_type(value_expr.type)}",
                value_expr.term.span,
            )
        env[name] = evaluate(value_expr.term, {}, ws.defs, fuel=args.fuel).value
    return env


def _json_value(value: Any, shown: str) -> Any:
    if isinstance(value, bool) or (isinstance(value, int) and value.bit_length() <= _JSON_INT_BITS):
        return value
    return shown  # a natural too long for json's int printing is given as its decimal string


_JSON_INT_BITS = 13_000
"""Naturals below 2^13000 (3,914 digits) are JSON numbers; json.dumps cannot print much longer ints."""
