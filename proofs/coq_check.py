"""Checking the mechanized proof (proofs/coq/) with coqc, and the cross-check cases.

The development is compiled in a temporary copy (nothing is written into the tree), in the
order of `_CoqProject`. Then `Assumptions.v` prints the axioms each theorem depends on, which
must be none ("Closed under the global context"), and must equal the committed
`proofs/coq/assumptions.txt`. Last, the cases of `coq_cases` (the Python compiler's tensors)
are written and checked against the verified compiler.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

COQ_DIR = Path(__file__).resolve().parent / "coq"
ASSUMPTIONS = COQ_DIR / "assumptions.txt"
INSTALL_HINT = (
    "coqc not found: the mechanized proof needs Coq 8.16 or later. "
    "On Debian/Ubuntu: sudo apt-get install -y coq"
)
CLOSED = "Closed under the global context"
TIMEOUT_S = 600


@dataclass
class CoqOutcome:
    """What one coqc run established; `ok` only if every step passed."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def add(self, line: str, ok: bool, report: Callable[[str], None] | None) -> None:
        self.lines.append(line)
        self.ok = self.ok and ok
        if report is not None:
            report(line)


def theory_files() -> list[str]:
    """The .v files of the development, in dependency order (from `_CoqProject`)."""
    lines = (COQ_DIR / "_CoqProject").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip().endswith(".v")]


def coqc(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("coqc")
    assert exe is not None
    return subprocess.run(
        [exe, "-q", "-Q", ".", "Cajal", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def build(folder: Path, report: Callable[[str], None] | None = None) -> tuple[CoqOutcome, str]:
    """Copy and compile the development in `folder`; returns the outcome and Assumptions' output."""
    out = CoqOutcome()
    printed = ""
    for name in theory_files():
        shutil.copy(COQ_DIR / name, folder / name)
    for name in theory_files():
        start = time.perf_counter()
        done = coqc(folder, name)
        secs = time.perf_counter() - start
        ok = done.returncode == 0
        detail = "" if ok else "\n" + (done.stdout + done.stderr).strip()
        out.add(f"{'ok  ' if ok else 'FAIL'}  coqc {name} ({secs:.1f}s){detail}", ok, report)
        if not ok:
            return out, printed
        if name == "Assumptions.v":
            printed = done.stdout
    return out, printed


def check_assumptions(printed: str, out: CoqOutcome, report: Callable[[str], None] | None) -> None:
    """Every theorem is closed (no axiom, no admitted lemma) and the committed record matches."""
    source = (COQ_DIR / "Assumptions.v").read_text(encoding="utf-8")
    wanted = source.count("Print Assumptions ")
    found = printed.count(CLOSED)
    closed = wanted > 0 and found == wanted and "Axioms:" not in printed
    out.add(
        f"{'ok  ' if closed else 'FAIL'}  Print Assumptions: {found} of {wanted} theorems closed, "
        + ("none depends on an axiom or an admitted lemma" if closed else "axioms:\n" + printed),
        closed,
        report,
    )
    recorded = ASSUMPTIONS.read_text(encoding="utf-8") if ASSUMPTIONS.exists() else ""
    same = recorded == printed
    out.add(
        f"{'ok  ' if same else 'FAIL'}  the output equals the committed {ASSUMPTIONS.name}",
        same,
        report,
    )


def run_coq(generated: int | None = None, report: Callable[[str], None] | None = print) -> CoqOutcome:
    """Build the development, check its assumptions, and run the cross-check cases."""
    from . import coq_cases

    if shutil.which("coqc") is None:
        out = CoqOutcome()
        out.add(f"FAIL  {INSTALL_HINT}", False, report)
        return out
    with tempfile.TemporaryDirectory(prefix="cajal-coq-") as tmp:
        folder = Path(tmp)
        out, printed = build(folder, report)
        if not out.ok:
            return out
        check_assumptions(printed, out, report)
        start = time.perf_counter()
        count, crashes = coq_cases.write_cases(
            str(folder / "Cases.v"), coq_cases.GENERATED if generated is None else generated
        )
        for crash in crashes:
            out.add(
                f"FAIL  the Python compiler crashed on {crash.label} at K = {crash.k}: {crash.error}\n"
                f"      {crash.program}",
                False,
                report,
            )
        done = coqc(folder, "Cases.v")
        secs = time.perf_counter() - start
        ok = done.returncode == 0
        detail = "" if ok else "\n" + (done.stdout + done.stderr).strip()[-4000:]
        out.add(
            f"{'ok  ' if ok else 'FAIL'}  {count} cross-check cases: the Python compiler's tensors, "
            "checker's types and interpreter's values and peaks "
            f"{'agree with' if ok else 'DISAGREE with'} the verified ones ({secs:.1f}s){detail}",
            ok,
            report,
        )
    return out
