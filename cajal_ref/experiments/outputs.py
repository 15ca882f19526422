"""Atomic, deterministic output files: written to a temporary file in the same folder, then renamed.

A reader (or a crash) never sees half a file; the same results give the same bytes
(floats are rounded, JSON keys keep a fixed order, nothing records the time).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        current = os.umask(0)
        os.umask(current)
        os.chmod(tmp, 0o666 & ~current)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def rounded(value: float, digits: int = 4) -> float:
    """A float rounded for output, so that files do not depend on the last bits of a computation."""
    return round(float(value), digits)


CURVE_COLUMNS = ("step", "examples_seen", "test_psnr", "test_l1")


def write_curves_csv(path: Path, key_columns: tuple[str, ...], runs: list[dict[str, Any]]) -> None:
    """One row per evaluation of every run: the run's `key_columns` (`lr` printed with %g), then its curve."""

    def key(run: dict[str, Any], column: str) -> str:
        return f"{run[column]:g}" if column == "lr" else str(run[column])

    rows = [",".join((*key_columns, *CURVE_COLUMNS))]
    for run in runs:
        prefix = ",".join(key(run, c) for c in key_columns)
        rows.extend(
            f"{prefix},{s},{n},{p},{l1}"
            for s, n, p, l1 in zip(
                run["steps"], run["examples_seen"], run["test_psnr"], run["test_l1"], strict=True
            )
        )
    write_text_atomic(path, "\n".join(rows) + "\n")
