"""The `cajal` command line, through a real subprocess: output, JSON, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def cajal(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cajal_ref.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_eval_mult_prints_twelve() -> None:
    out = cajal("eval", "-e", "mult 3 4")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "12\n"


def test_eval_json_reports_type_value_and_peak() -> None:
    out = cajal("eval", "--json", "-e", "add 3 4")
    assert out.returncode == 0
    assert json.loads(out.stdout) == {"type": "Nat", "value": 7, "peak": 7}


def test_eval_prints_booleans_and_functions() -> None:
    assert cajal("eval", "-e", "is_even 7").stdout == "false\n"
    assert cajal("eval", "-e", "add 2").stdout == "<fun : Nat -o Nat>\n"
    assert cajal("eval", "-e", "compose").stdout == "<fun : (Nat -o Nat) -o (Nat -o Nat) -o Nat -o Nat>\n"


def test_eval_open_expression_with_bindings() -> None:
    out = cajal(
        "eval",
        "-e",
        "iter n { zero => x | succ y => f y }",
        "--ctx",
        "f : Nat -o Nat, n : Nat, x : Nat",
        "--bind",
        "f = double",
        "--bind",
        "n = 3",
        "--bind",
        "x = 1",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "8\n"


def test_eval_open_expression_needs_every_binding() -> None:
    out = cajal("eval", "-e", "not x", "--ctx", "x : Bool")
    assert out.returncode == 1
    assert "`x`" in out.stderr and "--bind" in out.stderr


def test_check_prints_prelude_types() -> None:
    out = cajal("check")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "not : Bool -o Bool" in lines
    assert "mult : Nat -o Nat -o Nat" in lines
    assert "compose : (Nat -o Nat) -o (Nat -o Nat) -o Nat -o Nat" in lines


def test_check_json_lists_recurrent_weights() -> None:
    out = cajal("check", "--json")
    defs = {d["name"]: d for d in json.loads(out.stdout)["defs"]}
    assert defs["mult"]["recurrent_weights"] == ["m"]
    assert defs["add"]["recurrent_weights"] == []
    assert defs["is_even"]["type"] == "Nat -o Bool"


def test_check_open_program_marks_recurrent_weight(tmp_path: Path) -> None:
    src = tmp_path / "open.cj"
    src.write_text(
        "free f : Nat -o Nat\nfree n : Nat\nfree x : Nat\n"
        "def apply_n : Nat = iter n { zero => x | succ y => f y }\n"
    )
    out = cajal("check", "--json", str(src))
    assert out.returncode == 0, out.stderr
    (entry,) = json.loads(out.stdout)["defs"]
    assert entry["context"] == [
        {"name": "f", "type": "Nat -o Nat", "recurrent": True},
        {"name": "n", "type": "Nat", "recurrent": False},
        {"name": "x", "type": "Nat", "recurrent": False},
    ]
    text = cajal("check", str(src)).stdout
    assert "f : Nat -o Nat  [recurrent weight]" in text


def test_strict_iter_rejects_mult_at_its_recurrent_weight() -> None:
    out = cajal("check", "--strict-iter")
    assert out.returncode == 1
    first = out.stderr.splitlines()[0]
    # mult's step is `add m y`: the error points at the use of m in the step
    assert first.startswith("<prelude>/nat.cj:")
    assert "`m`" in first
    source_line, caret_line = out.stderr.splitlines()[1:3]
    col = caret_line.index("^")
    assert source_line[col] == "m" and "add m y" in source_line


def test_strict_iter_json_error_shape() -> None:
    out = cajal("check", "--strict-iter", "--json")
    assert out.returncode == 1
    err = json.loads(out.stdout)["error"]
    assert err["kind"] == "strict-iter"
    assert err["file"] == "<prelude>/nat.cj"
    assert isinstance(err["line"], int) and isinstance(err["col"], int)


def test_type_error_format_file_line_col_and_caret(tmp_path: Path) -> None:
    src = tmp_path / "bad.cj"
    src.write_text("-- a comment\ndef dup : Bool -o Bool = fun x : Bool => and x x\n")
    out = cajal("check", str(src))
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    # the second use of x is at line 2, column 48
    assert lines[0].startswith(f"{src}:2:48: error: ")
    assert "used twice" in lines[0]
    assert lines[2] == " " * 47 + "^"


def test_missing_file_is_a_clean_error() -> None:
    out = cajal("check", "no/such/file.cj")
    assert out.returncode == 1
    assert "no/such/file.cj" in out.stderr and "no such file" in out.stderr
    assert "Traceback" not in out.stderr


def test_directory_is_a_clean_error(tmp_path: Path) -> None:
    out = cajal("check", str(tmp_path))
    assert out.returncode == 1
    assert "directory" in out.stderr


def test_non_utf8_file_names_line_and_column(tmp_path: Path) -> None:
    src = tmp_path / "latin1.cj"
    src.write_bytes(b"def t : Bool = true\ndef f : Bool = caf\xe9\n")
    out = cajal("check", str(src))
    assert out.returncode == 1
    assert out.stderr.startswith(f"{src}:2:19: error: ")
    assert "UTF-8" in out.stderr
    assert "Traceback" not in out.stderr


def test_empty_file_has_no_defs(tmp_path: Path) -> None:
    src = tmp_path / "empty.cj"
    src.write_text("")
    out = cajal("check", "--json", str(src))
    assert out.returncode == 0
    assert json.loads(out.stdout) == {"defs": []}


@pytest.mark.parametrize(
    "args",
    [
        ("eval",),  # -e is required
        ("frobnicate",),
        ("eval", "-e", "true", "--fuel", "lots"),
        ("compile", "-e", "not", "--nat-bound", "-1"),
        ("verify", "--nat-bound", "x"),
        (),
    ],
)
def test_usage_errors_exit_two(args: tuple[str, ...]) -> None:
    out = cajal(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("command", ["check", "eval"])
def test_every_subcommand_has_help(command: str) -> None:
    out = cajal(command, "--help")
    assert out.returncode == 0
    assert "usage: cajal " + command in out.stdout


def test_json_error_for_syntax_error() -> None:
    out = cajal("eval", "--json", "-e", "if true then false")
    assert out.returncode == 1
    err = json.loads(out.stdout)["error"]
    assert err["kind"] == "syntax"
    assert err["file"] == "<expr>" and err["line"] == 1
