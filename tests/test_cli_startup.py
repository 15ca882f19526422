"""Start-up stays light: the modules a command loads, checked structurally (no timing here).

`cajal eval` and `cajal check` need neither numpy nor sympy; nothing but `figures`
and `experiment` needs matplotlib or JAX; sympy is loaded only for symbolic work.
The time itself is measured by benchmarks/startup_bench.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "sympy", "matplotlib", "jax", "hypothesis", "scipy", "optax", "sklearn")


def python(code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)


def heavy_modules_after(argv: list[str]) -> list[str]:
    """Run `cajal ARGV` in a fresh interpreter; return the heavy top-level packages it imported."""
    code = (
        "import json, sys\n"
        "from cajal_ref.cli import main\n"
        f"status = main({argv!r})\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(json.dumps({'status': status, 'heavy': heavy}))\n"
    )
    out = python(code)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 0, out
    return list(result["heavy"])


def test_importing_the_package_loads_no_numpy() -> None:
    code = f"import sys, cajal_ref\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    assert python(code).stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "-e", "not true"],
        ["eval", "--json", "-e", "mult 3 4"],
        ["eval", "-e", "f 2", "--ctx", "f : Nat -o Nat", "--bind", "f = double"],
        ["eval", "-e", "n", "--ctx", "n : Nat", "--bind", "n=[0, 1]"],
        ["check"],
        ["derive", "-e", "not true"],
    ],
)
def test_eval_check_and_derive_load_no_heavy_package(argv: list[str]) -> None:
    assert heavy_modules_after(argv) == []


def test_compile_loads_sympy_only_for_symbolic_work() -> None:
    assert heavy_modules_after(["compile", "-e", "not"]) == ["numpy"]
    assert "sympy" in heavy_modules_after(["compile", "-e", "not x", "--ctx", "x : Bool", "--symbolic"])


def test_lazy_public_names_still_resolve() -> None:
    import cajal_ref

    assert callable(cajal_ref.compile_term) and cajal_ref.dim(cajal_ref.BOOL, 3) == 2
    assert isinstance(cajal_ref.__version__, str)
    assert set(cajal_ref.__all__) <= set(dir(cajal_ref)) | set(cajal_ref._LAZY) | {"__version__"}


def test_only_the_entry_points_import_the_cli() -> None:
    """The CLI is the top layer: explanations, figures, verification... never import it."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "cajal_ref"
    allowed = {package / "demo.py", package / "__main__.py"}
    offenders = []
    for path in package.rglob("*.py"):
        if path in allowed or (package / "cli") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [alias.name for alias in node.names]
                if module == "cli" or module.endswith(".cli") or ".cli." in f".{module}." or "cli" in names:
                    offenders.append(f"{path.relative_to(package)}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name.startswith("cajal_ref.cli") for a in node.names):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
