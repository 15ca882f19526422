"""One look for every figure, and byte-for-byte reproducible files.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, no
display, no global figure registry), under fixed rcParams. Saved files carry no
timestamps or version strings in their metadata, so the same program gives the same
bytes; files are written to a temporary name and renamed into place, so a reader
never sees half a figure.

Colours: the Okabe–Ito palette (distinguishable under the common colour-vision
deficiencies) for categories, and cividis (perceptually uniform, colour-blind safe)
for heatmaps.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import TextToPath
from matplotlib.transforms import Bbox

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

HEATMAP_CMAP = "cividis"

FONT_FAMILY = "DejaVu Sans"
"""Shipped with matplotlib, so every machine renders the same glyphs."""

PNG_DPI = 200

RC_PARAMS: dict[str, Any] = {
    "font.family": FONT_FAMILY,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "mathtext.fontset": "dejavusans",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "pdf.fonttype": 42,
    "svg.hashsalt": "cajal",
    "path.simplify": False,
    "image.interpolation": "nearest",
}

PDF_METADATA: dict[str, Any] = {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}
PNG_METADATA: dict[str, Any] = {"Software": None}


@contextmanager
def figure_style() -> Iterator[None]:
    """Draw (and save) under the project's fixed rcParams."""
    params: Any = RC_PARAMS
    with matplotlib.rc_context(params):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas (width, height in inches)."""
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


_TEXT_TO_PATH = TextToPath()


def text_size(text: str, size: float, *, math: bool = False) -> tuple[float, float, float]:
    """(width, height, descent) of `text` in points at font size `size`.

    With `math`, `text` is mathtext without the surrounding dollars.
    """
    prop = FontProperties(family=FONT_FAMILY, size=size)
    shown = f"${text}$" if math else text
    with matplotlib.rc_context({"mathtext.fontset": "dejavusans"}):
        w, h, d = _TEXT_TO_PATH.get_text_width_height_descent(shown, prop, ismath=math)
    return float(w), float(h), float(d)


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomic(path: Path, text: str) -> None:
    _atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


NOTATION = ((re.compile(r"(?<![^\s(])-o(?=[\s)])"), "⊸"), (re.compile(r"(?<![^\s(])=>(?=\s)"), "⇒"))
"""The printer's ASCII `-o` and `=>` as drawn in every figure (the rules and derivations use ⊸ and ⇒)."""

PAD_INCHES = 0.08


def unify_notation(fig: Figure) -> None:
    """Draw `-o` as ⊸ and `=>` as ⇒ in every plain text of the figure (mathtext already does)."""
    for artist in fig.findobj(Text):
        assert isinstance(artist, Text)
        text = artist.get_text()
        if text.startswith("$") or ("-o" not in text and "=>" not in text):
            continue
        for pattern, symbol in NOTATION:
            text = pattern.sub(symbol, text)
        artist.set_text(text)


def width_points(text: str) -> float:
    """A --width: points (`455`, `455pt`) or inches (`6.3in`); positive."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*(pt|in)?\s*", text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"width `{text}` is not a positive number of points (455, 455pt) or inches (6.3in)")
    value = float(match.group(1))
    return value * 72.0 if match.group(2) == "in" else value


def natural_width(fig: Figure) -> float:
    """The width in points of the saved figure (its tight bounding box plus the padding)."""
    with figure_style():
        box = fig.get_tightbbox(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    return float(box.width + 2 * PAD_INCHES) * 72.0


def _bbox_for_width(fig: Figure, width: float) -> Bbox | str:
    """The tight box widened (centred) so that the saved page is `width` points wide."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    extra = width / 72.0 - (box.width + 2 * PAD_INCHES)
    if extra <= 0:
        return "tight"
    side = PAD_INCHES + extra / 2  # an explicit box gets no pad_inches: the padding is in it
    return Bbox.from_extents(box.x0 - side, box.y0 - PAD_INCHES, box.x1 + side, box.y1 + PAD_INCHES)


def save_figure(fig: Figure, out_dir: Path, stem: str, *, width: float | None = None) -> list[Path]:
    """Write `stem`.pdf and `stem`.png into out_dir, deterministically and atomically.

    With `width` (points), the page is exactly that wide when the figure fits (centred,
    fonts unchanged, so figures placed side by side in a paper share one font size); a
    wider figure keeps its natural width (`natural_width` tells the caller).
    """
    written: list[Path] = []
    unify_notation(fig)
    with figure_style():
        bbox = "tight" if width is None else _bbox_for_width(fig, width)
        for fmt, metadata, extra in (
            ("pdf", PDF_METADATA, {}),
            ("png", PNG_METADATA, {"dpi": PNG_DPI}),
        ):
            path = out_dir / f"{stem}.{fmt}"

            def write(handle: Any, fmt: str = fmt, metadata: dict[str, Any] = metadata,
                      extra: dict[str, Any] = extra) -> None:
                fig.savefig(
                    handle, format=fmt, metadata=metadata, bbox_inches=bbox, pad_inches=PAD_INCHES, **extra
                )

            _atomic_write(path, write)
            written.append(path)
    return written


def luminance(rgba: tuple[float, float, float, float] | Any) -> float:
    """Relative luminance (WCAG) of a colour: choose dark or light text on it."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (float(x) for x in tuple(rgba)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def text_colour_on(rgba: Any) -> str:
    return "black" if luminance(rgba) > 0.22 else "white"
