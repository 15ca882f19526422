"""The experiments: data, targets, the authors' models (checked by hand), bookkeeping, smoke runs.

Expectations are computed by hand: parameter counts from the layer shapes, the
linked program's output from the recurrent neuron's formula Σᵢ nᵢ·stepⁱ(x) with a
step whose kernel is set by hand, cross-correlation by explicit loops, PSNR from its
definition. The smoke runs (`--quick`, one per protocol) train every model for a
few steps and check the files; the Ctrl-C test sends SIGINT to a real subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cajal_ref.experiments.data import (
    dilate,
    load_mnist,
    make_split,
    pool_size,
    rounds_for,
    soft_dilate,
)
from cajal_ref.experiments.layers import correlate_fft, count_parameters
from cajal_ref.experiments.paper import examples_seen, first_reaching
from cajal_ref.experiments.paper_models import hyper_step, paper_models
from cajal_ref.experiments.report import mean_spread, steps_cell
from cajal_ref.experiments.train import (
    LaneTrainer,
    batch_plan,
    eval_schedule,
    normalised_mse,
    per_image_psnr,
    pooled_psnr,
    steps_per_run,
)
from tests.cli_helpers import cajal

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def test_mnist_is_the_bundled_5000_digits_in_minus_one_to_one() -> None:
    images, labels = load_mnist()
    assert images.shape == (5000, 28, 28) and images.dtype == np.float32
    assert np.bincount(labels).tolist() == [500] * 10  # the first 500 of each class
    assert images.min() == -1.0 and images.max() == 1.0  # 0 ↦ −1 (background), 255 ↦ 1
    assert np.mean(images == -1.0) > 0.7  # mostly background
    assert set(np.round((images + 1) / 2 * 255, 3).ravel().tolist()) <= set(range(256))  # k/255 ↦ 2k/255 − 1


def test_split_is_fixed_disjoint_complete_and_nested() -> None:
    split = make_split("conditional")
    assert (
        (len(split.test_x), len(split.val_x), len(split.train_x))
        == (1000, 500, 3500)
        == (1000, 500, pool_size("mnist"))
    )
    images, _ = load_mnist()
    everything = np.concatenate([split.test_x, split.val_x, split.train_x])
    assert sorted(x.tobytes() for x in everything) == sorted(x.tobytes() for x in images)
    np.testing.assert_array_equal(split.test_x, make_split("conditional").test_x)
    even = split.test_labels % 2 == 0
    np.testing.assert_array_equal(split.test_y[even], split.test_x[even])  # even digits are left alone
    assert np.all(np.abs(split.test_y[~even] - split.test_x[~even]).sum(axis=(1, 2)) > 0)
    np.testing.assert_array_equal(split.train_subset(50)[0], split.train_subset(100)[0][:50])


def test_dilation_and_soft_dilation_by_hand() -> None:
    column = np.array([-1.0, 1.0, -1.0, -1.0]).reshape(1, 4, 1)
    np.testing.assert_allclose(dilate(column).ravel(), [1, 1, 1, -1])
    one = soft_dilate(column.astype(np.float32), np.array([1]))
    np.testing.assert_allclose(one.ravel(), [0.4, 1, 0.4, -1], rtol=1e-6)  # −1 + 0.7·2
    # round 2: dilate([.4, 1, .4, −1]) = [1, 1, 1, .4]; 0.3·x + 0.7·that
    two = soft_dilate(column.astype(np.float32), np.array([2]))
    np.testing.assert_allclose(two.ravel(), [0.82, 1, 0.82, -0.02], rtol=1e-5)
    row = np.array([[-1.0, 1.0, -1.0]]).reshape(1, 1, 3)
    np.testing.assert_allclose(dilate(row), row)  # vertical only
    assert rounds_for("conditional", np.arange(10)).tolist() == [0, 1, 0, 3, 0, 5, 0, 7, 0, 9]


# ---------------------------------------------------------------------------
# The authors' models
# ---------------------------------------------------------------------------

TRUNK = (5 * 5 * 1 * 8 + 8) + (5 * 5 * 8 * 16 + 16)  # two conv layers
COUNT_CNN = TRUNK + 16 * 9 * 9 * 10 + 10  # 16,394
STEP_NET = TRUNK + 16 * 9 * 9 * 169 + 169  # 222,617
CONDITION = 784 * 400 + 400 + 400 * 2 + 2
INDIRECT = (13 * 13 * 1 * 6 + 6) + (13 * 13 * 6 * 6 + 6) + (13 * 13 * 6 * 1 + 1)


def test_parameter_counts_are_the_tables() -> None:
    assert (COUNT_CNN, STEP_NET, COUNT_CNN + STEP_NET, INDIRECT) == (16394, 222617, 239011, 8125)
    key = jax.random.PRNGKey(0)
    models = paper_models("iterate", 28)
    direct = models["direct"].init(key)
    assert count_parameters(direct["count"]) == COUNT_CNN and count_parameters(direct["step"]) == STEP_NET
    assert count_parameters(direct) == 239011
    assert count_parameters(models["indirect"].init(key)) == 8125
    assert count_parameters(models["typed"].init(key)) == COUNT_CNN + 7840 * 784 + 784 == 6163738
    conditional = paper_models("conditional", 28)
    assert count_parameters(conditional["direct"].init(key)) == 239011 + CONDITION
    assert count_parameters(conditional["typed"].init(key)) == COUNT_CNN + CONDITION + 15680 * 784 + 784
    assert count_parameters(conditional["indirect"].init(key)) == 8125


def correlate_by_loops(image: np.ndarray[Any, Any], kernel: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    k = kernel.shape[0]
    h, w = image.shape[0] - k + 1, image.shape[1] - k + 1
    return np.array([[np.sum(image[i : i + k, j : j + k] * kernel) for j in range(w)] for i in range(h)])


def test_fft_correlation_is_cross_correlation() -> None:
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(12, 12)), rng.normal(size=(5, 5))
    got = correlate_fft(
        jnp.asarray(image[None, :, :, None], jnp.float32), jnp.asarray(kernel[:, :, None, None], jnp.float32)
    )
    np.testing.assert_allclose(np.asarray(got)[0, :, :, 0], correlate_by_loops(image, kernel), atol=1e-4)


def set_output(params: dict[str, Any], bias: np.ndarray[Any, Any]) -> dict[str, Any]:
    """A trunk or MLP whose last layer ignores its input and outputs `bias`."""
    out = dict(params)
    out["out"] = {"w": jnp.zeros_like(params["out"]["w"]), "b": jnp.asarray(bias, jnp.float32)}
    return out


def kernel_bias(kernel: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Pre-tanh values giving this 13×13 kernel (entries in (−1, 1))."""
    return np.arctanh(kernel).ravel()


def test_hyper_step_applies_its_kernel_to_the_iterate_padded_with_minus_one() -> None:
    params = paper_models("iterate", 28)["direct"].init(jax.random.PRNGKey(0))["step"]
    shift = np.zeros((13, 13))
    shift[5, 6] = 0.5  # out[p] = 0.5·padded[p + (5, 6)] = 0.5·y[p − (1, 0)]: half of the row above
    image = np.random.default_rng(2).uniform(-1, 1, size=(28, 28)).astype(np.float32)
    out = np.asarray(hyper_step(set_output(params, kernel_bias(shift)), jnp.asarray(image)))
    expected = 0.5 * np.vstack([-np.ones((1, 28)), image[:-1]])  # the row above the image is padding, −1
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_direct_model_is_the_recurrent_neuron_with_raw_counts() -> None:
    """D(x) = Σᵢ nᵢ·stepⁱ(x); with the kernel 0.5·δ and raw scores n this is Σᵢ nᵢ·0.5ⁱ·x."""
    model = paper_models("iterate", 28)["direct"]
    params = model.init(jax.random.PRNGKey(0))
    centre = np.zeros((13, 13))
    centre[6, 6] = 0.5
    n = np.array([0.0, 2.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0])  # raw, not a distribution
    params = {
        "count": set_output(params["count"], n),
        "step": set_output(params["step"], kernel_bias(centre)),
    }
    images = jnp.asarray(load_mnist()[0][:3])
    factor = sum(n[i] * 0.5**i for i in range(10))  # 1 − 0.125 + 3/512
    np.testing.assert_allclose(
        np.asarray(model.apply(params, images)), factor * np.asarray(images), atol=1e-5
    )


def test_conditional_direct_model_mixes_by_raw_logits() -> None:
    """iter (if odd then num else discard num) {...}: a·Σᵢ nᵢ·hᵢ + b·(Σⱼ nⱼ)·x for logits (a, b)."""
    model = paper_models("conditional", 28)["direct"]
    params = model.init(jax.random.PRNGKey(0))
    centre = np.zeros((13, 13))
    centre[6, 6] = 0.5
    n = np.array([1.0, 0.0, 2.0] + [0.0] * 7)
    a, b = 0.25, 2.0
    params = {
        "count": set_output(params["count"], n),
        "step": set_output(params["step"], kernel_bias(centre)),
        "condition": set_output(params["condition"], np.array([a, b])),
    }
    images = jnp.asarray(load_mnist()[0][:2])
    factor = a * (1.0 + 2.0 * 0.25) + b * 3.0
    np.testing.assert_allclose(
        np.asarray(model.apply(params, images)), factor * np.asarray(images), atol=1e-5
    )


def test_typed_model_is_linear_in_kron_of_image_and_scores() -> None:
    model = paper_models("iterate", 28)["typed"]
    params = model.init(jax.random.PRNGKey(3))
    scores = np.arange(10, dtype=np.float64) / 10
    params = {**params, "count": set_output(params["count"], scores)}
    image = load_mnist()[0][:1]
    features = np.kron(image.reshape(-1).astype(np.float64), scores)  # index 10·pixel + score
    expected = features @ np.asarray(params["linear"]["w"], np.float64) + np.asarray(params["linear"]["b"])
    np.testing.assert_allclose(
        np.asarray(model.apply(params, jnp.asarray(image))).ravel(), expected, rtol=1e-3, atol=1e-3
    )


def test_indirect_model_pads_with_minus_one() -> None:
    """With zero kernels except a corner tap, the output at the border reads the −1 padding."""
    model = paper_models("iterate", 28)["indirect"]
    zero = jax.tree_util.tree_map(jnp.zeros_like, model.init(jax.random.PRNGKey(0)))
    w1 = np.zeros((13, 13, 1, 6), np.float32)
    w1[0, 0, 0, 0] = -1.0  # channel 0 of layer 1: −(pixel 6 up and 6 left), which is −(−1) = 1 at the corner
    w2 = np.zeros((13, 13, 6, 6), np.float32)
    w2[6, 6, 0, 0] = 1.0
    w3 = np.zeros((13, 13, 6, 1), np.float32)
    w3[6, 6, 0, 0] = 1.0
    params = {
        **zero,
        "conv1": {**zero["conv1"], "w": jnp.asarray(w1)},
        "conv2": {**zero["conv2"], "w": jnp.asarray(w2)},
        "conv3": {**zero["conv3"], "w": jnp.asarray(w3)},
    }
    image = np.zeros((1, 28, 28), np.float32)
    out = np.asarray(model.apply(params, jnp.asarray(image)))[0]
    expected = np.zeros((28, 28))
    expected[:6, :] = 1.0
    expected[:, :6] = 1.0  # relu(−(−1)) where the tap falls in the padding, relu(−0) = 0 inside
    np.testing.assert_allclose(out, expected, atol=1e-5)


# ---------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------


def test_per_image_psnr_uses_each_targets_range() -> None:
    target = jnp.asarray([[[0.0, 2.0]], [[1.0, 1.5]]])
    prediction = target + jnp.asarray([[[0.2, -0.2]], [[0.05, 0.05]]])
    # image 1: peak 2, MSE 0.04 → 10·log10(4/0.04) = 20; image 2: peak 0.5, MSE 0.0025 → 20
    np.testing.assert_allclose(np.asarray(per_image_psnr(prediction, target)), [20.0, 20.0], rtol=1e-5)


def test_pooled_psnr_by_hand_stays_finite_when_a_target_is_met_exactly() -> None:
    target = jnp.asarray([[[0.0, 2.0]], [[1.0, 1.5]]])
    prediction = target + jnp.asarray([[[0.0, 0.0]], [[0.05, 0.05]]])  # image 1 exact
    # MSE/peak²: image 1: 0; image 2: 0.0025 / 0.25 = 0.01; mean 0.005 → 10·log10(200) = 23.0103
    np.testing.assert_allclose(np.asarray(normalised_mse(prediction, target)), [0.0, 0.01], atol=1e-7)
    assert float(pooled_psnr(0.005)) == pytest.approx(23.0103, abs=1e-4)
    # the per-image mean is dominated by the exact image's floor: (10·log10(4/1e-12) + 20) / 2 ≈ 73
    per_image = np.asarray(per_image_psnr(prediction, target))
    assert float(per_image.mean()) == pytest.approx((10 * np.log10(4e12) + 20.0) / 2, abs=1e-3)


def test_controlled_identity_and_thresholds_by_hand() -> None:
    from cajal_ref.experiments.controlled import identity_psnr, thresholds_for

    inputs = np.asarray([[[0.0, 2.0]], [[1.0, 1.0]]], dtype=np.float32)
    targets = np.asarray([[[0.0, 2.0]], [[1.0, 1.5]]], dtype=np.float32)
    # image 2: MSE 0.125, peak 0.5 → 0.5; mean 0.25 → 10·log10(4) = 6.0206
    assert identity_psnr(inputs, targets) == pytest.approx(6.0206, abs=1e-4)
    assert thresholds_for(6.0206, (1.0, 2.0, 4.0)) == [7.02, 8.02, 10.02]


def test_residual_step_is_silent_on_the_background() -> None:
    from cajal_ref.experiments.models import apply_residual_step, init_residual_step

    params = init_residual_step(jax.random.PRNGKey(0), 4)
    params["out"]["w"] = jnp.ones_like(params["out"]["w"])  # a step that has learned something
    background = -jnp.ones((6, 6))
    # hidden = ReLU(conv(w, background + 1 = 0) + 0) = 0, so the step adds nothing there
    np.testing.assert_array_equal(np.asarray(apply_residual_step(params, background)), -np.ones((6, 6)))
    ink = background.at[2:4, 2:4].set(1.0)
    assert float(jnp.max(jnp.abs(apply_residual_step(params, ink) - ink))) > 0.1


def test_controlled_direct_counts_do_not_collapse_onto_zero() -> None:
    """Regression: its softmax counts went one-hot on 0 within ~30 steps and the model never moved again."""
    from cajal_ref.experiments.controlled import LEARNING_RATES, variant_model

    split = make_split("iterate")
    model = variant_model("iterate", split.side, "baseline-direct")
    trainer = LaneTrainer(
        model, split.train_x, split.train_y, split.test_x[:50], split.test_y[:50], clip=True, metric="pooled"
    )
    curves, params = trainer.train(
        [0], [LEARNING_RATES["iterate"]["direct"]], 32, 5, [0, 40], max_steps=40, train_size=256
    )
    counts = np.asarray(model.counts(jax.tree_util.tree_map(lambda a: a[0], params), split.test_x[:50]))
    assert float(np.mean(counts[:, 0])) < 0.9  # weight still on iterating
    assert abs(curves[0].test_psnr[1] - curves[0].test_psnr[0]) > 0.01  # the output moved


def test_controlled_conditional_direct_starts_as_the_identity_with_a_raw_undecided_condition() -> None:
    """The condition's raw scores start at (½, ½): by hand the counts are ½·softmax + ½·e₀ (they sum
    to 1, weight ≥ ½ on 0), and with the identity step the output is the input."""
    from cajal_ref.experiments.controlled import variant_model

    split = make_split("conditional")
    model = variant_model("conditional", split.side, "baseline-direct")
    params = model.init(jax.random.PRNGKey(3))
    x = jnp.asarray(split.test_x[:4])
    np.testing.assert_allclose(np.asarray(model.apply(params, x)), np.asarray(x), atol=1e-5)
    assert model.counts is not None
    counts = np.asarray(model.counts(params, x))
    np.testing.assert_allclose(counts.sum(axis=1), 1.0, atol=1e-6)
    assert np.all(counts[:, 0] >= 0.5 - 1e-6) and np.all(counts[:, 1:] <= 0.5 + 1e-6)
    assert "raw condition" in model.describe
    assert "condition" not in variant_model("iterate", split.side, "baseline-direct").describe  # has none


def test_schedule_batches_and_examples_seen() -> None:
    assert steps_per_run(3500, 32, 10) == 1100 and steps_per_run(3500, 128, 10) == 280
    assert eval_schedule(1100) == [*range(0, 201, 20), *range(300, 1101, 100)]
    assert eval_schedule(1094)[-2:] == [1000, 1094] and eval_schedule(3, dense=1) == [0, 1, 2, 3]
    indices, weights = batch_plan(seed=3, train_size=10, batch_size=4, epochs=2)
    assert indices.shape == (6, 4)
    assert weights.tolist() == [[1] * 4, [1] * 4, [1, 1, 0, 0]] * 2  # the last batch of an epoch is short
    for epoch in range(2):
        rows = slice(3 * epoch, 3 * epoch + 3)
        assert sorted(indices[rows][weights[rows] > 0].tolist()) == list(
            range(10)
        )  # each epoch a permutation
    assert examples_seen([0, 1, 3, 6], weights) == [0, 4, 10, 20]
    assert first_reaching([10.0, 16.0, 21.0], [0, 20, 40], 15.0) == 20
    assert first_reaching([10.0, 16.0], [0, 20], 25.0) is None
    with pytest.raises(ValueError):
        eval_schedule(100, dense=0)


def test_table_cells() -> None:
    assert mean_spread([1.0, 3.0]) == "2.00 ± 1.41"
    assert steps_cell([100, None, 300]) == "200 ± 141 (2/3)"
    assert steps_cell([None, None]) == "— (0/2)"


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--eval-every", "0"],
        ["--eval-every", "-5"],
        ["--train-size", "99999"],
        ["--grid", "--lr", "1e-3"],
        ["--protocol", "controlled", "--grid"],
        ["--steps", "10"],
        ["--lr", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path) -> None:
    code, _, err = cajal("experiment", "iterate", "--out", str(tmp_path / "x"), *argv)
    assert code == 2 and "error" in err
    assert not (tmp_path / "x").exists()  # refused before anything was written


def test_unwritable_out_is_refused_before_training(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cajal("experiment", "iterate", "--quick", "--out", str(blocker / "sub"))
    assert code == 1 and "cannot write" in err and "Traceback" not in err
    code, out, _ = cajal("experiment", "iterate", "--quick", "--json", "--out", str(blocker))
    assert code == 1 and json.loads(out)["exit_code"] == 1


def check_paper_summary(out: Path, experiment: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["experiment"] == experiment and summary["protocol"] == "paper"
    runs = summary["runs"]
    assert sorted(r["model"] for r in runs) == ["direct", "indirect", "typed"]
    expected_parameters = {"direct": 239011, "typed": 6163738, "indirect": 8125}
    for run in runs:
        assert (run["seed"], run["lr"], run["batch_size"], run["data"], run["image_size"]) == (
            0,
            1e-4,
            32,
            "mnist",
            28,
        )
        assert run["parameters"] == expected_parameters[run["model"]]
        assert run["steps"] == [0, 1, 2, 3] and run["examples_seen"] == [0, 32, 64, 96]
        assert len(run["test_psnr"]) == 4 and all(isinstance(v, float) for v in run["test_psnr"])
        assert set(run["steps_to_threshold"]) == {"15", "20", "25"} == set(run["examples_to_threshold"])
    assert not list(out.rglob("*.tmp"))
    return summary


def test_quick_paper_run_writes_resumes_and_draws(tmp_path: Path) -> None:
    out = tmp_path / "paper"
    code, stdout, err = cajal("experiment", "iterate", "--quick", "--out", str(out), "--json")
    assert code == 0, err
    assert "runs 3/3" in err  # progress: runs and steps
    check_paper_summary(out, "iterate")
    assert json.loads(stdout) == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    cells = sorted(p.name for p in (out / "runs").iterdir())
    assert cells == ["direct_lr0.0001_b32.json", "indirect_lr0.0001_b32.json", "typed_lr0.0001_b32.json"]
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    before = (out / "summary.json").read_bytes()
    code, _, err = cajal("experiment", "iterate", "--quick", "--out", str(out), "--no-figures")
    assert code == 0 and err.count("already done, skipped") == 3
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamps  # nothing retrained
    assert (out / "summary.json").read_bytes() == before
    from matplotlib.image import imread

    for stem in ("grid", "early", "early_outputs", "late", "late_outputs", "examples_seen"):
        png = out / "figures" / f"experiment_paper_iterate_{stem}.png"
        assert (out / "figures" / f"experiment_paper_iterate_{stem}.pdf").stat().st_size > 1000
        assert float(np.var(imread(str(png)))) > 1e-3  # not blank


def test_quick_controlled_run(tmp_path: Path) -> None:
    out = tmp_path / "controlled"
    code, _, err = cajal(
        "experiment", "conditional", "--protocol", "controlled", "--quick", "--out", str(out)
    )
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["protocol"] == "controlled" and summary["data"] == "mnist" and summary["image_size"] == 28
    variants = sorted({r["variant"] for r in summary["runs"]})
    assert variants == ["baseline-direct", "baseline-indirect", "identity-start-off"]
    identity = summary["identity_psnr"]
    assert summary["thresholds_db"] == [round(identity + g, 2) for g in (1.0, 2.0, 4.0)]
    for run in summary["runs"]:
        assert run["model"] in ("direct", "indirect") and run["steps"] == [0, 2, 4]
        assert max(run["test_psnr"]) < 60  # no exact-match floor (~126 dB per even digit) in the mean
        if run["variant"].startswith("baseline-"):  # both baselines start as the identity map
            assert run["test_psnr"][0] == pytest.approx(identity, abs=1e-3)
    table = (out / "summary.md").read_text(encoding="utf-8")
    assert "| identity-start-off | indirect |" in table
    assert (out / "figures" / "experiment_controlled_conditional_ablations.png").is_file()


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cajal_ref.cli",
            "experiment",
            "iterate",
            "--models",
            "indirect",
            "--seeds",
            "1",
            "--epochs",
            "50",
            "--train-size",
            "320",
            "--out",
            str(out),
            "--no-figures",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 240
    for line in process.stderr:  # the handler is installed before this line is printed
        if "paper protocol" in line or time.monotonic() > deadline:
            break
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=240)
    assert process.returncode == 130, rest
    assert "interrupted" in rest and "Traceback" not in rest
    assert not list(out.rglob("*.tmp"))
    assert not list((out / "runs").glob("*.json"))  # the unfinished run left nothing behind
