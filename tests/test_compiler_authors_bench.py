"""benchmarks/authors_bench: the comparison's plumbing (the timing itself needs torch and the
authors' sources, so it runs only in the benchmark)."""

from __future__ import annotations

import ast

import numpy as np

from benchmarks import authors_bench
from benchmarks.compile_bench import AUTHORS_TABLE


def test_driver_is_python_and_builds_every_program_of_the_table() -> None:
    tree = ast.parse(authors_bench.DRIVER)
    assert tree.body
    for name, _ in AUTHORS_TABLE:
        assert f'"{name}"' in authors_bench.DRIVER or name.startswith("and-fold")


def test_same_entries_compares_row_major_floats_with_exact_ints() -> None:
    ours = np.array([0, 1, 1, 0], dtype=object)
    assert authors_bench.same_entries(ours, np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32))
    assert not authors_bench.same_entries(ours, np.array([[0.0, 1.0], [0.0, 1.0]], dtype=np.float32))
    assert not authors_bench.same_entries(ours, np.array([0.0, 1.0, 1.0], dtype=np.float32))


def test_without_the_authors_code_it_prints_published_times_and_how_to_measure() -> None:
    lines: list[str] = []
    args = ["--authors-src", "", "--budget", "0", "--max-runs", "1"]
    assert authors_bench.main(args, out=lines.append) == 0
    text = "\n".join(lines)
    for name, _ in AUTHORS_TABLE:
        assert f"| {name} |" in text
    assert "3.10 s" in text  # the and-fold over 12 Bools, published
    assert "--authors-src" in text


def test_the_ratio_table_marks_a_program_under_two_times_faster() -> None:
    mine = {"not": (0.001, np.array([0, 1, 1, 0], dtype=object))}
    theirs = {"not": {"seconds": 0.0015, "matrix": np.array([[0.0, 1.0], [1.0, 0.0]])}}
    text = authors_bench.table(mine, theirs)
    assert "| 1.5× | yes | NO |" in text
    assert "NOT met" in text
    theirs["not"]["seconds"] = 0.003
    assert "the target (every program ≥ 2× faster) is met" in authors_bench.table(mine, theirs)
