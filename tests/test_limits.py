"""Resource limits of the core (issue 12): source size, non-regular files, numeral digits, line ends.

Each test is the regression test of one item; expectations are worked out by hand.
docs/limits.md lists every limit, its default and the setting that raises it.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from cajal_ref.diagnostics import EXCERPT_WIDTH, CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import DEFAULT_MAX_SOURCE_BYTES, load_workspace, read_source
from cajal_ref.parser import MAX_NUMERAL_DIGITS, parse_module, parse_term
from cajal_ref.syntax import BoolT, Numeral, Source, bound_recurrent_weights, free_vars, step_free_vars
from tests.cli_helpers import cajal

# ---------------------------------------------------------------------------
# Source size and file kinds
# ---------------------------------------------------------------------------


def test_a_source_over_the_size_limit_is_refused_and_one_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.cj"
    path.write_text("-- " + "x" * 97)  # exactly 100 bytes
    assert len(read_source(path, max_bytes=100).text) == 100
    with pytest.raises(CajalError) as info:
        read_source(path, max_bytes=99)
    err = info.value
    assert err.kind is ErrorKind.IO and err.file == str(path)
    assert "larger than the source size limit of 99 bytes" in err.message
    assert "CAJAL_MAX_SOURCE_BYTES" in err.message


def test_the_source_size_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "defs.cj"
    path.write_text("def t : Bool = true\n")  # 20 bytes
    monkeypatch.setenv("CAJAL_MAX_SOURCE_BYTES", "19")
    code, _, err = cajal("check", str(path))
    assert code == 1 and f"{path}: error: cannot read" in err and "19 bytes" in err
    monkeypatch.setenv("CAJAL_MAX_SOURCE_BYTES", "20")
    assert cajal("check", str(path))[:2] == (0, "t : Bool\n")
    monkeypatch.setenv("CAJAL_MAX_SOURCE_BYTES", "lots")
    code, _, err = cajal("check", str(path))
    assert code == 1 and "CAJAL_MAX_SOURCE_BYTES must be a positive integer, got 'lots'" in err


def test_the_default_size_limit_is_a_few_mebibytes() -> None:
    assert 1 << 20 <= DEFAULT_MAX_SOURCE_BYTES <= 16 << 20


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused_without_reading_it() -> None:
    # before: read_bytes() of /dev/zero grew without bound (23.7 GB in 10 s)
    with pytest.raises(CajalError) as info:
        read_source("/dev/zero")
    assert info.value.file == "/dev/zero" and "not a regular file" in info.value.message
    code, _, err = cajal("check", "/dev/zero")
    assert code == 1 and err.startswith("/dev/zero: error: cannot read `/dev/zero`")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    # before: opening a FIFO with no writer blocked forever
    fifo = tmp_path / "pipe.cj"
    os.mkfifo(fifo)
    code, _, err = cajal("check", str(fifo))
    assert code == 1 and "it is a FIFO" in err and err.startswith(f"{fifo}: error:")


def test_a_directory_and_a_missing_file_are_named(tmp_path: Path) -> None:
    assert "it is a directory" in cajal("check", str(tmp_path))[2]
    assert "no such file" in cajal("check", str(tmp_path / "nope.cj"))[2]
    with pytest.raises(CajalError) as info:
        read_source("a\0b.cj")
    assert "NUL" in info.value.message


def test_bytes_that_are_not_utf8_are_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.cj"
    path.write_bytes(b"def t : Bool =\n  tr\xe9e\n")
    with pytest.raises(CajalError) as info:
        read_source(path)
    err = info.value
    assert (err.file, err.line, err.col) == (str(path), 2, 5)
    assert "byte 0xe9 at offset 19" in err.message


# ---------------------------------------------------------------------------
# Numerals
# ---------------------------------------------------------------------------


def test_a_numeral_past_the_digit_limit_is_a_located_error() -> None:
    # before: 4,301 digits crashed `eval` with Python's int/str digit limit (exit 70)
    assert MAX_NUMERAL_DIGITS < 4300  # every printer (str, json) copes with the default
    parse_term(Source("<expr>", "9" * MAX_NUMERAL_DIGITS))
    with pytest.raises(CajalError) as info:
        parse_term(Source("<expr>", "succ " + "1" * (MAX_NUMERAL_DIGITS + 1)))
    err = info.value
    assert err.kind is ErrorKind.SYNTAX and (err.line, err.col) == (1, 6)
    assert f"numeral has {MAX_NUMERAL_DIGITS + 1:,} digits" in err.message
    code, _, out = cajal("eval", "-e", "1" * 4301)
    assert code == 1 and out.startswith("<expr>:1:1: error: numeral has 4,301 digits")


def test_the_rendered_error_of_a_long_line_is_a_window_around_the_caret() -> None:
    text = "succ " * 100 + "@ " + "zero " * 100
    with pytest.raises(CajalError) as info:
        parse_term(Source("<expr>", text))
    assert info.value.col == 501
    lines = info.value.render().splitlines()
    shown, carets = lines[1], lines[2]
    assert len(shown) <= EXCERPT_WIDTH + 2 and shown.startswith("…") and shown.endswith("…")
    assert carets.strip() == "^" and shown[carets.index("^")] == "@"


def test_past_python_s_digit_limit_values_still_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAJAL_MAX_NUMERAL_DIGITS", "5000")
    nines = "9" * 4500
    assert parse_term(Source("<expr>", nines)) == Numeral(10**4500 - 1)
    expected = "1" + "0" * 4500  # succ (10^4500 - 1)
    assert cajal("eval", "-e", f"succ {nines}")[:2] == (0, expected + "\n")
    code, out, _ = cajal("eval", "--json", "-e", f"succ {nines}")
    assert code == 0 and json.loads(out)["value"] == expected  # too long for a JSON number
    assert sys.get_int_max_str_digits() in (0, 4300)  # the process-wide limit was not touched


# ---------------------------------------------------------------------------
# Line ends
# ---------------------------------------------------------------------------


def test_cr_lf_and_lone_cr_all_end_a_line() -> None:
    source = Source("f.cj", "ab\rcd\r\nef\ngh\r\rij")
    assert [source.position(source.text.index(w)) for w in ("ab", "cd", "ef", "gh", "ij")] == [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 1),
        (6, 1),
    ]
    assert [source.line_text(n) for n in range(1, 7)] == ["ab", "cd", "ef", "gh", "", "ij"]


def test_a_cr_only_file_has_its_lines_and_comments_end_at_cr() -> None:
    # before: the whole file was line 1, and a `--` comment ran to the end of the file
    text = "-- a comment\rdef t : Bool = true\rdef u : Bool = y\r"
    with pytest.raises(CajalError) as info:
        parse_and_check(text)
    err = info.value
    assert (err.line, err.col) == (3, 16)
    assert err.render().splitlines()[1:3] == ["def u : Bool = y", " " * 15 + "^"]


def parse_and_check(text: str) -> None:
    ws = load_workspace()
    ws.add_source(Source("cr.cj", text))


def test_a_comment_before_a_cr_does_not_swallow_the_next_def() -> None:
    module = parse_module(Source("cr.cj", "-- one\rdef t : Bool = true\r-- two\r\ndef u : Bool = t"))
    assert [getattr(d, "name", None) for d in module.decls] == ["t", "u"]


# ---------------------------------------------------------------------------
# Memory linear in the number of defs
# ---------------------------------------------------------------------------


def _memory_to_check_defs(n: int) -> int:
    """Bytes still allocated after checking a file of n one-line defs (each naming the previous)."""
    text = "\n".join(f"def d{i} : Bool = " + ("true" if i == 0 else f"not d{i - 1}") for i in range(n))
    ws = load_workspace()
    gc.collect()
    tracemalloc.start()
    try:
        ws.add_source(Source("many.cj", text))
        gc.collect()  # count what the workspace keeps, not garbage awaiting collection
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_memory_grows_linearly_with_the_number_of_defs() -> None:
    # before: each def's typing kept a copy of every earlier def (12,000 defs: 2 GB);
    # the increments of memory from 200 to 400 and from 400 to 600 defs were then in
    # the ratio 1.36 (quadratic growth), now 1.0 (linear)
    a, b, c = (_memory_to_check_defs(n) for n in (200, 400, 600))
    assert c - b < 1.15 * (b - a)


def test_a_late_def_still_has_its_derivation() -> None:
    ws = load_workspace()
    *_, last = ws.add_source(Source("chain.cj", "def a : Bool = true\ndef b = not a\ndef c = and b a"))
    assert last.type == BoolT() and last.derivation is not None and "and" in str(last.derivation)


# ---------------------------------------------------------------------------
# `check` accepts what `eval` accepts: deep nesting
# ---------------------------------------------------------------------------

DEPTH = 5000


def _nested_lets(tmp_path: Path) -> Path:
    lets = "".join(f"let x{i} = succ x{i - 1} in " for i in range(1, DEPTH))
    path = tmp_path / "lets.cj"
    path.write_text(f"def lets : Nat = let x0 = 0 in {lets}x{DEPTH - 1}\n")
    return path


def test_check_accepts_5000_nested_lets_like_eval(tmp_path: Path) -> None:
    # before: `cajal check` printed "nested too deeply" (a recursive helper of its printing)
    path = _nested_lets(tmp_path)
    assert cajal("eval", str(path), "-e", "lets")[:2] == (0, f"{DEPTH - 1}\n")
    assert cajal("check", str(path))[:2] == (0, "lets : Nat\n")


def test_check_accepts_5000_nested_iters(tmp_path: Path) -> None:
    path = tmp_path / "iters.cj"
    path.write_text(
        "def its : Nat = " + "iter 1 { zero => " * DEPTH + "7" + " | succ y => y }" * DEPTH + "\n"
    )
    assert cajal("eval", str(path), "-e", "its")[:2] == (0, "7\n")
    assert cajal("check", str(path))[:2] == (0, "its : Nat\n")


def test_a_recurrent_weight_under_5000_lets_is_found(tmp_path: Path) -> None:
    lets = "".join(f"let x{i} = x{i - 1} in " for i in range(1, DEPTH))
    body = f"fun m : Nat => let x0 = m in {lets}iter 2 {{ zero => 0 | succ y => add x{DEPTH - 1} y }}"
    path = tmp_path / "weights.cj"
    path.write_text(f"def w : Nat -o Nat = {body}\n")
    code, out, _ = cajal("check", str(path))
    # only the last let's variable occurs inside the step: it alone is a recurrent weight
    assert (code, out) == (0, f"w : Nat -o Nat\n    recurrent weights bound inside: x{DEPTH - 1}\n")
    assert cajal("eval", str(path), "-e", "w 3")[:2] == (0, "6\n")  # 3 + (3 + 0)


def test_variable_scans_of_the_prelude() -> None:
    defs = load_workspace(examples=True).defs
    assert [n for n, _ in bound_recurrent_weights(defs["mult"].body)] == ["m"]
    assert bound_recurrent_weights(defs["add"].body) == []
    assert free_vars(defs["mult"].body) == {"add"}
    assert step_free_vars(defs["mult"].body) == {"add"}
    assert free_vars(defs["iterate"].body) == {"num", "img", "step"}
    assert step_free_vars(defs["iterate"].body) == {"step"}
    span = bound_recurrent_weights(defs["mult"].body)[0][1]
    assert span.source.text[span.start : span.end] == "m"


# ---------------------------------------------------------------------------
# Fuel: counts work, and its error points at the user's code
# ---------------------------------------------------------------------------


def test_fuel_counts_the_nodes_evaluated() -> None:
    ws = load_workspace()
    term = ws.check_expression("not true").term
    # by hand: `not true` (1), `not` (2), its body `fun x : Bool => if x then false else true` (3),
    # `true` (4), `if x then false else true` (5), `x` (6), `false` (7)
    assert evaluate(term, {}, ws.defs, fuel=7).value is False
    with pytest.raises(CajalError) as info:
        evaluate(term, {}, ws.defs, fuel=6)
    assert info.value.kind is ErrorKind.FUEL and "budget of 6 steps" in info.value.message


def test_out_of_fuel_points_at_the_expression_not_into_the_prelude() -> None:
    # before: the error pointed at `not b` inside the prelude's is_even
    code, _, err = cajal("eval", "--fuel", "1000", "-e", "is_even 1000000000")
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("<expr>:1:1: error: evaluation stopped: its budget of 1,000 steps is spent")
    assert lines[1:3] == ["is_even 1000000000", "^" * len("is_even 1000000000")]
    assert lines[3].startswith("<prelude>/nat.cj:") and "note: the budget ran out here" in lines[3]


def test_out_of_fuel_in_a_file_points_at_the_innermost_user_code(tmp_path: Path) -> None:
    path = tmp_path / "runaway.cj"
    path.write_text("def f : Nat =\n  iter 100 { zero => 1 | succ y => mult 2 y }\n")
    code, out, _ = cajal("eval", "--json", "--fuel", "1000", str(path), "-e", "succ f")
    error = json.loads(out)["error"]
    assert code == 1 and error["kind"] == "out-of-fuel"
    assert (error["file"], error["line"], error["col"]) == (str(path), 2, 36)  # `mult 2 y`
    assert error["related"][0]["file"] == "<prelude>/nat.cj"


def test_with_only_library_code_the_error_stays_where_the_budget_ran_out() -> None:
    ws = load_workspace()
    with pytest.raises(CajalError) as info:
        evaluate(ws.defs["is_even"].body, {}, ws.defs, fuel=50).value(10**6)
    err = info.value
    assert err.file is not None and err.file.startswith("<prelude>/") and err.related == ()
