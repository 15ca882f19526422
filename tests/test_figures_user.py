"""`cajal figures` of the user's own programs: any K, one page width, one notation, traces, the grammar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure
from matplotlib.text import Text

from cajal_ref.figures.heatmaps import cell_texts
from cajal_ref.figures.index import FigureSpec, figure_specs, generate, user_specs
from cajal_ref.figures.style import figure_style, save_figure, width_points
from cajal_ref.figures.user import KINDS, grammar_figure
from cajal_ref.loader import Workspace, load_workspace
from tests.cli_helpers import cajal


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return load_workspace()


def build(spec: FigureSpec) -> Figure:
    with figure_style():
        return spec.build()


def one(specs: list[FigureSpec], kind: str) -> FigureSpec:
    (spec,) = [s for s in specs if s.stem.endswith(f"_{kind}")]
    return spec


def test_the_cli_kinds_are_the_figure_kinds() -> None:
    from cajal_ref.cli.figures import FIGURE_KINDS

    assert FIGURE_KINDS == KINDS


def test_a_closed_function_at_any_k(ws: Workspace) -> None:
    # succ at K = 2: e0 -> e1, e1 -> e2, e2 -> 0 (3 is past K); columns are inputs
    specs = user_specs(ws, expr="fun n : Nat => succ n", nat_bound=2, kinds=["heatmap"])
    assert cell_texts(build(one(specs, "heatmap"))) == [["0", "0", "0", "1", "0", "0", "0", "1", "0"]]


def test_an_open_expression_is_drawn_over_its_context(ws: Workspace) -> None:
    # rows: the value (true, false); columns: x (true, false) — the matrix of not
    specs = user_specs(ws, expr="if x then false else true", ctx="x : Bool", nat_bound=3)
    assert [s.stem.rsplit("_", 1)[1] for s in specs] == ["heatmap", "network", "derivation"]
    assert cell_texts(build(one(specs, "heatmap"))) == [["0", "1", "1", "0"]]


def test_a_closed_value_is_one_column(ws: Workspace) -> None:
    specs = user_specs(ws, expr="is_even 3", nat_bound=4, kinds=["heatmap"])
    assert cell_texts(build(one(specs, "heatmap"))) == [["0", "1"]]  # false = (0, 1)


def test_trace_of_mult_shows_states_equal_to_direct_iterates(ws: Workspace) -> None:
    # mult 2 3 = iter 3 { zero => zero | succ y => add 2 y }: h_i = e_{2i} (by hand), 0 past K = 6
    fig = build(one(user_specs(ws, expr="mult 2 3", nat_bound=6, kinds=["trace"]), "trace"))
    first = fig.axes[0]
    assert "iter 3" in first.get_title(loc="left")
    cells = [t for t in first.texts if t.get_gid() == "cell"]
    columns: dict[int, list[str]] = {}
    for t in sorted(cells, key=lambda t: (t.get_position()[0], t.get_position()[1])):
        columns.setdefault(round(t.get_position()[0]), []).append(t.get_text())
    states = [columns[2 * i] for i in range(5)]
    direct = [columns[2 * i + 1] for i in range(5)]
    for i in range(4):
        assert states[i] == ["1" if j == 2 * i else "0" for j in range(7)], i
    assert states[4] == ["0"] * 7  # 8 > K
    assert states[:4] == direct[:4]


def test_the_default_kinds_skip_what_cannot_be_drawn(ws: Workspace) -> None:
    ws_apply = load_workspace(["cajal_ref/examples/apply_n.cj"])
    specs = user_specs(ws_apply, expr=None, def_name="apply_n")  # open, f is a recurrent weight
    assert [s.stem for s in specs] == ["apply_n_derivation"]


def test_width_makes_every_page_that_wide(tmp_path: Path, ws: Workspace) -> None:
    specs = user_specs(ws, expr="not", nat_bound=2, kinds=["heatmap", "derivation"])
    generate(tmp_path, ws=ws, specs=specs, width=width_points("6.5in"))
    for spec in specs:
        pdf = (tmp_path / f"{spec.stem}.pdf").read_bytes()
        box = re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        assert box is not None and abs(float(box.group(1)) - 468.0) < 1.0, spec.stem


def test_width_accepts_points_and_inches_only() -> None:
    assert width_points("455") == 455.0 and width_points("455pt") == 455.0
    assert width_points("2in") == 144.0
    for bad in ("0", "-3", "2cm", "wide", ""):
        with pytest.raises(ValueError):
            width_points(bad)


def test_figures_use_one_notation(tmp_path: Path, ws: Workspace) -> None:
    # show_type prints `-o`, show_term `=>`; every drawn text says ⊸ and ⇒ once saved
    specs = [s for s in figure_specs(ws) if s.stem in ("network_xor", "heatmap_add", "trace_mult")]
    for spec in specs:
        fig = build(spec)
        save_figure(fig, tmp_path, spec.stem)
        texts = [t.get_text() for t in fig.findobj(Text) if isinstance(t, Text)]
        assert not [t for t in texts if re.search(r"(^|\s)(-o|=>)(\s|$)", t)], spec.stem
        assert any("⊸" in t or "⇒" in t for t in texts), spec.stem


def test_the_add_heatmap_fits_a_text_block(ws: Workspace) -> None:
    fig = build(next(s for s in figure_specs(ws) if s.stem == "heatmap_add"))
    assert fig.get_figheight() <= 8.0


def test_grammar_figure_has_every_production() -> None:
    with figure_style():
        fig = grammar_figure()
    texts = " ".join(t.get_text() for t in fig.findobj(Text) if isinstance(t, Text))
    for word in ("Bool", "Nat", "multimap", "iter", "succ", "let", "fun", "if"):
        assert word in texts


def test_cli_draws_an_expression(tmp_path: Path) -> None:
    code, _, err = cajal("figures", "-e", "not", "-K", "2", "--out", str(tmp_path), "--width", "300pt")
    assert code == 0, err
    assert (tmp_path / "not_heatmap.pdf").exists() and (tmp_path / "not_derivation.png").exists()
    assert not (tmp_path / "not_trace.pdf").exists()  # not fires no iter: no trace by default
    assert "not_heatmap" in (tmp_path / "index.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["-e", "not", "--def", "not"], 2),
        (["--width", "2cm"], 2),
        (["--kind", "trace"], 2),
        (["-e", "x", "--ctx", "x : Bool", "--kind", "trace"], 1),
        (["--def", "no_such_def"], 1),
        (["-e", "not true", "--kind", "trace"], 2),  # it fires no iter
    ],
)
def test_cli_refuses_before_drawing(tmp_path: Path, argv: list[str], code: int) -> None:
    out_dir = tmp_path / "out"
    got, _, err = cajal("figures", *argv, "--out", str(out_dir))
    assert got == code, err
    assert not any(out_dir.glob("*.pdf"))


def test_a_trace_figure_fits_a_text_block(ws: Workspace) -> None:
    # seven nested adds fire seven iters (one each): six panels are drawn
    expr = "add 1 (add 1 (add 1 (add 1 (add 1 (add 1 (add 1 1))))))"
    fig = build(one(user_specs(ws, expr=expr, nat_bound=9, kinds=["trace"]), "trace"))
    assert fig.get_figheight() <= 8.2
    assert len(fig.axes) <= 6 and "the first 6 of" in fig.get_suptitle()
