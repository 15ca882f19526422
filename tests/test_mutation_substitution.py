"""Application by substitution and reordered spines: what mutmut's survivors showed untested (issue 15).

Covers `compiler/substitution.py` (a spine whose head is a `fun` or a def run on its arguments:
the network it leaves, which arguments bind a recurrent-weight parameter, the matrix products
for parameters left unbound and their size guard), the size guard inside a reordered spine
(`compiler/contraction.py`) and `recurrent_sum` under a strict array namespace.

Expectations come from the interpreter (every value below is compared with it on every basis
input, or by linearity with sums of its values), from hand arithmetic on the sizes of tensors
(written out in comments), or from the law that a reordered spine equals left to right — never
from the compiler's own output captured and pasted.
"""

from __future__ import annotations

import numpy as np
import pytest

from cajal_ref.compiler import Compiled, compile_term
from cajal_ref.compiler.ir import Abstract, DefRef
from cajal_ref.compiler.network import Abstraction, Application, DefNeuron, InputNeuron, NeuronNode
from cajal_ref.compiler.substitution import _basis_index
from cajal_ref.compiler.tensors import DeferredTensor, Tensor
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.parser import parse_term
from cajal_ref.syntax import BOOL, Source
from tests.mutation_helpers import (
    assert_value_is_the_interpreters,
    compile_expr,
    expected_vector,
    workspace,
)

# ---------------------------------------------------------------------------
# the network of a spine run by substitution
# ---------------------------------------------------------------------------


def test_an_applied_fun_leaves_its_abstractions_and_partial_values_in_the_network() -> None:
    # (fun x => fun y => and y (xor x r)) p q: the head is a `fun` with a free r, so its value
    # (built only when asked) has an axis r; `fun y` inside it has the head's value at x = p
    ctx = "p : Bool, q : Bool, r : Bool"
    head = "fun x : Bool => fun y : Bool => and y (xor x r)"
    c = compile_expr(f"({head}) p q", ctx, k=1)
    root = c.structure
    assert isinstance(root, Application) and isinstance(root.fn, Application)
    assert isinstance(root.arg, InputNeuron) and root.arg.name == "q"
    partial = root.fn
    assert isinstance(partial.arg, InputNeuron) and partial.arg.name == "p"
    outer = partial.fn
    assert isinstance(outer, Abstraction) and not outer.per_basis
    assert outer.param == "x" and isinstance(outer.ir, Abstract) and outer.ir.param == "x"
    inner = outer.body
    assert isinstance(inner, Abstraction) and not inner.per_basis
    assert inner.param == "y" and isinstance(inner.ir, Abstract) and inner.ir.param == "y"
    body = inner.body
    assert isinstance(body, NeuronNode) and not isinstance(body, Abstraction) and body.type == BOOL
    # every node of the spine is where the walk finds it, each once
    walked = list(root.walk())
    for node in (root, partial, outer, inner, body):
        assert sum(n is node for n in walked) == 1
    # values: the head's matrix (deferred), the head at x = p (shared by `fun y` and `head p`)
    assert isinstance(outer.value, DeferredTensor) and isinstance(partial.value, DeferredTensor)
    assert inner.value is partial.value
    assert set(outer.value.names) == {"r"}
    assert_value_is_the_interpreters(outer.value, head, "r : Bool", 1)
    assert set(partial.value.names) == {"p", "r"}
    assert_value_is_the_interpreters(partial.value, f"({head}) p", "p : Bool, r : Bool", 1)
    assert set(root.value.names) == {"p", "q", "r"}
    assert_value_is_the_interpreters(root.value, f"({head}) p q", ctx, 1)
    assert_value_is_the_interpreters(Tensor(c.tensor, c.context), f"({head}) p q", ctx, 1)


def test_an_applied_def_is_a_def_neuron_over_its_own_abstractions() -> None:
    # `and p q`: the def's neuron carries and's matrix (not a partial application), and its
    # body is the def's `fun x => fun y => …` with the body that ran on p and q inside
    ctx = "p : Bool, q : Bool"
    c = compile_expr("and p q", ctx, k=1)
    root = c.structure
    assert isinstance(root, Application) and isinstance(root.fn, Application)
    head = root.fn.fn
    assert isinstance(head, DefNeuron) and head.name == "and" and isinstance(head.ir, DefRef)
    assert head.value.names == ()
    assert_value_is_the_interpreters(head.value, "and", None, 1)
    assert isinstance(head.body, Abstraction) and head.body.param == "x"
    assert isinstance(head.body.body, Abstraction) and head.body.body.param == "y"
    assert head.body.value is head.value
    assert_value_is_the_interpreters(root.fn.value, "and p", "p : Bool", 1)
    assert_value_is_the_interpreters(root.value, "and p q", ctx, 1)


def test_a_def_applied_twice_runs_its_body_once_per_application() -> None:
    # each application of `not` has a body of its own, with its own argument
    c = compile_expr("and (not p) (not q)", "p : Bool, q : Bool", k=1)
    nots = [n for n in c.structure.walk() if isinstance(n, DefNeuron) and n.name == "not"]
    assert len(nots) == 2 and nots[0].body is not nots[1].body
    assert_value_is_the_interpreters(
        Tensor(c.tensor, c.context), "and (not p) (not q)", "p : Bool, q : Bool", 1
    )


# ---------------------------------------------------------------------------
# which arguments bind a parameter that is a recurrent weight
# ---------------------------------------------------------------------------


def test_a_def_whose_matrix_is_over_the_limit_still_runs_on_basis_arguments() -> None:
    # mult's matrix at K = 9 has 10 · 10 · 10 = 1,000 entries; its m is a recurrent weight
    # (used in the step), bound to e_2 by substitution, so `mult 2 3` never builds that matrix
    c = compile_expr("mult 2 3", k=9, max_entries=999)
    assert c.tensor.tolist() == expected_vector(6, c.type, 9)
    with pytest.raises(CajalError) as err:  # the matrix route is refused at that limit
        compile_expr("mult", k=9, max_entries=999)
    assert err.value.kind is ErrorKind.SIZE_LIMIT


@pytest.mark.parametrize(
    "m",
    [
        [0, 0, 2, 0],  # 2·e_2: not a basis vector, its double
        [0, 1, 1, 0],  # e_1 + e_2
        [0, 0, 0, 0],  # zero (what a numeral past K encodes)
        [0, 0, 1, 0],  # e_2
    ],
)
def test_a_weight_parameter_bound_to_any_vector_is_linear_in_it(m: list[int]) -> None:
    # `mult x n` with x bound to m: T3's linearity gives Σ_j m_j · (interpreter's mult j n)
    k = 3
    c = compile_expr("mult x n", "x : Nat, n : Nat", k=k, bindings={"x": m})
    ws = workspace()
    mult = ws.check_expression("mult x n", "x : Nat, n : Nat")
    for n in range(k + 1):
        want = [0] * (k + 1)
        for j, coefficient in enumerate(m):
            image = expected_vector(evaluate(mult.term, {"x": j, "n": n}, ws.defs).value, mult.type, k)
            want = [w + coefficient * e for w, e in zip(want, image, strict=True)]
        assert c.tensor[:, n].tolist() == want, n


def test_only_an_int64_basis_vector_without_axes_is_a_basis_index() -> None:
    assert _basis_index(Tensor(np.array([0, 0, 1, 0], dtype=np.int64))) == 2
    assert _basis_index(Tensor(np.array([1, 0], dtype=np.int64))) == 0
    for not_basis in ([0, 0, 2, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, -1, 0, 0]):
        assert _basis_index(Tensor(np.array(not_basis, dtype=np.int64))) is None, not_basis
    # the same entries as exact objects (a value past int64's safe range was involved): not taken
    assert _basis_index(Tensor(np.array([0, 1, 0], dtype=object))) is None
    # a vector with an axis is one vector per value of that variable, not one basis vector
    assert _basis_index(Tensor(np.array([[1, 0], [0, 0]], dtype=np.int64), (("b", BOOL),))) is None


def test_a_binder_named_like_an_arguments_variable_stays_apart_after_a_step_has_run() -> None:
    # the outer argument's axis x is renamed while the body runs; inside, a binder is also
    # named x, an iter's step runs (renaming its state's axes), then x is an argument too:
    # every renaming must be fresh, or the two x's meet as one variable used twice
    text = (
        "(fun a : Nat => fun x : Nat => add (iter 1 { zero => 0 | succ y => succ y }) "
        "((fun b : Nat => add a b) x)) x"
    )
    c = compile_expr(text, "x : Nat", k=3)
    assert assert_value_is_the_interpreters(Tensor(c.tensor, c.context), text, "x : Nat", 3) == 4


def test_a_body_over_the_limit_falls_back_to_the_heads_matrix() -> None:
    # at b = `and p (and q r)` (a Bool for each of p, q, r: 8 columns) the body's `if` would
    # hold a Nat for each column (10 · 8 = 80 entries at K = 9); the head's matrix route needs
    # at most 20 (the `if` over b as an axis, 10 · 2), so the spine compiles within 20
    text = "(fun b : Bool => is_even (if b then 2 else 3)) (and p (and q r))"
    ctx = "p : Bool, q : Bool, r : Bool"
    c = compile_expr(text, ctx, k=9, max_entries=20)
    assert assert_value_is_the_interpreters(Tensor(c.tensor, c.context), text, ctx, 9) == 8


def test_a_variable_of_the_argument_met_again_in_the_body_is_named_in_the_refusal() -> None:
    # an unchecked term (a tool's): p is the argument and is used in the body too; renamed
    # back, the value has axes p, p and q, and the refusal names p (not the first axis alone)
    text = "(fun a : Bool => and a (xor p q)) p"
    term = parse_term(Source("<e>", text))
    with pytest.raises(CajalError) as err:
        compile_term(term, (("p", BOOL), ("q", BOOL)), workspace().defs, nat_bound=1)
    e = err.value
    assert e.kind is ErrorKind.USED_TWICE
    assert e.message == "variable `p` is used twice (the compiler needs a linearly typed term)"
    assert e.span is not None and (e.span.start, e.span.end) == (0, len(text))


# ---------------------------------------------------------------------------
# parameters left unbound: matrix products after the body, and their size guard
# ---------------------------------------------------------------------------

# The head's body after `c` is an `if` (not a `fun`): c is bound to b, the other two
# arguments are applied to the if's matrix one at a time.
UNBOUND_SPINE = "(fun c : Bool => if c then and else or) b (and q (and r s)) true"
UNBOUND_CTX = "b : Bool, q : Bool, r : Bool, s : Bool"


def test_arguments_past_the_bound_parameters_are_applied_and_agree_with_the_interpreter() -> None:
    c = compile_expr(UNBOUND_SPINE, UNBOUND_CTX, k=1)
    assert assert_value_is_the_interpreters(Tensor(c.tensor, c.context), UNBOUND_SPINE, UNBOUND_CTX, 1) == 16
    # an argument that is a variable (the identity of its axis) applied the same way
    text = "(fun c : Bool => if c then (fun n : Nat => succ n) else double) b m"
    c = compile_expr(text, "b : Bool, m : Nat", k=3)
    assert assert_value_is_the_interpreters(Tensor(c.tensor, c.context), text, "b : Bool, m : Nat", 3) == 8


def _partials(c: Compiled) -> list[Application]:
    """The applications of the root spine but the last, outermost first."""
    out = []
    node = c.structure
    assert isinstance(node, Application)
    while isinstance(node.fn, Application):
        node = node.fn
        out.append(node)
    return out


@pytest.mark.parametrize(
    ("head", "args", "ctx"),
    [
        # the body after c is an `if`, not a `fun`
        ("fun c : Bool => if c then and else or", ["b", "(and q (and r s))", "true"], UNBOUND_CTX),
        # m is a recurrent weight and its argument has an axis q: not a basis vector
        (
            "fun a : Nat => fun m : Nat => fun n : Nat => iter n { zero => a | succ y => add m y }",
            ["2", "(if q then 1 else 2)", "3"],
            "q : Bool",
        ),
    ],
)
def test_a_spine_bound_in_part_still_runs_its_head_on_the_first_arguments(
    head: str, args: list[str], ctx: str
) -> None:
    # the head's first parameter is bound (the head's matrix and `head a₁` are values built
    # only when asked); the arguments after are applied as matrix products
    text = f"({head}) " + " ".join(args)
    c = compile_expr(text, ctx, k=3)
    partials = _partials(c)
    assert len(partials) == 2
    fun = partials[-1].fn
    assert isinstance(fun, Abstraction) and isinstance(fun.ir, Abstract)
    assert isinstance(fun.value, DeferredTensor)
    assert isinstance(partials[-1].value, DeferredTensor)
    types = dict(part.split(" : ") for part in ctx.split(", "))
    for node, n in ((partials[-1], 1), (partials[0], 2)):
        used = ", ".join(f"{v} : {types[v]}" for v in node.value.names)
        assert_value_is_the_interpreters(node.value, f"({head}) " + " ".join(args[:n]), used or None, 3)
    assert_value_is_the_interpreters(Tensor(c.tensor, c.context), text, ctx, 3)


def test_the_product_with_an_unbound_parameter_is_refused_past_the_limit_exactly() -> None:
    # the largest tensor is `head b (and q (and r s))`: a Bool -o Bool (dim 4) for each of
    # b, q, r, s (2⁴ combinations) = 64 entries; the result (Bool, 2 · 16 = 32) and every
    # other intermediate (the if of two 8-entry matrices over b: 32) are smaller
    c = compile_expr(UNBOUND_SPINE, UNBOUND_CTX, k=1, max_entries=64)
    assert_value_is_the_interpreters(Tensor(c.tensor, c.context), UNBOUND_SPINE, UNBOUND_CTX, 1)
    with pytest.raises(CajalError) as err:
        compile_expr(UNBOUND_SPINE, UNBOUND_CTX, k=1, max_entries=63)
    e = err.value
    assert e.kind is ErrorKind.SIZE_LIMIT
    assert "the application would need a tensor of 64 entries at K = 1" in e.message
    assert "the limit is 63 (max_entries / --max-entries)" in e.message
    # the refused value is that partial application's, axes named as in the source (b, not
    # the name it was renamed apart to while c was bound to it)
    assert ": its value has type Bool -o Bool (dim 4), with axes b : Bool (dim 2), " in e.message
    assert "′" not in e.message
    for name in "qrs":
        assert f"{name} : Bool (dim 2)" in e.message
