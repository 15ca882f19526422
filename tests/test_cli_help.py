"""Every `--help` ends with examples, and every example is a real command that runs.

The examples are read back from the parsers and run in-process from the repository
root: a flag renamed or a message changed cannot leave a stale example behind.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from cajal_ref import cli
from tests.cli_helpers import cajal

REPO = Path(__file__).resolve().parent.parent
OWN = ("check", "eval", "compile", "verify", "derive", "explain", "figures")
"""The subcommands whose examples these tests run (the others carry their own tests).
`experiment` has no examples section yet."""

SLOW_OR_WRITING = ("figures --out", "verify -q -K 3")
"""Examples not run here: they draw every figure, or verify the whole prelude."""


def examples(command: str) -> list[str]:
    code, text, _ = cajal(command, "--help")
    assert code == 0
    assert "\nexamples:\n" in text, f"`cajal {command} --help` has no examples"
    section = text.split("\nexamples:\n", 1)[1]
    return [line.strip().split("  #")[0].strip() for line in section.splitlines() if line.strip()]


@pytest.mark.parametrize("command", [c for c in cli.COMMANDS if c != "experiment"])
def test_every_help_has_an_examples_section(command: str) -> None:
    code, out, _ = cajal(command, "--help")
    assert code == 0 and "\nexamples:\n  cajal " + command in out


@pytest.mark.parametrize(
    "line",
    [line for command in OWN for line in examples(command) if not any(s in line for s in SLOW_OR_WRITING)],
)
def test_every_example_runs(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if "figures" in line:
        pytest.importorskip("matplotlib")
    if "--symbolic" in line:
        pytest.importorskip("sympy")
    if line.startswith("cajal verify"):
        pytest.importorskip("hypothesis")
    monkeypatch.chdir(REPO)
    argv = shlex.split(line)
    assert argv[0] == "cajal"
    code, out, err = cajal(*argv[1:])
    expected = 1 if "and x x" in line else 0  # the failed-derivation example fails on purpose
    assert code == expected, (line, out, err)
    assert "internal error" not in err
