"""The `paper` protocol: the authors' grid, models D, T and I, 10 seeds, 10 epochs (SPEC §7).

`run_paper(config, out_dir)` trains every cell (model, learning rate, batch size) of
the configuration, all seeds of a cell at once (train.LaneTrainer), the headline cell
(lr 1e-4, batch 32) first. Each finished cell is written at once, atomically, to
out_dir/runs/<model>_lr<lr>_b<batch>.json; a re-run with the same configuration skips
the cells already there (resume). After every cell, summary.json, summary.md and
curves.csv are rewritten from the finished cells, so an interrupted or budget-cut run
still leaves a consistent summary. `budget_s` only decides whether to *start* a cell.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jax
import numpy as np

from .data import Dataset, Experiment, Split, make_split, pool_size
from .layers import count_parameters
from .models import Model
from .outputs import rounded, write_curves_csv, write_json_atomic, write_text_atomic
from .paper_models import paper_models
from .train import LaneTrainer, Progress, StopFlag, batch_plan, eval_schedule, steps_per_run

MODELS = ("direct", "typed", "indirect")
LEARNING_RATES = (1e-3, 5e-4, 1e-4)
BATCH_SIZES = (32, 64, 128)
HEADLINE = (1e-4, 32)
"""The cell the paper's early-dynamics figure shows, and the one run by default."""
THRESHOLDS_DB = (15.0, 20.0, 25.0)
SNAPSHOT_DIGITS = (2, 3, 7, 8)
"""Output snapshots: the first test image of each of these digits (seed 0 of every cell)."""
SNAPSHOT_STEPS = (0, 20, 60, 100, 200, 500)
FORMAT = 1
"""Bumped when a run file's content changes meaning, so that resume never mixes formats."""


@dataclass(frozen=True)
class PaperConfig:
    experiment: Experiment
    dataset: Dataset = "mnist"
    seeds: tuple[int, ...] = tuple(range(10))
    cells: tuple[tuple[float, int], ...] = (HEADLINE,)
    models: tuple[str, ...] = MODELS
    epochs: int = 10
    train_size: int | None = None
    test_size: int | None = None
    eval_dense: int = 20
    eval_dense_until: int = 200
    eval_sparse: int = 100
    quick: bool = False
    thresholds_db: tuple[float, ...] = THRESHOLDS_DB
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> dict[str, Any]:
        """What a finished cell must share with this configuration to be reused on resume."""
        keep = (
            "experiment",
            "dataset",
            "seeds",
            "epochs",
            "train_size",
            "test_size",
            "eval_dense",
            "eval_dense_until",
            "eval_sparse",
        )
        data = asdict(self)
        return {
            "format": FORMAT,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in data.items() if k in keep},
        }


def grid_cells() -> tuple[tuple[float, int], ...]:
    """The headline cell first, then the rest of lr × batch."""
    rest = [(lr, b) for b in BATCH_SIZES for lr in sorted(LEARNING_RATES) if (lr, b) != HEADLINE]
    return (HEADLINE, *rest)


def device_name() -> str:
    """What trained a run, e.g. `cpu` or `gpu (NVIDIA H200)`."""
    device = jax.devices()[0]
    kind = getattr(device, "device_kind", "")
    return f"{device.platform} ({kind})" if kind and device.platform != "cpu" else device.platform


def cell_name(model: str, lr: float, batch: int) -> str:
    return f"{model}_lr{lr:g}_b{batch}"


def snapshot_indices(split: Split) -> list[int]:
    return [int(np.flatnonzero(split.test_labels == d)[0]) for d in SNAPSHOT_DIGITS]


def test_order(split: Split, size: int | None) -> np.ndarray[Any, Any]:
    """The test images used (the first `size`, or all), the snapshot images first (order changes no mean)."""
    picks = snapshot_indices(split)
    rest = [i for i in range(len(split.test_x) if size is None else size) if i not in picks]
    return np.array(picks + rest)


def examples_seen(steps: Sequence[int], weights: np.ndarray[Any, Any]) -> list[int]:
    """How many training images the first `s` steps used, for each evaluated step s."""
    cumulative = np.concatenate([[0], np.cumsum(weights.sum(axis=1))])
    return [int(cumulative[s]) for s in steps]


def first_reaching(values: Sequence[float], marks: Sequence[int], threshold: float) -> int | None:
    for mark, value in zip(marks, values, strict=True):
        if value >= threshold:
            return mark
    return None


def run_entries(cell: dict[str, Any], thresholds: Sequence[float]) -> list[dict[str, Any]]:
    """One summary entry per seed of a finished cell."""
    entries = []
    for run in cell["runs"]:
        steps, examples, psnr = cell["steps"], cell["examples_seen"], run["test_psnr"]
        entries.append(
            {
                "model": cell["model"],
                "seed": run["seed"],
                "lr": cell["lr"],
                "batch_size": cell["batch_size"],
                "data": cell["data"],
                "image_size": cell["image_size"],
                "parameters": cell["parameters"],
                "steps": steps,
                "examples_seen": examples,
                "test_psnr": psnr,
                "test_l1": run["test_l1"],
                "final_psnr": psnr[-1],
                "best_psnr": max(psnr),
                "steps_to_threshold": {f"{t:g}": first_reaching(psnr, steps, t) for t in thresholds},
                "examples_to_threshold": {f"{t:g}": first_reaching(psnr, examples, t) for t in thresholds},
            }
        )
    return entries


def train_cell(
    trainer: LaneTrainer,
    model: Model,
    config: PaperConfig,
    split: Split,
    lr: float,
    batch: int,
    train_size: int,
    progress: Progress,
    stop: StopFlag | None,
) -> dict[str, Any]:
    total = steps_per_run(train_size, batch, config.epochs)
    schedule = eval_schedule(total, config.eval_dense_until, config.eval_dense, config.eval_sparse)
    label = f"{model.name} lr {lr:g} batch {batch} ({len(config.seeds)} seeds)"
    curves, _ = trainer.train(
        config.seeds,
        [lr] * len(config.seeds),
        batch,
        config.epochs,
        schedule,
        snapshot_steps=[s for s in (*SNAPSHOT_STEPS, total) if s <= total],
        on_progress=lambda done: progress.steps(label, done, total),
        stop=stop,
    )
    _, weights = batch_plan(config.seeds[0], train_size, batch, config.epochs)
    return {
        "fingerprint": config.fingerprint(),
        "model": model.name,
        "lr": lr,
        "batch_size": batch,
        "data": config.dataset,
        "image_size": split.side,
        "parameters": count_parameters(model.init(jax.random.PRNGKey(0))),
        "clip_grad_norm": 1.0 if model.clip else None,
        "device": device_name(),
        "steps": schedule,
        "examples_seen": examples_seen(schedule, weights),
        "snapshot_digits": list(SNAPSHOT_DIGITS),
        "snapshot_seed": config.seeds[0],
        "snapshots": {str(k): v for k, v in sorted(curves[0].snapshots.items())},
        "runs": [
            {
                "seed": seed,
                "test_psnr": [rounded(v) for v in c.test_psnr],
                "test_l1": [rounded(v, 5) for v in c.test_l1],
                "train_loss": [rounded(v, 5) for v in c.train_loss],
            }
            for seed, c in zip(config.seeds, curves, strict=True)
        ],
    }


def load_cell(path: Path, config: PaperConfig) -> dict[str, Any] | None:
    """A finished cell from a previous run of the same configuration, or None."""
    try:
        cell: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cell if cell.get("fingerprint") == config.fingerprint() else None


def write_summary(
    out_dir: Path,
    config: PaperConfig,
    split: Split,
    cells: list[dict[str, Any]],
    descriptions: dict[str, str],
) -> dict[str, Any]:
    from .report import paper_markdown

    entries = [e for cell in cells for e in run_entries(cell, config.thresholds_db)]
    summary = {
        "experiment": config.experiment,
        "protocol": "paper",
        "data": config.dataset,
        "image_size": split.side,
        "thresholds_db": list(config.thresholds_db),
        "headline": {"lr": HEADLINE[0], "batch_size": HEADLINE[1]},
        "models": descriptions,
        "parameters": {cell["model"]: cell["parameters"] for cell in cells},
        "config": {
            **{k: v for k, v in config.fingerprint().items() if k != "format"},
            "cells": [list(c) for c in config.cells],
            "models": list(config.models),
            "quick": config.quick,
            "optimizer": "adam (β 0.9, 0.999, ε 1e-8)",
            "loss": "l1 (mean absolute error per pixel)",
            "clip_grad_norm": {m: (1.0 if m in ("direct", "typed") else None) for m in config.models},
            "psnr": "per image, peak = that target's max − min, averaged over the test images",
            "train_pool": len(split.train_x),
            "test_images": len(split.test_x),
            "devices": sorted({cell.get("device", "?") for cell in cells}),
        },
        "runs": entries,
    }
    write_json_atomic(out_dir / "summary.json", summary)
    write_text_atomic(out_dir / "summary.md", paper_markdown(summary))
    write_curves_csv(out_dir / "curves.csv", ("model", "seed", "lr", "batch_size"), entries)
    return summary


def run_paper(
    config: PaperConfig,
    out_dir: Path,
    *,
    progress: bool = True,
    stream: TextIO | None = None,
    figures: bool = True,
    budget_s: float | None = None,
    stop: StopFlag | None = None,
    report_only: bool = False,
) -> dict[str, Any]:
    """Train (or resume) every cell, writing each as it finishes; return the summary.

    `report_only`: train nothing; rewrite the summary and figures from the finished cells.
    """
    start = time.monotonic()
    split = make_split(config.experiment, config.dataset)
    train_size = config.train_size or pool_size(config.dataset)
    test = test_order(split, config.test_size)
    models = paper_models(config.experiment, split.side)
    models = {name: models[name] for name in config.models}
    run_dir = out_dir / "runs"
    run_dir.mkdir(parents=True, exist_ok=True)
    todo = [(lr, b, m) for lr, b in config.cells for m in config.models]
    bar = Progress(len(todo), stream, enabled=progress)
    bar.note(
        f"experiment {config.experiment} (paper protocol, {config.dataset}, {len(config.seeds)} seeds, "
        f"{config.epochs} epochs over {train_size} images, device {jax.devices()[0].platform})"
    )
    finished: list[dict[str, Any]] = []
    trainers: dict[str, LaneTrainer] = {}
    descriptions = {name: models[name].describe for name in config.models}
    x_train, y_train = split.train_subset(train_size)
    for lr, batch, name in todo:
        path = run_dir / f"{cell_name(name, lr, batch)}.json"
        cell = load_cell(path, config)
        if cell is not None:
            finished.append(cell)
            bar.note(f"{cell_name(name, lr, batch)}: already done, skipped", runs=1)
            continue
        if report_only:
            bar.note(f"{cell_name(name, lr, batch)}: not run (report only)")
            continue
        if budget_s is not None and time.monotonic() - start > budget_s:
            bar.note(f"{cell_name(name, lr, batch)}: not started (time budget of {budget_s:.0f}s reached)")
            continue
        if name not in trainers:
            model = models[name]
            trainers[name] = LaneTrainer(
                model,
                x_train,
                y_train,
                split.test_x[test],
                split.test_y[test],
                model.clip,
                snapshots=len(SNAPSHOT_DIGITS),
            )
        cell = train_cell(trainers[name], models[name], config, split, lr, batch, train_size, bar, stop)
        write_json_atomic(path, cell)
        finished.append(cell)
        finals = [r["test_psnr"][-1] for r in cell["runs"]]
        spread = np.std(finals, ddof=1) if len(finals) > 1 else 0.0
        bar.note(f"{cell_name(name, lr, batch)}: final PSNR {np.mean(finals):.2f} ± {spread:.2f} dB", runs=1)
        write_summary(out_dir, config, split, finished, descriptions)
    bar.close()
    summary = write_summary(out_dir, config, split, finished, descriptions)
    if figures and finished:
        from .figures import make_experiment_figures

        written = make_experiment_figures(out_dir, out_dir / "figures")
        bar.note(f"figures: {len(written)} in {out_dir / 'figures'}")
    return summary
