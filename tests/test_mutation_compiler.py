"""Compiler behaviour that mutmut's survivors showed untested (issue 15, `make mutation`).

Expectations come from the interpreter, hand arithmetic or an algebraic law, never from the
compiler itself.
"""

from __future__ import annotations

from cajal_ref.compiler import compile_term
from cajal_ref.loader import load_workspace
from cajal_ref.spaces import decode


def test_not_of_true_is_false_by_the_truth_table() -> None:
    ws = load_workspace()
    expr = ws.check_expression("if true then false else true")
    compiled = compile_term(expr.term, expr.context, ws.defs, nat_bound=2)
    assert decode(compiled.tensor, expr.type) is False
