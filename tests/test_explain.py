"""`cajal explain` and the tutorial: every error kind explained, every example real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cajal_ref import cli
from cajal_ref.cli.transcripts import refresh_transcripts, run_command, run_example, transcript_steps
from cajal_ref.diagnostics import ErrorKind
from cajal_ref.explanations import EXPLANATIONS, Example, explanation
from cajal_ref.rules import RULES
from tests.cli_helpers import cajal

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "docs" / "tutorial.md"


def test_every_error_kind_has_an_explanation() -> None:
    assert set(EXPLANATIONS) == set(ErrorKind)
    for kind, entry in EXPLANATIONS.items():
        assert entry.kind is kind
        assert len(entry.text) > 80 and entry.fix and entry.title
        assert all(rule in RULES for rule in entry.rules)


def test_only_disagreement_has_no_example() -> None:
    """A disagreement is a bug in cajal_ref: no correct program can produce one."""
    missing = {kind for kind, entry in EXPLANATIONS.items() if entry.example is None}
    assert missing == {ErrorKind.DISAGREEMENT}


def _runnable(example: Example) -> None:
    assert example.argv[0] in cli.COMMANDS, f"`cajal {example.argv[0]}` is not a registered command"


@pytest.mark.parametrize(
    "kind", [k for k, e in EXPLANATIONS.items() if e.example is not None], ids=lambda k: k.value
)
def test_each_minimal_example_produces_its_error_kind(kind: ErrorKind) -> None:
    example = EXPLANATIONS[kind].example
    assert example is not None
    _runnable(example)
    result = run_example(example, json_output=True)
    assert result.exit_code == 1, result.output
    assert result.error_kind == kind.value, result.output


@pytest.mark.parametrize(
    "kind", [k for k, e in EXPLANATIONS.items() if e.fixed is not None], ids=lambda k: k.value
)
def test_each_fix_really_fixes_it(kind: ErrorKind) -> None:
    fixed = EXPLANATIONS[kind].fixed
    assert fixed is not None
    _runnable(fixed)
    result = run_example(fixed, json_output=True)
    assert result.exit_code == 0, result.output
    assert result.error_kind is None


def test_type_error_examples_fail_in_the_checker_itself() -> None:
    """Independently of the CLI: load each `check` example's files and get the kind from the loader."""
    from cajal_ref.diagnostics import CajalError
    from cajal_ref.loader import load_workspace
    from cajal_ref.syntax import Source

    checked = 0
    for kind, entry in EXPLANATIONS.items():
        example = entry.example
        if example is None or example.argv[0] != "check" or not example.files:
            continue
        ws = load_workspace(strict_iter="--strict-iter" in example.argv)
        with pytest.raises(CajalError) as info:
            for name, text in example.files:
                ws.add_source(Source(name, text))
        assert info.value.kind is kind
        checked += 1
    assert checked >= 12


def test_explain_lists_every_code() -> None:
    code, out, _ = cajal("explain")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == [k.value for k in EXPLANATIONS]


def test_explain_a_code_runs_its_example() -> None:
    code, out, _ = cajal("explain", "used-twice")
    assert code == 0
    assert out.startswith("used-twice: a linear variable is used twice")
    assert "$ cajal check both.cj" in out
    assert "both.cj:1:49: error: variable `x` is used twice" in out  # the real message, live
    assert "note: first use of `x`" in out
    assert "How to fix it:" in out
    assert "both : Bool -o Bool" in out  # the fixed file checks


def test_explain_without_running_and_as_json() -> None:
    code, out, _ = cajal("explain", "--no-run", "step-type")
    assert code == 0 and "$ cajal check evens.cj" in out and "error:" not in out
    code, out, _ = cajal("explain", "--json", "iter-not-nat")
    obj = json.loads(out)
    assert obj["code"] == "iter-not-nat" and obj["rules"] == ["Iter"]
    assert "flips.cj" in obj["example_files"]


def test_explain_accepts_kind_names_and_rejects_unknown_codes() -> None:
    assert explanation("USED_TWICE") is EXPLANATIONS[ErrorKind.USED_TWICE]
    code, _, err = cajal("explain", "no-such-code")
    assert code == 2 and "unknown error code" in err


def test_example_paths_do_not_leak_the_scratch_directory() -> None:
    result = run_example(EXPLANATIONS[ErrorKind.IO].example)  # type: ignore[arg-type]
    assert "cannot read `missing.cj`" in result.output
    assert "cajal-explain-" not in result.output


# ---------------------------------------------------------------------------
# The tutorial's transcripts are real
# ---------------------------------------------------------------------------


def test_tutorial_walks_from_not_to_is_even_to_mult() -> None:
    steps = transcript_steps(TUTORIAL.read_text(encoding="utf-8"))
    commands = [s.command for s in steps]
    for verb in ("check", "derive", "eval", "compile"):
        assert any(c.startswith(f"cajal {verb}") for c in commands), verb
    first = {name: min(i for i, c in enumerate(commands) if name in c) for name in ("not", "is_even", "mult")}
    assert first["not"] < first["is_even"] < first["mult"]


def test_tutorial_outputs_match_the_real_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    text = TUTORIAL.read_text(encoding="utf-8")
    steps = transcript_steps(text)
    assert len(steps) >= 15
    for step in steps:
        assert step.command.split()[1] in cli.COMMANDS, step.command
        actual = run_command(step.command)
        where = f"docs/tutorial.md:{step.line}: `{step.command}`"
        assert actual == step.expected, f"{where} now prints:\n{actual}"


def test_refresh_replaces_outputs_and_keeps_prose() -> None:
    doc = "Intro\n```console\n$ cajal eval -e \"not true\"\nstale output\n```\nOutro\n"
    refreshed = refresh_transcripts(doc)
    assert refreshed == "Intro\n```console\n$ cajal eval -e \"not true\"\nfalse\n```\nOutro\n"
    (step,) = transcript_steps(refreshed)
    assert (step.command, step.expected, step.line) == ('cajal eval -e "not true"', "false", 3)
