"""The controlled protocol's learning-rate search: the same grid for both models, judged on validation.

Each model gets the same effort: every learning rate in LEARNING_RATES, trained once
per seed in SEEDS at the largest training-set size for the full step budget, all
seeds at once; the rate with the best mean validation PSNR (per image, peak = the
target's range) wins. The test set is never looked at. Run with
`python -m cajal_ref.experiments.tuning [iterate|conditional] [--steps N]`; docs/experiments.md
records the measured grid, and its winners are controlled.LEARNING_RATES.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .controlled import variant_model
from .data import EXPERIMENTS, Experiment, make_split, pool_size
from .train import LaneTrainer

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3)
SEEDS = (0, 1)


def tune(experiment: Experiment, *, steps: int = 1500, batch_size: int = 32) -> list[dict[str, Any]]:
    """Mean validation PSNR of every (model, learning rate) in the grid."""
    split = make_split(experiment)
    size = pool_size("mnist")
    rows: list[dict[str, Any]] = []
    for variant in ("baseline-direct", "baseline-indirect"):
        model = variant_model(experiment, split.side, variant)
        trainer = LaneTrainer(
            model, split.train_x, split.train_y, split.val_x, split.val_y, clip=True, metric="pooled"
        )
        per_epoch = -(-size // batch_size)
        seeds = [s for _ in LEARNING_RATES for s in SEEDS]
        rates = [lr for lr in LEARNING_RATES for _ in SEEDS]
        curves, _ = trainer.train(seeds, rates, batch_size, -(-steps // per_epoch), [steps], max_steps=steps)
        for lr in LEARNING_RATES:
            values = [c.test_psnr[-1] for c, r in zip(curves, rates, strict=True) if r == lr]
            row = {
                "experiment": experiment,
                "model": model.name,
                "lr": lr,
                "val_psnr": round(sum(values) / len(values), 3),
            }
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    steps = 1500
    if "--steps" in args:
        at = args.index("--steps")
        try:
            steps = int(args[at + 1])
        except (IndexError, ValueError):
            raise SystemExit("--steps needs a positive integer") from None
        del args[at : at + 2]
    if steps < 1:
        raise SystemExit("--steps must be positive")
    for experiment in args or list(EXPERIMENTS):
        if experiment not in EXPERIMENTS:
            raise SystemExit(f"unknown experiment {experiment!r}")
        rows = tune(experiment, steps=steps)
        for model in ("direct", "indirect"):
            print(
                json.dumps(
                    {"best": max((r for r in rows if r["model"] == model), key=lambda r: r["val_psnr"])}
                )
            )


if __name__ == "__main__":
    main()
