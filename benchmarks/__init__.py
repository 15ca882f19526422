"""Benchmarks: `python -m benchmarks` prints each `*_bench` module's Markdown table."""
