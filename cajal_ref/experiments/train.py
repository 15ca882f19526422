"""Training: Adam on the L1 loss, jitted, with the test PSNR measured along the way.

Both models of an experiment go through exactly this loop with the same optimiser,
loss, batch size, step budget and batch sequence (the batches depend only on the
seed and the training-set size), so the only difference between them is the model.
Each step is one jitted call (a `lax.scan` over steps would save dispatch, but
XLA's CPU convolutions inside a loop body run some 30× slower here, measured); every
`eval_every` steps the whole test set is evaluated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .data import FloatArray, Split
from .models import Model, Params, count_parameters


@dataclass(frozen=True)
class TrainConfig:
    """The budget and optimiser shared by both models."""

    steps: int
    batch_size: int = 32
    learning_rate: float = 2e-3
    eval_every: int = 50

    def __post_init__(self) -> None:
        if self.steps < 1 or self.eval_every < 1 or self.batch_size < 1:
            raise ValueError("steps, eval_every and batch_size must be positive")
        if self.steps % self.eval_every:
            raise ValueError(f"steps ({self.steps}) must be a multiple of eval_every ({self.eval_every})")


def psnr_db(mse: float) -> float:
    """Peak signal-to-noise ratio for images in [0, 1]: 10·log10(1 / MSE), over the whole test set."""
    return float(10.0 * np.log10(1.0 / max(mse, 1e-20)))


@dataclass
class RunResult:
    """One training run: its learning curve (test PSNR at each evaluated step) and final parameters."""

    model: str
    seed: int
    train_size: int
    steps: list[int]
    test_psnr: list[float]
    parameters: int
    params: Params = field(repr=False)

    @property
    def final_psnr(self) -> float:
        return self.test_psnr[-1]

    def steps_to(self, threshold_db: float) -> int | None:
        """The first evaluated step whose test PSNR reaches the threshold (None if never)."""
        for step, value in zip(self.steps, self.test_psnr, strict=True):
            if value >= threshold_db:
                return step
        return None


def batch_indices(seed: int, train_size: int, steps: int, batch_size: int) -> np.ndarray[Any, Any]:
    """(steps, batch_size) indices: shuffled passes over the training set, one after another.

    Depends only on (seed, train_size), so both models see the same batches.
    """
    rng = np.random.default_rng([seed, train_size])
    needed = steps * batch_size
    passes = [rng.permutation(train_size) for _ in range(-(-needed // train_size))]
    return np.concatenate(passes)[:needed].reshape(steps, batch_size)


class Progress:
    """A plain-text progress bar on stderr: one updating line on a terminal, else a line per run."""

    def __init__(self, total_steps: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = max(total_steps, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.start = time.monotonic()

    def advance(self, steps: int, label: str) -> None:
        self.done += steps
        if self.tty:
            fraction = self.done / self.total
            filled = int(30 * fraction)
            bar = "#" * filled + "-" * (30 - filled)
            elapsed = time.monotonic() - self.start
            self.stream.write(f"\r[{bar}] {100 * fraction:5.1f}% {elapsed:6.0f}s  {label:<60.60}")
            self.stream.flush()

    def note(self, line: str) -> None:
        """A line that stays (e.g. a finished run); on a terminal it is printed under the bar."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        prefix = "\r\x1b[K" if self.tty else ""
        self.stream.write(f"{prefix}[{100 * self.done / self.total:5.1f}% {elapsed:5.0f}s] {line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class Trainer:
    """The jitted training chunk and test evaluation of one model on one experiment's data."""

    def __init__(self, model: Model, split: Split, config: TrainConfig) -> None:
        self.model = model
        self.split = split
        self.config = config
        self.optimizer = optax.adam(config.learning_rate)
        self.test_x = jnp.asarray(split.test_x)
        self.test_y = jnp.asarray(split.test_y)
        self._step = jax.jit(self._train_step)
        self._predict = jax.jit(model.apply)

    def loss(self, params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
        """The L1 loss: mean absolute error per pixel."""
        return jnp.mean(jnp.abs(self.model.apply(params, x) - y))

    def _train_step(
        self, params: Params, opt_state: Any, batch_x: jax.Array, batch_y: jax.Array
    ) -> tuple[Params, Any]:
        grads = jax.grad(self.loss)(params, batch_x, batch_y)
        updates, opt_state = self.optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    def predict(self, params: Params, images: FloatArray | jax.Array) -> np.ndarray[Any, Any]:
        return np.asarray(self._predict(params, jnp.asarray(images)))

    def test_psnr(self, params: Params) -> float:
        return self.psnr(params, self.test_x, self.test_y)

    def psnr(self, params: Params, images: FloatArray | jax.Array, targets: FloatArray | jax.Array) -> float:
        prediction = self._predict(params, jnp.asarray(images))
        return psnr_db(float(jnp.mean((prediction - jnp.asarray(targets)) ** 2)))

    def run(
        self,
        seed: int,
        train_size: int,
        progress: Progress | None = None,
        on_eval: Callable[[int, float], None] | None = None,
    ) -> RunResult:
        """Train from the seed's initialisation; evaluate at step 0 and every `eval_every` steps."""
        cfg = self.config
        xs, ys = self.split.train_subset(train_size)
        indices = batch_indices(seed, train_size, cfg.steps, cfg.batch_size)
        params = self.model.init(jax.random.PRNGKey(seed))
        opt_state = self.optimizer.init(params)
        steps = [0]
        curve = [self.test_psnr(params)]
        label = f"{self.model.name} seed {seed} n={train_size}"
        for start in range(0, cfg.steps, cfg.eval_every):
            for step in range(start, start + cfg.eval_every):
                batch = indices[step]  # gathered on the host: one compiled step for every training size
                params, opt_state = self._step(params, opt_state, xs[batch], ys[batch])
            steps.append(start + cfg.eval_every)
            curve.append(self.test_psnr(params))
            if on_eval is not None:
                on_eval(steps[-1], curve[-1])
            if progress is not None:
                progress.advance(cfg.eval_every, f"{label} step {steps[-1]} {curve[-1]:.2f} dB")
        return RunResult(self.model.name, seed, train_size, steps, curve, count_parameters(params), params)
