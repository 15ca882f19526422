"""Running `cajal` commands in-process: the examples of `cajal explain` and the tutorial's sessions.

This sits in the CLI layer because it runs the CLI; `cajal_ref.explanations` holds the
texts and examples and is handed `run_example` by `cajal explain`. To regenerate
docs/tutorial.md after a deliberate change in output:
`.venv/bin/python -c "from cajal_ref.cli.transcripts import refresh_file; refresh_file('docs/tutorial.md')"`.
"""

from __future__ import annotations

import contextlib
import io
import json
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..explanations import Example, ExampleRun


def run_example(
    example: Example, *, json_output: bool = False, main: Callable[[Sequence[str]], int] | None = None
) -> ExampleRun:
    """Run an example's command in-process, its files in a scratch directory.

    The scratch directory's path is removed from the output, so it reads as if run
    where the files are. `main` defaults to `cajal_ref.cli.main`.
    """
    if main is None:
        from . import main as cli_main

        main = cli_main
    with tempfile.TemporaryDirectory(prefix="cajal-explain-") as scratch:
        root = Path(scratch)
        names = {name for name, _ in example.files}
        for name, text in example.files:
            (root / name).write_text(text, encoding="utf-8")
        argv = [str(root / a) if a in names or a.endswith(".cj") else a for a in example.argv]
        if json_output:
            argv.append("--json")
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(argv)
        output = buffer.getvalue().replace(str(root) + "/", "")
    kind: str | None = None
    if json_output:
        kind = _json_error_kind(output)
    return ExampleRun(code, output, kind)


def _json_error_kind(output: str) -> str | None:
    try:
        obj: Any = json.loads(output)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        kind = obj["error"].get("kind")
        return kind if isinstance(kind, str) else None
    return None


# ---------------------------------------------------------------------------
# Transcripts: the `$ cajal ...` sessions of docs/tutorial.md, re-run to stay true
# ---------------------------------------------------------------------------

_FENCE = "```"


@dataclass(frozen=True)
class TranscriptStep:
    """One `$ cajal ARGS` line of a console block and the output written under it."""

    line: int
    command: str
    expected: str


def transcript_steps(markdown: str) -> list[TranscriptStep]:
    """The commands of every ```console block, with the output the document shows for each."""
    steps: list[TranscriptStep] = []
    in_console = False
    current: tuple[int, str] | None = None
    output: list[str] = []

    def close() -> None:
        nonlocal current, output
        if current is not None:
            steps.append(TranscriptStep(current[0], current[1], "\n".join(output)))
        current, output = None, []

    for number, text in enumerate(markdown.split("\n"), start=1):
        if text.startswith(_FENCE):
            if in_console:
                close()
                in_console = False
            elif text.strip() == _FENCE + "console":
                in_console = True
            continue
        if not in_console:
            continue
        if text.startswith("$ cajal"):
            close()
            current = (number, text[2:])
        elif current is not None:
            output.append(text)
    return steps


def run_command(command: str, main: Callable[[Sequence[str]], int] | None = None) -> str:
    """Run `cajal ARGS` in-process; stdout and stderr interleaved, as a terminal shows them."""
    argv = shlex.split(command)
    if argv[:1] != ["cajal"]:
        raise ValueError(f"not a cajal command: {command}")
    if main is None:
        from . import main as cli_main

        main = cli_main
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        main(argv[1:])
    return buffer.getvalue().rstrip("\n")


def refresh_transcripts(markdown: str, main: Callable[[Sequence[str]], int] | None = None) -> str:
    """The document with the output under every `$ cajal` line replaced by the real output."""
    lines = markdown.split("\n")
    out: list[str] = []
    in_console = False
    skipping = False
    for text in lines:
        if text.startswith(_FENCE):
            if in_console:
                in_console = False
                skipping = False
            elif text.strip() == _FENCE + "console":
                in_console = True
            out.append(text)
            continue
        if in_console and text.startswith("$ cajal"):
            out.append(text)
            produced = run_command(text[2:], main)
            if produced:
                out.extend(produced.split("\n"))
            skipping = True
            continue
        if in_console and skipping:
            continue
        out.append(text)
    return "\n".join(out)


def refresh_file(path: str | Path) -> None:
    """Rewrite a markdown file's transcripts in place (used to regenerate docs/tutorial.md)."""
    target = Path(path)
    target.write_text(refresh_transcripts(target.read_text(encoding="utf-8")), encoding="utf-8")
