"""Fuzzing the command line (issue 12): whatever the input, only the project's own errors come out.

Three sources of input, each run through `cajal check`, `cajal eval` and `cajal compile`
via the CLI entry point `cajal_ref.cli.main`: random bytes written to a file, token
soups of the language's keywords and symbols (as a file and as `-e` text), and the
prelude with tokens deleted, duplicated or swapped (loaded with --no-prelude, and its
last def evaluated and compiled). Asserted, and nothing else: the exit code is 0, 1
or 2, and exit 1 prints a located error in the project's format — never a traceback
or an internal error.

Fast by default (part of `make test`); CAJAL_HYPOTHESIS_PROFILE=thorough runs the
profile's full number of examples.
"""

from __future__ import annotations

import os
import re
import tempfile
from importlib import resources
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cajal_ref.loader import PRELUDE_FILES
from tests.cli_helpers import cajal

THOROUGH = os.environ.get("CAJAL_HYPOTHESIS_PROFILE", "fast") == "thorough"
FAST_EXAMPLES = 50
"""Examples per input kind in the fast profile: each runs three commands (~20 s in all)."""

fuzz_settings = settings(
    max_examples=settings().max_examples if THOROUGH else FAST_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

EVAL_FUEL = "20000"
"""A small budget: a mutated program may iterate for long, and running out is a clean exit 1."""

# `FILE:LINE:COL: error: …` (a located error), `FILE: error: …` (a file that cannot be read),
# or `error: …` (an error of the whole command, e.g. a setting)
_LOCATED = re.compile(r"^(?:(?P<file>.+?):(?:(?P<line>\d+):(?P<col>\d+):)? )?error: \S")


def assert_clean(argv: list[str]) -> None:
    code, out, err = cajal(*argv)
    assert code in (0, 1, 2), (argv, code, out, err)
    text = out + err
    assert "Traceback" not in text and "internal error" not in text, (argv, text)
    if code == 1:
        first = err.splitlines()[0] if err else ""
        match = _LOCATED.match(first)
        assert match is not None, (argv, err)
        if match["line"] is not None:
            assert int(match["line"]) >= 1 and int(match["col"]) >= 1
            assert "^" in err  # the caret line under the excerpt


def _run_file_commands(text: bytes | str, *, no_prelude: bool = False, expr: str = "true") -> None:
    prelude = ["--no-prelude"] if no_prelude else []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.cj"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
        file = str(path)
        assert_clean(["check", *prelude, file])
        assert_clean(["eval", *prelude, "--fuel", EVAL_FUEL, f"--expr={expr}", file])
        assert_clean(["compile", *prelude, "-K", "2", f"--expr={expr}", file])


# ---------------------------------------------------------------------------
# Random bytes
# ---------------------------------------------------------------------------

_BYTES = st.one_of(
    st.binary(max_size=200),
    # bytes that are mostly Cajal text, with a few arbitrary ones (NUL, \r, invalid UTF-8)
    st.lists(
        st.one_of(
            st.sampled_from([b"def ", b"x", b" = ", b"true", b"\n", b"\r", b"\xff", b"\x00"]), st.binary()
        ),
        max_size=30,
    ).map(b"".join),
)


@fuzz_settings
@given(_BYTES)
def test_random_bytes_in_a_file(data: bytes) -> None:
    _run_file_commands(data)


# ---------------------------------------------------------------------------
# Token soups
# ---------------------------------------------------------------------------

TOKENS = [
    *("def", "type", "free", "fun", "let", "in", "if", "then", "else", "iter", "zero", "succ"),
    *("true", "false", "Bool", "Nat", "Img", "λ", "𝟚", "ℕ", "⊸", "⇒", "-o", "=>", "=", ":", ".", ","),
    *("(", ")", "{", "}", "|", "x", "y", "f", "not", "add", "mult", "is_even", "0", "1", "9", "12"),
    *("-- a comment\n", "\n", "\r", "\r\n", "\t", " ", "@", "\\", "→", "->", "-", "1" * 4001),
]

_SOUP = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map(" ".join)


@fuzz_settings
@given(_SOUP)
def test_token_soup_as_a_file(text: str) -> None:
    _run_file_commands(text)


@fuzz_settings
@given(_SOUP)
def test_token_soup_as_an_expression(text: str) -> None:
    assert_clean(["eval", "--fuel", EVAL_FUEL, f"--expr={text}"])
    assert_clean(["compile", "-K", "2", f"--expr={text}"])


# ---------------------------------------------------------------------------
# Mutated prelude programs
# ---------------------------------------------------------------------------

PRELUDE = "\n".join(
    resources.files("cajal_ref").joinpath("prelude", name).read_text(encoding="utf-8")
    for name in PRELUDE_FILES
)
_TOKEN = re.compile(r"--[^\n]*|\s+|[A-Za-z_][A-Za-z0-9_']*|\d+|=>|-o|.", re.DOTALL)
PRELUDE_TOKENS = _TOKEN.findall(PRELUDE)
_WORDS = [i for i, tok in enumerate(PRELUDE_TOKENS) if not tok.isspace()]


@st.composite
def mutated_prelude(draw: st.DrawFn) -> str:
    tokens = list(PRELUDE_TOKENS)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.sampled_from(_WORDS))
        j = draw(st.sampled_from(_WORDS))
        match draw(st.sampled_from(["delete", "duplicate", "swap"])):
            case "delete":
                tokens[i] = ""
            case "duplicate":
                tokens[i] = tokens[i] + " " + tokens[i]
            case _:
                tokens[i], tokens[j] = tokens[j], tokens[i]
    return "".join(tokens)


def _last_def(text: str) -> str:
    names = re.findall(r"\bdef\s+([A-Za-z_][A-Za-z0-9_']*)", text)
    return names[-1] if names else "true"


@fuzz_settings
@given(mutated_prelude())
def test_mutated_prelude(text: str) -> None:
    _run_file_commands(text, no_prelude=True, expr=_last_def(text))


def test_the_unmutated_prelude_passes_cleanly() -> None:
    # the harness itself: unmutated, the prelude as a file checks, and its last def
    # evaluates and compiles (so the mutants above exercise more than the parser)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prelude.cj"
        path.write_text(PRELUDE, encoding="utf-8")
        name = _last_def(PRELUDE)
        assert cajal("check", "--no-prelude", str(path))[0] == 0
        assert cajal("eval", "--no-prelude", f"--expr={name}", str(path))[0] == 0
        assert cajal("compile", "--no-prelude", "-K", "2", f"--expr={name}", str(path))[0] == 0
