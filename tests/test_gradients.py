"""Gradients through compiled `if` and `iter` exist and are right (SPEC §7).

In float64, JAX's gradients with respect to the condition, the count vector, the
base, and the parameters of a callable step must equal central finite differences
(relative error < 1e-6). On the linear parts, the exact compiler's tensor is the
Jacobian: contracting it with all inputs but one must give JAX's Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cajal_ref.backends.jax_backend import JaxProgram, jax_term
from cajal_ref.compiler import compile_term
from cajal_ref.loader import Workspace, load_workspace

Array = np.ndarray[Any, Any]


@pytest.fixture(autouse=True)
def float64() -> Iterator[None]:
    """Run each test in float64, then restore JAX's setting for the other tests."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)


@cache
def workspace() -> Workspace:
    return load_workspace(examples=True)


def linked(text: str, ctx: str) -> JaxProgram:
    expr = workspace().check_expression(text, ctx)
    return jax_term(expr.term, expr.context, workspace().defs)


def central_differences(f: Callable[[Array], float], x: Array, h: float = 1e-5) -> Array:
    """∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, coordinate by coordinate, in float64."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1)
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)


def assert_gradient_matches(f: Callable[..., Any], args: list[Array]) -> None:
    """jax.grad of the scalar f w.r.t. each argument equals central differences (relative error < 1e-6)."""
    jitted = jax.jit(f)
    for k in range(len(args)):
        analytic = np.asarray(jax.grad(f, argnums=k)(*map(jnp.asarray, args)))
        assert np.all(np.isfinite(analytic))

        def partial(v: Array, k: int = k) -> float:
            return float(jitted(*[jnp.asarray(v) if j == k else jnp.asarray(a) for j, a in enumerate(args)]))

        numeric = central_differences(partial, args[k])
        assert analytic.dtype == np.float64
        error = np.linalg.norm(analytic - numeric) / max(np.linalg.norm(numeric), 1e-12)
        assert error < 1e-6, f"argument {k}: relative error {error:.2e}"
        assert np.linalg.norm(numeric) > 1e-8, "a vanishing gradient would test nothing"


SHAPE = (2, 3)
"""Opaque `Img` values here are small 2×3 arrays, so finite differences stay cheap."""
WEIGHTS = np.random.default_rng(11).normal(size=SHAPE)
"""A fixed readout, so that each program's image output becomes a scalar loss."""


def test_gradient_of_if_wrt_condition_branches_and_callables() -> None:
    # both branches must use the same variables (linearity), hence f and g on each side
    program = linked("if c then f (g u) else g (f u)", "c : Bool, f : Img -o Img, g : Img -o Img, u : Img")

    def loss(c: Any, u: Any, w: Any) -> Any:
        out = program({"c": c, "u": u, "f": lambda y: step_fn((w, 0.1), y), "g": lambda y: 2 * jnp.sin(y)})
        return jnp.sum(jnp.asarray(WEIGHTS) * out)

    rng = np.random.default_rng(0)
    assert_gradient_matches(loss, [rng.dirichlet([1, 1]), rng.normal(size=SHAPE), rng.normal(size=(6, 6))])


def step_fn(params: Any, y: Any) -> Any:
    """A small nonlinear learned step on 2×3 images: tanh(W·y + a)."""
    w, a = params
    return jnp.tanh(w @ y.reshape(-1) + a).reshape(SHAPE)


def test_gradient_of_iter_wrt_count_base_and_step_parameters() -> None:
    program = linked("iter n { zero => b | succ y => f y }", "f : Img -o Img, n : Nat, b : Img")

    def loss(n: Any, b: Any, w: Any, a: Any) -> Any:
        out = program({"n": n, "b": b, "f": lambda y: step_fn((w, a), y)})
        return jnp.sum(jnp.asarray(WEIGHTS) * out**2)

    rng = np.random.default_rng(1)
    args = [
        rng.dirichlet(np.ones(10)),
        rng.normal(size=SHAPE),
        rng.normal(size=(6, 6)) * 0.6,
        rng.normal(size=6) * 0.1,
    ]
    assert_gradient_matches(loss, args)


def test_gradient_through_discard_and_learned_condition() -> None:
    info = workspace().defs["conditional"]
    program = jax_term(info.body, info.context, workspace().defs)

    def loss(odd: Any, num: Any, img: Any, w: Any) -> Any:
        out = program({"odd": odd, "num": num, "img": img, "step": lambda y: step_fn((w, 0.0), y)})
        return jnp.sum(jnp.asarray(WEIGHTS) * out)

    rng = np.random.default_rng(2)
    args = [
        rng.dirichlet([1, 1]),
        rng.dirichlet(np.ones(10)),
        rng.uniform(size=SHAPE),
        rng.normal(size=(6, 6)) * 0.6,
    ]
    assert_gradient_matches(loss, args)


def jacobian_from_tensor(tensor: Array, inputs: list[Array], k: int) -> Array:
    """∂(T·x₁·…·xₙ)/∂xₖ for a multilinear map: T contracted with every input but the k-th."""
    axes = "bcdefgh"[: len(inputs)]
    others = [j for j in range(len(inputs)) if j != k]
    spec = f"a{axes}," + ",".join(axes[j] for j in others) + f"->a{axes[k]}"
    return np.einsum(spec, tensor, *[inputs[j] for j in others])


LINEAR = [
    ("if x then y else not y", "x : Bool, y : Bool", {}),
    ("add m n", "m : Nat, n : Nat", {}),
    ("iter n { zero => b | succ c => not c }", "n : Nat, b : Bool", {}),
    ("iter n { zero => b | succ y => f y }", "f : Nat -o Nat, n : Nat, b : Nat", {"f": "matrix"}),
]


@pytest.mark.parametrize(("text", "ctx", "bound"), LINEAR)
def test_exact_tensor_is_the_jax_jacobian(text: str, ctx: str, bound: dict[str, str]) -> None:
    rng = np.random.default_rng(3)
    expr = workspace().check_expression(text, ctx)
    matrix = rng.integers(-1, 2, size=(10, 10))
    bindings = {name: matrix.tolist() for name in bound}
    compiled = compile_term(expr.term, expr.context, workspace().defs, bindings=bindings)
    tensor = np.asarray(compiled.tensor, dtype=np.float64)
    names = [n for n, _ in compiled.context]
    dims = tensor.shape[1:]
    program = jax_term(expr.term, expr.context, workspace().defs)
    fixed = {name: jnp.asarray(matrix, dtype=jnp.float64) for name in bound}
    inputs = [rng.normal(size=d) for d in dims]

    def output(*xs: Any) -> Any:
        return program({**fixed, **dict(zip(names, xs, strict=True))})

    for k in range(len(names)):
        jac = np.asarray(jax.jacfwd(output, argnums=k)(*map(jnp.asarray, inputs)))
        want = jacobian_from_tensor(tensor, inputs, k)
        assert jac.shape == want.shape == (tensor.shape[0], dims[k])
        np.testing.assert_allclose(jac, want, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(want).max()))
