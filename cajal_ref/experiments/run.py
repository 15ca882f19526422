"""Running an experiment end to end: every (training-set size, seed, model), then the result files.

`run_experiment(config, out_dir)` writes into out_dir:

- curves.csv — the test PSNR of every run at every evaluated step
  (model, seed, train_size, step, test_psnr);
- summary.json — {"experiment", "thresholds_db", "runs": [{"model", "seed",
  "train_size", "steps", "final_psnr", "steps_to_threshold": {"<dB>": steps | null},
  ...}], ...} plus the configuration, the models and their parameter counts;
- summary.md — the table of means ± standard deviations over seeds (report.py);
- examples.json — one test image per digit, its target and both models' outputs
  (first seed, largest training set), for the example grid;
- figures/ — learning curves, final PSNR against training-set size, the example grid
  (PDF + PNG), unless figures=False.

Everything is deterministic: fixed seeds, rounded floats, no timestamps.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jax
import numpy as np

from .data import (
    DILATION_MIX,
    SIDE,
    SPLIT_SEED,
    TEST_SIZE,
    VALIDATION_SIZE,
    Experiment,
    Split,
    make_split,
    max_train_size,
    rounds_for,
)
from .models import NAT_BOUND, Model, count_parameters, make_models
from .outputs import rounded, write_json_atomic, write_text_atomic
from .report import summary_markdown
from .train import Progress, RunResult, TrainConfig, Trainer

MODELS = ("direct", "indirect")


@dataclass(frozen=True)
class ModelSetup:
    """A model's size options (see models.make_models) and its Adam learning rate, chosen by tuning.py."""

    options: Mapping[str, Any] = field(default_factory=dict)
    learning_rate: float = 1e-3


TUNED: dict[str, dict[str, ModelSetup]] = {
    "iterate": {
        "direct": ModelSetup({"step_hidden": 16, "classifier_channels": (16, 32)}, 3e-3),
        "indirect": ModelSetup({"channels": (16, 32, 32)}, 3e-3),
    },
    "conditional": {
        "direct": ModelSetup({"step_hidden": 16, "classifier_channels": (16, 32)}, 1e-3),
        "indirect": ModelSetup({"channels": (16, 32, 32)}, 1e-3),
    },
}
"""The winners of tuning.py's grid on the validation set (see docs/experiments.md)."""

THRESHOLDS_DB = (20.0, 25.0, 30.0)
"""Test PSNR levels whose first crossing is reported as 'steps to threshold'."""

FULL_SEEDS = 5
FULL_TRAIN_SIZES = (100, 300, 1000)
FULL_STEPS = 1500
FULL_EVAL_EVERY = 50
QUICK_SEEDS = 1
QUICK_TRAIN_SIZES = (100,)
QUICK_STEPS = 60
QUICK_EVAL_EVERY = 20
BATCH_SIZE = 32


@dataclass(frozen=True)
class ExperimentConfig:
    experiment: Experiment
    seeds: tuple[int, ...]
    train_sizes: tuple[int, ...]
    steps: int
    eval_every: int
    batch_size: int
    thresholds_db: tuple[float, ...]
    setups: Mapping[str, ModelSetup]
    quick: bool = False

    def train_config(self, model: str) -> TrainConfig:
        return TrainConfig(
            steps=self.steps,
            batch_size=self.batch_size,
            learning_rate=self.setups[model].learning_rate,
            eval_every=self.eval_every,
        )


def make_config(
    experiment: Experiment,
    *,
    quick: bool = False,
    seeds: int | None = None,
    train_sizes: Sequence[int] | None = None,
    steps: int | None = None,
    eval_every: int | None = None,
) -> ExperimentConfig:
    """The full (or --quick) configuration, with optional overrides; bad values raise ValueError."""
    n_seeds = seeds if seeds is not None else (QUICK_SEEDS if quick else FULL_SEEDS)
    sizes = tuple(train_sizes) if train_sizes else (QUICK_TRAIN_SIZES if quick else FULL_TRAIN_SIZES)
    n_steps = steps if steps is not None else (QUICK_STEPS if quick else FULL_STEPS)
    every = eval_every if eval_every is not None else (QUICK_EVAL_EVERY if quick else FULL_EVAL_EVERY)
    every = min(every, n_steps)
    if n_seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {n_seeds}")
    if n_steps < 1:
        raise ValueError(f"--steps must be at least 1, got {n_steps}")
    if n_steps % every:
        raise ValueError(
            f"the step budget ({n_steps}) must be a multiple of the evaluation interval ({every})"
        )
    limit = max_train_size()
    bad = [n for n in sizes if not 1 <= n <= limit]
    if bad:
        raise ValueError(f"training-set sizes must be between 1 and {limit}, got {bad[0]}")
    if len(set(sizes)) != len(sizes):
        raise ValueError("training-set sizes must be distinct")
    return ExperimentConfig(
        experiment=experiment,
        seeds=tuple(range(n_seeds)),
        train_sizes=tuple(sorted(sizes)),
        steps=n_steps,
        eval_every=every,
        batch_size=BATCH_SIZE,
        thresholds_db=THRESHOLDS_DB,
        setups=TUNED[experiment],
        quick=quick,
    )


def threshold_key(threshold: float) -> str:
    return f"{threshold:g}"


def count_accuracy(model: Model, params: Any, split: Split) -> float | None:
    """How often the direct model's most likely iteration count is the number of rounds the target used."""
    if model.counts is None:
        return None
    counts = np.asarray(jax.jit(model.counts)(params, split.test_x))
    wanted = rounds_for(split.experiment, split.test_labels)
    return float(np.mean(np.argmax(counts, axis=1) == wanted))


def example_indices(split: Split) -> list[int]:
    """The first test image of each digit 0…9 (fixed by the split)."""
    return [int(np.flatnonzero(split.test_labels == digit)[0]) for digit in range(10)]


def _run_entry(result: RunResult, config: ExperimentConfig, accuracy: float | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "model": result.model,
        "seed": result.seed,
        "train_size": result.train_size,
        "steps": result.steps[-1],
        "final_psnr": rounded(result.final_psnr),
        "steps_to_threshold": {threshold_key(t): result.steps_to(t) for t in config.thresholds_db},
        "best_psnr": rounded(max(result.test_psnr)),
    }
    if accuracy is not None:
        entry["count_accuracy"] = rounded(accuracy)
    return entry


def _image(array: np.ndarray[Any, Any]) -> list[list[float]]:
    return [[rounded(v) for v in row] for row in np.asarray(array, dtype=np.float64)]


def run_experiment(
    config: ExperimentConfig,
    out_dir: Path,
    *,
    progress: bool = True,
    stream: TextIO | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Train every run of the configuration, write the result files into out_dir, return the summary."""
    log = stream if stream is not None else sys.stderr
    split = make_split(config.experiment)
    setups = config.setups
    direct, indirect = make_models(config.experiment, setups["direct"].options, setups["indirect"].options)
    models = {"direct": direct, "indirect": indirect}
    trainers = {name: Trainer(models[name], split, config.train_config(name)) for name in MODELS}
    parameters = {name: count_parameters(models[name].init(jax.random.PRNGKey(0))) for name in MODELS}
    total = len(config.seeds) * len(config.train_sizes) * len(MODELS) * config.steps
    bar = Progress(total, log, enabled=progress)
    if progress:
        print(
            f"experiment {config.experiment}: {len(config.seeds)} seed(s) × sizes "
            f"{list(config.train_sizes)} × {MODELS} for {config.steps} steps "
            f"(parameters: direct {parameters['direct']}, indirect {parameters['indirect']})",
            file=log,
            flush=True,
        )
    runs: list[dict[str, Any]] = []
    curve_rows = ["model,seed,train_size,step,test_psnr"]
    examples: dict[str, Any] = {}
    picks = example_indices(split)
    example_size = max(config.train_sizes)
    for size in config.train_sizes:
        for seed in config.seeds:
            for name in MODELS:
                result = trainers[name].run(seed, size, bar)
                accuracy = count_accuracy(models[name], result.params, split)
                runs.append(_run_entry(result, config, accuracy))
                curve_rows.extend(
                    f"{name},{seed},{size},{step},{value:.4f}"
                    for step, value in zip(result.steps, result.test_psnr, strict=True)
                )
                if seed == config.seeds[0] and size == example_size:
                    outputs = trainers[name].predict(result.params, split.test_x[picks])
                    examples[name] = [_image(img) for img in outputs]
                bar.note(
                    f"{name:8} seed {seed} n={size:<5} final {result.final_psnr:6.2f} dB"
                    + (f", count accuracy {accuracy:.2f}" if accuracy is not None else "")
                )
    bar.close()
    summary = {
        "experiment": config.experiment,
        "thresholds_db": list(config.thresholds_db),
        "runs": runs,
        "parameters": parameters,
        "models": {name: models[name].describe for name in MODELS},
        "config": {
            "quick": config.quick,
            "seeds": list(config.seeds),
            "train_sizes": list(config.train_sizes),
            "steps": config.steps,
            "eval_every": config.eval_every,
            "batch_size": config.batch_size,
            "optimizer": "adam",
            "loss": "l1",
            "learning_rates": {name: setups[name].learning_rate for name in MODELS},
            "model_options": {name: _jsonable(setups[name].options) for name in MODELS},
            "nat_bound": NAT_BOUND,
        },
        "data": {
            "source": "sklearn.datasets.load_digits (8×8, 1797 images), bilinear upsampling to "
            f"{SIDE}×{SIDE}, scaled to [0, 1]",
            "split_seed": SPLIT_SEED,
            "test_size": TEST_SIZE,
            "validation_size": VALIDATION_SIZE,
            "train_pool": max_train_size(),
            "dilation_mix": DILATION_MIX,
            "psnr": "10·log10(1/MSE) over the whole test set, outputs not clipped",
        },
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "curves.csv", "\n".join(curve_rows) + "\n")
    write_json_atomic(out_dir / "summary.json", summary)
    write_text_atomic(out_dir / "summary.md", summary_markdown(summary))
    write_json_atomic(
        out_dir / "examples.json",
        {
            "experiment": config.experiment,
            "seed": config.seeds[0],
            "train_size": example_size,
            "labels": [int(split.test_labels[i]) for i in picks],
            "rounds": [int(r) for r in rounds_for(config.experiment, split.test_labels[picks])],
            "inputs": [_image(split.test_x[i]) for i in picks],
            "targets": [_image(split.test_y[i]) for i in picks],
            "outputs": examples,
        },
    )
    if figures:
        from .figures import make_experiment_figures

        written = make_experiment_figures(out_dir, out_dir / "figures")
        if progress:
            print(f"figures: {', '.join(stem for stem, _, _ in written)} in {out_dir / 'figures'}", file=log)
    return summary


def _jsonable(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
