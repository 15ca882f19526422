"""The JAX backend runs the compiler's neuron program as a pure JAX function (SPEC §7).

Expectations come from the other paths: the exact tensor (contracted with the float
inputs), the numpy float backend, the paper's [[0,2],[3,0]] example worked out by
hand, and a callable step against the same step bound as a matrix.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cajal_ref.backends.jax_backend import JaxProgram, jax_program, jax_term
from cajal_ref.backends.numpy_float import evaluate_float
from cajal_ref.compiler import compile_term, lower
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.loader import Workspace, load_workspace


@cache
def workspace() -> Workspace:
    return load_workspace(examples=True)


def linked(text: str, ctx: str | None = None, **options: Any) -> JaxProgram:
    expr = workspace().check_expression(text, ctx)
    return jax_term(expr.term, expr.context, workspace().defs, **options)


def exact_tensor(text: str, ctx: str, bindings: dict[str, Any] | None = None) -> np.ndarray[Any, Any]:
    expr = workspace().check_expression(text, ctx)
    compiled = compile_term(expr.term, expr.context, workspace().defs, bindings=bindings)
    return np.asarray(compiled.tensor, dtype=np.float64)


def contract(tensor: np.ndarray[Any, Any], inputs: list[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    out = tensor
    for v in reversed(inputs):
        out = out @ v.reshape(-1)
    return out


LINEAR = [
    ("if x then y else not y", "x : Bool, y : Bool", [2, 2]),
    ("add m n", "m : Nat, n : Nat", [10, 10]),
    ("iter n { zero => b | succ c => not c }", "n : Nat, b : Bool", [10, 2]),
    ("let y = succ n in if c then y else discard y", "c : Bool, n : Nat", [2, 10]),
]


@pytest.mark.parametrize(("text", "ctx", "dims"), LINEAR)
def test_jax_equals_exact_tensor_contracted(text: str, ctx: str, dims: list[int]) -> None:
    program = linked(text, ctx)
    tensor = exact_tensor(text, ctx)
    rng = np.random.default_rng(1)
    names = [n for n, _ in program.context]
    for _ in range(5):
        inputs = [rng.normal(size=d) for d in dims]
        got = np.asarray(jax.jit(program)(dict(zip(names, map(jnp.asarray, inputs), strict=True))))
        np.testing.assert_allclose(got, contract(tensor, inputs), rtol=1e-5, atol=1e-5)


def test_function_result_materializes_to_exact_matrix() -> None:
    # `fun x : Bool => and x y` over y: at y = e_true it is the identity, at e_false constantly false
    program = linked("fun x : Bool => and x y", "y : Bool")
    ident = np.asarray(program.materialize({"y": jnp.array([1.0, 0.0])}))
    const = np.asarray(program.materialize({"y": jnp.array([0.0, 1.0])}))
    np.testing.assert_array_equal(ident.reshape(2, 2), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(const.reshape(2, 2), [[0, 0], [1, 1]])


def test_paper_example_recurrent_neuron() -> None:
    # f(0) = (1,0), f(n+1) = [[0,2],[3,0]] f(n): (1,0), (0,3), (6,0), (0,18), (36,0), ...
    program = linked("iter n { zero => true | succ y => f y }", "f : Bool -o Bool, n : Nat")
    matrix = jnp.array([[0.0, 2.0], [3.0, 0.0]])
    expected = [(1, 0), (0, 3), (6, 0), (0, 18), (36, 0), (0, 108)]
    for i, want in enumerate(expected):
        got = program({"f": matrix, "n": jax.nn.one_hot(i, 10)})
        np.testing.assert_allclose(np.asarray(got), want)


def test_recurrent_weight_bound_to_matrix_matches_exact() -> None:
    text, ctx = "iter n { zero => b | succ y => f y }", "f : Nat -o Nat, n : Nat, b : Nat"
    rng = np.random.default_rng(2)
    matrix = rng.integers(-1, 2, size=(10, 10))
    tensor = exact_tensor(text, ctx, {"f": matrix.tolist()})  # axes: value, n, b
    program = linked(text, ctx)
    n, b = rng.normal(size=10), rng.normal(size=10)
    got = program({"f": jnp.asarray(matrix, jnp.float32), "n": jnp.asarray(n), "b": jnp.asarray(b)})
    np.testing.assert_allclose(np.asarray(got), contract(tensor, [n, b]), rtol=1e-4, atol=1e-3)


def image_step(kernel: Any) -> Any:
    """A small nonlinear step on 4×4 'images', traceable by JAX."""

    def step(y: Any) -> Any:
        return jnp.tanh(kernel @ y.reshape(-1)).reshape(4, 4)

    return step


def test_experiment_programs_agree_with_numpy_backend() -> None:
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(16, 16)) * 0.3
    env = {
        "odd": np.array([0.3, 0.7]),
        "num": rng.dirichlet(np.ones(10)),
        "img": rng.uniform(size=(4, 4)),
    }
    for name in ("iterate", "conditional"):
        info = workspace().defs[name]
        program = jax_term(info.body, info.context, workspace().defs)
        env_here = {k: v for k, v in env.items() if k in dict(info.context)}
        want = evaluate_float(
            lower(info.body, info.context, workspace().defs),
            {**env_here, "step": lambda y: np.tanh(kernel @ y.reshape(-1)).reshape(4, 4)},
        )
        got = program({**{k: jnp.asarray(v) for k, v in env_here.items()}, "step": image_step(kernel)})
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def test_conditional_even_branch_is_the_image() -> None:
    # odd = false: the count is `discard num` = e_0 (num sums to 1), so the result is img itself
    info = workspace().defs["conditional"]
    program = jax_term(info.body, info.context, workspace().defs)
    img = jnp.arange(16.0).reshape(4, 4)
    num = jax.nn.softmax(jnp.arange(10.0))
    out = program({"odd": jnp.array([0.0, 1.0]), "num": num, "img": img, "step": lambda y: 2 * y})
    np.testing.assert_allclose(np.asarray(out), np.asarray(img), rtol=1e-6)
    # odd = true: Σ nᵢ 2ⁱ img
    out = program({"odd": jnp.array([1.0, 0.0]), "num": num, "img": img, "step": lambda y: 2 * y})
    scale = float(jnp.sum(num * 2.0 ** jnp.arange(10)))
    np.testing.assert_allclose(np.asarray(out), scale * np.asarray(img), rtol=1e-5)


def test_callable_step_equals_matrix_step() -> None:
    rng = np.random.default_rng(4)
    matrix = rng.normal(size=(16, 16)) * 0.5
    info = workspace().defs["iterate"]
    program = jax_program(lower(info.body, info.context, workspace().defs), opaque_shapes={"Img": (4, 4)})
    num, img = jnp.asarray(rng.dirichlet(np.ones(10))), jnp.asarray(rng.normal(size=(4, 4)))
    by_matrix = program({"num": num, "img": img, "step": jnp.asarray(matrix)})
    by_callable = program(
        {"num": num, "img": img, "step": lambda y: (jnp.asarray(matrix) @ y.reshape(-1)).reshape(4, 4)}
    )
    assert by_matrix.shape == (4, 4)
    np.testing.assert_allclose(np.asarray(by_matrix), np.asarray(by_callable), rtol=1e-5, atol=1e-5)


def test_jit_vmap_over_environments() -> None:
    info = workspace().defs["iterate"]
    program = jax_term(info.body, info.context, workspace().defs)
    kernel = jnp.asarray(np.random.default_rng(5).normal(size=(16, 16)) * 0.3)
    nums = jax.nn.softmax(jnp.asarray(np.random.default_rng(6).normal(size=(7, 10))), axis=-1)
    imgs = jnp.asarray(np.random.default_rng(7).uniform(size=(7, 4, 4)))

    def run(kernel: Any, num: Any, img: Any) -> Any:
        return program({"num": num, "img": img, "step": image_step(kernel)})

    batched = jax.jit(jax.vmap(run, in_axes=(None, 0, 0)))(kernel, nums, imgs)
    one_by_one = np.stack([np.asarray(run(kernel, nums[i], imgs[i])) for i in range(7)])
    np.testing.assert_allclose(np.asarray(batched), one_by_one, rtol=1e-5, atol=1e-6)


def test_partial_callable_passes_through_jit_and_grad() -> None:
    program = linked("iter n { zero => b | succ y => f y }", "f : Img -o Img, n : Nat, b : Img")

    def step(kernel: Any, y: Any) -> Any:
        return jnp.tanh(kernel @ y.reshape(-1)).reshape(4, 4)

    @jax.jit
    def total(env: dict[str, Any]) -> Any:
        return jnp.sum(program(env))

    kernel = jnp.eye(16) * 0.5
    env = {"f": jax.tree_util.Partial(step, kernel), "n": jax.nn.one_hot(3, 10), "b": jnp.ones((4, 4))}
    value = total(env)
    np.testing.assert_allclose(float(value), 16 * np.tanh(0.5 * np.tanh(0.5 * np.tanh(0.5))), rtol=1e-5)
    grads = jax.grad(total)(env)
    assert grads["f"].args[0].shape == (16, 16)
    assert float(jnp.abs(grads["b"]).sum()) > 0


def test_bad_environments_are_cajal_errors() -> None:
    program = linked("if x then y else not y", "x : Bool, y : Bool")
    with pytest.raises(CajalError) as missing:
        program({"x": jnp.array([1.0, 0.0])})
    assert missing.value.kind is ErrorKind.BAD_BINDING and "`y`" in missing.value.message
    with pytest.raises(CajalError) as shape:
        program({"x": jnp.array([1.0, 0.0, 0.0]), "y": jnp.array([1.0, 0.0])})
    assert shape.value.kind is ErrorKind.BAD_BINDING
    with pytest.raises(CajalError):
        jax_program(program.program, nat_bound=-1)


def test_core_does_not_import_jax() -> None:
    code = (
        "import sys\n"
        "import cajal_ref, cajal_ref.compiler, cajal_ref.checker, cajal_ref.interpreter, cajal_ref.loader\n"
        "import cajal_ref.backends, cajal_ref.backends.numpy_float, cajal_ref.cli\n"
        "assert not any(m == 'jax' or m.startswith('jax.') for m in sys.modules), 'jax imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
