"""The figures: produced, non-blank, drawn from the compiler's numbers, deterministic."""

from __future__ import annotations

import io
import re
import sys
import types
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.mathtext import MathTextParser

from cajal_ref.compiler import compile_term
from cajal_ref.derivation_view import derive_expression, derive_term, latex_judgement, walk
from cajal_ref.figures.derivation import to_mathtext
from cajal_ref.figures.heatmaps import cell_texts, format_exact
from cajal_ref.figures.index import (
    HEATMAP_BOUND,
    HEATMAP_PROGRAMS,
    FigureSpec,
    experiment_figures,
    figure_specs,
    generate,
    index_markdown,
)
from cajal_ref.figures.style import figure_style
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.rules import RULES, rules_latex
from cajal_ref.verification.strategies import Program, programs
from tests.cli_helpers import cajal


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return load_workspace()


@pytest.fixture(scope="module")
def specs(ws: Workspace) -> dict[str, FigureSpec]:
    return {s.stem: s for s in figure_specs(ws)}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory, ws: Workspace) -> Path:
    """Every figure, generated once for the module."""
    directory = tmp_path_factory.mktemp("figures")
    generate(directory, ws=ws)
    return directory


def build(spec: FigureSpec) -> Figure:
    with figure_style():
        return spec.build()


# ---------------------------------------------------------------------------
# Produced and non-blank
# ---------------------------------------------------------------------------

EXPECTED_STEMS = {
    *(f"heatmap_{p}" for p in ("not", "and", "xor", "is_even", "add")),
    "recurrent_is_even",
    "recurrent_paper",
    "network_xor",
    "network_is_even",
    "rules",
    "derivation_is_even",
    "grammar",
    "trace_mult",
}


def test_every_figure_is_written_as_pdf_and_png(out_dir: Path, specs: dict[str, FigureSpec]) -> None:
    assert set(specs) >= EXPECTED_STEMS
    for stem in specs:
        pdf = (out_dir / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf
        png = out_dir / f"{stem}.png"
        pixels = imread(png)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 200, stem  # print quality at 200 dpi
        assert float(np.var(pixels[..., :3])) > 1e-3, f"{stem}.png is blank"
    assert not list(out_dir.glob("*.tmp")) and not list(out_dir.glob(".*"))


def test_index_lists_every_figure_with_caption_and_program(
    out_dir: Path, specs: dict[str, FigureSpec]
) -> None:
    index = (out_dir / "index.md").read_text(encoding="utf-8")
    for stem, spec in specs.items():
        assert f"## {stem}" in index and f"![{stem}]({stem}.png)" in index
        assert spec.caption in index and spec.program in index
    assert "mathtext" in index


# ---------------------------------------------------------------------------
# The numbers are the compiler's
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", HEATMAP_PROGRAMS)
def test_heatmap_cells_are_the_compiled_entries(
    name: str, ws: Workspace, specs: dict[str, FigureSpec]
) -> None:
    fig = build(specs[f"heatmap_{name}"])
    (drawn,) = cell_texts(fig)
    checked = ws.check_expression(name)
    compiled = compile_term(checked.term, checked.context, ws.defs, nat_bound=HEATMAP_BOUND)
    assert drawn == [format_exact(x) for x in compiled.printed.flatten()]
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == (["true", "false"] if name in ("not", "and", "xor") else ["0", "1", "2", "3", "4"])


def test_heatmaps_of_not_and_is_even_by_hand(specs: dict[str, FigureSpec]) -> None:
    (not_cells,) = cell_texts(build(specs["heatmap_not"]))
    assert not_cells == ["0", "1", "1", "0"]
    (even_cells,) = cell_texts(build(specs["heatmap_is_even"]))
    assert even_cells == ["1", "0", "1", "0", "1", "0", "1", "0", "1", "0"]
    (xor_cells,) = cell_texts(build(specs["heatmap_xor"]))
    # column x = true: xor true = not = rows (t,t)=0 (t,f)=1 (f,t)=1 (f,f)=0; column false: identity
    assert xor_cells == ["0", "1", "1", "0", "1", "0", "0", "1"]


def test_the_papers_neuron_by_hand(specs: dict[str, FigureSpec]) -> None:
    step, states, coefficients, output = cell_texts(build(specs["recurrent_paper"]))
    assert step == ["0", "2", "3", "0"]
    s = [[0, 2], [3, 0]]
    h = [(Fraction(1), Fraction(0))]
    for _ in range(HEATMAP_BOUND):
        a, b = h[-1]
        h.append((s[0][0] * a + s[0][1] * b, s[1][0] * a + s[1][1] * b))
    assert states == [format_exact(x) for x in [*(v[0] for v in h), *(v[1] for v in h)]]
    assert states == ["1", "0", "6", "0", "36", "0", "3", "0", "18", "0"]
    n = [Fraction(0), Fraction(1), Fraction(0), Fraction(1, 3), Fraction(0)]
    assert coefficients == ["0", "1", "0", "1/3", "0"]
    out = [sum(c * v[i] for c, v in zip(n, h, strict=True)) for i in range(2)]
    assert output == [format_exact(x) for x in out] == ["0", "9"]


def test_is_even_unrolled_by_hand(specs: dict[str, FigureSpec]) -> None:
    step, states, coefficients, output = cell_texts(build(specs["recurrent_is_even"]))
    assert step == ["0", "1", "1", "0"]  # the matrix of not
    assert states == ["1", "0", "1", "0", "1", "0", "1", "0", "1", "0"]
    assert coefficients == ["0", "0", "0", "1", "0"]  # enc(3)
    assert output == ["0", "1"]  # e_false: 3 is odd


def _boxes(fig: Figure) -> list[str]:
    gids = [p.get_gid() or "" for ax in fig.axes for p in ax.patches]
    return [gid[len("neuron:"):] for gid in gids if gid.startswith("neuron:")]


def test_network_of_xor_has_its_linear_neuron(specs: dict[str, FigureSpec]) -> None:
    boxes = _boxes(build(specs["network_xor"]))
    # fun x, fun y, the if's linear neuron, x, `not y` (apply, def not, y), y
    assert sorted(boxes) == sorted(["matrix", "matrix", "linear", "input", "apply", "def", "input", "input"])


def test_network_of_is_even_has_its_recurrent_neuron(specs: dict[str, FigureSpec]) -> None:
    fig = build(specs["network_is_even"])
    boxes = _boxes(fig)
    # fun n, the iter's recurrent neuron, n, true, the step fun b, `not b` (apply, def not, b)
    assert sorted(boxes) == sorted(["matrix", "recurrent", "input", "constant", "matrix", "apply", "def",
                                    "input"])
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "[1 0 1 0 1; 0 1 0 1 0]" in texts  # the compiled matrix of is_even, at K = 4
    for port in ("count", "base", "step S"):
        assert port in texts


def test_network_of_add_labels_the_count_edge_without_a_variable_name(specs: dict[str, FigureSpec]) -> None:
    # add = fun m => fun n => iter m { ... }: the count is m, so no edge may say "count n"
    texts = [t.get_text() for ax in build(specs["network_add"]).axes for t in ax.texts]
    assert "count" in texts and "count n" not in texts


# ---------------------------------------------------------------------------
# Rules and derivations
# ---------------------------------------------------------------------------

_PARSER = MathTextParser("path")


def _parses(math: str) -> None:
    _PARSER.parse(f"${math}$", dpi=72)


def test_every_rule_is_drawn_from_the_table(specs: dict[str, FigureSpec]) -> None:
    fig = build(specs["rules"])
    drawn = {t.get_gid() for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith("rule:")}
    assert drawn == {f"rule:{name}" for name in RULES}
    for rule in RULES.values():
        for latex in (*rule.latex_premises, rule.latex_conclusion, rule.latex_side_condition or "x"):
            _parses(to_mathtext(latex))


def test_rules_latex_is_balanced() -> None:
    for strict in (False, True):
        text = rules_latex(strict=strict)
        depth = 0
        for i, ch in enumerate(text):
            if ch in "{}" and i > 0 and text[i - 1] == "\\":
                continue
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0
        assert text.count("\\begin{mathpar}") == text.count("\\end{mathpar}") == 1
        assert text.count("\\inferrule*") == len(RULES)


def test_derivation_figure_has_one_bar_per_node(ws: Workspace, specs: dict[str, FigureSpec]) -> None:
    fig = build(specs["derivation_is_even"])
    result = derive_expression(ws, "is_even 3")
    nodes = sum(len(list(walk(root))) for root in [result.root, *(r for _, r in result.defs)])
    bars = [line for ax in fig.axes for line in ax.get_lines()]
    assert len(bars) == nodes == 3 + 7 + 5  # is_even 3; is_even's body; not's body


@settings(max_examples=10)
@given(programs(max_context=2))
def test_every_judgement_typesets_in_mathtext(program: Program) -> None:
    """The root's judgement contains every subterm's tokens; the leaves add the contexts' shapes."""
    result = derive_term(_WS, program.term, program.context, with_defs=False)
    nodes = [n for n in walk(result.root) if n is result.root or not n.premises]
    for math in {to_mathtext(latex_judgement(node)) for node in nodes}:
        _parses(math)


_WS = load_workspace()


# ---------------------------------------------------------------------------
# Determinism, the CLI, the experiment hook
# ---------------------------------------------------------------------------


def test_same_program_same_bytes(tmp_path: Path, ws: Workspace) -> None:
    chosen = ["heatmap_xor", "network_is_even"]
    generate(tmp_path / "a", only=chosen, ws=ws)
    generate(tmp_path / "b", only=chosen, ws=load_workspace())
    for stem in chosen:
        for ext in ("pdf", "png"):
            first = (tmp_path / "a" / f"{stem}.{ext}").read_bytes()
            assert first == (tmp_path / "b" / f"{stem}.{ext}").read_bytes(), f"{stem}.{ext} differs"


def test_cli_writes_progress_on_stderr(tmp_path: Path) -> None:
    code, out, err = cajal("figures", "--out", str(tmp_path), "--only", "heatmap_not")
    assert code == 0 and out == ""
    assert re.search(r"^\[1/1\] heatmap_not$", err, re.MULTILINE)
    assert (tmp_path / "heatmap_not.pdf").exists() and (tmp_path / "index.md").exists()
    code, _, err = cajal("figures", "--out", str(tmp_path), "--only", "no_such_figure")
    assert code == 2 and "unknown figure" in err
    code, out, _ = cajal("figures", "--list")
    assert code == 0 and "rules:" in out


def test_experiment_hook_is_called_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Path]] = []

    def make_experiment_figures(results_dir: Path, out_dir: Path) -> list[tuple[str, str, str]]:
        calls.append((results_dir, out_dir))
        return [("experiment1_psnr", "Test PSNR against training steps.", "iter num { ... }")]

    fake = types.ModuleType("cajal_ref.experiments.figures")
    fake.make_experiment_figures = make_experiment_figures  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cajal_ref.experiments.figures", fake)
    log = io.StringIO()
    entries = experiment_figures(tmp_path / "results", tmp_path, log)
    assert calls == [(tmp_path / "results", tmp_path)]
    assert "## experiment1_psnr" in index_markdown(entries)
    assert experiment_figures(None, tmp_path, log) == []
    assert "skipped" in log.getvalue()
