"""`cajal experiment iterate|conditional`: the paper's two experiments (SPEC §7), trained and reported.

Trains the direct model (the compiled example program linked with learned parts)
and the indirect model (a plain CNN) for every seed and training-set size, then
writes curves.csv, summary.json, summary.md, examples.json and figures/ into --out
and prints the table. JAX, optax, scikit-learn and matplotlib are imported only
when the command runs (the `learn` extra), so `cajal --help` does not need them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE
from .common import guarded

EXPERIMENT_NAMES = ("iterate", "conditional")


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "experiment",
        help="run one of the paper's experiments (compiled program linked with learned networks vs a CNN)",
        description="Train the direct model (the compiled example program iterate.cj or conditional.cj, "
        "linked with a learned classifier and step) and the indirect model (a plain CNN) on upsampled "
        "scikit-learn digits; write per-step test PSNR, a summary, a table and figures.",
    )
    parser.add_argument("experiment", choices=EXPERIMENT_NAMES, help="which experiment")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 1 seed, 100 images, 60 steps (well under 2 minutes)",
    )
    parser.add_argument(
        "--seeds", type=int, metavar="N", help="number of seeds, 0 … N-1 (default 5; quick 1)"
    )
    parser.add_argument(
        "--train-sizes",
        type=int,
        nargs="+",
        metavar="N",
        help="training-set sizes (default 100 300 1000; quick 100)",
    )
    parser.add_argument(
        "--steps", type=int, metavar="N", help="training steps per run (default 1500; quick 60)"
    )
    parser.add_argument(
        "--eval-every",
        type=int,
        metavar="N",
        help="evaluate the test PSNR every N steps (default 50; quick 20)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default experiment_results/EXPERIMENT)"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    parser.add_argument("--json", action="store_true", help="print summary.json instead of the table")
    parser.set_defaults(run=guarded(run))


def run(args: argparse.Namespace) -> int:
    try:
        from ..experiments.run import make_config, run_experiment
    except ImportError as exc:
        print(
            f"cajal experiment needs the `learn` extra ({exc.name or exc} is missing): "
            "pip install 'cajal_ref[learn]'",
            file=sys.stderr,
        )
        return EXIT_PROGRAM_ERROR
    try:
        config = make_config(
            args.experiment,
            quick=args.quick,
            seeds=args.seeds,
            train_sizes=args.train_sizes,
            steps=args.steps,
            eval_every=args.eval_every,
        )
    except ValueError as exc:
        print(f"cajal experiment: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out_dir = args.out if args.out is not None else Path("experiment_results") / args.experiment
    try:
        summary = run_experiment(config, out_dir, progress=not args.no_progress, figures=not args.no_figures)
    except OSError as exc:
        print(f"cajal experiment: cannot write to `{out_dir}`: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print((out_dir / "summary.md").read_text(encoding="utf-8"), end="")
        print(f"\nresults in {out_dir}/ (curves.csv, summary.json, summary.md, examples.json, figures/)")
    return EXIT_OK
