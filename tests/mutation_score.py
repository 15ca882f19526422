"""Print `make mutation`'s score: mutmut's results per module, less the judged equivalents.

Usage: python tests/mutation_score.py RESULTS EQUIVALENTS, where RESULTS is the output of
`mutmut results --all true` (lines `    <mutant>: <status>`) and EQUIVALENTS is
tests/mutation_equivalents.txt (lines `<mutant>  <one-line reason>`, `#` comments).
A mutant is killed when a test failed (or it timed out, crashed, or mypy caught it); the score of a
module is killed / (mutants run − equivalents). Exits 1 if an equivalent names a mutant that
no longer exists (the list has gone stale: mutant numbers move when the source changes).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

MODULES = (
    ("compiler", "cajal_ref.compiler."),
    ("spaces", "cajal_ref.spaces."),
    ("checker", "cajal_ref.checker."),
)
# a segfault is a killed mutant too: the tests crashed (e.g. a def's self-reference check removed,
# so lowering recurses until the C stack overflows), so the suite did not pass
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def read_results(path: Path) -> dict[str, str]:
    results: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            results[name] = status
    return results


def read_equivalents(path: Path) -> dict[str, str]:
    equivalents: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            equivalents[name] = reason.strip()
    return equivalents


def main(argv: list[str]) -> int:
    results = read_results(Path(argv[0]))
    equivalents = read_equivalents(Path(argv[1]))
    stale = sorted(set(equivalents) - set(results))
    print(f"{'module':<10}{'run':>7}{'killed':>8}{'survived':>10}{'equivalent':>12}{'score':>9}")
    for label, prefix in MODULES:
        mine = {n: s for n, s in results.items() if n.startswith(prefix) and s not in NOT_RUN}
        counts = Counter("killed" if s in KILLED else "other" for s in mine.values())
        equivalent = sum(1 for n, s in mine.items() if n in equivalents and s not in KILLED)
        denominator = len(mine) - equivalent
        score = f"{100 * counts['killed'] / denominator:.1f} %" if denominator else "-"
        survived = len(mine) - counts["killed"] - equivalent
        print(f"{label:<10}{len(mine):>7}{counts['killed']:>8}{survived:>10}{equivalent:>12}{score:>9}")
    if stale:
        print(f"stale entries in {argv[1]} (no such mutant): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
