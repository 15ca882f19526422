"""The command line under misuse: JSON on every path, option values, --bind values, output folders.

Each test is the regression test of an item of issue 12 (robustness) or 16 (one
vocabulary of flags); expectations are worked out by hand from the inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cajal_ref import cli
from cajal_ref.cli.bindings import MAX_BIND_DIGITS
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.outputs import prepare_output_dir
from tests.cli_helpers import cajal

ERROR_FIELDS = {"kind", "message", "file", "line", "col", "rule", "related"}


def json_failure(argv: list[str], exit_code: int) -> dict[str, Any]:
    """Run `cajal ARGV` in-process; it must fail with `exit_code` and print one JSON failure on stdout."""
    code, out, err = cajal(*argv)
    assert code == exit_code, (out, err)
    obj = json.loads(out)
    assert obj["exit_code"] == exit_code
    assert set(obj["error"]) >= ERROR_FIELDS
    return dict(obj["error"])


# ---------------------------------------------------------------------------
# --json on every path
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "--json"],  # -e missing
        ["eval", "--json", "-e", "true", "--fuel", "lots"],
        ["compile", "--json", "-e", "not", "-K", "-1"],
        ["frobnicate", "--json"],
        ["check", "--json", "--no-such-option"],
        ["eval", "--js", "-e", "true", "--fuel", "-5"],  # argparse's abbreviation of --json
        ["derive", "--json"],  # neither -e nor --def
        ["explain", "--json", "no-such-code"],
    ],
)
def test_usage_errors_are_json_with_json(argv: list[str]) -> None:
    error = json_failure(argv, 2)
    assert error["kind"] == "usage" and error["message"]


def test_usage_error_without_json_is_text_on_stderr() -> None:
    code, out, err = cajal("compile", "-e", "not", "-K", "-1")
    assert code == 2 and out == ""
    assert "usage: cajal compile" in err and "error: argument -K/--nat-bound: must be ≥ 0, got -1" in err


def test_program_errors_carry_their_exit_code() -> None:
    error = json_failure(["eval", "--json", "-e", "if true then false"], 1)
    assert error["kind"] == "syntax" and error["file"] == "<expr>" and error["line"] == 1


def test_failed_derivation_json_has_exit_code() -> None:
    code, out, _ = cajal("derive", "--json", "-e", "fun x : Bool => and x x")
    assert code == 1
    obj = json.loads(out)
    assert obj["exit_code"] == 1 and obj["error"]["kind"] == "used-twice"


def _raise(exc: BaseException) -> Any:
    def run(args: Any) -> int:
        raise exc

    return run


@pytest.mark.parametrize(
    ("exc", "kind", "exit_code"),
    [(ZeroDivisionError("boom"), "internal", 70), (KeyboardInterrupt(), "interrupted", 130)],
)
def test_internal_errors_and_interrupts_are_json(
    monkeypatch: pytest.MonkeyPatch, exc: BaseException, kind: str, exit_code: int
) -> None:
    from cajal_ref.cli import eval as eval_command

    monkeypatch.setattr(eval_command, "run", _raise(exc))
    monkeypatch.delenv("CAJAL_DEBUG", raising=False)
    error = json_failure(["eval", "--json", "-e", "true"], exit_code)
    assert error["kind"] == kind
    code, out, err = cajal("eval", "-e", "true")
    assert code == exit_code and out == "" and ("internal error" in err or "interrupted" in err)


def test_running_out_of_memory_is_a_clean_size_limit_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from cajal_ref.cli import check as check_command

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(check_command, "load_workspace", out_of_memory)
    error = json_failure(["check", "--json"], 1)
    assert error["kind"] == "size-limit" and "out of memory" in error["message"]


def test_non_utf8_file_name_gives_valid_utf8_json(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9.cj"
    out = subprocess.run(
        [sys.executable, "-m", "cajal_ref.cli", "check", "--json", name],
        capture_output=True,
        timeout=120,
    )
    assert out.returncode == 1
    text = out.stdout.decode("utf-8")  # strict: a raw \xe9 byte would fail here
    error = json.loads(text)["error"]
    assert error["kind"] == "io"
    assert error["file"].endswith("caf\\xe9.cj")


# ---------------------------------------------------------------------------
# Option values: a bad one is a usage error (exit 2) with a clear message
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", "-e", "not", "-K", "-1"], "must be ≥ 0"),
        (["compile", "-e", "not", "-K", "2.5"], "expected an integer"),
        (["compile", "-e", "not", "-K", "9" * 200], "at most 100 digits"),
        (["verify", "-K", "-1"], "must be ≥ 0"),
        (["verify", "--nat-bound", "x"], "expected an integer"),
        (["compile", "-e", "not", "--max-entries", "0"], "must be ≥ 1"),
        (["compile", "-e", "not", "--max-entries", "-3"], "must be ≥ 1"),
        (["compile", "-e", "not", "--opaque-dim", "Img=0"], "N ≥ 1"),
        (["compile", "-e", "not", "--opaque-dim", "=3"], "TYPE=N"),
        (["verify", "--opaque-dim", "Img=0"], "N ≥ 1"),
        (["verify", "--samples", "0"], "must be ≥ 1"),
        (["eval", "-e", "true", "--fuel", "-5"], "must be ≥ 1"),
        (["eval", "-e", "true", "--fuel", "0"], "must be ≥ 1"),
        (["derive", "-e", "true", "--width", "0"], "must be ≥ 1"),
        (["mutants", "--examples", "0"], "must be ≥ 1"),
    ],
)
def test_bad_option_values_are_usage_errors(argv: list[str], message: str) -> None:
    code, out, err = cajal(*argv)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_expression_starting_with_a_dash_has_a_documented_form() -> None:
    code, _, err = cajal("eval", "-e", "--x")
    assert code == 2 and "-e=" in err and "--expr=" in err
    # with `=`, text starting with `--` is the expression: a comment line, then `true`
    assert cajal("eval", "-e=-- a comment\ntrue") == (0, "true\n", "")
    assert cajal("eval", "--expr=-- a comment\nfalse") == (0, "false\n", "")


def test_verify_takes_K_like_compile() -> None:
    code, out, err = cajal("verify", "-K", "2", "--def", "not", "--json")
    assert code == 0, err
    assert json.loads(out)["nat_bound"] == 2


def test_bare_opaque_dim_applies_to_every_opaque_type(tmp_path: Path) -> None:
    src = tmp_path / "img.cj"
    src.write_text("type Img\n")
    code, out, err = cajal("compile", str(src), "-e", "fun x : Img => x", "--opaque-dim", "3", "--json")
    assert code == 0, err
    # the identity on a 3-dimensional space is the 3 × 3 identity matrix
    assert json.loads(out)["entries"] == [["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]]
    code, out, _ = cajal("compile", str(src), "-e", "fun x : Img => x", "--opaque-dim", "Img=2", "--json")
    assert json.loads(out)["shape"] == [2, 2]


# ---------------------------------------------------------------------------
# --bind values
# ---------------------------------------------------------------------------

BOOL_X = ["-e", "x", "--ctx", "x : Bool"]


def bind_error(command: str, *argv: str) -> dict[str, Any]:
    error = json_failure([command, "--json", *argv], 1)
    assert error["kind"] == "bad-binding"
    return error


@pytest.mark.parametrize("command", ["compile", "eval"])
def test_huge_exponent_is_refused_at_once(command: str) -> None:
    error = bind_error(command, *BOOL_X, "--bind", "x=[1e100000000, 0]")
    assert (error["file"], error["line"], error["col"]) == ("<bind x>", 1, 2)
    assert f"{MAX_BIND_DIGITS:,} digits" in error["message"]


@pytest.mark.parametrize(
    "number",
    [
        "1" * (MAX_BIND_DIGITS + 1),
        f"1e{MAX_BIND_DIGITS}",  # 1 followed by 4,300 zeros: 4,301 digits
        f"1e-{MAX_BIND_DIGITS}",  # its denominator has 4,301 digits
        f'"1/{"7" * (MAX_BIND_DIGITS + 1)}"',
        "1e" + "9" * 10_000,
    ],
)
def test_numbers_over_the_digit_limit_are_refused(number: str) -> None:
    error = bind_error("compile", *BOOL_X, "--bind", f"x=[{number}, 0]")
    assert error["col"] == 2 and "too large" in error["message"]


def test_numbers_at_the_digit_limit_are_read_exactly() -> None:
    big = "9" * MAX_BIND_DIGITS
    code, out, err = cajal("compile", *BOOL_X, "--bind", f"x=[{big}, 1e{MAX_BIND_DIGITS - 1}]", "--json")
    assert code == 0, err
    assert json.loads(out)["entries"] == [big, "1" + "0" * (MAX_BIND_DIGITS - 1)]


def test_ragged_matrix_is_reported_as_ragged() -> None:
    argv = ["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool", "--bind", "f=[[1],[2,3]]", "--bind", "x=true"]
    error = bind_error("compile", *argv)
    assert "ragged" in error["message"] and "row 2 has 2 entries but row 1 has 1" in error["message"]
    assert error["col"] == 6  # the second row


@pytest.mark.parametrize("depth", [3, 10_000])
def test_deep_list_says_a_binding_is_a_vector_or_matrix(depth: int) -> None:
    error = bind_error("compile", *BOOL_X, "--bind", "x=" + "[" * depth + "1" + "]" * depth)
    assert "nest at most 2 deep" in error["message"] and error["col"] == 3


@pytest.mark.parametrize(
    ("value", "entries"),
    [
        ('["0.25", "3/4"]', ["1/4", "3/4"]),
        ("[0.5, 1e2]", ["1/2", "100"]),
        ('[-1.5e1, " -6 / 4 "]', ["-15", "-3/2"]),
    ],
)
def test_decimals_quoted_or_not_are_exact(value: str, entries: list[str]) -> None:
    code, out, err = cajal("compile", *BOOL_X, "--bind", f"x={value}", "--json")
    assert code == 0, err
    assert json.loads(out)["entries"] == entries


@pytest.mark.parametrize("command", ["compile", "eval"])
def test_binding_a_name_twice_is_refused(command: str) -> None:
    error = bind_error(command, "-e", "not x", "--ctx", "x : Bool", "--bind", "x=true", "--bind", "x=false")
    assert "bound twice" in error["message"]


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["-e", "succ n", "--ctx", "n : Nat", "--bind", "n=[0, 0, 1]"], 3),
        (["-e", "not x", "--ctx", "x : Bool", "--bind", "x=[0, 1]"], True),  # e_false
        # the matrix of `not`: column true ↦ e_false, column false ↦ e_true
        (
            ["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool", "--bind=f=[[0,1],[1,0]]", "--bind=x=true"],
            False,
        ),
        # a Nat -o Nat matrix defined on 0 … 2: 0 ↦ 2, 1 ↦ 0, 2 ↦ 1
        (["-e", "f 1", "--ctx", "f : Nat -o Nat", "--bind", "f=[[0,1,0],[0,0,1],[1,0,0]]"], 0),
    ],
)
def test_eval_reads_the_list_grammar_of_compile(argv: list[str], value: Any) -> None:
    code, out, err = cajal("eval", *argv, "--json")
    assert code == 0, err
    assert json.loads(out)["value"] == value


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-e", "not x", "--ctx", "x : Bool", "--bind", 'x=["1/2", "1/2"]'], "not a basis vector"),
        (["-e", "not x", "--ctx", "x : Bool", "--bind", "x=[0, 0, 1]"], "has 3 entries"),
        (["-e", "f 5", "--ctx", "f : Nat -o Nat", "--bind", "f=[[0,1],[1,0]]"], "defined on 0 … 1"),
        (["-e", "g f", "--ctx", "g : (Nat -o Nat) -o Nat, f : Nat -o Nat", "--bind", "g=[[1]]"], "term"),
    ],
)
def test_eval_refuses_lists_without_a_direct_value(argv: list[str], message: str) -> None:
    error = bind_error("eval", *argv)
    assert message in error["message"] and error["file"] == f"<bind {argv[-1].split('=')[0]}>"


# ---------------------------------------------------------------------------
# Output folders: checked before any work
# ---------------------------------------------------------------------------


def test_output_dir_that_is_a_file_or_under_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for target, words in ((a_file, "is a file"), (a_file / "sub" / "dir", "lies under")):
        with pytest.raises(CajalError) as info:
            prepare_output_dir(target)
        assert info.value.kind is ErrorKind.IO and words in info.value.message
    made = prepare_output_dir(tmp_path / "new" / "nested")
    assert made.is_dir() and list(made.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, unwritable even for root")
def test_output_dir_that_cannot_be_written() -> None:
    with pytest.raises(CajalError) as info:
        prepare_output_dir(Path("/proc/cajal-cannot-be-here"))
    assert "cannot write there" in info.value.message


def test_figures_checks_out_before_drawing(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for target in (a_file, a_file / "sub"):
        code, _, err = cajal("figures", "--out", str(target), "--only", "heatmap_not")
        assert code == 1 and ("is a file" in err or "lies under" in err)
        assert "[1/1]" not in err  # nothing was drawn
    code, _, err = cajal("figures", "--out", str(tmp_path / "x"), "--results", str(a_file))
    assert code == 1 and "not a folder" in err


def test_cli_is_importable_without_running() -> None:
    assert callable(cli.main) and "eval" in cli.COMMANDS


# ---------------------------------------------------------------------------
# One vocabulary of flags (issue 16): -e NAME of an open def, --quiet
# ---------------------------------------------------------------------------

APPLY_N = str(Path(__file__).resolve().parent.parent / "cajal_ref" / "examples" / "apply_n.cj")


def test_eval_and_derive_take_an_open_def_by_name_like_compile() -> None:
    # apply_n = iter n { zero => x | succ y => f y }: double applied 3 times to 1 is 8
    code, out, err = cajal("eval", APPLY_N, "-e", "apply_n", "--bind=f=double", "--bind=n=3", "--bind=x=1")
    assert (code, out) == (0, "8\n"), err
    code, out, err = cajal("derive", APPLY_N, "-e", "apply_n", "--no-defs")
    assert code == 0, err
    assert out.startswith("f : Nat -o Nat, n : Nat, x : Nat ⊢ iter n { zero => x | succ y => f y } : Nat")


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    assert cajal("check", "-q", APPLY_N) == (0, "", "")
    bad = tmp_path / "bad.cj"
    bad.write_text("def dup : Bool -o Bool = fun x : Bool => and x x\n")
    code, out, err = cajal("check", "--quiet", str(bad))
    assert code == 1 and out == "" and "used twice" in err
    assert cajal("verify", "-q", "-K", "2", "--def", "not") == (0, "", "")


def test_cli_page_sessions_are_real_output() -> None:
    from cajal_ref.cli.transcripts import run_command, transcript_steps

    page = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    steps = transcript_steps(page.read_text(encoding="utf-8"))
    assert len(steps) >= 5
    for step in steps:
        assert run_command(step.command) == step.expected, f"docs/cli.md:{step.line}: {step.command}"


def test_entries_past_pythons_digit_limit_are_printed() -> None:
    big = "9" * 4000  # 10^4000 - 1
    argv = ["-e", "f x", "--ctx", "f : Bool -o Bool, x : Bool"]
    argv += [f"--bind=f=[[{big}, 0], [0, 1]]", f"--bind=x=[{big}, 0]"]
    code, out, err = cajal("compile", *argv, "--json")
    assert code == 0, err
    # (10^4000 - 1)^2 = 10^8000 - 2·10^4000 + 1
    assert json.loads(out)["entries"] == ["9" * 3999 + "8" + "0" * 3999 + "1", "0"]
    code, out, err = cajal("compile", *argv)
    assert code == 0 and "9" * 3999 + "8" + "0" * 3999 + "1" in out, err


def test_the_bind_digit_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    big = "7" * (MAX_BIND_DIGITS + 200)
    bind_error("compile", *BOOL_X, "--bind", f"x=[{big}, 0]")
    monkeypatch.setenv("CAJAL_MAX_BIND_DIGITS", str(MAX_BIND_DIGITS + 200))
    code, out, err = cajal("compile", *BOOL_X, "--bind", f'x=[{big}, "-1/{big}"]', "--json")
    assert code == 0, err
    assert json.loads(out)["entries"] == [big, f"-1/{big}"]
