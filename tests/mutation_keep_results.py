"""Keep mutmut's stored verdicts when test files are *added* to `[tool.mutmut]`'s selection.

Usage: python tests/mutation_keep_results.py OLD_REV

mutmut discards every stored result when the selection list changes, because a new list may
drop tests. Adding tests cannot revive a killed mutant (some test still fails on it), so after a
change that only adds files (or moves tests into new files) the killed verdicts stand and only
the survivors need a rerun with the new tests. This script checks that every test file of the
selection at OLD_REV (a git revision) is still selected or that its tests moved into selected
files, then writes the current selection's fingerprint into `mutants/mutmut-stats.json`, so the
next `mutmut run` keeps the results, times and maps the new tests, and reruns what it is told.
Rerun the survivors afterwards (`mutmut run NAME …`): their stored verdicts predate the new tests.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

STATS = Path("mutants/mutmut-stats.json")


def git_show(rev: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True).stdout


def selection(pyproject: str) -> list[str]:
    return list(tomllib.loads(pyproject)["tool"]["mutmut"]["pytest_add_cli_args_test_selection"])


def test_names(source: str) -> set[str]:
    """The module-level test functions of a test file."""
    tree = ast.parse(source)
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    old_rev = argv[0]
    old = selection(git_show(old_rev, "pyproject.toml"))
    new = selection(Path("pyproject.toml").read_text(encoding="utf-8"))
    now_selected: set[str] = set()
    for path in new:
        now_selected |= test_names(Path(path).read_text(encoding="utf-8"))
    for path in old:
        before = git_show(old_rev, path)
        missing = test_names(before) - now_selected
        if missing:
            print(f"{path}: tests no longer selected: {', '.join(sorted(missing))}", file=sys.stderr)
            print("stored results may be wrong; delete mutants/ and run everything", file=sys.stderr)
            return 1
    from mutmut.configuration import config

    data = json.loads(STATS.read_text(encoding="utf-8"))
    data["config_fingerprint"] = config().config_fingerprint()
    tmp = STATS.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(STATS)
    print(f"kept the stored results: {len(new) - len(old)} test file(s) added to the selection")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
