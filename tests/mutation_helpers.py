"""Helpers shared by the mutation-survivor tests (tests/test_mutation_*.py): a workspace with
the prelude and an opaque type Img, compiling a checked expression, and SPEC §5's encoding
written out by hand to compare a compiled tensor with the interpreter's values.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

from cajal_ref.compiler import Compiled, compile_term
from cajal_ref.compiler.tensors import Tensor
from cajal_ref.interpreter import evaluate
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.spaces import dim, enc
from cajal_ref.syntax import BOOL, Arrow, Source, Type


@cache
def workspace() -> Workspace:
    ws = load_workspace()
    ws.add_source(Source("img.cj", "type Img\n"))
    return ws


def compile_expr(text: str, ctx: str | None = None, *, k: int, **kw: Any) -> Compiled:
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    return compile_term(expr.term, expr.context, ws.defs, nat_bound=k, **kw)


def domain(t: Type, k: int) -> list[Any]:
    """The first-order values whose encodings are the basis of V(t) at bound k."""
    return [True, False] if t == BOOL else list(range(k + 1))


def expected_vector(value: Any, t: Type, k: int) -> list[int]:
    """SPEC §5 by hand: enc(value) (zero past K); for A -o B the row-major matrix of images."""
    if isinstance(t, Arrow):
        rows, cols = dim(t.cod, k), dim(t.dom, k)
        out = [0] * (rows * cols)
        for a, arg in enumerate(domain(t.dom, k)):
            image = expected_vector(value(arg), t.cod, k)
            for b in range(rows):
                out[b * cols + a] = image[b]
        return out
    encoded = enc(value, t, k)
    return [0] * dim(t, k) if encoded is None else [int(x) for x in encoded]


def assert_value_is_the_interpreters(tensor: Tensor, text: str, ctx: str | None, k: int) -> int:
    """Every column of a tensor whose axes are ctx's variables (in any order) is the
    interpreter's value of `text` at those variables' basis values. Returns the columns checked."""
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    types = dict(expr.context)
    names = tensor.names
    entries = tensor.exact()
    assert sorted(names) == sorted(types)
    assert entries.shape[1:] == tuple(dim(types[n], k) for n in names)
    count = 0
    for values in itertools.product(*(domain(types[n], k) for n in names)):
        index = tuple(domain(types[n], k).index(v) for n, v in zip(names, values, strict=True))
        got = [entries[(i, *index)] for i in range(entries.shape[0])]
        env = dict(zip(names, values, strict=True))
        assert got == expected_vector(evaluate(expr.term, env, ws.defs).value, expr.type, k), env
        count += 1
    return count
