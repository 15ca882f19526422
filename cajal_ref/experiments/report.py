"""The readable table of an experiment: means ± standard deviations over seeds, per training-set size."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def mean_spread(values: Sequence[float], digits: int = 2) -> str:
    """'mean ± sd' (sample standard deviation; ± 0 for a single seed)."""
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.{digits}f} ± {spread:.{digits}f}"


def steps_cell(values: Sequence[int | None]) -> str:
    """Mean ± sd of the steps over the seeds that reached the threshold, and how many did."""
    reached = [v for v in values if v is not None]
    count = f"({len(reached)}/{len(values)})"
    if not reached:
        return f"— {count}"
    return f"{mean_spread([float(v) for v in reached], 0)} {count}"


def rows_by_size_and_model(summary: dict[str, Any]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for run in summary["runs"]:
        groups.setdefault((run["train_size"], run["model"]), []).append(run)
    return groups


def summary_markdown(summary: dict[str, Any]) -> str:
    """A Markdown section: setup line, then one row per (training-set size, model)."""
    thresholds = [f"{t:g}" for t in summary["thresholds_db"]]
    groups = rows_by_size_and_model(summary)
    seeds = sorted({run["seed"] for run in summary["runs"]})
    params = summary.get("parameters", {})
    config = summary.get("config", {})
    lines = [
        f"### Experiment `{summary['experiment']}`",
        "",
        f"{len(seeds)} seed(s), {config.get('steps', '?')} steps of Adam (batch "
        f"{config.get('batch_size', '?')}, L1 loss); test PSNR every {config.get('eval_every', '?')} steps. "
        + ", ".join(f"{name}: {count} parameters" for name, count in params.items())
        + ". Cells: mean ± standard deviation over seeds; steps to a threshold are averaged over the "
        "seeds that reached it (how many did, in parentheses).",
        "",
    ]
    has_accuracy = any("count_accuracy" in run for run in summary["runs"])
    header = ["train size", "model", "final PSNR (dB)", "best PSNR (dB)"]
    header += [f"steps to {t} dB" for t in thresholds]
    if has_accuracy:
        header.append("count accuracy")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for (size, model), runs in sorted(groups.items()):
        cells = [
            str(size),
            model,
            mean_spread([r["final_psnr"] for r in runs]),
            mean_spread([r.get("best_psnr", r["final_psnr"]) for r in runs]),
        ]
        cells += [steps_cell([r["steps_to_threshold"][t] for r in runs]) for t in thresholds]
        if has_accuracy:
            accs = [r["count_accuracy"] for r in runs if "count_accuracy" in r]
            cells.append(mean_spread(accs) if accs else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
