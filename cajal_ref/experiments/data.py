"""The experiments' data: scikit-learn's bundled digits, upsampled, and the dilation targets (SPEC §7).

The paper used MNIST; nothing may be downloaded at run time here, so we use the
1797 8×8 handwritten digits that ship inside scikit-learn (`load_digits`, the UCI
optical-recognition test set). Each image is upsampled to 16×16 with bilinear
interpolation (half-pixel centres, edges clamped) and scaled from 0..16 to [0, 1].

The split is fixed by `SPLIT_SEED`: one permutation of all images; the first
`TEST_SIZE` form the test set, the next `VALIDATION_SIZE` a validation set (used
only to choose hyperparameters, see `tuning.py`), and the rest the training pool.
A run with training-set size n uses the first n images of the pool, so the sizes
are nested and never touch the validation or test sets. Everything here is plain
numpy, so it repeats exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

Experiment = Literal["iterate", "conditional"]
EXPERIMENTS: tuple[Experiment, ...] = ("iterate", "conditional")

SIDE = 16
"""Images are SIDE×SIDE after upsampling."""
SPLIT_SEED = 0
TEST_SIZE = 397
VALIDATION_SIZE = 200
"""1797 images: 397 for testing, 200 for validation, a pool of 1200 for training."""
DILATION_MIX = 0.7
"""One round of soft dilation: x ← lerp(x, dilate(x), DILATION_MIX)."""


def upsample_matrix(src: int, dst: int) -> npt.NDArray[np.float64]:
    """The (dst, src) matrix of 1-D linear interpolation with half-pixel centres, edges clamped.

    Applied on both sides (U·X·Uᵀ) it is bilinear resizing; each row sums to 1, so
    the range [0, 1] is preserved.
    """
    matrix = np.zeros((dst, src))
    for i in range(dst):
        pos = (i + 0.5) * src / dst - 0.5
        pos = min(max(pos, 0.0), src - 1.0)
        lo = int(np.floor(pos))
        hi = min(lo + 1, src - 1)
        frac = pos - lo
        matrix[i, lo] += 1.0 - frac
        matrix[i, hi] += frac
    return matrix


def load_digit_images() -> tuple[FloatArray, IntArray]:
    """All 1797 digits as float32 images of shape (N, 16, 16) in [0, 1], and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = np.asarray(digits.images, dtype=np.float64) / 16.0
    up = upsample_matrix(small.shape[1], SIDE)
    images = np.einsum("ia,nab,jb->nij", up, small, up)
    images = np.clip(images, 0.0, 1.0).astype(np.float32)
    return images, np.asarray(digits.target, dtype=np.int64)


def dilate(images: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Vertical grey dilation: each pixel becomes the max of itself and its upper and lower neighbours.

    Outside the image counts as −∞ (only in-image neighbours take part).
    """
    up = np.concatenate([images[..., :1, :], images[..., :-1, :]], axis=-2)
    down = np.concatenate([images[..., 1:, :], images[..., -1:, :]], axis=-2)
    dilated: npt.NDArray[np.floating] = np.maximum(images, np.maximum(up, down))
    return dilated


def soft_dilate(images: FloatArray, rounds: IntArray) -> FloatArray:
    """Apply `rounds[k]` rounds of x ← lerp(x, dilate(x), 0.7) to image k (in float64, then float32)."""
    out = images.astype(np.float64)
    rounds = np.asarray(rounds)
    for r in range(int(rounds.max(initial=0))):
        active = (rounds > r)[:, None, None]
        mixed = out + DILATION_MIX * (dilate(out) - out)
        out = np.where(active, mixed, out)
    return out.astype(np.float32)


def rounds_for(experiment: Experiment, labels: IntArray) -> IntArray:
    """How many dilation rounds each image gets: its label (iterate), or its label if odd else 0."""
    if experiment == "iterate":
        return labels.copy()
    return np.where(labels % 2 == 1, labels, 0)


@dataclass(frozen=True)
class Split:
    """Inputs x, targets y and labels for the training pool and the test set of one experiment."""

    experiment: Experiment
    train_x: FloatArray
    train_y: FloatArray
    train_labels: IntArray
    val_x: FloatArray
    val_y: FloatArray
    test_x: FloatArray
    test_y: FloatArray
    test_labels: IntArray

    def train_subset(self, size: int) -> tuple[FloatArray, FloatArray]:
        """The first `size` training images (nested subsets: a bigger set contains every smaller one)."""
        if not 0 < size <= len(self.train_x):
            raise ValueError(f"training-set size must be between 1 and {len(self.train_x)}, got {size}")
        return self.train_x[:size], self.train_y[:size]


def make_split(experiment: Experiment) -> Split:
    """The fixed train/test split of one experiment, with its targets."""
    images, labels = load_digit_images()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    images, labels = images[order], labels[order]
    targets = soft_dilate(images, rounds_for(experiment, labels))
    test = slice(0, TEST_SIZE)
    val = slice(TEST_SIZE, TEST_SIZE + VALIDATION_SIZE)
    train = slice(TEST_SIZE + VALIDATION_SIZE, None)
    return Split(
        experiment,
        train_x=images[train],
        train_y=targets[train],
        train_labels=labels[train],
        val_x=images[val],
        val_y=targets[val],
        test_x=images[test],
        test_y=targets[test],
        test_labels=labels[test],
    )


def max_train_size() -> int:
    return 1797 - TEST_SIZE - VALIDATION_SIZE
