"""Classroom errors: every message names its code and `cajal explain`; misspellings get a suggestion
located at the misspelling (the cases of issue 16: is_evn, cont, itr, bool, than)."""

from __future__ import annotations

import pytest

from cajal_ref.diagnostics import CajalError, ErrorKind, edit_distance, suggest
from cajal_ref.loader import load_workspace

from .cli_helpers import cajal


def check_error(text: str, ctx: str | None = None) -> CajalError:
    with pytest.raises(CajalError) as info:
        load_workspace().check_expression(text, ctx)
    return info.value


def test_edit_distance_counts_swaps_as_one_edit() -> None:
    assert edit_distance("itr", "iter") == 1
    assert edit_distance("hten", "then") == 1
    assert edit_distance("than", "then") == 1
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("", "abc") == 3


def test_suggest_prefers_case_matches_and_stays_quiet_when_far() -> None:
    assert suggest("bool", ["Bool", "Nat"]) == "Bool"
    assert suggest("is_evn", ["is_even", "is_zero", "not"]) == "is_even"
    assert suggest("cont", ["count", "n"]) == "count"
    assert suggest("banana", ["Bool", "Nat"]) is None
    assert suggest("x", ["y", "z"]) is None  # one-letter names: every other one is one edit away


def test_unbound_def_name_suggests_the_def() -> None:
    err = check_error("is_evn 2")
    assert err.kind is ErrorKind.UNBOUND
    assert err.message.endswith("did you mean `is_even`?")
    assert (err.line, err.col) == (1, 1)


def test_unbound_variable_suggests_the_variable_in_scope() -> None:
    err = check_error("fun count : Nat => succ cont")
    assert err.message.endswith("did you mean `count`?")
    assert err.col == len("fun count : Nat => succ ") + 1
    err = check_error("ture")
    assert err.message.endswith("did you mean `true`?")


def test_lowercase_bool_is_suggested_as_Bool_not_declared() -> None:
    err = check_error("fun x : bool => x")
    assert err.kind is ErrorKind.UNKNOWN_TYPE
    assert "did you mean `Bool`?" in err.message and "type bool" not in err.message
    err = check_error("x", "x : nat")
    assert "did you mean `Nat`?" in err.message
    err = check_error("fun x : Image => x")
    assert "declare it with `type Image`" in err.message  # nothing near: the declaration advice stays


def test_itr_is_located_at_the_typo() -> None:
    text = "fun n : Nat => itr n { zero => true | succ b => not b }"
    err = check_error(text)
    assert err.kind is ErrorKind.SYNTAX
    assert err.message.startswith("`itr` is not a keyword; did you mean `iter`?")
    assert err.col == text.index("itr") + 1


def test_than_is_located_at_the_typo_not_at_else() -> None:
    text = "fun x : Bool => if x than false else true"
    err = check_error(text)
    assert err.message.startswith("`than` is not a keyword; did you mean `then`?")
    assert err.col == text.index("than") + 1
    err = check_error("if true then false esle true")
    assert err.message.startswith("`esle` is not a keyword; did you mean `else`?")


def test_rendered_errors_name_their_code_rule_and_explain_command() -> None:
    err = check_error("fun x : Bool => and x x")
    last = err.render().splitlines()[-1]
    expected = "help: this is error `used-twice` (typing rule App); `cajal explain used-twice` explains it"
    assert last == expected
    code, out, _ = cajal("explain", "used-twice")
    assert code == 0 and out.startswith("used-twice")


def test_cli_prints_the_pointer_for_every_kind_it_reports() -> None:
    code, _, err = cajal("eval", "-e", "is_evn 2")
    assert code == 1
    assert "did you mean `is_even`?" in err
    assert err.rstrip().endswith("`cajal explain unbound-variable` explains it")
