"""From the command line's options to a protocol's configuration, and running it.

`plan_from_args` validates everything before any training (a bad value is a
ValueError, reported as a usage error); `execute` runs the plan. `--quick` is a
smoke run of either protocol: one seed, a few steps on a small training set and
100 test images, the same code path as a full run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .controlled import ControlledConfig, run_controlled
from .data import pool_size
from .paper import HEADLINE, MODELS, PaperConfig, grid_cells, run_paper
from .train import StopFlag

ABLATION_NAMES = ("identity-start-off", "step-hyper", "count-raw", "step-hyper-count-raw", "small-indirect")


@dataclass(frozen=True)
class Plan:
    config: PaperConfig | ControlledConfig
    budget_s: float | None = None
    report_only: bool = False


def _get(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def plan_from_args(args: argparse.Namespace) -> Plan:
    budget = _get(args, "budget_minutes")
    budget_s = None if budget is None else 60.0 * budget
    report_only = bool(_get(args, "report_only"))
    if args.protocol == "paper":
        return Plan(paper_config(args), budget_s, report_only)
    return Plan(controlled_config(args), budget_s, report_only)


def paper_config(args: argparse.Namespace) -> PaperConfig:
    for name in ("train_sizes", "steps", "ablations"):
        if _get(args, name) is not None:
            raise ValueError(f"--{name.replace('_', '-')} belongs to --protocol controlled")
    quick = bool(_get(args, "quick"))
    if _get(args, "grid") and (_get(args, "lr") is not None or _get(args, "batch_size") is not None):
        raise ValueError("--grid runs every cell; it cannot be combined with --lr or --batch-size")
    if _get(args, "grid"):
        cells = grid_cells()
    else:
        lr = _get(args, "lr") or HEADLINE[0]
        batch = _get(args, "batch_size") or HEADLINE[1]
        cells = ((lr, batch),)
    pool = pool_size(args.data)
    train_size = _get(args, "train_size") or (96 if quick else None)
    if train_size is not None and train_size > pool:
        raise ValueError(f"--train-size must be at most {pool} (the training pool), got {train_size}")
    seeds = _get(args, "seeds") or (1 if quick else 10)
    epochs = _get(args, "epochs") or (1 if quick else 10)
    dense = _get(args, "eval_every") or (1 if quick else 20)
    return PaperConfig(
        experiment=args.experiment,
        dataset=args.data,
        seeds=tuple(range(seeds)),
        cells=cells,
        models=tuple(_get(args, "models") or MODELS),
        epochs=epochs,
        train_size=train_size,
        test_size=100 if quick else None,
        eval_dense=dense,
        eval_dense_until=max(200, dense),
        quick=quick,
    )


def controlled_config(args: argparse.Namespace) -> ControlledConfig:
    for name in ("grid", "lr", "batch_size", "epochs", "train_size", "models"):
        if _get(args, name):
            raise ValueError(f"--{name.replace('_', '-')} belongs to --protocol paper")
    quick = bool(_get(args, "quick"))
    pool = pool_size(args.data)
    sizes = tuple(sorted(set(_get(args, "train_sizes") or ((64,) if quick else (100, 300, 1000, pool)))))
    if sizes[-1] > pool:
        raise ValueError(f"training-set sizes must be at most {pool} (the training pool), got {sizes[-1]}")
    steps = _get(args, "steps") or (4 if quick else 1500)
    every = min(_get(args, "eval_every") or (2 if quick else 100), steps)
    if steps % every:
        raise ValueError(f"the step budget ({steps}) must be a multiple of the evaluation interval ({every})")
    chosen = _get(args, "ablations")
    if chosen is None:
        ablations: tuple[str, ...] = ("identity-start-off",) if quick else ABLATION_NAMES
    elif "all" in chosen:
        ablations = ABLATION_NAMES
    else:
        ablations = tuple(dict.fromkeys(chosen))
    return ControlledConfig(
        experiment=args.experiment,
        dataset=args.data,
        seeds=tuple(range(_get(args, "seeds") or (1 if quick else 5))),
        train_sizes=sizes,
        steps=steps,
        eval_every=every,
        ablations=ablations,
        ablation_size=min(1000, pool) if not quick else sizes[-1],
        test_size=100 if quick else None,
        quick=quick,
    )


def execute(
    plan: Plan, out_dir: Path, *, progress: bool = True, figures: bool = True, stop: StopFlag | None = None
) -> dict[str, Any]:
    if isinstance(plan.config, PaperConfig):
        return run_paper(
            plan.config,
            out_dir,
            progress=progress,
            figures=figures,
            budget_s=plan.budget_s,
            stop=stop,
            report_only=plan.report_only,
        )
    return run_controlled(
        plan.config,
        out_dir,
        progress=progress,
        figures=figures,
        budget_s=plan.budget_s,
        stop=stop,
        report_only=plan.report_only,
    )
