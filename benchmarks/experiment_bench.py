"""The paper protocol's headline cell on this machine: per-step and per-evaluation times (issue 13, item 5).

The headline cell (lr 1e-4, batch 32, 10 seeds trained as 10 vmapped lanes, 10
epochs over the 3,500-image pool = 1,100 steps per model, test PSNR on 1,000 images
at every point of the evaluation schedule) must finish in ≤ 60 minutes on CPU.
Running it takes that hour, so this measures a few train steps and one full
evaluation of each model (after compiling) and extrapolates:
steps × step time + evaluations × evaluation time + compile time, per model.

Run: `python -m benchmarks experiment` (all three models, about 2 minutes on 2 cores);
`python -m benchmarks.experiment_bench --steps 5 --models direct` for fewer.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

TARGET_MIN = 60.0
SEEDS = tuple(range(10))
LR, BATCH, EPOCHS = 1e-4, 32, 10


def measure(experiment: str, name: str, steps: int) -> dict[str, float]:
    """Compile, then time `steps` train steps and one evaluation of all test images (10 lanes).

    Through LaneTrainer.train itself (lane groups and threads included): a run of one
    step and one of 1 + `steps` steps give the step time by difference, and a run of
    one step with an evaluation at step 1 gives the evaluation time."""
    from cajal_ref.experiments.data import make_split, pool_size
    from cajal_ref.experiments.paper import SNAPSHOT_DIGITS, test_order
    from cajal_ref.experiments.paper_models import paper_models
    from cajal_ref.experiments.train import LaneTrainer, eval_schedule, steps_per_run

    split = make_split(experiment, "mnist")  # type: ignore[arg-type]
    n = pool_size("mnist")
    model = paper_models(experiment, split.side)[name]
    test = test_order(split, None)
    x, y = split.train_subset(n)
    trainer = LaneTrainer(
        model, x, y, split.test_x[test], split.test_y[test], model.clip, snapshots=len(SNAPSHOT_DIGITS)
    )
    rates = [LR] * len(SEEDS)

    def run(max_steps: int, schedule: list[int]) -> float:
        start = time.perf_counter()
        trainer.train(SEEDS, rates, BATCH, EPOCHS, schedule, max_steps=max_steps)
        return time.perf_counter() - start

    compile_s = run(1, [1])
    one = min(run(1, []) for _ in range(2))
    step_s = max(run(1 + steps, []) - one, 0.0) / steps
    eval_s = max(run(1, [1]) - one, 0.0)
    total = steps_per_run(n, BATCH, EPOCHS)
    evals = len(eval_schedule(total))
    return {
        "compile_s": compile_s,
        "step_s": step_s,
        "eval_s": eval_s,
        "steps": total,
        "evals": evals,
        "total_s": compile_s + total * step_s + evals * eval_s,
    }


def main(out: Callable[[str], Any] = print, argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.experiment_bench")
    parser.add_argument("--experiment", default="iterate", choices=("iterate", "conditional"))
    parser.add_argument("--models", nargs="+", default=["direct", "typed", "indirect"])
    parser.add_argument("--steps", type=int, default=10, help="timed train steps per model")
    parser.add_argument("--groups", type=int, help="lane groups (default: train.lane_groups, 2 on a CPU)")
    args = parser.parse_args(list(argv))
    try:
        import jax

        from cajal_ref.experiments import train
    except ImportError:
        out("experiment bench: skipped (needs the `learn` extra)")
        return 0
    if args.groups is not None:
        train.lane_groups = lambda lanes: min(args.groups, lanes)
    groups = getattr(train, "lane_groups", lambda lanes: 1)  # 1 before lane groups existed
    rows = {name: measure(args.experiment, name, args.steps) for name in args.models}
    device = jax.devices()[0].platform
    out(
        f"## Paper protocol, headline cell ({args.experiment}, lr {LR:g}, batch {BATCH}, "
        f"{len(SEEDS)} seeds as lanes in {groups(len(SEEDS))} group(s), {device})\n"
    )
    out("| model | compile s | s / step | s / eval (1,000 test images) | steps | evals | extrapolated min |")
    out("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        out(
            f"| {name} | {r['compile_s']:.1f} | {r['step_s']:.3f} | {r['eval_s']:.2f} | "
            f"{r['steps']:.0f} | {r['evals']:.0f} | {r['total_s'] / 60:.1f} |"
        )
    total = sum(r["total_s"] for r in rows.values()) / 60
    verdict = "met" if total <= TARGET_MIN else "NOT met"
    out(f"\nheadline cell, extrapolated (not run): {total:.1f} min; target ≤ {TARGET_MIN:.0f} min: {verdict}")
    return 0 if total <= TARGET_MIN else 1


if __name__ == "__main__":
    sys.exit(main(argv=sys.argv[1:]))
