"""The recurrent neuron of `iter` (compiler/recurrence.py), route by route (issue 15).

`iter count { zero => base | succ y => step }` takes one of three routes: the step run on the
state (y linear), S's matrix built once (a ground state whose step iterates, or small cheap
products), or S from the columns S·e_j the states need (y used inside a nested step). Each
test picks inputs where a route's own arithmetic matters (Fractions, entries past 2⁶², zero
states, axes carried by the state, the exact size limits, the cost rule that picks a route)
and takes its expectation from hand arithmetic on Python ints and Fractions (S written out,
hᵢ₊₁ = S·hᵢ, SPEC §5), from an algebraic law (α-renaming a binder leaves the tensor unchanged),
or from the refusal the compiler documents (kind, message, span) — never from the compiler's
own output. Two refusals are only reachable from hand-built neuron programs (compile_program
trusts its input's recurrent weights and per-basis marks): those are built with
dataclasses.replace from a lowered program.
"""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from typing import Any

import pytest

from cajal_ref.compiler import (
    Abstraction,
    Compiled,
    RecurrentNeuron,
    compile_program,
    compile_term,
    term_to_neurons,
)
from cajal_ref.compiler.ir import Recurrent
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.parser import parse_term_text, parse_type_text
from cajal_ref.syntax import BOOL, NAT, Opaque
from tests.mutation_helpers import compile_expr, workspace


def neuron(compiled: Compiled) -> RecurrentNeuron:
    """The outermost `iter` of a compiled program."""
    return next(n for n in compiled.structure.walk() if isinstance(n, RecurrentNeuron))


def matmul(a: list[list[Any]], b: list[list[Any]]) -> list[list[Any]]:
    return [[sum(a[i][t] * b[t][j] for t in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def error_of(fn: Any) -> CajalError:
    with pytest.raises(CajalError) as info:
        fn()
    return info.value


# ---------------------------------------------------------------------------
# refusals: a step over an unbound variable, the two size guards, a shared variable
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "names"),
    [
        # S's matrix (a cheap ground step)
        ("iter n { zero => x | succ y => f y }", "f : Nat -o Nat, n : Nat, x : Nat", "f"),
        # the step run once on x
        ("iter 1 { zero => x | succ y => f (g y) }", "f : Nat -o Nat, g : Nat -o Nat, x : Nat", "f, g"),
    ],
)
def test_a_program_that_does_not_list_its_step_weights_is_refused_at_its_iter(
    text: str, ctx: str, names: str
) -> None:
    # compile_program trusts the program's list of recurrent weights; with f (and g) left out
    # of it, unbound (axes), the `iter` itself refuses to run a step that depends on them
    ws = workspace()
    expr = ws.check_expression(text, ctx)
    program = dataclasses.replace(term_to_neurons(expr.term, expr.context, ws.defs), recurrent_weights=())
    err = error_of(lambda: compile_program(program, nat_bound=2))
    assert err.kind is ErrorKind.UNBOUND_WEIGHT
    assert err.message == f"the step of this `iter` depends on {names}, which must be bound to values"
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == text


STATES = (
    "the states of the `iter` would need a tensor of 64 entries at K = 3: its value has type Nat (dim 4), "
    "with axes x : Nat (dim 4); the limit is 63 (max_entries / --max-entries), or choose a smaller K "
    "(--nat-bound)"
)


def test_the_states_of_an_iter_are_refused_one_entry_over_the_limit() -> None:
    # h₀ … h₃ of a state with an axis x: 4 states × 4 × 4 = 64 entries (the result has 16)
    text, ctx = "iter 3 { zero => x | succ y => succ y }", "x : Nat"
    err = error_of(lambda: compile_expr(text, ctx, k=3, max_entries=63))
    assert err.kind is ErrorKind.SIZE_LIMIT and err.message == STATES
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == text
    # at the limit itself: compiled, and succ³ x is x + 3 (only x = 0 stays within K = 3)
    assert compile_expr(text, ctx, k=3, max_entries=64).tensor.tolist() == [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 0, 0, 0],
    ]


def test_the_result_of_an_iter_whose_count_has_an_axis_is_refused_one_entry_over_the_limit() -> None:
    # count `g 2` has shape (4, 16), its last nonzero coefficient is K = 3: the 4 states of x
    # take 64 entries, the result (x's value and axis, then g's axis) 4·4·16 = 256
    text, ctx = "iter (g 2) { zero => x | succ y => y }", "g : Nat -o Nat, x : Nat"
    err = error_of(lambda: compile_expr(text, ctx, k=3, max_entries=255))
    assert err.kind is ErrorKind.SIZE_LIMIT
    assert err.message == (
        "the `iter` would need a tensor of 256 entries at K = 3: its value has type Nat (dim 4), with axes "
        "x : Nat (dim 4), g : Nat -o Nat (dim 16); the limit is 255 (max_entries / --max-entries), "
        "or choose a smaller K (--nat-bound)"
    )
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == text
    # at the limit: the step is the identity, so the result is x times the sum of g 2's
    # coefficients; at g = the basis matrix with a 1 at (row b, column a), index 4b + a (SPEC §8),
    # g 2 is e_b when a = 2 and the zero vector otherwise
    tensor = compile_expr(text, ctx, k=3, max_entries=256).tensor
    assert tensor.shape == (4, 16, 4)  # the value, then the context's axes in its order: g, x
    assert all(
        tensor[v, g, x] == (v == x and g % 4 == 2) for v in range(4) for x in range(4) for g in range(16)
    )


@pytest.mark.parametrize(
    "text", ["iter x { zero => x | succ y => y }", "iter (succ x) { zero => x | succ y => y }"]
)
def test_an_unchecked_iter_whose_count_and_base_share_a_variable_is_refused(text: str) -> None:
    term = parse_term_text(text)
    err = error_of(lambda: compile_term(term, (("x", NAT),), workspace().defs, nat_bound=2))
    assert err.kind is ErrorKind.USED_TWICE
    assert err.message == "variable `x` is used twice (the compiler needs a linearly typed term)"
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == text


# ---------------------------------------------------------------------------
# S from its columns: y is used inside a nested step (Abstract.per_basis)
# ---------------------------------------------------------------------------

DOUBLING = "iter {} {{ zero => succ x | succ y => iter 2 {{ zero => zero | succ z => add y z }} }}"
"""The step doubles y (y + y + 0, zero past K): at K = 3, S = [e₀, e₂, 0, 0] by columns
(a template: the count goes in the braces)."""


@pytest.mark.parametrize("count", [1, 3])
def test_states_of_a_per_basis_step_past_a_zero_state_keep_the_base_axes(count: int) -> None:
    compiled = compile_expr(f"fun x : Nat => {DOUBLING.format(count)}", k=3)
    root = neuron(compiled)
    # the states up to the count's last nonzero coefficient are computed, the others
    # (for figures) continued on demand from the last one
    assert len(root.computed_states) == count + 1
    # by hand, column x of each state: h₀ = x + 1, h₁ = 2(x + 1) (within K = 3 only at x = 0),
    # then h₂ = h₃ = 0 (S·e₂ = e₄ is past K; S·0 = 0, a state with no nonzero coordinate)
    h0 = [[int(v == x + 1) for x in range(4)] for v in range(4)]
    h1 = [[int(v == 2 and x == 0) for x in range(4)] for v in range(4)]
    zero = [[0] * 4 for _ in range(4)]
    states = root.states
    assert [s.to_nested() for s in states] == [h0, h1, zero, zero]
    assert all(s.axes == (("x", NAT),) for s in states)
    # small states stay int64 (exact_product keeps int64 while a bound proves the entries below
    # 2⁶²; object arrays report no maxabs), and maxabs() is their largest |entry|: 0 for the
    # zero states, however they were made
    assert [s.maxabs() for s in states] == [1, 1, 0, 0]
    assert compiled.printed.tolist() == (h1 if count == 1 else zero)
    # S itself, built on demand for figures: column j is e_{2j}, or 0 past K
    assert root.step_matrix.to_nested() == [[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]


SHIFTED = "iter 2 { zero => p im | succ y => iter 3 { zero => 1 | succ z => g (add y z) } }"
"""Column j of S is T_j³·e₁, where T_j·e_z = g·e_{j+z} (0 past K): only T₀ meets g's column 0."""

BIG = [[2**40 + 3 * v + 1] + [v + t for t in range(1, 4)] for v in range(4)]
"""g's column 0 near 2⁴⁰ (odd entries), the others small: S·e₀ = g³·e₁ needs Python ints, S·e_j
for j ≥ 1 (which never meets column 0) fits int64: S's columns have mixed dtypes."""

MEDIUM = [[2**12 + 5 * v + 3 * t + 1 for t in range(4)] for v in range(4)]
"""g's entries near 2¹²: S's columns (near 2⁴⁰) are int64, but S·S·p (near 2⁸⁵) is not."""

THIRDS = [[Fraction(v + 2 * t + 1, 3) for t in range(4)] for v in range(4)]
"""g's entries in thirds: S's columns hold Fractions (but S·e₃ = 0)."""


def t_cubed_e1(g: list[list[Any]], j: int) -> list[Any]:
    h: list[Any] = [int(v == 1) for v in range(4)]
    for _ in range(3):
        h = [sum(g[v][j + z] * h[z] for z in range(4) if j + z <= 3) for v in range(4)]
    return h


@pytest.mark.parametrize("g", [BIG, MEDIUM, THIRDS], ids=["mixed dtypes", "int64 columns", "Fractions"])
def test_columns_of_mixed_dtypes_multiply_exactly_over_a_wide_state(g: list[list[Any]]) -> None:
    # the state p im has an axis of dim 2000 (an opaque Img): the products S·hᵢ are large
    # enough to go through float64 BLAS where a bound proves them exact, which needs an exact
    # bound for S's columns (int64 ones, and Python ints or Fractions where no bound is known)
    dims = 2000
    p = [[(7 * a + b) % 3 for a in range(dims)] for b in range(4)]
    compiled = compile_expr(
        SHIFTED,
        "g : Nat -o Nat, p : Img -o Nat, im : Img",
        k=3,
        bindings={"g": g, "p": p},
        opaque_dims={"Img": dims},
    )
    # by hand: column j of S is T_j³·e₁, and the result is S·S·p (one column per basis image)
    columns = [t_cubed_e1(g, j) for j in range(4)]
    s = [[columns[j][v] for j in range(4)] for v in range(4)]
    expected = matmul(s, matmul(s, p))
    assert compiled.tensor.shape == (4, dims)
    assert compiled.tensor.tolist() == expected
    assert neuron(compiled).step_matrix.to_nested() == s


# ---------------------------------------------------------------------------
# S's matrix built once: a small ground state with cheap products
# ---------------------------------------------------------------------------


def test_a_cheap_ground_step_builds_s_once_and_its_states_keep_the_base_axes() -> None:
    compiled = compile_expr("fun x : Bool => iter 2 { zero => x | succ b => not b }", k=3)
    root = neuron(compiled)
    # S is the matrix of `not`, and it is what the neuron built (its step network)
    assert isinstance(root.step_network, Abstraction) and root.step_network is root.step
    assert root.children()[-1] is root.step_network
    assert root.step_matrix.to_nested() == [[0, 1], [1, 0]]
    # by hand: the states alternate x, not x, x, not x (continued to K = 3 on demand)
    identity, swap = [[1, 0], [0, 1]], [[0, 1], [1, 0]]
    assert [s.to_nested() for s in root.states] == [identity, swap, identity, swap]
    assert all(s.axes == (("x", BOOL),) for s in root.states)
    assert compiled.printed.tolist() == [[1, 0], [0, 1]]  # iter 2: not (not x) = x


# ---------------------------------------------------------------------------
# which route a linear step takes (SPEC §9: S is built only where it costs less)
# ---------------------------------------------------------------------------
#
# A step linear in y either runs on each state (step_network: the step's network at h₀) or
# builds S once (step_network: S itself, the neuron's `step`). S is built for a ground state
# whose step iterates, and for a small S (ground, or dim² ≤ SMALL_MATRIX = 10⁴) whose `last`
# products cost at most SMALL_PRODUCTS = 10⁶ and, with NODE_COST = 10⁴ per neuron run,
#     last·(d·size + 10⁴) + neurons·(10⁴ + d²) ≤ last·neurons·(10⁴ + size)
# (d = dim of the state type, size = the state's entries, neurons = the step's nodes). Each
# case below sits where one term of that rule decides; its value is checked by hand too.


def succs(m: int) -> str:
    """A step of m + 1 neurons: y and m `succ`s."""
    return "succ (" * m + "y" + ")" * m


def nat_value(n: int, k: int) -> list[int]:
    return [int(v == n) for v in range(k + 1)]


def shifted(im: list[int], by: int) -> list[int]:
    return [im[(b - by) % len(im)] for b in range(len(im))]


NAT_ROUTES = [
    # (count, m succs per step, K, S built?): the value is count·m (0 past K)
    (4, 3, 100, True),  # d = K + 1 = 101 is ground although d² > 10⁴: 8·20201 ≤ 16·10101
    (3, 2, 100, False),  # 6·20201 > 9·10101
    (98, 1, 100, False),  # 100·20201 > 196·10101, and 98·101² ≤ 10⁶
    (2, 1, 10, False),  # 4·10121 > 4·10011
    (2, 0, 10, False),  # the step is y alone: 3·10121 > 2·10011
    (30, 9, 200, False),  # 30·201² > 10⁶ products: never S
    (25, 6, 199, True),  # 25·200² = 10⁶ products exactly, and 32·50000 ≤ 175·10200
    (8, 19, 219, True),  # the two costs equal: 28·58400 = 160·10220
]


@pytest.mark.parametrize(("count", "m", "k", "built"), NAT_ROUTES)
def test_a_linear_step_on_a_nat_builds_s_only_where_the_rule_says(
    count: int, m: int, k: int, built: bool
) -> None:
    compiled = compile_expr(f"iter {count} {{ zero => 0 | succ y => {succs(m)} }}", k=k)
    root = neuron(compiled)
    assert (root.step_network is root.step) is built
    assert compiled.tensor.tolist() == nat_value(count * m, k)


def test_a_ground_step_that_iterates_builds_s_even_for_one_state() -> None:
    # one run of `double y` would cost less than S by the rule, but double iterates
    compiled = compile_expr("iter 1 { zero => 3 | succ y => double y }", k=10)
    root = neuron(compiled)
    assert root.step_network is root.step
    assert compiled.tensor.tolist() == nat_value(6, 10)


IMG_ROUTES = [
    # (dim Img, K, count, S built?): the step is q y, 3 neurons, on a closed state (size = d)
    (100, 10, 7, True),  # d² = 10⁴ exactly: small; 7·20000 + 3·20000 ≤ 21·10100
    (102, 10, 7, False),  # d > K + 1 and d² > 10⁴: never S (the rule itself would say yes)
    (102, 100, 7, False),  # the same with d = K + 2
]


@pytest.mark.parametrize(("d", "k", "count", "built"), IMG_ROUTES)
def test_a_linear_step_on_an_opaque_state_builds_s_only_when_it_is_small(
    d: int, k: int, count: int, built: bool
) -> None:
    im = [a + 1 for a in range(d)]
    q = [[int(b == (a + 1) % d) for a in range(d)] for b in range(d)]  # a cyclic shift
    compiled = compile_expr(
        f"iter {count} {{ zero => im | succ y => q y }}",
        "q : Img -o Img, im : Img",
        k=k,
        bindings={"q": q, "im": im},
        opaque_dims={"Img": d},
    )
    root = neuron(compiled)
    assert (root.step_network is root.step) is built
    assert compiled.tensor.tolist() == shifted(im, count)


def test_an_iterating_step_on_a_state_larger_than_k_plus_1_runs_on_the_state() -> None:
    # Img of dim 12 at K = 10 is not ground: the step runs (once) although it iterates
    d = 12
    im = [a * a for a in range(d)]
    q = [[int(b == (a + 1) % d) for a in range(d)] for b in range(d)]
    compiled = compile_expr(
        "iter 1 { zero => im | succ y => iter 1 { zero => y | succ w => q w } }",
        "q : Img -o Img, im : Img",
        k=10,
        bindings={"q": q, "im": im},
        opaque_dims={"Img": d},
    )
    root = neuron(compiled)
    assert root.step_network is not root.step
    assert compiled.tensor.tolist() == shifted(im, 1)


# ---------------------------------------------------------------------------
# a count that is a variable: the states side by side, never the identity
# ---------------------------------------------------------------------------


def test_a_count_that_is_a_variable_never_builds_its_identity() -> None:
    # n at K = 99 is an axis (the identity, 100 × 100 = 10⁴ entries if built); the result
    # (is n even, as a Bool, per n) has 200 entries, the states 200 too: a limit of 10⁴ - 1
    # holds, because the sum over the states is the states side by side
    compiled = compile_expr("iter n { zero => true | succ b => not b }", "n : Nat", k=99, max_entries=9_999)
    assert compiled.tensor.tolist() == [
        [int(n % 2 == 0) for n in range(100)],
        [int(n % 2 == 1) for n in range(100)],
    ]


# ---------------------------------------------------------------------------
# the step run on a state renames the state's axes apart: fresh names, every time
# ---------------------------------------------------------------------------

RENAMED = (
    "(fun p : Nat => fun {b} : Nat => (fun q : Nat => add q p) "
    "(iter 1 {{ zero => {b} | succ y => succ y }})) (iter 1 {{ zero => a | succ y => succ y }})"
)
"""Two states with an axis named a (the context's a, then the binder's a when b = a), each
run through a step, then both substituted into one `add`: their renamed axes must differ."""


@pytest.mark.parametrize("b", ["a", "b"])
def test_renaming_a_binder_apart_from_a_context_variable_does_not_change_the_tensor(b: str) -> None:
    # α-equivalence: the binder may be called a (like the context variable) or b; by hand, at
    # context a = i and argument j the value is (j + 1) + (i + 1), zero past K = 3
    compiled = compile_expr(RENAMED.format(b=b), "a : Nat", k=3)
    expected = [[[int(v == i + j + 2) for i in range(4)] for j in range(4)] for v in range(4)]
    assert compiled.printed.tolist() == expected


# ---------------------------------------------------------------------------
# a hand-built program whose outer step is wrongly marked linear (Abstract.per_basis)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inner",
    [
        "iter 2 { zero => c | succ z => r y z }",  # S's matrix (small, cheap products)
        "iter 1 { zero => c | succ z => r y (iter 1 { zero => c | succ u => r z u }) }",  # S's columns
    ],
    ids=["matrix", "columns"],
)
def test_a_nested_step_over_a_state_with_axes_is_refused_naming_them(inner: str) -> None:
    # y (the outer state, with the axes im and jm) is used in the inner step: lowering marks the
    # outer step per basis vector, so y is only ever e_j. Marked linear by hand instead, the
    # outer step runs on its state (renamed axes im′…, jm′…), and the inner iter, which needs
    # its own step's value without axes to build S, refuses, naming them
    img = Opaque("Img")
    pair = parse_type_text("Img -o Img -o Img")
    text = f"iter 1 {{ zero => s im jm | succ y => {inner} }}"
    context = (("r", pair), ("s", pair), ("c", img), ("im", img), ("jm", img))
    program = term_to_neurons(parse_term_text(text), context, workspace().defs)
    assert isinstance(program.root, Recurrent) and program.root.step.per_basis
    step = dataclasses.replace(program.root.step, per_basis=False)
    forged = dataclasses.replace(program, root=dataclasses.replace(program.root, step=step))
    d = 12
    pairs = [[(i + j) % 3 for j in range(d)] for i in range(d * d)]
    bindings = {"r": pairs, "s": pairs, "c": [1] * d}
    err = error_of(lambda: compile_program(forged, nat_bound=10, bindings=bindings, opaque_dims={"Img": d}))
    assert err.kind is ErrorKind.UNBOUND_WEIGHT
    assert re.fullmatch(
        r"the step of this `iter` depends on im′\d+, jm′\d+, which must be bound to values", err.message
    )
    assert err.span is not None and err.span.source.text[err.span.start : err.span.end] == inner


# ---------------------------------------------------------------------------
# a zero factor proves its product zero, however large the other factor
# ---------------------------------------------------------------------------


def test_zero_columns_and_zero_states_keep_their_products_int64_beside_entries_near_2_62() -> None:
    # x = 2⁶¹·(e₂ + e₃) meets only S's columns 2 and 3, both zero at K = 3 (4 and 6 are past K):
    # the bound of S·x is 0, so h₁ is the int64 zero vector (maxabs 0), not an object array
    big = 2**61
    doubled = compile_expr(
        "iter 1 { zero => x | succ y => iter 2 { zero => zero | succ z => add y z } }",
        "x : Nat",
        k=3,
        bindings={"x": [0, 0, big, big]},
    )
    assert [s.maxabs() for s in neuron(doubled).computed_states] == [big, 0]
    assert doubled.tensor.tolist() == [0, 0, 0, 0]
    # a zero base: every state is 0, so the sum Σ nᵢ·hᵢ with coefficients 2⁶¹ is the int64 zero
    summed = compile_expr(
        "iter n { zero => x | succ y => succ y }",
        "n : Nat, x : Nat",
        k=3,
        bindings={"n": [big] * 4, "x": [0] * 4},
    )
    root = neuron(summed)
    assert [s.maxabs() for s in root.computed_states] == [0, 0, 0, 0]
    assert root.value.maxabs() == 0
    assert summed.tensor.tolist() == [0, 0, 0, 0]
