"""`cajal mutants`: mutation testing of the compiler.

`cajal mutants [--mutant NAME]... [--examples N] [--shrink-steps N] [--shrink-seconds S] [--json]`
runs the property suite (generated programs, compiled and evaluated, compared with the
logical relation) against each deliberate compiler bug of
`cajal_ref.verification.mutants` and prints a table: mutant, killed?, time to kill,
shrunk counterexample. Exit 1 if some mutant survives. Which mutants are killed depends
only on the (derandomized) search, never on the machine's speed; the shrinking bounds
only decide how small the reported counterexample gets.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, CajalError, ErrorKind
from .common import emit_json, guarded, help_examples, non_negative, positive, require_hypothesis


def _seconds(text: str) -> float:
    """argparse type: a finite number of seconds ≥ 0 (a bad value is a usage error, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number ≥ 0, got {text}")
    return value


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "mutants",
        help="run the property suite against deliberately broken compilers",
        description="Mutation testing: run the differential properties against each deliberate "
        "compiler bug (a patched compiler primitive) and report which are killed, how fast, "
        "and the shrunk program that kills each.",
        **help_examples(
            "cajal mutants --list",
            "cajal mutants --mutant if-swapped --examples 200",
            "cajal mutants --json > mutants.json",
        ),
    )
    parser.add_argument(
        "--mutant", dest="mutants", action="append", default=[], metavar="NAME", help="run only this mutant"
    )
    parser.add_argument(
        "--examples",
        type=positive,
        default=600,
        metavar="N",
        help="generated programs per mutant before it counts as surviving (default %(default)s)",
    )
    parser.add_argument(
        "--shrink-steps",
        type=non_negative,
        default=500,
        metavar="N",
        help="most property runs spent shrinking each counterexample; 0 reports the first failure "
        "found (default %(default)s)",
    )
    parser.add_argument(
        "--shrink-seconds",
        type=_seconds,
        default=20.0,
        metavar="S",
        help="wall-clock cap on shrinking each counterexample; it can only shorten shrinking, never "
        "change which mutants are killed (default %(default)s)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    require_hypothesis("mutants")
    from ..loader import load_workspace
    from ..verification.mutants import MUTANTS, run_mutant

    known = {m.name: m for m in MUTANTS}
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:28} {m.description}  [patches {m.patches}]")
        return EXIT_OK
    unknown = [n for n in args.mutants if n not in known]
    if unknown:
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"unknown mutant `{unknown[0]}`; the mutants are: {', '.join(known)}",
        )
    chosen = [known[n] for n in dict.fromkeys(args.mutants)] or list(MUTANTS)
    defs = load_workspace().defs
    results = []
    if not args.json:
        print(f"{'mutant':28} {'result':8} {'to kill':>9}  description / shrunk counterexample")
    for mutant in chosen:
        result = run_mutant(
            mutant,
            defs,
            max_examples=args.examples,
            shrink_steps=args.shrink_steps,
            shrink_seconds=args.shrink_seconds,
        )
        results.append(result)
        if not args.json:
            print(_row(result), flush=True)
    if args.json:
        emit_json([r.to_json() for r in results])
    else:
        killed = sum(r.killed for r in results)
        seconds = sorted(r.seconds for r in results)
        median = seconds[len(seconds) // 2] if seconds else 0.0
        print(f"\n{killed}/{len(results)} mutants killed; median time to kill {median:.2f} s")
    return EXIT_OK if all(r.killed for r in results) else EXIT_PROGRAM_ERROR


def _row(result: Any) -> str:
    status = "killed" if result.killed else "SURVIVED"
    head = f"{result.mutant:28} {status:8} {result.seconds:7.2f} s  {result.description}"
    if result.counterexample:
        body = "\n".join("      " + line for line in result.counterexample.splitlines())
        return f"{head}\n{body}"
    return head
