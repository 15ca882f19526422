"""The documentation runs: docs/api.md's examples (doctest) and docs/tour.ipynb (nbclient)."""

from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_api_md_examples_run_and_print_what_the_page_says() -> None:
    result = doctest.testfile(
        str(DOCS / "api.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_tour_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jax", reason="the tour's last part links with JAX: pip install 'cajal_ref[learn]'")
    import nbclient  # the dev extra: a missing one is a broken test environment, not a skip
    import nbformat
    # a kernel that runs this interpreter (the installed `python3` kernelspec may name another one)
    spec = tmp_path / "kernels" / "cajal-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "cajal tests", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    notebook = nbformat.read(DOCS / "tour.ipynb", as_version=4)
    resources = {"metadata": {"path": str(tmp_path)}}
    client = nbclient.NotebookClient(notebook, kernel_name="cajal-tests", timeout=None, resources=resources)
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # the compiled `not` renders as an HTML table labelled by basis vectors
    first = notebook.cells[1].outputs[0]["data"]
    assert "<th>true</th><td>0</td><td>1</td>" in first["text/html"]
    # the trace cell shows the neuron's states agreeing with the direct iterates
    texts = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in outputs)
    assert "out = Σ nᵢ·hᵢ = e_false;  direct: false = e_false  ✓" in texts
    assert "loss" in texts


def test_strategies_md_examples_run() -> None:
    result = doctest.testfile(
        str(DOCS / "strategies.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 8
    assert result.failed == 0
