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


def paper_markdown(summary: dict[str, Any]) -> str:
    """The paper protocol's tables: the headline cell in full, then final PSNR over the grid."""
    thresholds = [f"{t:g}" for t in summary["thresholds_db"]]
    head = summary["headline"]
    cells: dict[tuple[float, int, str], list[dict[str, Any]]] = {}
    for run in summary["runs"]:
        cells.setdefault((run["lr"], run["batch_size"], run["model"]), []).append(run)
    models = [m for m in ("direct", "typed", "indirect") if any(k[2] == m for k in cells)]
    config = summary["config"]
    lines = [
        f"### Experiment `{summary['experiment']}`, paper protocol",
        "",
        f"Data {summary['data']} ({summary['image_size']}×{summary['image_size']}, training pool "
        f"{config['train_pool']}, {config['test_images']} test images); {config['epochs']} epochs of Adam, "
        "L1 loss, gradient-norm clipping 1.0 on direct and typed. PSNR per image (peak = the target's "
        "range), averaged over the test set. Cells: mean ± sample standard deviation over seeds; steps "
        "and examples to a threshold are averaged over the seeds that reached it (how many did, in "
        "parentheses).",
        "",
    ]
    headline = [
        (m, cells[(head["lr"], head["batch_size"], m)])
        for m in models
        if (head["lr"], head["batch_size"], m) in cells
    ]
    if headline:
        lines.append(f"Headline cell: lr {head['lr']:g}, batch {head['batch_size']}.")
        lines.append("")
        header = ["model", "parameters", "seeds", "final PSNR (dB)", "best PSNR (dB)"]
        header += [f"steps to {t} dB" for t in thresholds] + [f"examples to {t} dB" for t in thresholds]
        lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for model, runs in headline:
            row = [
                model,
                f"{runs[0]['parameters']:,}",
                str(len(runs)),
                mean_spread([r["final_psnr"] for r in runs]),
                mean_spread([r["best_psnr"] for r in runs]),
            ]
            row += [steps_cell([r["steps_to_threshold"][t] for r in runs]) for t in thresholds]
            row += [steps_cell([r["examples_to_threshold"][t] for r in runs]) for t in thresholds]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Final PSNR of every seed (dB):", ""]
        for model, runs in headline:
            per_seed = ", ".join(
                f"{r['seed']}: {r['final_psnr']:.2f}" for r in sorted(runs, key=lambda r: r["seed"])
            )
            lines.append(f"- {model}: {per_seed}")
        lines.append("")
    grid = sorted({(k[0], k[1]) for k in cells}, key=lambda c: (c[1], -c[0]))
    if len(grid) > 1:
        lines += ["Final PSNR (dB) over the grid:", ""]
        header = ["lr", "batch", *models]
        lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for lr, batch in grid:
            row = [f"{lr:g}", str(batch)]
            row += [
                mean_spread([r["final_psnr"] for r in cells[(lr, batch, m)]])
                if (lr, batch, m) in cells
                else "—"
                for m in models
            ]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def controlled_markdown(summary: dict[str, Any]) -> str:
    """The controlled protocol's tables: the baselines per training-set size, then the ablations."""
    thresholds = [f"{t:g}" for t in summary["thresholds_db"]]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in summary["runs"]:
        groups.setdefault((run["variant"], run["train_size"]), []).append(run)
    config = summary["config"]
    lines = [
        f"### Experiment `{summary['experiment']}`, controlled protocol",
        "",
        f"Data {summary['data']}; {config['steps']} steps of Adam (batch {config['batch_size']}, L1 loss, "
        "gradient-norm clipping 1.0 on every model), the "
        f"same batches for every model; learning rates {config['learning_rates']}. PSNR pooled over the "
        "test images (10·log10 of 1 / mean MSE/peak², peak = each target's range); the identity map "
        f"(where both baselines start) scores {summary.get('identity_psnr', float('nan')):.2f} dB, and the "
        f"thresholds are it plus {', '.join(f'{g:g}' for g in summary.get('threshold_gains_db', []))} dB. "
        "Cells: mean ± sample standard deviation over seeds; steps to a threshold over the seeds that "
        "reached it.",
        "",
    ]
    header = ["train size", "model", "parameters", "final PSNR (dB)"] + [
        f"steps to {t} dB" for t in thresholds
    ]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for (variant, size), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if not variant.startswith("baseline-") or size not in config["train_sizes"]:
            continue
        row = [
            str(size),
            runs[0]["model"],
            f"{runs[0]['parameters']:,}",
            mean_spread([r["final_psnr"] for r in runs]),
        ]
        row += [steps_cell([r["steps_to_threshold"][t] for r in runs]) for t in thresholds]
        lines.append("| " + " | ".join(row) + " |")
    size = config.get("ablation_size")
    ablation = [(v, runs) for (v, n), runs in groups.items() if n == size]
    if any(not v.startswith("baseline-") for v, _ in ablation):
        direct = next((runs[0]["parameters"] for v, runs in ablation if v == "baseline-direct"), None)
        lines += [
            "",
            f"Ablations at {size} training images (parameter ratio = direct baseline / this model):",
            "",
        ]
        header = ["variant", "model", "parameters", "ratio", "final PSNR (dB)"] + [
            f"steps to {t} dB" for t in thresholds
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for variant, runs in sorted(ablation, key=lambda kv: (not kv[0].startswith("baseline"), kv[0])):
            ratio = f"{direct / runs[0]['parameters']:.2f}" if direct else "—"
            row = [
                variant,
                runs[0]["model"],
                f"{runs[0]['parameters']:,}",
                ratio,
                mean_spread([r["final_psnr"] for r in runs]),
            ]
            row += [steps_cell([r["steps_to_threshold"][t] for r in runs]) for t in thresholds]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
