"""Several independent errors of one file are reported together; dependants are skipped, not re-reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cajal_ref.checker import Program, check_module
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import load_workspace
from cajal_ref.parser import parse_module
from cajal_ref.syntax import Source
from tests.cli_helpers import cajal

FILE = """\
def a : Bool = and true
def b : Bool = not a
def c : Nat = succ true
def d : Bool = not true
free f : Bool -o Bool
free f : Bool
def e : Bool = fun x : Bool => x
def g : Bool = f true
"""
# line 1: and true is Bool -o Bool, not Bool              -> reported
# line 2: names the failed `a`                             -> skipped
# line 3: succ of a Bool                                   -> reported
# line 4: fine
# line 6: f declared twice (the first declaration stands)  -> reported
# line 7: Bool -o Bool declared Bool                       -> reported
# line 8: uses f, declared fine on line 5                  -> checked, fine


def errors_of(text: str) -> list[CajalError]:
    program = Program(types={}, defs={})
    load = load_workspace()
    program.defs.update(load.defs)
    before = dict(program.defs)
    with pytest.raises(CajalError) as caught:
        check_module(parse_module(Source("m.cj", text)), program)
    assert program.defs == before  # nothing of a failing module is added
    return [caught.value, *caught.value.also]


def test_independent_errors_are_all_reported_in_order() -> None:
    errors = errors_of(FILE)
    assert [(e.line, e.kind) for e in errors] == [
        (1, ErrorKind.MISMATCH),
        (3, ErrorKind.MISMATCH),
        (6, ErrorKind.DUPLICATE),
        (7, ErrorKind.MISMATCH),
    ]


def test_a_def_naming_a_failed_def_is_skipped_transitively() -> None:
    text = "def a : Bool = succ zero\ndef b : Bool = not a\ndef c : Bool = not b\ndef d : Nat = true\n"
    assert [e.line for e in errors_of(text)] == [1, 4]


def test_a_def_naming_a_failed_free_variable_is_skipped() -> None:
    text = "free f : Img\ndef a : Img = f\ndef b : Nat = false\n"
    errors = errors_of(text)
    assert [(e.line, e.kind) for e in errors] == [(1, ErrorKind.UNKNOWN_TYPE), (3, ErrorKind.MISMATCH)]


def test_one_error_has_no_also() -> None:
    (only,) = errors_of("def a : Nat = true\n")
    assert only.also == () and "errors" not in only.to_json()


def test_parse_errors_stop_at_the_first() -> None:
    with pytest.raises(CajalError) as caught:
        parse_module(Source("m.cj", "def a : Bool = if true then\ndef b : Nat = succ\n"))
    assert caught.value.kind is ErrorKind.SYNTAX and caught.value.also == ()


def test_cli_text_reports_every_error_then_the_count(tmp_path: Path) -> None:
    path = tmp_path / "m.cj"
    path.write_text(FILE, encoding="utf-8")
    code, out, err = cajal("check", str(path))
    assert code == 1 and out == ""
    located = [line for line in err.splitlines() if ": error: " in line]
    assert [line.split(":")[1] for line in located] == ["1", "3", "6", "7"]
    assert err.rstrip().endswith("4 errors")
    assert err.count("cajal explain") == 4


def test_cli_json_lists_every_error(tmp_path: Path) -> None:
    path = tmp_path / "m.cj"
    path.write_text(FILE, encoding="utf-8")
    code, out, _ = cajal("check", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and data["exit_code"] == 1
    assert [(e["line"], e["kind"]) for e in data["errors"]] == [
        (1, "type-mismatch"), (3, "type-mismatch"), (6, "duplicate-definition"), (7, "type-mismatch"),
    ]
    assert data["error"] == data["errors"][0]
