"""`cajal check FILE...`: type-check files and print each def with its type.

With no FILE it checks and prints the prelude. An open program (a def over `free`
variables) is printed with its context, recurrent weights marked.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..checker import DefInfo
from ..loader import load_workspace, prelude_sources
from ..syntax import bound_recurrent_weights, show_type
from .common import add_files_arguments, add_quiet_argument, emit_json, guarded, help_examples


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="type-check files and print each def with its type",
        description="Type-check Cajal files (after the prelude) and print each def with its type. "
        "With no FILE, check the prelude itself.",
        **help_examples(
            "cajal check                                  # the prelude, each def with its type",
            "cajal check cajal_ref/examples/apply_n.cj --json",
            "cajal check -q cajal_ref/examples/iterate.cj  # exit code only: 0 when it type-checks",
        ),
    )
    add_files_arguments(parser)
    add_quiet_argument(parser, "print nothing on success (errors are still reported)")
    parser.set_defaults(run=guarded(run))


def recurrent_weights(info: DefInfo) -> list[str]:
    """Context variables and bound variables of a def that are recurrent weights."""
    names = list(info.recurrent_weights)
    names.extend(name for name, _ in bound_recurrent_weights(info.body) if name not in names)
    return names


def def_json(info: DefInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "type": show_type(info.type),
        "recurrent_weights": recurrent_weights(info),
        "context": [
            {"name": n, "type": show_type(t), "recurrent": n in info.recurrent_weights}
            for n, t in info.context
        ],
    }


def def_text(info: DefInfo) -> str:
    line = f"{info.name} : {show_type(info.type)}"
    if info.context:
        parts = [
            f"{n} : {show_type(t)}" + ("  [recurrent weight]" if n in info.recurrent_weights else "")
            for n, t in info.context
        ]
        line += "\n    open program over: " + ", ".join(parts)
    bound = [n for n, _ in bound_recurrent_weights(info.body)]
    if bound:
        line += "\n    recurrent weights bound inside: " + ", ".join(bound)
    return line


def run(args: argparse.Namespace) -> int:
    if args.files:
        ws = load_workspace(args.files, prelude=not args.no_prelude, strict_iter=args.strict_iter)
        infos = [info for _, module_infos in ws.modules[-len(args.files) :] for info in module_infos]
    else:
        # checking the prelude itself: strict mode applies to it directly
        ws = load_workspace((), prelude=False, strict_iter=args.strict_iter)
        infos = []
        if not args.no_prelude:
            for source in prelude_sources():
                infos.extend(ws.add_source(source))
    if args.quiet:
        return 0
    if args.json:
        emit_json({"defs": [def_json(info) for info in infos]})
    else:
        for info in infos:
            print(def_text(info))
    return 0
