"""`verify_def` and `cajal verify`: per-def checks over basis inputs (complete) or samples."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from cajal_ref.checker import DefInfo
from cajal_ref.cli import mutants as cli_mutants
from cajal_ref.cli import verify as cli_verify
from cajal_ref.loader import example_path, load_workspace
from cajal_ref.verification.mutants import MUTANTS
from cajal_ref.verification.verify import verify_def

MUTANT = {m.name: m for m in MUTANTS}


@pytest.fixture(scope="module")
def defs() -> dict[str, DefInfo]:
    return load_workspace().defs


# Counts worked out by hand at K = 3: a tuple is checked when its evaluation's peak ≤ 3.
# add m n builds n, n+1, …, n+m: 10 of the 16 pairs have m + n ≤ 3.
# mult m n builds 0, m, …, n·m (and add's states up to them): 12 pairs have m·n ≤ 3
# (the 7 with a zero, and (1,1), (1,2), (1,3), (2,1), (3,1)). double n builds 2n: n ≤ 1.
@pytest.mark.parametrize(
    ("name", "checked", "skipped"),
    [
        ("not", 2, 0),
        ("and", 4, 0),
        ("xor", 4, 0),
        ("is_zero", 4, 0),
        ("is_even", 4, 0),
        ("add", 10, 6),
        ("mult", 12, 4),
        ("double", 2, 2),
        ("discard", 4, 0),
    ],
)
def test_first_order_defs_are_checked_completely(
    defs: dict[str, DefInfo], name: str, checked: int, skipped: int
) -> None:
    report = verify_def(defs[name], defs, nat_bound=3)
    assert report.agree and report.complete
    assert (report.inputs_checked, report.skipped) == (checked, skipped)


def test_higher_order_defs_are_sampled(defs: dict[str, DefInfo]) -> None:
    report = verify_def(defs["compose"], defs, nat_bound=3, samples=3)
    assert report.agree and not report.complete
    # at most 3 × 3 function pairs times 4 naturals
    assert 0 < report.inputs_checked + report.skipped <= 36


def test_open_defs_over_free_variables_are_checked() -> None:
    ws = load_workspace([example_path("apply_n.cj"), example_path("iterate.cj")])
    apply_n = verify_def(ws.defs["apply_n"], ws.defs, nat_bound=3, samples=4)
    assert apply_n.agree and not apply_n.complete and apply_n.inputs_checked > 0
    # iterate: num over 4 naturals, img over 2 basis images, step sampled (tables)
    iterate = verify_def(ws.defs["iterate"], ws.defs, nat_bound=3, samples=4, opaque_dims={"Img": 2})
    assert iterate.agree and iterate.inputs_checked == 4 * 2 * 4


def test_a_broken_compiler_gives_a_readable_counterexample(defs: dict[str, DefInfo]) -> None:
    with MUTANT["iter-from-1"].active():
        report = verify_def(defs["is_even"], defs, nat_bound=3)
    assert not report.agree
    cex = report.counterexample
    assert cex is not None
    # the sum over states starts at 1, so is_even 0 loses its only state (true)
    assert cex.program == "is_even 0"
    assert cex.interpreter == "true"
    assert cex.compiled == "(0, 0)"
    assert "is_even 0" in cex.describe()


def test_a_def_too_large_to_compile_is_reported(defs: dict[str, DefInfo]) -> None:
    from cajal_ref.compiler import compile_term

    def small(*args: Any, **kwargs: Any) -> Any:
        return compile_term(*args, **{**kwargs, "max_entries": 10})

    with mock.patch("cajal_ref.verification.checks.compile_term", small):
        report = verify_def(defs["add"], defs, nat_bound=3)
    assert not report.agree and report.error is not None and "cannot compile" in report.error


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cajal")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_verify.add_parser(sub)
    cli_mutants.add_parser(sub)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


def test_cli_verifies_the_prelude(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["verify", "--nat-bound", "3", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    add = "add : Nat -o Nat -o Nat\n    agree: 10 inputs checked, complete (every basis input); 6 skipped"
    assert add in out
    assert "compose" in out and "sampled" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["verify", "--def", "mult", "--def", "not", "--nat-bound", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data["defs"]] == ["mult", "not"]
    mult = data["defs"][0]
    assert mult == {
        "name": "mult",
        "type": "Nat -o Nat -o Nat",
        "inputs_checked": 12,
        "skipped_over_bound": 4,
        "complete": True,
        "agree": True,
        "counterexample": None,
        "error": None,
    }


def test_cli_disagreement_exits_1_with_the_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    with MUTANT["true-false-swapped"].active():
        code = run_cli(["verify", "--def", "not", "--json"])
    assert code == 1
    (entry,) = json.loads(capsys.readouterr().out)["defs"]
    assert entry["agree"] is False
    assert entry["counterexample"]["program"] == "not true"
    assert entry["counterexample"]["interpreter"] == "false"


def test_cli_files_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mine.cj"
    source.write_text(
        "def three : Nat = 3\n"
        "def twice : (Nat -o Nat) -o Nat -o Nat = fun f : Nat -o Nat => fun x : Nat =>"
        " iter 2 { zero => x | succ y => succ y }  -- ignores f? no: f must be used\n",
        encoding="utf-8",
    )
    assert run_cli(["verify", str(source)]) == 1  # a type error: f unused
    assert "error" in capsys.readouterr().err
    source.write_text("def three : Nat = 3\ndef inc : Nat -o Nat = fun x : Nat => succ x\n", encoding="utf-8")
    assert run_cli(["verify", str(source), "--nat-bound", "3"]) == 0
    out = capsys.readouterr().out
    assert "three : Nat\n    agree: 1 inputs checked" in out
    assert "inc : Nat -o Nat\n    agree: 3 inputs checked, complete (every basis input); 1 skipped" in out
    assert "add" not in out  # only the file's defs
    assert run_cli(["verify", "--def", "nope"]) == 1
    assert "`nope`" in capsys.readouterr().err
    assert run_cli(["verify", str(tmp_path / "missing.cj")]) == 1
