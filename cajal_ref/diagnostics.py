"""The one error type of the project, its kinds, caret rendering, and exit codes.

Every failure a user can cause — bad syntax, a type error, a missing file, a
compilation too large — is a `CajalError`. The CLI turns it into
`FILE:LINE:COL: error: MESSAGE` plus the source line and a caret line, or into
JSON, and exits with `EXIT_PROGRAM_ERROR`. Nothing else may escape to the user.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .syntax import Span

EXIT_OK = 0
EXIT_PROGRAM_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL_ERROR = 70
"""A bug in cajal_ref itself (BSD sysexits' EX_SOFTWARE), never a user's mistake."""


class ErrorKind(StrEnum):
    """Stable codes for every kind of error (used by `--json` and `cajal explain`)."""

    # reading and parsing
    IO = "io"
    SYNTAX = "syntax"
    TOO_DEEP = "too-deep"
    # declarations
    DUPLICATE = "duplicate-definition"
    UNKNOWN_TYPE = "unknown-type"
    OPEN_DEF = "open-def-reference"
    # the linear typing rules (SPEC §3)
    UNBOUND = "unbound-variable"
    USED_TWICE = "used-twice"
    UNUSED = "unused-variable"
    BRANCH_CONTEXTS = "branch-contexts"
    MISMATCH = "type-mismatch"
    NOT_A_FUNCTION = "not-a-function"
    ITER_NOT_NAT = "iter-not-nat"
    STEP_TYPE = "step-type"
    RECURRENT_WEIGHT_TYPE = "recurrent-weight-type"
    STRICT_ITER = "strict-iter"
    # compiling and linking
    SIZE_LIMIT = "size-limit"
    UNBOUND_WEIGHT = "unbound-recurrent-weight"
    BAD_BINDING = "bad-binding"
    # evaluation
    FUEL = "out-of-fuel"
    # verification
    DISAGREEMENT = "disagreement"


@dataclass(frozen=True)
class Related:
    """A secondary location shown under an error (e.g. the first of two uses)."""

    span: Span
    message: str


class CajalError(Exception):
    """An error in a Cajal program or in how the tools were asked to process it."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        span: Span | None = None,
        *,
        rule: str | None = None,
        related: tuple[Related, ...] = (),
        file: str | None = None,
        also: tuple[CajalError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.span = span
        self.rule = rule
        self.related = related
        self._file = file
        self.also = also
        """Further independent errors found in the same file (reported with this one)."""

    @property
    def file(self) -> str | None:
        return self.span.file if self.span is not None else self._file

    @property
    def line(self) -> int | None:
        return self.span.line if self.span is not None else None

    @property
    def col(self) -> int | None:
        return self.span.col if self.span is not None else None

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """`FILE:LINE:COL: error: MESSAGE`, the source line, a caret line; then notes."""
        lines = [_located(self.span, self.file, "error", self.message)]
        lines.extend(_excerpt(self.span))
        for rel in self.related:
            lines.append(_located(rel.span, rel.span.file, "note", rel.message))
            lines.extend(_excerpt(rel.span))
        lines.append(self.help_line())
        if self.also:
            for other in self.also:
                lines.extend(["", other.render()])
            lines.extend(["", f"{1 + len(self.also)} errors"])
        return "\n".join(lines)

    def help_line(self) -> str:
        """The error's code (and typing rule) and where to read more, as rustc does."""
        rule = f" (typing rule {self.rule})" if self.rule else ""
        return f"help: this is error `{self.kind.value}`{rule}; `cajal explain {self.kind.value}` explains it"

    def to_json(self) -> dict[str, Any]:
        """`{"error": …}`, and `errors` (this one first) when the file had several."""
        obj = self._own_json()
        if self.also:
            obj["errors"] = [obj["error"], *(other._own_json()["error"] for other in self.also)]
        return obj

    def _own_json(self) -> dict[str, Any]:
        return {
            "error": {
                "kind": self.kind.value,
                "message": self.message,
                "file": self.file,
                "line": self.line,
                "col": self.col,
                "rule": self.rule,
                "related": [
                    {"message": r.message, "file": r.span.file, "line": r.span.line, "col": r.span.col}
                    for r in self.related
                ],
            }
        }


def setting(variable: str, default: int) -> int:
    """A positive integer limit read from the environment variable `variable`, else `default`.

    Resource limits (source size, numeral digits) are raised this way, so that every
    command and the Python API honour the same setting; a bad value is a clear error.
    """
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return default
    digits = text.strip().replace("_", "")
    if not digits or len(digits) > 30 or any(not "0" <= c <= "9" for c in digits) or int(digits) < 1:
        raise CajalError(
            ErrorKind.BAD_BINDING,
            f"the environment variable {variable} must be a positive integer, got {text!r}",
        )
    return int(digits)


def _located(span: Span | None, file: str | None, severity: str, message: str) -> str:
    if span is not None:
        return f"{span.file}:{span.line}:{span.col}: {severity}: {message}"
    if file is not None:
        return f"{file}: {severity}: {message}"
    return f"{severity}: {message}"


EXCERPT_WIDTH = 160
"""Longest source excerpt shown under an error; a longer line is cut to a window around the caret."""


def _excerpt(span: Span | None) -> list[str]:
    """The source line of the span and a caret line under it (first line only).

    A line longer than EXCERPT_WIDTH (a 4,000-digit numeral, a minified file) is shown
    as a window around the span, marked with `…`, so an error is never megabytes long.
    """
    if span is None or not span.source.text:
        return []
    line, col = span.line, span.col
    text = span.source.line_text(line)
    end_line, end_col = span.end_position
    width = (end_col - col) if end_line == line else len(text) - col + 1
    width = max(1, width)
    start = col - 1
    if len(text) > EXCERPT_WIDTH:
        begin = max(0, min(start - EXCERPT_WIDTH // 4, len(text) - EXCERPT_WIDTH))
        head = "…" if begin > 0 else ""
        tail = "…" if begin + EXCERPT_WIDTH < len(text) else ""
        text = head + text[begin : begin + EXCERPT_WIDTH] + tail
        start = start - begin + len(head)
        width = max(1, min(width, EXCERPT_WIDTH + len(head) - start))
    # keep tabs so the carets line up under the same columns as the source line
    pad = "".join(ch if ch == "\t" else " " for ch in text[:start])
    return [text, pad + "^" * width]


# ---------------------------------------------------------------------------
# "Did you mean": the nearest name in scope
# ---------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate `name` most likely misspells, or None.

    A case-insensitive match wins (`bool` → `Bool`); otherwise the nearest candidate
    within max(1, len/3) edits (rustc's threshold), ties broken alphabetically. Names
    of one or two letters get only case-insensitive matches: `x` for `y` is noise.
    """
    best: tuple[int, str] | None = None
    limit = max(1, len(name) // 3) if len(name) > 2 else 0
    for candidate in set(candidates):
        if candidate == name:
            continue
        if candidate.lower() == name.lower():
            distance = 0
        elif abs(len(candidate) - len(name)) > limit:
            continue
        else:
            distance = edit_distance(name, candidate)
        if distance <= limit and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best[1] if best is not None else None
