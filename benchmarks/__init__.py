"""Benchmarks: `python -m benchmarks` prints each `*_bench` module's Markdown table.

BLAS runs single-threaded here (unless the environment says otherwise): on a small,
shared machine a multi-threaded BLAS spends more time waiting for cores than
computing (an 81 × 81 product took 47 ms instead of 0.3 ms), and timings should not
depend on what else runs.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
