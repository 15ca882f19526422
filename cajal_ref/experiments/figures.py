"""The experiment figures, drawn from a results directory (curves.csv, summary.json, examples.json).

`make_experiment_figures(results_dir, out_dir)` is the hook `cajal figures` calls
(figures.index.EXPERIMENT_HOOK); `results_dir` is one experiment's output folder or
a folder holding several (e.g. iterate/ and conditional/). For each experiment it
writes, as PDF and PNG with the project's figure style (Okabe–Ito colours,
deterministic bytes, atomic writes):

- experiment_<name>_learning_curves: test PSNR against training step, one panel per
  training-set size, the mean over seeds with a band from the worst to the best seed;
- experiment_<name>_final_psnr: final test PSNR against training-set size (mean ± sd,
  every seed as a dot);
- experiment_<name>_examples: one test digit of each class — input, target, and the
  outputs of both models (first seed, largest training set).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..figures.style import OKABE_ITO, figure_style, new_figure, save_figure

COLOURS = {"direct": OKABE_ITO["blue"], "indirect": OKABE_ITO["vermillion"]}
MODELS = ("direct", "indirect")
PROGRAMS = {
    "iterate": "iter num { zero => img | succ y => step y }",
    "conditional": "iter (if odd then num else discard num) { zero => img | succ y => step y }",
}
"""The example programs' bodies (cajal_ref/examples/*.cj), shown in the figure index."""


def experiment_dirs(results_dir: Path) -> list[Path]:
    """results_dir itself if it holds summary.json, else its sub-folders that do (sorted)."""
    if (results_dir / "summary.json").is_file():
        return [results_dir]
    return sorted(p for p in results_dir.iterdir() if (p / "summary.json").is_file())


def read_curves(path: Path) -> dict[tuple[str, int], dict[int, list[tuple[int, float]]]]:
    """{(model, train_size): {seed: [(step, psnr), ...]}} from curves.csv."""
    curves: dict[tuple[str, int], dict[int, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["model"], int(row["train_size"]))
            curves[key][int(row["seed"])].append((int(row["step"]), float(row["test_psnr"])))
    return curves


def learning_curves_figure(summary: dict[str, Any], curves: dict[tuple[str, int], Any]) -> Any:
    sizes = sorted({run["train_size"] for run in summary["runs"]})
    fig = new_figure(max(3.2 * len(sizes) + 0.4, 6.0), 3.0)
    axes = fig.subplots(1, len(sizes), sharey=True, squeeze=False)[0]
    for ax, size in zip(axes, sizes, strict=True):
        for model in MODELS:
            seeds = curves.get((model, size))
            if not seeds:
                continue
            steps = np.array([s for s, _ in next(iter(seeds.values()))])
            values = np.array([[v for _, v in seeds[seed]] for seed in sorted(seeds)])
            ax.fill_between(
                steps, values.min(axis=0), values.max(axis=0), color=COLOURS[model], alpha=0.2, linewidth=0
            )
            ax.plot(
                steps,
                values.mean(axis=0),
                color=COLOURS[model],
                linewidth=1.6,
                label=f"{model} ({len(seeds)} seed{'s' if len(seeds) > 1 else ''})",
            )
        for threshold in summary["thresholds_db"]:
            ax.axhline(threshold, color=OKABE_ITO["grey"], linewidth=0.7, linestyle=":")
        ax.set_title(f"{size} training images")
        ax.set_xlabel("training step")
    axes[0].set_ylabel("test PSNR (dB)")
    axes[0].legend(loc="lower right", frameon=False)
    fig.suptitle(
        f"Experiment {summary['experiment']}: learning curves (mean, band = min–max over seeds)", y=1.04
    )
    return fig


def final_psnr_figure(summary: dict[str, Any]) -> Any:
    fig = new_figure(4.6, 3.2)
    ax = fig.subplots()
    sizes = sorted({run["train_size"] for run in summary["runs"]})
    for offset, model in zip((-0.03, 0.03), MODELS, strict=True):
        means, spreads = [], []
        for size in sizes:
            values = [
                r["final_psnr"] for r in summary["runs"] if r["model"] == model and r["train_size"] == size
            ]
            means.append(float(np.mean(values)))
            spreads.append(float(np.std(values, ddof=1)) if len(values) > 1 else 0.0)
            xs = np.full(len(values), size * 10**offset)
            ax.scatter(xs, values, s=10, color=COLOURS[model], alpha=0.45, linewidths=0)
        ax.errorbar(
            np.array(sizes) * 10**offset,
            means,
            yerr=spreads,
            color=COLOURS[model],
            marker="o",
            markersize=4,
            capsize=3,
            linewidth=1.4,
            label=model,
        )
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training-set size")
    ax.set_ylabel("final test PSNR (dB)")
    ax.legend(frameon=False)
    ax.set_title(f"Experiment {summary['experiment']}: final PSNR (mean ± sd, dots = seeds)")
    return fig


def examples_figure(examples: dict[str, Any]) -> Any:
    rows = [("input", examples["inputs"]), ("target", examples["targets"])]
    rows += [(model, examples["outputs"][model]) for model in MODELS if model in examples["outputs"]]
    columns = len(examples["inputs"])
    fig = new_figure(1.0 * columns + 0.8, 1.05 * len(rows) + 0.6)
    axes = fig.subplots(len(rows), columns, squeeze=False)
    for r, (title, images) in enumerate(rows):
        for c, image in enumerate(images):
            ax = axes[r][c]
            ax.imshow(np.clip(np.asarray(image), 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if r == 0:
                ax.set_title(f"{examples['labels'][c]} ({examples['rounds'][c]}×)", fontsize=9)
            if c == 0:
                ax.set_ylabel(title, fontsize=9)
    fig.suptitle(
        f"Experiment {examples['experiment']}: test digits (label, rounds of dilation), targets and outputs "
        f"(seed {examples['seed']}, {examples['train_size']} training images)",
        fontsize=9,
        y=1.0,
    )
    return fig


def make_experiment_figures(results_dir: Path, out_dir: Path) -> list[tuple[str, str, str]]:
    """Draw every experiment's figures into out_dir; return (stem, caption, program) for each."""
    entries: list[tuple[str, str, str]] = []
    for folder in experiment_dirs(Path(results_dir)):
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        name = summary["experiment"]
        program = PROGRAMS.get(name, name)
        curves = read_curves(folder / "curves.csv")
        with figure_style():
            figures = [
                (
                    f"experiment_{name}_learning_curves",
                    f"Experiment {name}: test PSNR during training, direct (compiled program linked with "
                    "learned parts) against indirect (plain CNN); band = min–max over seeds.",
                    learning_curves_figure(summary, curves),
                ),
                (
                    f"experiment_{name}_final_psnr",
                    f"Experiment {name}: final test PSNR against training-set size (mean ± sd over seeds).",
                    final_psnr_figure(summary),
                ),
            ]
            examples_path = folder / "examples.json"
            if examples_path.is_file():
                examples = json.loads(examples_path.read_text(encoding="utf-8"))
                figures.append(
                    (
                        f"experiment_{name}_examples",
                        f"Experiment {name}: test inputs, targets and both models' outputs.",
                        examples_figure(examples),
                    )
                )
        for stem, caption, fig in figures:
            save_figure(fig, Path(out_dir), stem)
            entries.append((stem, caption, program))
    return entries


make_figures = make_experiment_figures
"""The same function under a shorter name."""
