"""Training: Adam on the L1 loss, one jitted step for many runs at once, per-image test PSNR.

A *lane* is one run: a seed and a learning rate. All lanes of one model and one batch
size train together: the train step is `jax.vmap`ped over lanes (parameters and
optimiser states stacked on axis 0, the learning rate a traced hyperparameter) and
jitted once, so ten seeds cost one compiled step on CPU and fill a GPU. The same code
runs on whatever `jax.devices()` offers.

Batches: shuffled passes (epochs) over the training pool, ⌈n/B⌉ batches per epoch,
the last one short (its missing places have weight 0, so the loss is the mean over
the images present, as a PyTorch DataLoader without drop_last gives). They depend
only on (seed, n, B), so every model of a cell sees the same batches.

Metric (the authors'): per-image PSNR, 10·log10(peak² / MSE) with peak = that
target's max − min, averaged over the test images; also the test L1 loss. With
`metric="pooled"` (the controlled protocol) it is 10·log10(1 / mean(MSE / peak²)):
one PSNR of the mean normalised error, which stays finite and meaningful when a model
reproduces some targets exactly (an identity start on images whose target is the
input, where the per-image mean would be dominated by the 1e-12 floor, ~126 dB each).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TextIO

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .layers import Params, forward_only
from .models import Model

EVAL_CHUNK = 200
"""Test images evaluated per call (bounds memory on CPU and GPU)."""


class Interrupted(Exception):
    """Ctrl-C arrived; raised between two train steps, never inside a JAX call."""


class StopFlag:
    """Set by the SIGINT handler; polled by the training loop at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def check(self) -> None:
        if self._event.is_set():
            raise Interrupted()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()


def batch_plan(
    seed: int, train_size: int, batch_size: int, epochs: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(steps, B) indices and weights: `epochs` shuffled passes; each epoch's last batch padded (weight 0)."""
    rng = np.random.default_rng([seed, train_size, batch_size])
    per_epoch = -(-train_size // batch_size)
    indices = np.zeros((epochs * per_epoch, batch_size), dtype=np.int32)
    weights = np.zeros((epochs * per_epoch, batch_size), dtype=np.float32)
    for epoch in range(epochs):
        order = rng.permutation(train_size)
        padded = np.concatenate([order, np.zeros(per_epoch * batch_size - train_size, dtype=order.dtype)])
        rows = slice(epoch * per_epoch, (epoch + 1) * per_epoch)
        indices[rows] = padded.reshape(per_epoch, batch_size)
        weights[rows] = (np.arange(per_epoch * batch_size) < train_size).reshape(per_epoch, batch_size)
    return indices, weights


def steps_per_run(train_size: int, batch_size: int, epochs: int) -> int:
    return epochs * math.ceil(train_size / batch_size)


def eval_schedule(total_steps: int, dense_until: int = 200, dense: int = 20, sparse: int = 100) -> list[int]:
    """Step 0, every `dense` steps to `dense_until`, then every `sparse`, and the last step."""
    if dense < 1 or sparse < 1:
        raise ValueError("evaluation intervals must be positive")
    steps = set(range(0, min(dense_until, total_steps) + 1, dense))
    steps.update(range(dense_until + sparse, total_steps + 1, sparse) if total_steps > dense_until else ())
    steps.add(total_steps)
    return sorted(steps)


def per_image_psnr(prediction: jax.Array, target: jax.Array) -> jax.Array:
    """10·log10(peak²/MSE) per image, peak = the target's max − min (the authors' metric)."""
    axes = tuple(range(1, target.ndim))
    mse = jnp.mean((prediction - target) ** 2, axis=axes)
    peak = jnp.max(target, axis=axes) - jnp.min(target, axis=axes)
    return 10.0 * jnp.log10(peak**2 / jnp.maximum(mse, 1e-12))


def normalised_mse(prediction: jax.Array, target: jax.Array) -> jax.Array:
    """MSE / peak² per image, peak = the target's max − min (its PSNR is −10·log10 of this)."""
    axes = tuple(range(1, target.ndim))
    mse = jnp.mean((prediction - target) ** 2, axis=axes)
    peak = jnp.max(target, axis=axes) - jnp.min(target, axis=axes)
    return mse / peak**2


def pooled_psnr(mean_normalised_mse: Any) -> Any:
    """10·log10(1 / mean(MSE / peak²)), the floor 1e-12 as in per_image_psnr."""
    return 10.0 * np.log10(1.0 / np.maximum(np.asarray(mean_normalised_mse, dtype=np.float64), 1e-12))


def stack_trees(trees: Sequence[Any]) -> Any:
    """One pytree whose leaves are the given trees' leaves stacked on a new axis 0 (the lanes)."""
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)


def lane_groups(lanes: int) -> int:
    """How many groups of lanes train side by side: 2 on a CPU with 2 or more cores, else 1.

    XLA's CPU runtime runs most ops of one computation on one thread (about 1.4 of 2
    cores busy, measured); two computations of half the lanes each, driven from two
    threads, keep both cores busy. An accelerator takes all lanes in one computation.
    A lane's arithmetic does not depend on its group (vmap keeps lanes independent).
    """
    if lanes < 2 or jax.devices()[0].platform != "cpu":
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


@dataclass
class Curves:
    """One lane's record: evaluated steps, test PSNR and L1, and the train loss of every step."""

    steps: list[int]
    test_psnr: list[float]
    test_l1: list[float]
    train_loss: list[float]
    snapshots: dict[int, list[list[list[float]]]]


class LaneTrainer:
    """Trains all lanes of one model at one batch size together (vmap over lanes, one jit).

    The lanes are split into `lane_groups` groups, each a vmapped computation of its
    own, run concurrently from a thread each where there are several (CPU).
    """

    def __init__(
        self,
        model: Model,
        train_x: np.ndarray[Any, Any],
        train_y: np.ndarray[Any, Any],
        test_x: np.ndarray[Any, Any],
        test_y: np.ndarray[Any, Any],
        clip: bool,
        snapshots: int = 0,
        metric: str = "per-image",
    ) -> None:
        """`snapshots`: the first that many test images are also returned as outputs at each evaluation.

        `metric`: "per-image" (the mean of per-image PSNRs) or "pooled" (see the module docstring)."""
        if metric not in ("per-image", "pooled"):
            raise ValueError(f"unknown metric {metric!r}")
        self.metric = metric
        self.model = model
        self.train_x = jnp.asarray(train_x)
        self.train_y = jnp.asarray(train_y)
        n = len(test_x)
        self.n_test = n
        self.chunk = min(EVAL_CHUNK, n)
        chunks = -(-n // self.chunk)
        pad = chunks * self.chunk - n
        self.test_x = jnp.asarray(np.concatenate([test_x, np.zeros((pad, *test_x.shape[1:]), test_x.dtype)]))
        self.test_y = jnp.asarray(np.concatenate([test_y, np.zeros((pad, *test_y.shape[1:]), test_y.dtype)]))
        self.test_w = jnp.asarray((np.arange(chunks * self.chunk) < n).astype(np.float32))
        self.snapshots = min(snapshots, self.chunk)
        adam = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
        self.optimizer = optax.chain(optax.clip_by_global_norm(1.0), adam) if clip else adam
        self.clip = clip
        # parameters and optimiser state are donated: each step writes them in place instead of
        # allocating fresh buffers (T's 6 M parameters × 10 lanes × 3: ~25 % of its CPU step time)
        lanes = jax.vmap(self._train_step, in_axes=(0, 0, None, None, 0, 0))
        self._step = jax.jit(lanes, donate_argnums=(0, 1))
        self._eval = jax.jit(jax.vmap(self._evaluate, in_axes=(0, None, None, None)))

    def _loss(self, params: Params, x: jax.Array, y: jax.Array, w: jax.Array) -> jax.Array:
        per_image = jnp.mean(jnp.abs(self.model.apply(params, x) - y), axis=(1, 2))
        return jnp.sum(per_image * w) / jnp.sum(w)

    def _train_step(
        self,
        params: Params,
        opt_state: Any,
        data_x: jax.Array,
        data_y: jax.Array,
        idx: jax.Array,
        w: jax.Array,
    ) -> tuple[Params, Any, jax.Array]:
        # the data are arguments, not closure constants: XLA would otherwise embed them in the program
        x, y = data_x[idx], data_y[idx]
        loss, grads = jax.value_and_grad(self._loss)(params, x, y, w)
        updates, opt_state = self.optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def _evaluate(
        self, params: Params, x: jax.Array, y: jax.Array, w: jax.Array
    ) -> tuple[jax.Array, jax.Array, jax.Array]:
        """Weighted sums of per-image PSNR (or MSE / peak²) and L1 over a chunk, and its first outputs."""
        with forward_only():  # traced without gradients: the faster forward forms of the layers
            prediction = self.model.apply(params, x)
        # padding images (w = 0) have a zero target range; keep their values finite, then weigh them out
        per_image = per_image_psnr if self.metric == "per-image" else normalised_mse
        psnr = jnp.where(w > 0, per_image(prediction, y), 0.0)
        l1 = jnp.mean(jnp.abs(prediction - y), axis=(1, 2))
        return jnp.sum(psnr * w), jnp.sum(l1 * w), prediction[: self.snapshots]

    def init(self, seeds: Sequence[int], learning_rates: Sequence[float]) -> tuple[Params, Any]:
        params = [self.model.init(jax.random.PRNGKey(seed)) for seed in seeds]
        states = []
        for p, lr in zip(params, learning_rates, strict=True):
            state = self.optimizer.init(p)
            adam_state = state[1] if self.clip else state
            adam_state.hyperparams["learning_rate"] = jnp.asarray(lr, jnp.float32)
            states.append(state)
        return stack_trees(params), stack_trees(states)

    def evaluate(
        self, groups: Sequence[Params], pool: ThreadPoolExecutor | None = None
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(lanes,) test PSNR (per `metric`) and mean test L1, and (lanes, snapshots, H, W) outputs.

        `groups`: the stacked parameters of each group of lanes, evaluated side by side on `pool`."""
        parts = _map(pool, self._evaluate_group, groups)
        return tuple(np.concatenate([part[i] for part in parts]) for i in range(3))  # type: ignore[return-value]

    def _evaluate_group(
        self, params: Params
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        psnr_sum: Any = 0.0
        l1_sum: Any = 0.0
        first: Any = None
        for start in range(0, int(self.test_x.shape[0]), self.chunk):
            part = slice(start, start + self.chunk)
            p, l1, outputs = self._eval(params, self.test_x[part], self.test_y[part], self.test_w[part])
            psnr_sum, l1_sum = psnr_sum + p, l1_sum + l1
            first = outputs if first is None else first
        mean = np.asarray(psnr_sum) / self.n_test
        psnr = mean if self.metric == "per-image" else pooled_psnr(mean)
        return psnr, np.asarray(l1_sum) / self.n_test, np.asarray(first)

    def train(
        self,
        seeds: Sequence[int],
        learning_rates: Sequence[float],
        batch_size: int,
        epochs: int,
        schedule: Sequence[int],
        *,
        snapshot_steps: Sequence[int] = (),
        on_progress: Callable[[int], None] | None = None,
        stop: StopFlag | None = None,
        max_steps: int | None = None,
        train_size: int | None = None,
    ) -> tuple[list[Curves], Params]:
        """Train lane i = (seeds[i], learning_rates[i]) for `epochs` (or `max_steps`); eval at `schedule`."""
        n = train_size or int(self.train_x.shape[0])  # the first n images of the pool
        plans = [batch_plan(seed, n, batch_size, epochs) for seed in seeds]
        indices = np.stack([p[0] for p in plans], axis=1)[:max_steps]  # (steps, lanes, B)
        weights = np.stack([p[1] for p in plans], axis=1)[:max_steps]
        total = indices.shape[0]
        lanes = len(seeds)
        groups = np.array_split(np.arange(lanes), lane_groups(lanes))
        states = [self.init([seeds[i] for i in g], [learning_rates[i] for i in g]) for g in groups]
        curves = [Curves([], [], [], [], {}) for _ in range(lanes)]
        wanted = set(schedule)
        snaps = set(snapshot_steps)
        losses: list[list[jax.Array]] = [[] for _ in groups]
        pool = ThreadPoolExecutor(len(groups)) if len(groups) > 1 else None

        def step_group(j: int, step: int) -> tuple[Params, Any, jax.Array]:
            lanes_j = groups[j]
            out = self._step(
                *states[j],
                self.train_x,
                self.train_y,
                jnp.asarray(indices[step][lanes_j]),
                jnp.asarray(weights[step][lanes_j]),
            )
            return jax.block_until_ready(out) if pool is not None else out  # type: ignore[no-untyped-call, no-any-return]

        def record(step: int) -> None:
            psnr, l1, outputs = self.evaluate([p for p, _ in states], pool)
            for i, curve in enumerate(curves):
                curve.steps.append(step)
                curve.test_psnr.append(float(psnr[i]))
                curve.test_l1.append(float(l1[i]))
            if self.snapshots and step in snaps:
                for i, curve in enumerate(curves):
                    curve.snapshots[step] = np.round(outputs[i].astype(np.float64), 3).tolist()

        try:
            if 0 in wanted:
                record(0)
            for step in range(total):
                if stop is not None and stop.is_set:
                    jax.block_until_ready(states)  # type: ignore[no-untyped-call]  # nothing in flight
                    stop.check()
                for j, (params, opt_state, loss) in enumerate(
                    _map(pool, functools.partial(step_group, step=step), range(len(groups)))
                ):
                    states[j] = (params, opt_state)
                    losses[j].append(loss)
                if step + 1 in wanted:
                    record(step + 1)
                if on_progress is not None:
                    on_progress(step + 1)
        finally:
            if pool is not None:
                pool.shutdown()
        history = (
            np.concatenate([np.asarray(jnp.stack(part)) for part in losses], axis=1)
            if total
            else np.zeros((0, lanes))
        )
        for i, curve in enumerate(curves):
            curve.train_loss = [float(v) for v in history[:, i]]
        stacked = jax.tree_util.tree_map(lambda *leaves: jnp.concatenate(leaves), *[p for p, _ in states])
        return curves, stacked


def _map(
    pool: ThreadPoolExecutor | None, fn: Callable[[Any], Any], items: Sequence[Any] | range
) -> list[Any]:
    """fn over items: on the pool's threads (side by side) when there is one, else in order here."""
    return list(pool.map(fn, items)) if pool is not None else [fn(item) for item in items]


class Progress:
    """A plain-text progress display on stderr: runs done and steps done, one updating line on a terminal."""

    def __init__(self, total_runs: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total_runs = max(total_runs, 1)
        self.runs_done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.start = time.monotonic()
        self._last = 0.0

    def steps(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty and (now - self._last > 0.2 or done == total):
            self._last = now
            self.stream.write(
                f"\r\x1b[K[runs {self.runs_done}/{self.total_runs}] {label}: step {done}/{total} "
                f"({now - self.start:.0f}s)"
            )
            self.stream.flush()

    def note(self, line: str, runs: int = 0) -> None:
        """A line that stays (a finished or skipped run); `runs` of them count as done."""
        self.runs_done += runs
        if not self.enabled:
            return
        prefix = "\r\x1b[K" if self.tty else ""
        elapsed = time.monotonic() - self.start
        self.stream.write(f"{prefix}[runs {self.runs_done}/{self.total_runs} {elapsed:5.0f}s] {line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
