"""The float backend runs the compiler's neuron program: it must agree with the exact tensor.

For a program linear in every context variable, the exact tensor contracted with float
inputs is the float backend's output at those inputs (up to rounding); a step bound to
a callable must give what the same step bound to its matrix gives.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cajal_ref.backends import evaluate_float, materialize
from cajal_ref.compiler import compile_term, lower
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace
from cajal_ref.syntax import Type

floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


@cache
def workspace() -> Workspace:
    return load_workspace(examples=True)


def checked(text: str, ctx: str | None = None) -> tuple[Any, tuple[tuple[str, Type], ...], Type]:
    expr = workspace().check_expression(text, ctx)
    return expr.term, expr.context, expr.type


def contract(tensor: Any, inputs: list[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """Σ over the context axes of tensor × inputs (last axis first), in floats."""
    out = np.asarray(tensor, dtype=np.float64)
    for v in reversed(inputs):
        out = out @ v.reshape(-1)
    return out


LINEAR_PROGRAMS = [
    ("if x then y else not y", "x : Bool, y : Bool"),
    ("and x (or y z)", "x : Bool, y : Bool, z : Bool"),
    ("add m n", "m : Nat, n : Nat"),
    ("is_even (double n)", "n : Nat"),
    ("iter n { zero => b | succ c => not c }", "n : Nat, b : Bool"),
    ("compose f g x", "f : Nat -o Nat, g : Nat -o Nat, x : Nat"),
    ("f (g x)", "f : Bool -o Nat, g : Nat -o Bool, x : Nat"),
    ("let y = succ n in if c then y else discard y", "c : Bool, n : Nat"),
]


@pytest.mark.parametrize(("text", "ctx"), LINEAR_PROGRAMS)
@given(data=st.data())
def test_float_equals_exact_on_random_inputs(text: str, ctx: str, data: st.DataObject) -> None:
    k = 3
    term, context, _ = checked(text, ctx)
    exact = compile_term(term, context, workspace().defs, nat_bound=k)
    assert [n for n, _ in exact.context] == [n for n, _ in context]
    inputs = [data.draw(hnp.arrays(np.float64, d, elements=floats)) for d in exact.shape[1:]]
    # a function-typed input is given flat (its row-major matrix), as the backend accepts
    env = {name: v for (name, _), v in zip(context, inputs, strict=True)}
    got = evaluate_float(lower(term, context, workspace().defs), env, nat_bound=k)
    np.testing.assert_allclose(materialize(got, exact.type, k), contract(exact.tensor, inputs), atol=1e-9)


@pytest.mark.parametrize("name", ["not", "and", "xor", "is_even", "add", "mult", "compose", "discard"])
def test_closed_defs_materialize_to_the_exact_tensor(name: str) -> None:
    k = 3
    term, _, t = checked(name)
    exact = compile_term(term, (), workspace().defs, nat_bound=k)
    value = evaluate_float(exact, {})
    assert np.array_equal(materialize(value, t, k), exact.tensor.astype(np.float64))


@given(hnp.arrays(np.float64, 4, elements=floats), hnp.arrays(np.float64, 4, elements=floats))
def test_recurrent_parameter_acts_as_the_matrix_of_basis_images(
    m: np.ndarray[Any, Any], n: np.ndarray[Any, Any]
) -> None:
    # mult's `m` is compiled per basis vector: at a non-basis m the compiled map is
    # Σ_j m_j · mult(e_j), linear in m, exactly what the exact tensor contracted gives
    k = 3
    term, _, _ = checked("mult")
    exact = compile_term(term, (), workspace().defs, nat_bound=k)
    f = evaluate_float(exact, {})
    expected = exact.tensor.astype(np.float64).reshape(k + 1, k + 1, k + 1)  # [out, n, m]
    np.testing.assert_allclose(f(m)(n), np.einsum("onm,m,n->o", expected, m, n), atol=1e-9)


def test_paper_example_with_matrix_and_callable() -> None:
    term, context, t = checked("fun n : Nat => iter n { zero => true | succ y => f y }", "f : Bool -o Bool")
    program = lower(term, context, workspace().defs)
    m = np.array([[0.0, 2.0], [3.0, 0.0]])
    by_matrix = materialize(evaluate_float(program, {"f": m}, nat_bound=4), t, 4).reshape(2, 5)
    by_callable = materialize(evaluate_float(program, {"f": lambda v: m @ v}, nat_bound=4), t, 4).reshape(
        2, 5
    )
    expected = np.array([[1, 0, 6, 0, 36], [0, 3, 0, 18, 0]], dtype=np.float64)
    assert np.array_equal(by_matrix, expected)
    assert np.array_equal(by_callable, expected)


@given(
    hnp.arrays(np.float64, (4, 4), elements=floats),
    hnp.arrays(np.float64, 4, elements=floats),
    hnp.arrays(np.float64, 4, elements=floats),
)
def test_callable_step_equals_matrix_step(
    m: np.ndarray[Any, Any], n: np.ndarray[Any, Any], x: np.ndarray[Any, Any]
) -> None:
    term, context, _ = checked("iter n { zero => x | succ y => f y }", "f : Nat -o Nat, n : Nat, x : Nat")
    program = lower(term, context, workspace().defs)
    a = evaluate_float(program, {"f": m, "n": n, "x": x}, nat_bound=3)
    b = evaluate_float(program, {"f": lambda v: m @ v, "n": n, "x": x}, nat_bound=3)
    expected = sum(n[i] * np.linalg.matrix_power(m, i) @ x for i in range(4))
    np.testing.assert_allclose(a, b, atol=1e-9)
    np.testing.assert_allclose(a, expected, rtol=1e-9, atol=1e-9)


def test_bound_weight_agrees_with_the_exact_compiler() -> None:
    # f is a recurrent weight: exact compile binds it; the float backend gets the same matrix
    term, context, _ = checked("iter n { zero => x | succ y => f y }", "f : Nat -o Nat, n : Nat, x : Nat")
    f = [[0, 1, 0, 0], [2, 0, 0, 0], [0, 0, 1, 3], [1, 0, 0, 0]]
    exact = compile_term(term, context, workspace().defs, nat_bound=3, bindings={"f": f})
    rng = np.random.default_rng(0)
    n, x = rng.normal(size=4), rng.normal(size=4)
    got = evaluate_float(
        lower(term, context, workspace().defs), {"f": np.array(f, float), "n": n, "x": x}, nat_bound=3
    )
    np.testing.assert_allclose(got, contract(exact.tensor, [n, x]), atol=1e-9)


def test_images_as_opaque_values() -> None:
    info = workspace().defs["iterate"]
    program = lower(info.body, info.context, workspace().defs)
    rng = np.random.default_rng(1)
    img = rng.random((16, 16))
    num = rng.random(10)

    def step(y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return 0.3 * y + 0.7 * np.maximum(y, np.roll(y, 1, axis=0))

    out = evaluate_float(program, {"num": num, "img": img, "step": step})
    expected = np.zeros((16, 16))
    state = img
    for i in range(10):
        expected += num[i] * state
        state = step(state)
    assert out.shape == (16, 16)
    np.testing.assert_allclose(out, expected)


def test_conditional_example_consumes_num_on_both_branches() -> None:
    info = workspace().defs["conditional"]
    program = lower(info.body, info.context, workspace().defs)
    img = np.arange(6.0).reshape(2, 3)
    num = np.eye(10)[3]
    double = {"step": lambda y: 2 * y, "num": num, "img": img}
    odd = evaluate_float(program, {**double, "odd": np.array([1.0, 0.0])})
    even = evaluate_float(program, {**double, "odd": np.array([0.0, 1.0])})
    np.testing.assert_allclose(odd, 8 * img)  # step applied num = 3 times
    np.testing.assert_allclose(even, img)  # discard num = 0 iterations


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"x": np.ones(2)}, "give a value for `y`"),
        ({"x": np.ones(3), "y": np.ones(2)}, "length 2"),
        ({"x": np.ones(2), "y": np.ones(2), "z": np.ones(2)}, "not a context variable"),
    ],
)
def test_env_errors(env: dict[str, Any], needle: str) -> None:
    term, context, _ = checked("and x y", "x : Bool, y : Bool")
    with pytest.raises(CajalError) as info:
        evaluate_float(lower(term, context, workspace().defs), env)
    assert info.value.kind is ErrorKind.BAD_BINDING
    assert needle in info.value.message


def test_same_program_runs_on_jax_with_gradients() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    info = workspace().defs["conditional"]
    program = lower(info.body, info.context, workspace().defs)
    num = np.eye(10)[2] * 0.5 + np.eye(10)[3] * 0.5
    odd = np.array([0.75, 0.25])

    def total(w: Any) -> Any:
        env = {
            "img": jnp.ones((3, 3)),
            "num": jnp.asarray(num),
            "odd": jnp.asarray(odd),
            "step": lambda y: w * y,
        }
        return jnp.sum(evaluate_float(program, env, xp=jnp))

    # odd: Σ nᵢ wⁱ over 9 pixels; even: discard num = 0 iterations, the image itself
    w = 2.0
    expected = 9 * (0.75 * (0.5 * w**2 + 0.5 * w**3) + 0.25)
    d_expected = 9 * 0.75 * (0.5 * 2 * w + 0.5 * 3 * w**2)
    assert float(jax.jit(total)(w)) == pytest.approx(expected, rel=1e-5)
    assert float(jax.grad(total)(w)) == pytest.approx(d_expected, rel=1e-5)
