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
    """Compile, then time `steps` train steps and one evaluation of all test images (10 lanes)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from cajal_ref.experiments.data import make_split, pool_size
    from cajal_ref.experiments.paper import SNAPSHOT_DIGITS, test_order
    from cajal_ref.experiments.paper_models import paper_models
    from cajal_ref.experiments.train import LaneTrainer, batch_plan, eval_schedule, steps_per_run

    split = make_split(experiment, "mnist")  # type: ignore[arg-type]
    n = pool_size("mnist")
    model = paper_models(experiment, split.side)[name]
    test = test_order(split, None)
    x, y = split.train_subset(n)
    trainer = LaneTrainer(
        model, x, y, split.test_x[test], split.test_y[test], model.clip, snapshots=len(SNAPSHOT_DIGITS)
    )
    params, state = trainer.init(SEEDS, [LR] * len(SEEDS))
    plans = [batch_plan(seed, n, BATCH, EPOCHS) for seed in SEEDS]
    indices = np.stack([p[0] for p in plans], axis=1)
    weights = np.stack([p[1] for p in plans], axis=1)

    def step(i: int) -> Any:
        nonlocal params, state
        params, state, loss = trainer._step(
            params, state, trainer.train_x, trainer.train_y, jnp.asarray(indices[i]), jnp.asarray(weights[i])
        )
        return loss

    start = time.perf_counter()
    jax.block_until_ready(step(0))  # type: ignore[no-untyped-call]
    trainer.evaluate(params)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(1, steps + 1):
        loss = step(i)
    jax.block_until_ready(loss)  # type: ignore[no-untyped-call]
    step_s = (time.perf_counter() - start) / steps
    start = time.perf_counter()
    trainer.evaluate(params)
    eval_s = time.perf_counter() - start
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
    args = parser.parse_args(list(argv))
    try:
        import jax
    except ImportError:
        out("experiment bench: skipped (needs the `learn` extra)")
        return 0
    rows = {name: measure(args.experiment, name, args.steps) for name in args.models}
    device = jax.devices()[0].platform
    out(
        f"## Paper protocol, headline cell ({args.experiment}, lr {LR:g}, batch {BATCH}, "
        f"{len(SEEDS)} seeds as lanes, {device})\n"
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
