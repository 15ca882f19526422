"""The `controlled` protocol: direct vs indirect with equal priors, the same batches, and ablations.

Both models start as the identity (the indirect CNN's output layer and the step's are
zero-initialised residuals), both see exactly the same batches (train.batch_plan
depends only on seed, training-set size and batch size), both get a learning rate from
the same validation search (tuning.py; see LEARNING_RATES), and every (training-set
size, model) is trained for the same number of steps over several seeds, with the
same optimiser (Adam after gradient-norm clipping 1.0, for every model).

Metric: the pooled PSNR (train.LaneTrainer, metric "pooled"): an identity start
reproduces the even digits' targets of `conditional` exactly, and a mean of per-image
PSNRs would then read ~126 dB for each of them. Thresholds are gains over the
identity map's PSNR on the test set (THRESHOLD_GAINS_DB), since both baselines start
there: an absolute 15 or 20 dB is met at step 0.

Ablations, each a variant of one model trained at ABLATION_SIZE images beside the
two baselines, answer why the paper protocol and this one disagree:

- identity-start-off: the indirect CNN without residual and with a random output layer;
- step-hyper: the direct model's step is the authors' hypernetwork;
- count-raw: the direct model's counts are raw scores, not a softmax;
- step-hyper-count-raw: both, i.e. the authors' direct model trained under this protocol;
- small-indirect: an indirect CNN with about the paper's parameter ratio (direct/indirect).

Each finished run group (one model variant at one size, all seeds) is written to
runs/ at once; a re-run with the same configuration skips it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jax
import jax.numpy as jnp
import numpy as np

from .data import Dataset, Experiment, make_split
from .layers import count_parameters
from .models import SMALL_INDIRECT_CHANNELS, Model, make_models
from .outputs import rounded, write_curves_csv, write_json_atomic, write_text_atomic
from .paper import device_name, examples_seen, first_reaching
from .train import LaneTrainer, Progress, StopFlag, batch_plan, eval_schedule, normalised_mse, pooled_psnr

THRESHOLD_GAINS_DB = (1.0, 2.0, 4.0)
"""Steps to reach the identity map's test PSNR plus each of these."""
LEARNING_RATES: dict[str, dict[str, float]] = {
    "iterate": {"direct": 3e-3, "indirect": 3e-3},
    "conditional": {"direct": 3e-3, "indirect": 3e-4},
}
"""Adam learning rates of the two baselines per experiment: the winners of tuning.py's search on
MNIST's validation images (experiment_results/controlled/tuning/). Each variant uses its model's."""
ABLATION_SIZE = 1000
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline-direct": ("direct", {}),
    "baseline-indirect": ("indirect", {}),
    "identity-start-off": ("indirect", {"identity_start": False}),
    "step-hyper": ("direct", {"step": "hyper"}),
    "count-raw": ("direct", {"count": "raw"}),
    "step-hyper-count-raw": ("direct", {"step": "hyper", "count": "raw"}),
    "small-indirect": ("indirect", {"channels": SMALL_INDIRECT_CHANNELS}),
}
FORMAT = 2
"""2: pooled PSNR, clipping on every model, thresholds relative to the identity."""


@dataclass(frozen=True)
class ControlledConfig:
    experiment: Experiment
    dataset: Dataset = "mnist"
    seeds: tuple[int, ...] = tuple(range(5))
    train_sizes: tuple[int, ...] = (100, 300, 1000, 3500)
    steps: int = 1500
    eval_every: int = 100
    batch_size: int = 32
    ablations: tuple[str, ...] = (
        "identity-start-off",
        "step-hyper",
        "count-raw",
        "step-hyper-count-raw",
        "small-indirect",
    )
    ablation_size: int = ABLATION_SIZE
    test_size: int | None = None
    quick: bool = False
    threshold_gains_db: tuple[float, ...] = THRESHOLD_GAINS_DB
    learning_rates: dict[str, float] = field(default_factory=dict)
    """Overrides of LEARNING_RATES[experiment], by model ("direct", "indirect")."""

    def rates(self) -> dict[str, float]:
        return {**LEARNING_RATES[self.experiment], **self.learning_rates}

    def fingerprint(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "experiment": self.experiment,
            "dataset": self.dataset,
            "seeds": list(self.seeds),
            "steps": self.steps,
            "eval_every": self.eval_every,
            "batch_size": self.batch_size,
            "test_size": self.test_size,
            "learning_rates": self.rates(),
        }

    def groups(self) -> list[tuple[str, int]]:
        """(variant, training-set size): the baselines at every size, then the ablations."""
        todo = [(v, n) for n in self.train_sizes for v in ("baseline-direct", "baseline-indirect")]
        if self.ablations:
            for variant in ("baseline-direct", "baseline-indirect", *self.ablations):
                if (variant, self.ablation_size) not in todo:
                    todo.append((variant, self.ablation_size))
        return todo


def variant_model(experiment: str, side: int, variant: str) -> Model:
    kind, options = VARIANTS[variant]
    direct, indirect = make_models(
        experiment, side, options if kind == "direct" else None, options if kind == "indirect" else None
    )
    return direct if kind == "direct" else indirect


def identity_psnr(inputs: np.ndarray[Any, Any], targets: np.ndarray[Any, Any]) -> float:
    """The pooled PSNR of the identity map (output = input): where both baselines start."""
    return float(pooled_psnr(np.mean(np.asarray(normalised_mse(jnp.asarray(inputs), jnp.asarray(targets))))))


def thresholds_for(identity: float, gains: tuple[float, ...]) -> list[float]:
    """Absolute thresholds: the identity's PSNR plus each gain, to 0.01 dB."""
    return [round(identity + g, 2) for g in gains]


def run_controlled(
    config: ControlledConfig,
    out_dir: Path,
    *,
    progress: bool = True,
    stream: TextIO | None = None,
    figures: bool = True,
    budget_s: float | None = None,
    stop: StopFlag | None = None,
    report_only: bool = False,
) -> dict[str, Any]:
    """Train (or resume) every run group, writing each as it finishes; return the summary."""
    start = time.monotonic()
    split = make_split(config.experiment, config.dataset)
    test = slice(0, config.test_size)
    run_dir = out_dir / "runs"
    run_dir.mkdir(parents=True, exist_ok=True)
    groups = config.groups()
    bar = Progress(len(groups), stream, enabled=progress)
    bar.note(
        f"experiment {config.experiment} (controlled protocol, {config.dataset}, {len(config.seeds)} seeds, "
        f"{config.steps} steps, device {jax.devices()[0].platform})"
    )
    schedule = eval_schedule(config.steps, 0, config.eval_every, config.eval_every)
    identity = identity_psnr(split.test_x[test], split.test_y[test])
    thresholds = thresholds_for(identity, config.threshold_gains_db)
    finished: list[dict[str, Any]] = []
    trainers: dict[str, tuple[Model, LaneTrainer]] = {}
    for variant, size in groups:
        path = run_dir / f"{variant}_n{size}.json"
        group = _load(path, config)
        if group is not None:
            finished.append(group)
            bar.note(f"{variant} n={size}: already done, skipped", runs=1)
            continue
        if report_only:
            bar.note(f"{variant} n={size}: not run (report only)")
            continue
        if budget_s is not None and time.monotonic() - start > budget_s:
            bar.note(f"{variant} n={size}: not started (time budget reached)")
            continue
        kind = VARIANTS[variant][0]
        if variant not in trainers:  # one compiled step per variant, whatever the training-set size
            model = variant_model(config.experiment, split.side, variant)
            trainer = LaneTrainer(
                model,
                split.train_x,
                split.train_y,
                split.test_x[test],
                split.test_y[test],
                clip=True,
                metric="pooled",
            )
            trainers[variant] = (model, trainer)
        model, trainer = trainers[variant]
        per_epoch = -(-size // config.batch_size)
        epochs = -(-config.steps // per_epoch)
        label = f"{variant} n={size}"

        def show(done: int, label: str = label) -> None:
            bar.steps(label, done, config.steps)

        curves, _ = trainer.train(
            config.seeds,
            [config.rates()[kind]] * len(config.seeds),
            config.batch_size,
            epochs,
            schedule,
            on_progress=show,
            stop=stop,
            max_steps=config.steps,
            train_size=size,
        )
        _, weights = batch_plan(config.seeds[0], size, config.batch_size, epochs)
        group = {
            "fingerprint": config.fingerprint(),
            "variant": variant,
            "model": kind,
            "train_size": size,
            "lr": config.rates()[kind],
            "batch_size": config.batch_size,
            "data": config.dataset,
            "image_size": split.side,
            "parameters": count_parameters(model.init(jax.random.PRNGKey(0))),
            "describe": model.describe,
            "device": device_name(),
            "steps": schedule,
            "examples_seen": examples_seen(schedule, weights),
            "runs": [
                {
                    "seed": s,
                    "test_psnr": [rounded(v) for v in c.test_psnr],
                    "test_l1": [rounded(v, 5) for v in c.test_l1],
                }
                for s, c in zip(config.seeds, curves, strict=True)
            ],
        }
        write_json_atomic(path, group)
        finished.append(group)
        finals = [r["test_psnr"][-1] for r in group["runs"]]
        bar.note(f"{label}: final PSNR {np.mean(finals):.2f} dB", runs=1)
        _write_summary(out_dir, config, finished, identity, thresholds)
    bar.close()
    summary = _write_summary(out_dir, config, finished, identity, thresholds)
    if figures and finished:
        from .figures import make_experiment_figures

        make_experiment_figures(out_dir, out_dir / "figures")
    return summary


def _load(path: Path, config: ControlledConfig) -> dict[str, Any] | None:
    try:
        group: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return group if group.get("fingerprint") == config.fingerprint() else None


def _write_summary(
    out_dir: Path,
    config: ControlledConfig,
    groups: list[dict[str, Any]],
    identity: float,
    thresholds: list[float],
) -> dict[str, Any]:
    from .report import controlled_markdown

    runs = []
    for g in groups:
        for r in g["runs"]:
            psnr = r["test_psnr"]
            runs.append(
                {
                    "model": g["model"],
                    "variant": g["variant"],
                    "seed": r["seed"],
                    "train_size": g["train_size"],
                    "lr": g["lr"],
                    "batch_size": g["batch_size"],
                    "data": g["data"],
                    "image_size": g["image_size"],
                    "parameters": g["parameters"],
                    "steps": g["steps"],
                    "examples_seen": g["examples_seen"],
                    "test_psnr": psnr,
                    "test_l1": r["test_l1"],
                    "final_psnr": psnr[-1],
                    "best_psnr": max(psnr),
                    "steps_to_threshold": {f"{t:g}": first_reaching(psnr, g["steps"], t) for t in thresholds},
                    "examples_to_threshold": {
                        f"{t:g}": first_reaching(psnr, g["examples_seen"], t) for t in thresholds
                    },
                }
            )
    summary = {
        "experiment": config.experiment,
        "protocol": "controlled",
        "data": config.dataset,
        "image_size": groups[0]["image_size"] if groups else None,
        "identity_psnr": round(identity, 4),
        "threshold_gains_db": list(config.threshold_gains_db),
        "thresholds_db": thresholds,
        "models": {g["variant"]: g["describe"] for g in groups},
        "parameters": {g["variant"]: g["parameters"] for g in groups},
        "config": {
            **{k: v for k, v in config.fingerprint().items() if k != "format"},
            "train_sizes": list(config.train_sizes),
            "ablations": list(config.ablations),
            "ablation_size": config.ablation_size,
            "quick": config.quick,
            "optimizer": "adam",
            "loss": "l1",
            "psnr": "pooled: 10·log10(1 / mean over test images of MSE / peak²), peak = the target's range",
            "clip": "gradient norm 1.0, every model",
            "devices": sorted({g.get("device", "?") for g in groups}),
        },
        "runs": runs,
    }
    write_json_atomic(out_dir / "summary.json", summary)
    write_text_atomic(out_dir / "summary.md", controlled_markdown(summary))
    write_curves_csv(out_dir / "curves.csv", ("variant", "model", "seed", "train_size"), runs)
    return summary
