"""`cajal compile -e EXPR [FILE...]`: the exact tensor of an expression (SPEC §5, §8).

Prints the type, the shape, and the entries as a matrix with labelled rows and
columns (basis names true/false/0..K), one slice per value of the trailing axes
when the tensor has rank > 2; or JSON (`--json`), or LaTeX pmatrices (`--latex`).

`--bind NAME=VALUE` binds a context variable exactly: VALUE is a nested JSON list of
integers, decimals or quoted rationals (`[[0,"3/2"],[1,0]]`, read exactly), or a
closed Cajal term of the variable's type (`double`, `3`), compiled at the same K.
`--symbolic` binds every remaining context variable to sympy symbols. `-e NAME`
with NAME an open def of a FILE (one with `free` variables) compiles its body over
its declared context.
"""

from __future__ import annotations

import argparse
import itertools
from fractions import Fraction
from typing import Any

from ..compiler import DEFAULT_MAX_ENTRIES, Compiled, compile_term, symbols_for
from ..diagnostics import CajalError, ErrorKind
from ..loader import Workspace
from ..printer import show_natural
from ..spaces import DEFAULT_NAT_BOUND, check_nat_bound
from ..syntax import Term, Type, show_type
from .bindings import is_list, parse_bind_list, split_bindings
from .common import (
    add_expression_arguments,
    add_files_arguments,
    add_nat_bound_argument,
    add_opaque_dim_argument,
    check_expression,
    emit_json,
    guarded,
    help_examples,
    load,
    open_def,
    positive,
)
from .common import opaque_dims as opaque_dims_of

MAX_PRINTED_ENTRIES = 4096
"""Text output shows at most this many entries (JSON always has all of them)."""


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "compile",
        help="compile an expression to its exact tensor (linear and recurrent neurons)",
        description="Compile an expression to the exact tensor of SPEC §5: the value axis (a function as its "
        "matrix, column j = image of basis j), then one axis per unbound --ctx variable, in order.",
        **help_examples(
            "cajal compile -e not",
            "cajal compile -e add -K 3 --latex",
            "cajal compile -e 'f 1' --ctx 'f : Nat -o Nat' -K 2 --bind 'f=[[0,0,0],[1,0,0],[0,1,0]]'",
            "cajal compile -e 'not x' --ctx 'x : Bool' --bind 'x=[\"1/2\", 0.5]'",
            "cajal compile -e 'not x' --ctx 'x : Bool' --symbolic",
            "cajal compile cajal_ref/examples/apply_n.cj -e apply_n -K 3 --bind f=double",
        ),
    )
    add_expression_arguments(parser)
    add_files_arguments(parser)
    parser.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a --ctx variable exactly: a nested list such as '[[0,2],[3,0]]' (ints, decimals, \"3/2\") "
        "or a closed term of its type such as 'double'; repeatable",
    )
    add_nat_bound_argument(parser, DEFAULT_NAT_BOUND)
    parser.add_argument(
        "--symbolic",
        action="store_true",
        help="bind every unbound --ctx variable to sympy symbols (x_true, n_0, f_0_1)",
    )
    parser.add_argument("--latex", action="store_true", help="print LaTeX pmatrices")
    parser.add_argument(
        "--max-entries",
        type=positive,
        default=DEFAULT_MAX_ENTRIES,
        metavar="N",
        help="refuse tensors (final or intermediate) over N entries, N ≥ 1 (default %(default)s)",
    )
    add_opaque_dim_argument(parser)
    parser.set_defaults(run=guarded(run))


# ---------------------------------------------------------------------------
# Reading bindings
# ---------------------------------------------------------------------------


def read_bindings(
    args: argparse.Namespace,
    ws: Workspace,
    context: tuple[tuple[str, Type], ...],
    opaque_dims: dict[str, int],
) -> dict[str, Any]:
    types = dict(context)
    bindings: dict[str, Any] = {}
    for name, text in split_bindings(args.bind, types):
        if is_list(text):
            bindings[name] = parse_bind_list(text, name)
        else:
            bindings[name] = _compile_closed_value(ws, text, name, types[name], args, opaque_dims)
    if args.symbolic:
        for name, t in context:
            if name not in bindings:
                bindings[name] = symbols_for(name, t, args.nat_bound, opaque_dims)
    return bindings


def _compile_closed_value(
    ws: Workspace, text: str, name: str, t: Type, args: argparse.Namespace, opaque_dims: dict[str, int]
) -> Any:
    expr = ws.check_expression(text, name=f"<bind {name}>")
    if expr.type != t:
        raise CajalError(
            ErrorKind.MISMATCH,
            f"`{name}` has type {show_type(t)} but is bound to a term of type {show_type(expr.type)}",
            expr.term.span,
        )
    compiled = compile_term(
        expr.term,
        (),
        ws.defs,
        nat_bound=args.nat_bound,
        opaque_dims=opaque_dims,
        max_entries=args.max_entries,
    )
    return compiled.tensor


# ---------------------------------------------------------------------------
# Showing entries
# ---------------------------------------------------------------------------


def _integer_text(n: int) -> str:
    """Decimal digits of an integer of any size (str() stops at Python's 4,300-digit limit)."""
    return ("-" if n < 0 else "") + show_natural(abs(n))


def entry_text(x: Any) -> str:
    """An exact entry as text: `3`, `-3/2`, or sympy's str of an expression."""
    if isinstance(x, int):
        return _integer_text(x)
    if isinstance(x, Fraction):
        return _integer_text(x.numerator) + (f"/{show_natural(x.denominator)}" if x.denominator != 1 else "")
    return str(x)


def entry_latex(x: Any) -> str:
    if isinstance(x, int):
        return _integer_text(x)
    if isinstance(x, Fraction):
        sign = "-" if x < 0 else ""
        return f"{sign}\\frac{{{show_natural(abs(x.numerator))}}}{{{show_natural(x.denominator)}}}"
    import sympy

    return str(sympy.latex(x))


def _nested_strings(nested: Any) -> Any:
    """Nested lists of entries (from ndarray.tolist()) as nested lists of strings."""
    if isinstance(nested, list):
        return [_nested_strings(sub) for sub in nested]
    return entry_text(nested)


def _slices(compiled: Compiled) -> list[tuple[str, Any]]:
    """(title, 1-D or 2-D array) for every index of the axes after the first two."""
    printed = compiled.printed
    labels = compiled.axis_labels()
    if printed.ndim <= 2:
        return [("", printed)]
    out = []
    rest = labels[2:]
    for index in itertools.product(*(range(len(lab)) for _, lab in rest)):
        title = ", ".join(
            f"{axis.split(' : ')[0]} = {lab[i]}" for (axis, lab), i in zip(rest, index, strict=True)
        )
        where: tuple[Any, ...] = (slice(None), slice(None), *index)
        out.append((title, printed[where]))
    return out


def _matrix_text(array: Any, row_labels: list[str], col_labels: list[str] | None) -> list[str]:
    cells = [[entry_text(x) for x in (row if col_labels is not None else [row])] for row in array]
    header = col_labels if col_labels is not None else [""]
    width = max([len(h) for h in header] + [len(c) for row in cells for c in row] + [1])
    label_width = max(len(r) for r in row_labels)
    lines = []
    if col_labels is not None:
        lines.append(" " * (label_width + 3) + " ".join(h.rjust(width) for h in header))
    for label, row in zip(row_labels, cells, strict=True):
        lines.append("  " + label.ljust(label_width) + " " + " ".join(c.rjust(width) for c in row))
    return lines


def render_text(compiled: Compiled, name: str | None = None) -> str:
    labels = compiled.axis_labels()
    shape = compiled.printed_shape
    head = f"{name} : {show_type(compiled.type)}" if name else show_type(compiled.type)
    lines = [f"{head}    (K = {compiled.nat_bound})"]
    if compiled.context:
        ctx = ", ".join(f"{n} : {show_type(t)}" for n, t in compiled.context)
        lines.append(f"context axes: {ctx}")
    if compiled.bound:
        lines.append("bound: " + ", ".join(compiled.bound))
    lines.append(f"shape {' × '.join(map(str, shape))}")
    lines.append(f"rows: {labels[0][0]}" + (f"; columns: {labels[1][0]}" if len(labels) > 1 else ""))
    if len(labels) > 2:
        lines.append("one slice per value of: " + ", ".join(title for title, _ in labels[2:]))
    total = compiled.tensor.size
    if total > MAX_PRINTED_ENTRIES:
        lines.append(f"({total:,} entries: too many to print; use --json for all of them)")
        return "\n".join(lines)
    col_labels = labels[1][1] if len(labels) > 1 else None
    for title, part in _slices(compiled):
        lines.append("")
        if title:
            lines.append(f"[{title}]")
        lines.extend(_matrix_text(part, labels[0][1], col_labels))
    return "\n".join(lines)


def _pmatrix(array: Any) -> str:
    rows = array if array.ndim == 2 else array.reshape(-1, 1)
    body = r" \\ ".join(" & ".join(entry_latex(x) for x in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def render_latex(compiled: Compiled) -> str:
    lines = [f"% {show_type(compiled.type)} at K = {compiled.nat_bound}"]
    for title, part in _slices(compiled):
        prefix = f"{title}:\\quad " if title else ""
        lines.append(prefix + _pmatrix(part))
    return "\n".join(lines)


def to_json(
    compiled: Compiled,
    context: tuple[tuple[str, Type], ...] = (),
    recurrent: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The schema of docs/cli.md: `context` is the program's declared context (as in `check`),
    `bound` the variables given values (--bind, --symbolic), `unbound` the tensor's axes after
    the value's, in order."""
    declared = context or compiled.context
    return {
        "type": show_type(compiled.type),
        "nat_bound": compiled.nat_bound,
        "context": [{"name": n, "type": show_type(t), "recurrent": n in recurrent} for n, t in declared],
        "bound": list(compiled.bound),
        "unbound": [n for n, _ in compiled.context],
        "shape": list(compiled.printed_shape),
        "entries": _nested_strings(compiled.printed.tolist()),
    }


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def _program(
    args: argparse.Namespace, ws: Workspace
) -> tuple[Term, tuple[tuple[str, Type], ...], str | None, tuple[str, ...]]:
    """The term, context, name and recurrent weights to compile: an open def by name (no --ctx),
    or the checked expression."""
    name = args.expr.strip()
    info = open_def(args, ws)
    if info is not None:
        return info.body, tuple(info.context), name, tuple(info.recurrent_weights)
    expr = check_expression(args, ws)
    return expr.term, tuple(expr.context), name if name in ws.defs else None, tuple(expr.recurrent_weights)


def run(args: argparse.Namespace) -> int:
    check_nat_bound(args.nat_bound)
    ws = load(args)
    opaque_dims = opaque_dims_of(args.opaque_dim, ws.program.types)
    term, context, name, recurrent = _program(args, ws)
    bindings = read_bindings(args, ws, context, opaque_dims)
    compiled = compile_term(
        term,
        context,
        ws.defs,
        nat_bound=args.nat_bound,
        bindings=bindings,
        opaque_dims=opaque_dims,
        max_entries=args.max_entries,
    )
    if args.json:
        emit_json(to_json(compiled, context, recurrent))
    elif args.latex:
        print(render_latex(compiled))
    else:
        print(render_text(compiled, name))
    return 0
