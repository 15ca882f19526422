"""Running `cajal` from tests: in-process (fast) or as a real subprocess (exit codes, streams)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from cajal_ref import cli


def cajal(*argv: str) -> tuple[int, str, str]:
    """Run `cajal ARGV` in this process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cajal_process(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m cajal_ref.cli ARGS` as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "cajal_ref.cli", *args], capture_output=True, text=True, timeout=300
    )
