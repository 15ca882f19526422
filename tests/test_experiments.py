"""The experiments: data and targets (checked by hand), training bookkeeping, and smoke runs.

The two `--quick` runs (one through the CLI, one through the API) train both models
for a few steps and check every output file and the summary's schema; together they
take well under two minutes on two cores.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cajal_ref.cli import experiment as experiment_cli
from cajal_ref.experiments.data import (
    SIDE,
    TEST_SIZE,
    VALIDATION_SIZE,
    dilate,
    load_digit_images,
    make_split,
    max_train_size,
    rounds_for,
    soft_dilate,
    upsample_matrix,
)
from cajal_ref.experiments.report import mean_spread, steps_cell
from cajal_ref.experiments.run import make_config, run_experiment
from cajal_ref.experiments.train import RunResult, batch_indices, psnr_db

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def test_images_are_upsampled_digits_in_unit_range() -> None:
    images, labels = load_digit_images()
    assert images.shape == (1797, SIDE, SIDE) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.max() > 0.9
    assert sorted(set(labels.tolist())) == list(range(10))


def test_upsampling_is_an_interpolation() -> None:
    up = upsample_matrix(8, 16)
    np.testing.assert_allclose(up.sum(axis=1), 1.0)
    # half-pixel centres: output 2i and 2i+1 sit at input i − 1/4 and i + 1/4
    assert up[5, 2] == pytest.approx(0.75) and up[5, 3] == pytest.approx(0.25)
    assert up[0, 0] == pytest.approx(1.0) and up[15, 7] == pytest.approx(1.0)  # edges clamped


def test_dilation_and_soft_dilation_by_hand() -> None:
    column = np.array([0.0, 1.0, 0.0, 0.0]).reshape(1, 4, 1)
    np.testing.assert_allclose(dilate(column).ravel(), [1, 1, 1, 0])
    one = soft_dilate(column.astype(np.float32), np.array([1]))
    np.testing.assert_allclose(one.ravel(), [0.7, 1, 0.7, 0], rtol=1e-6)
    # round 2: dilate([.7, 1, .7, 0]) = [1, 1, 1, .7]; 0.3·x + 0.7·that
    two = soft_dilate(column.astype(np.float32), np.array([2]))
    np.testing.assert_allclose(two.ravel(), [0.91, 1, 0.91, 0.49], rtol=1e-6)
    # dilation is vertical only: a row spreads nowhere sideways
    row = np.array([[0.0, 1.0, 0.0]]).reshape(1, 1, 3)
    np.testing.assert_allclose(dilate(row), row)


def test_rounds_per_experiment() -> None:
    labels = np.arange(10)
    assert rounds_for("iterate", labels).tolist() == list(range(10))
    assert rounds_for("conditional", labels).tolist() == [0, 1, 0, 3, 0, 5, 0, 7, 0, 9]


def test_split_is_fixed_disjoint_and_complete() -> None:
    split = make_split("conditional")
    assert len(split.test_x) == TEST_SIZE and len(split.val_x) == VALIDATION_SIZE
    assert len(split.train_x) == max_train_size() == 1797 - TEST_SIZE - VALIDATION_SIZE
    images, _ = load_digit_images()
    everything = np.concatenate([split.test_x, split.val_x, split.train_x])
    key = lambda a: sorted(x.tobytes() for x in a)  # noqa: E731
    assert key(everything) == key(images)  # a partition of the dataset
    again = make_split("conditional")
    np.testing.assert_array_equal(split.test_x, again.test_x)
    # even digits are left as they are; odd digits change
    even = split.test_labels % 2 == 0
    np.testing.assert_array_equal(split.test_y[even], split.test_x[even])
    assert np.all(np.abs(split.test_y[~even] - split.test_x[~even]).sum(axis=(1, 2)) > 0)
    small, _ = split.train_subset(50)
    np.testing.assert_array_equal(small, split.train_subset(100)[0][:50])  # nested sizes


# ---------------------------------------------------------------------------
# Training bookkeeping and the report
# ---------------------------------------------------------------------------


def test_batches_are_shuffled_passes() -> None:
    batches = batch_indices(seed=3, train_size=10, steps=5, batch_size=4)
    assert batches.shape == (5, 4)
    flat = batches.ravel()
    assert sorted(flat[:10].tolist()) == list(range(10))  # first pass is a permutation
    assert sorted(flat[10:20].tolist()) == list(range(10))
    np.testing.assert_array_equal(batches, batch_indices(seed=3, train_size=10, steps=5, batch_size=4))
    assert not np.array_equal(batches, batch_indices(seed=4, train_size=10, steps=5, batch_size=4))


def test_psnr_and_steps_to_threshold() -> None:
    assert psnr_db(0.01) == pytest.approx(20.0)
    assert psnr_db(1e-3) == pytest.approx(30.0)
    run = RunResult("direct", 0, 10, [0, 50, 100], [12.0, 21.0, 26.0], 1, {})
    assert run.steps_to(20.0) == 50 and run.steps_to(25.0) == 100 and run.steps_to(30.0) is None


def test_table_cells() -> None:
    assert mean_spread([1.0, 3.0]) == "2.00 ± 1.41"
    assert steps_cell([100, None, 300]) == "200 ± 141 (2/3)"
    assert steps_cell([None, None]) == "— (0/2)"


def test_bad_configurations_are_refused() -> None:
    with pytest.raises(ValueError, match="training-set sizes"):
        make_config("iterate", train_sizes=[0])
    with pytest.raises(ValueError, match="multiple"):
        make_config("iterate", steps=70, eval_every=20)


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    experiment_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


def test_cli_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["experiment", "iterate", "--train-sizes", "5000"]) == 2
    assert "between 1 and" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Smoke runs
# ---------------------------------------------------------------------------


def check_results(out: Path, experiment: str, summary: dict[str, Any]) -> None:
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(summary))
    assert on_disk["experiment"] == experiment
    thresholds = on_disk["thresholds_db"]
    assert thresholds and all(isinstance(t, float) for t in thresholds)
    runs = on_disk["runs"]
    assert sorted(r["model"] for r in runs) == ["direct", "indirect"]
    for run in runs:
        assert {"model", "seed", "train_size", "steps", "final_psnr", "steps_to_threshold"} <= run.keys()
        assert run["seed"] == 0 and run["train_size"] == 100 and run["steps"] == 60
        assert 5.0 < run["final_psnr"] < 60.0
        assert set(run["steps_to_threshold"]) == {f"{t:g}" for t in thresholds}
        for steps in run["steps_to_threshold"].values():
            assert steps is None or (isinstance(steps, int) and 0 <= steps <= 60)
    params = on_disk["parameters"]
    assert params["indirect"] >= params["direct"] > 0  # the plain CNN is not starved of parameters
    with (out / "curves.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * (60 // 20 + 1)  # two models, steps 0, 20, 40, 60
    for run in runs:
        mine = [r for r in rows if r["model"] == run["model"]]
        assert [int(r["step"]) for r in mine] == [0, 20, 40, 60]
        assert float(mine[-1]["test_psnr"]) == pytest.approx(run["final_psnr"], abs=1e-3)
    table = (out / "summary.md").read_text(encoding="utf-8")
    assert "| 100 | direct |" in table and "| 100 | indirect |" in table
    examples = json.loads((out / "examples.json").read_text(encoding="utf-8"))
    assert examples["labels"] == list(range(10))
    assert np.asarray(examples["outputs"]["direct"]).shape == (10, SIDE, SIDE)
    from matplotlib.image import imread

    for stem in ("learning_curves", "final_psnr", "examples"):
        png = out / "figures" / f"experiment_{experiment}_{stem}.png"
        assert (out / "figures" / f"experiment_{experiment}_{stem}.pdf").stat().st_size > 1000
        assert float(np.var(imread(str(png)))) > 1e-3  # not blank
    assert not [p for p in out.rglob("*.tmp")]  # atomic writes leave no temporaries


def test_quick_iterate_through_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "iterate"
    assert cli(["experiment", "iterate", "--quick", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    check_results(out, "iterate", summary)
    assert "direct" in captured.err and "%" in captured.err  # progress on stderr
    direct = next(r for r in summary["runs"] if r["model"] == "direct")
    assert 0.0 <= direct["count_accuracy"] <= 1.0


def test_quick_conditional_through_api(tmp_path: Path) -> None:
    out = tmp_path / "conditional"
    summary = run_experiment(make_config("conditional", quick=True), out, progress=False)
    check_results(out, "conditional", summary)
