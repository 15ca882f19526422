"""benchmarks/compile_bench's K-scan summary, on rows written by hand (no timing here)."""

from __future__ import annotations

from benchmarks.compile_bench import Row, scan_summary


def test_whole_scan_ratio_target_and_floor_bound() -> None:
    rows = [
        Row("floor (`true`)", 9, 2, 40e-6),
        # add: 1,000 ns per entry at K = 5, 100 at K = 20, 50 at K = 160 → worst ÷ best 20
        Row("add", 5, 216, 216e-6),
        Row("add", 20, 9261, 926.1e-6),
        Row("add", 160, 4_173_281, 4_173_281 * 50e-9),
        # compose: 10, 20, 25 ns per entry → 2.5 (met), rising by 2.5 over its best below
        Row("compose", 5, 46656, 46656 * 10e-9),
        Row("compose", 9, 1_000_000, 20e-3),
        Row("compose", 13, 7_529_536, 7_529_536 * 25e-9),
    ]
    lines = scan_summary(rows)
    add = next(line for line in lines if line.startswith("| add |"))
    compose = next(line for line in lines if line.startswith("| compose |"))
    # the floor alone: 40 µs / (216 entries × 50 ns) = 3.7 > 3
    assert add == "| add | 5 … 160 | 20.00 | NOT met | 2.00 | 0.50 | 3.7 |"
    assert compose == "| compose | 5 … 13 | 2.50 | met | 2.50 | 2.50 | 0.1 |"
    assert not any(line.startswith("| floor") for line in lines)  # one K: no scan
