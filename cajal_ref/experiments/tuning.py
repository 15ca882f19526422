"""The hyperparameter search: the same small grid for both models, chosen on the validation set.

Each model gets the same effort: two learning rates × two sizes (its default and a
wider one), trained once (seed 0) on the largest default training-set size for the
full step budget; the configuration with the best validation PSNR is kept. The test
set is never looked at. Run with `python -m cajal_ref.experiments.tuning`; the
measured grid is recorded in docs/experiments.md and its winners are the defaults
in `run.py` (`TUNED`).
"""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

from .data import EXPERIMENTS, Experiment, make_split
from .models import make_models
from .train import TrainConfig, Trainer

LEARNING_RATES = (1e-3, 3e-3)
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "direct": {
        "default": {},
        "wide": {"step_hidden": 16, "classifier_channels": (16, 32)},
    },
    "indirect": {
        "default": {},
        "wide": {"channels": (16, 32, 32)},
    },
}


def tune(experiment: Experiment, *, steps: int = 1500, train_size: int = 1000) -> list[dict[str, Any]]:
    """Validation PSNR of every (model, size, learning rate) in the grid."""
    split = make_split(experiment)
    rows: list[dict[str, Any]] = []
    for model_name, size_name, lr in itertools.product(
        ("direct", "indirect"), ("default", "wide"), LEARNING_RATES
    ):
        options = SIZES[model_name][size_name]
        direct, indirect = make_models(
            experiment,
            direct_options=options if model_name == "direct" else None,
            indirect_options=options if model_name == "indirect" else None,
        )
        model = direct if model_name == "direct" else indirect
        trainer = Trainer(model, split, TrainConfig(steps=steps, learning_rate=lr, eval_every=steps))
        result = trainer.run(0, train_size)
        row = {
            "experiment": experiment,
            "model": model_name,
            "size": size_name,
            "learning_rate": lr,
            "parameters": result.parameters,
            "val_psnr": round(trainer.psnr(result.params, split.val_x, split.val_y), 3),
        }
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    for experiment in EXPERIMENTS:
        rows = tune(experiment)
        for model_name in ("direct", "indirect"):
            best = max((r for r in rows if r["model"] == model_name), key=lambda r: r["val_psnr"])
            print(json.dumps({"best": best}))


if __name__ == "__main__":
    main()
