"""Mutation testing: every deliberate compiler bug is killed by the property suite."""

from __future__ import annotations

import argparse
import json

import pytest

from cajal_ref.checker import DefInfo
from cajal_ref.cli import mutants as cli_mutants
from cajal_ref.compiler import primitives as compiler
from cajal_ref.loader import load_workspace
from cajal_ref.verification.mutants import AREA_MUTANTS, MUTANTS, PRIMITIVE_MUTANTS, Mutant, run_mutant


@pytest.fixture(scope="module")
def defs() -> dict[str, DefInfo]:
    return load_workspace().defs


def test_there_are_at_least_twelve_distinct_mutants_of_real_primitives() -> None:
    assert len(PRIMITIVE_MUTANTS) >= 12
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    for m in PRIMITIVE_MUTANTS:
        assert m.where is compiler and callable(getattr(compiler, m.target))
    for m in AREA_MUTANTS:
        assert hasattr(m.where, m.target), m.patches


def test_one_area_mutant_for_each_of_issue_15s_seven_areas() -> None:
    # the description starts with the area's number, "(1)" … "(7)"
    assert sorted(m.description[:3] for m in AREA_MUTANTS) == [f"({i})" for i in range(1, 8)]
    assert {m.patches for m in AREA_MUTANTS} >= {"compiler.tensors._INT64_SAFE", "spaces.decode"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_every_mutant_is_killed(defs: dict[str, DefInfo], mutant: Mutant) -> None:
    original = getattr(mutant.where, mutant.target)
    result = run_mutant(mutant, defs, max_examples=400, shrink=False)
    assert result.killed, f"{mutant.name} survived {result.examples} programs"
    assert result.counterexample
    assert getattr(mutant.where, mutant.target) is original  # the patch is undone


def test_the_unmutated_compiler_is_not_killed(defs: dict[str, DefInfo]) -> None:
    # the harness itself must not report failures: same search, no bug
    identity = Mutant("none", "no bug", "mix", lambda f: f)
    result = run_mutant(identity, defs, max_examples=150, shrink=False)
    assert not result.killed, result.counterexample
    assert result.examples >= 100


def test_shrinking_gives_a_small_counterexample(defs: dict[str, DefInfo]) -> None:
    mutant = next(m for m in MUTANTS if m.name == "true-false-swapped")
    result = run_mutant(mutant, defs, max_examples=200, shrink_steps=200)
    assert result.killed and result.counterexample is not None
    program_line = next(line for line in result.counterexample.splitlines() if "program:" in line)
    assert len(program_line.split("program:")[1].strip()) <= 10  # `true` / `false`


def test_a_clock_can_only_shorten_shrinking_never_flip_the_verdict(
    defs: dict[str, DefInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a machine so slow that each reading of the clock is an hour later: the
    # shrinking budget is spent at once. The old design answered "passes" for the failing
    # case on hypothesis's replay (FlakyFailure, exit 70); the found failure must stand.
    from cajal_ref.verification import mutants as module

    hours = iter(range(0, 10**9, 3600))
    monkeypatch.setattr(module.time, "perf_counter", lambda: float(next(hours)))
    mutant = next(m for m in MUTANTS if m.name == "if-swapped")
    for seconds in (0.0, 1.0):
        result = run_mutant(mutant, defs, max_examples=200, shrink_seconds=seconds)
        assert result.killed and result.counterexample is not None
        assert "program:" in result.counterexample


def test_the_search_and_its_shrinking_are_deterministic(defs: dict[str, DefInfo]) -> None:
    mutant = next(m for m in MUTANTS if m.name == "iter-from-1")
    one = run_mutant(mutant, defs, max_examples=200, shrink_steps=50)
    two = run_mutant(mutant, defs, max_examples=200, shrink_steps=50)
    assert one.killed and (one.counterexample, one.examples) == (two.counterexample, two.examples)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cajal")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_mutants.add_parser(sub)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


def test_cli_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["mutants", "--mutant", "if-swapped", "--json", "--shrink-seconds", "2"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["mutant"] == "if-swapped" and entry["killed"] is True
    assert set(entry) >= {"mutant", "description", "killed", "seconds", "counterexample"}
    assert "program:" in entry["counterexample"]
    assert run_cli(["mutants", "--mutant", "iter-from-1", "--shrink-seconds", "2"]) == 0
    out = capsys.readouterr().out
    assert "iter-from-1" in out and "killed" in out and "1/1 mutants killed" in out
    # the repro of the flaky exit 70: no time at all for shrinking still kills the mutant
    assert run_cli(["mutants", "--mutant", "if-swapped", "--shrink-seconds", "0"]) == 0
    assert "1/1 mutants killed" in capsys.readouterr().out
    assert run_cli(["mutants", "--mutant", "if-swapped", "--shrink-steps", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["killed"] is True
    for bad in (["--shrink-seconds", "-1"], ["--shrink-seconds", "nan"], ["--shrink-steps", "-1"]):
        with pytest.raises(SystemExit) as usage:
            run_cli(["mutants", *bad])
        assert usage.value.code == 2
    capsys.readouterr()
    assert run_cli(["mutants", "--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(MUTANTS)
    assert run_cli(["mutants", "--mutant", "nope"]) == 1
    assert "unknown mutant" in capsys.readouterr().err
