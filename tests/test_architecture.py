"""The pipeline's boundaries: the two semantics share nothing; the core stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cajal_ref"
CORE = ["syntax", "parser", "printer", "diagnostics", "rules", "checker", "interpreter", "spaces", "compiler"]


def imported_modules(module: str) -> set[str]:
    """Modules named by the import statements of cajal_ref/<module>.py (or of every file of the
    package cajal_ref/<module>/), relative ones resolved."""
    package = PACKAGE / module
    files = sorted(package.glob("*.py")) if package.is_dir() else [PACKAGE / f"{module}.py"]
    names: set[str] = set()
    for node in (n for f in files for n in ast.walk(ast.parse(f.read_text()))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "cajal_ref." + (node.module or "") if node.level else (node.module or "")
            names.add(base.rstrip("."))
            names.update(f"{base}.{alias.name}".replace("..", ".") for alias in node.names)
    return names


def test_interpreter_and_compiler_do_not_import_each_other() -> None:
    assert not any("compiler" in m or "spaces" in m for m in imported_modules("interpreter"))
    assert not any("interpreter" in m for m in imported_modules("compiler"))
    assert not any("interpreter" in m for m in imported_modules("spaces"))


def test_core_imports_no_cli_figures_experiments_or_jax() -> None:
    forbidden = ("cajal_ref.cli", "cajal_ref.figures", "cajal_ref.experiments", "jax", "matplotlib", "optax")
    for module in CORE:
        bad = [m for m in imported_modules(module) if m.startswith(forbidden)]
        assert bad == [], (module, bad)


def test_importing_the_package_loads_no_optional_dependency() -> None:
    code = (
        "import sys, cajal_ref\n"
        "heavy = ('jax', 'matplotlib', 'hypothesis', 'optax', 'sklearn')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
