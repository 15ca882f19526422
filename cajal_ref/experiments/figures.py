"""The experiment figures, drawn from results folders (summary.json and runs/ of either protocol).

`make_experiment_figures(results_dir, out_dir)` is the hook `cajal figures` calls
(figures.index.EXPERIMENT_HOOK). `results_dir` is one experiment's folder or any
folder above such folders (e.g. experiment_results/, holding paper/iterate, …). Per
paper-protocol experiment it writes (PDF + PNG, the project's style, deterministic,
atomic), stems prefixed experiment_paper_<experiment>_:

- grid: test PSNR against step for every (lr, batch) cell present, every seed its own line;
- early: the headline cell's steps 0–200: PSNR, train L1 and test L1, every seed drawn;
- early_outputs / late_outputs: the outputs of seed 0 on four test digits at several steps;
- late: the headline cell to the end of training (PSNR and test L1);
- examples_seen: PSNR against training images seen, mean and min–max band over seeds, per batch size.

Per controlled-protocol experiment (experiment_controlled_<experiment>_): learning
curves per training-set size, and the ablation table drawn as a figure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..figures.style import OKABE_ITO, figure_style, new_figure, save_figure

COLOURS = {
    "direct": OKABE_ITO["blue"],
    "typed": OKABE_ITO["bluish_green"],
    "indirect": OKABE_ITO["vermillion"],
}
ORDER = ("direct", "typed", "indirect")
PROGRAMS = {
    "iterate": "iter num { zero => img | succ y => step y }",
    "conditional": "iter (if odd then num else discard num) { zero => img | succ y => step y }",
}
"""The example programs' bodies (cajal_ref/examples/*.cj), shown in the figure index."""


def experiment_dirs(results_dir: Path) -> list[Path]:
    """Folders at or below results_dir (three levels at most) that hold a summary.json, sorted."""
    found = [results_dir] if (results_dir / "summary.json").is_file() else []
    for pattern in ("*/summary.json", "*/*/summary.json", "*/*/*/summary.json"):
        found.extend(p.parent for p in results_dir.glob(pattern) if p.parent != results_dir)
    return sorted(set(found))


def load_cells(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "runs").glob("*.json"))]


def _cell_runs(summary: dict[str, Any]) -> dict[tuple[float, int, str], list[dict[str, Any]]]:
    cells: dict[tuple[float, int, str], list[dict[str, Any]]] = {}
    for run in summary["runs"]:
        cells.setdefault((run["lr"], run["batch_size"], run["model"]), []).append(run)
    return cells


def grid_figure(summary: dict[str, Any]) -> Any:
    cells = _cell_runs(summary)
    lrs = sorted({k[0] for k in cells}, reverse=True)
    batches = sorted({k[1] for k in cells})
    fig = new_figure(3.0 * len(lrs) + 0.6, 2.8 * len(batches) + 0.6)
    axes = fig.subplots(len(batches), len(lrs), sharey=True, squeeze=False)
    fig.subplots_adjust(hspace=0.45)
    for r, batch in enumerate(batches):
        for c, lr in enumerate(lrs):
            ax = axes[r][c]
            missing = [m for m in ORDER if (lr, batch, m) not in cells]
            if missing:  # a partial grid: say which models of this cell were not run
                text = "not run" if len(missing) == len(ORDER) else "not run: " + ", ".join(missing)
                whole = len(missing) == len(ORDER)
                y = 0.5 if whole else 0.06
                ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=8)
                if whole:
                    ax.set_xticks([])
            for model in ORDER:
                for i, run in enumerate(cells.get((lr, batch, model), [])):
                    ax.plot(
                        run["steps"],
                        run["test_psnr"],
                        color=COLOURS[model],
                        linewidth=0.7,
                        alpha=0.7,
                        label=model if i == 0 else None,
                    )
            ax.set_title(f"lr {lr:g}, batch {batch}")
            if r == len(batches) - 1:
                ax.set_xlabel("training step")
            if c == 0:
                ax.set_ylabel("test PSNR (dB)")
    _clip_y(axes)
    # the legend goes on the first cell that ran the most models (a partial grid may lack some)
    fullest = max(axes.flat, key=lambda ax: len(ax.get_legend_handles_labels()[1]))
    fullest.legend(loc="lower right", frameon=False)
    fig.suptitle(f"Experiment {summary['experiment']}: PSNR for every cell, every seed its own line", y=1.04)
    return fig


def _clip_y(axes: Any) -> None:
    """D's PSNR at step 0 can be far below zero (its iterates explode); keep the panels readable."""
    for row in np.atleast_2d(axes):
        for ax in row:
            low, high = ax.get_ylim()
            ax.set_ylim(max(low, -10.0), max(high, 5.0))


def _headline(summary: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    head = summary["headline"]
    cells = _cell_runs(summary)
    return {
        m: cells[(head["lr"], head["batch_size"], m)]
        for m in ORDER
        if (head["lr"], head["batch_size"], m) in cells
    }


def dynamics_figure(summary: dict[str, Any], cells: list[dict[str, Any]], last: int | None) -> Any:
    """PSNR, train L1 and test L1 of the headline cell up to step `last` (None: the end)."""
    head = summary["headline"]
    runs = {c["model"]: c for c in cells if c["lr"] == head["lr"] and c["batch_size"] == head["batch_size"]}
    fig = new_figure(10.0, 3.0)
    axes = fig.subplots(1, 3)
    for model in ORDER:
        cell = runs.get(model)
        if cell is None:
            continue
        steps = np.array(cell["steps"])
        keep = steps <= (last if last is not None else steps.max())
        for i, run in enumerate(cell["runs"]):
            label = model if i == 0 else None
            axes[0].plot(
                steps[keep], np.array(run["test_psnr"])[keep], color=COLOURS[model], lw=0.7, label=label
            )
            axes[2].plot(steps[keep], np.array(run["test_l1"])[keep], color=COLOURS[model], lw=0.7)
            loss = np.array(run["train_loss"])
            upto = len(loss) if last is None else min(last, len(loss))
            axes[1].plot(np.arange(1, upto + 1), loss[:upto], color=COLOURS[model], lw=0.5, alpha=0.6)
    for ax, title in zip(axes, ("test PSNR (dB)", "train L1 (per batch)", "test L1"), strict=True):
        ax.set_title(title)
        ax.set_xlabel("training step")
    for ax in axes[1:]:
        ax.set_yscale("log")
    low, high = axes[0].get_ylim()
    axes[0].set_ylim(max(low, -10.0), max(high, 5.0))
    axes[0].legend(loc="lower right", frameon=False)
    span = "steps 0–200" if last is not None else "the whole run"
    fig.suptitle(
        f"Experiment {summary['experiment']}, lr {head['lr']:g}, batch {head['batch_size']}: "
        f"{span}, every seed drawn",
        y=1.03,
    )
    return fig


def outputs_figure(
    summary: dict[str, Any], cells: list[dict[str, Any]], steps: list[int], examples: dict[str, Any]
) -> Any:
    """Seed 0's outputs on the snapshot digits at the given steps (rows: digit × model)."""
    head = summary["headline"]
    runs = {c["model"]: c for c in cells if c["lr"] == head["lr"] and c["batch_size"] == head["batch_size"]}
    models = [m for m in ORDER if m in runs]
    digits = runs[models[0]]["snapshot_digits"]
    columns = 2 + len(steps)
    fig = new_figure(1.0 * columns + 0.8, 1.0 * len(digits) * len(models) + 0.6)
    axes = fig.subplots(len(digits) * len(models), columns, squeeze=False)
    for d, digit in enumerate(digits):
        for m, model in enumerate(models):
            row = axes[d * len(models) + m]
            images = [examples["inputs"][d], examples["targets"][d]]
            shots = runs[model]["snapshots"]
            images += [shots[str(s)][d] if str(s) in shots else None for s in steps]
            titles = ["input", "target", *[f"step {s}" for s in steps]]
            for ax, image, title in zip(row, images, titles, strict=True):
                ax.set_xticks([])
                ax.set_yticks([])
                if image is not None:
                    ax.imshow(np.clip(np.asarray(image), -1.0, 1.0), cmap="gray", vmin=-1.0, vmax=1.0)
                if d == 0 and m == 0:
                    ax.set_title(title, fontsize=7)
            row[0].set_ylabel(f"{digit}: {model}", fontsize=7)
    fig.suptitle(f"Experiment {summary['experiment']}: outputs of seed 0 (clipped to [−1, 1])", y=1.0)
    return fig


def examples_seen_figure(summary: dict[str, Any]) -> Any:
    cells = _cell_runs(summary)
    lr = summary["headline"]["lr"]
    batches = sorted({k[1] for k in cells if k[0] == lr})
    fig = new_figure(3.2 * len(batches) + 0.6, 3.0)
    axes = fig.subplots(1, len(batches), sharey=True, squeeze=False)[0]
    for ax, batch in zip(axes, batches, strict=True):
        for model in ORDER:
            runs = cells.get((lr, batch, model))
            if not runs:
                continue
            x = np.array(runs[0]["examples_seen"])
            values = np.array([r["test_psnr"] for r in runs])
            ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=COLOURS[model], alpha=0.2, lw=0)
            ax.plot(
                x, values.mean(axis=0), color=COLOURS[model], lw=1.5, label=f"{model} ({len(runs)} seeds)"
            )
        for t in summary["thresholds_db"]:
            ax.axhline(t, color=OKABE_ITO["grey"], lw=0.6, ls=":")
        ax.set_title(f"lr {lr:g}, batch {batch}")
        ax.set_xlabel("training images seen")
    axes[0].set_ylabel("test PSNR (dB)")
    _clip_y(np.array([axes]))
    axes[0].legend(loc="lower right", frameon=False)
    fig.suptitle(
        f"Experiment {summary['experiment']}: PSNR against examples seen (mean, band = min–max)", y=1.04
    )
    return fig


def controlled_curves_figure(summary: dict[str, Any]) -> Any:
    sizes = summary["config"]["train_sizes"]
    fig = new_figure(max(3.0 * len(sizes) + 0.4, 6.0), 3.0)
    axes = fig.subplots(1, len(sizes), sharey=True, squeeze=False)[0]
    for ax, size in zip(axes, sizes, strict=True):
        for variant, model in (("baseline-direct", "direct"), ("baseline-indirect", "indirect")):
            runs = [r for r in summary["runs"] if r["variant"] == variant and r["train_size"] == size]
            if not runs:
                continue
            values = np.array([r["test_psnr"] for r in runs])
            ax.fill_between(
                runs[0]["steps"],
                values.min(axis=0),
                values.max(axis=0),
                color=COLOURS[model],
                alpha=0.2,
                lw=0,
            )
            ax.plot(runs[0]["steps"], values.mean(axis=0), color=COLOURS[model], lw=1.5, label=model)
        ax.set_title(f"{size} training images")
        ax.set_xlabel("training step")
    axes[0].set_ylabel("test PSNR (dB)")
    axes[0].legend(loc="lower right", frameon=False)
    fig.suptitle(f"Experiment {summary['experiment']} (controlled): mean, band = min–max over seeds", y=1.04)
    return fig


def ablation_table_figure(summary: dict[str, Any]) -> Any:
    from .report import controlled_markdown

    table = [line for line in controlled_markdown(summary).splitlines() if line.startswith("|")]
    start = max(i for i, line in enumerate(table) if line.startswith("| variant"))
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in table[start:]
        if not line.startswith("|--")
    ]
    fig = new_figure(11.0, 0.45 * len(rows) + 0.8)
    ax = fig.subplots()
    ax.axis("off")
    drawn = ax.table(cellText=rows[1:], colLabels=rows[0], loc="center", cellLoc="center")
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(7)
    drawn.scale(1.0, 1.4)
    fig.suptitle(
        f"Experiment {summary['experiment']}: ablations at {summary['config']['ablation_size']} "
        "training images (mean ± sd over seeds)"
    )
    return fig


def _examples(summary: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Inputs and targets of the snapshot digits, recomputed from the fixed split (not stored)."""
    from .data import make_split
    from .paper import snapshot_indices

    split = make_split(summary["experiment"], summary["data"])
    picks = snapshot_indices(split)
    return {"inputs": split.test_x[picks].tolist(), "targets": split.test_y[picks].tolist()}


Builder = tuple[str, str, Callable[[], Any]]


def paper_figures(summary: dict[str, Any], folder: Path) -> list[Builder]:
    """(stem suffix, caption, build) of every paper-protocol figure this folder's runs allow."""
    cells = load_cells(folder)
    figures: list[Builder] = [
        (
            "grid",
            "Test PSNR (per image, averaged) against training step for every learning rate × batch size "
            "cell run; every seed is its own line (paper protocol).",
            lambda: grid_figure(summary),
        )
    ]
    if not _headline(summary):
        return figures
    examples = _examples(summary, folder)
    total = max(max(c["steps"]) for c in cells)
    early = [s for s in (0, 20, 60, 100, 200) if s <= total]
    late = sorted({s for s in (200, 500, total) if s <= total})
    return [
        *figures,
        (
            "early",
            "Early dynamics of the headline cell (lr 1e-4, batch 32), steps 0–200: test PSNR, train L1 per "
            "batch, test L1; every seed drawn.",
            lambda: dynamics_figure(summary, cells, 200),
        ),
        (
            "early_outputs",
            "Outputs of seed 0 on four test digits during the first 200 steps.",
            lambda: outputs_figure(summary, cells, early, examples),
        ),
        (
            "late",
            "Late dynamics of the headline cell: the whole run.",
            lambda: dynamics_figure(summary, cells, None),
        ),
        (
            "late_outputs",
            "Outputs of seed 0 late in training and at the end.",
            lambda: outputs_figure(summary, cells, late, examples),
        ),
        (
            "examples_seen",
            "Test PSNR against training images seen, mean over seeds with a min–max band, per batch size "
            "at lr 1e-4.",
            lambda: examples_seen_figure(summary),
        ),
    ]


def controlled_figures(summary: dict[str, Any]) -> list[Builder]:
    figures: list[Builder] = [
        (
            "curves",
            "Controlled protocol: test PSNR against step per training-set size "
            "(mean, band = min–max over seeds).",
            lambda: controlled_curves_figure(summary),
        )
    ]
    if any(not r["variant"].startswith("baseline") for r in summary["runs"]):
        figures.append(
            (
                "ablations",
                "Controlled protocol: the ablation table (why the two protocols differ).",
                lambda: ablation_table_figure(summary),
            )
        )
    return figures


def make_experiment_figures(results_dir: Path, out_dir: Path) -> list[tuple[str, str, str]]:
    """Draw every figure for every experiment found under results_dir; return (stem, caption, program)."""
    entries: list[tuple[str, str, str]] = []
    for folder in experiment_dirs(results_dir):
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        if not summary.get("runs"):
            continue
        name = summary["experiment"]
        protocol = summary.get("protocol", "paper")
        prefix = f"experiment_{protocol}_{name}"
        builders = paper_figures(summary, folder) if protocol == "paper" else controlled_figures(summary)
        for stem, caption, build in builders:
            with figure_style():
                fig = build()
            save_figure(fig, out_dir, f"{prefix}_{stem}")
            entries.append((f"{prefix}_{stem}", f"Experiment {name}: {caption}", PROGRAMS.get(name, "")))
    return entries
