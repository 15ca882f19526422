"""The fast layers compute the authors' functions: equal, with their gradients, to plain references.

paper_models runs its convolutions as FFTs in NCHW, pools NHWC and reorders T's
product, for speed on CPU (benchmarks/experiment_bench.py). Each is checked here
against a straightforward reference written with `jax.lax.conv_general_dilated`,
`jax.lax.reduce_window` and the explicit kron features, on random data and random
parameters: outputs and gradients agree to ~1e-4 of their largest entry (float32
rounding; the FFT sums in another order). No timing is asserted here.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cajal_ref.experiments.layers import correlate_fft, dense, forward_only, spectral_conv, torch_conv
from cajal_ref.experiments.models import NAT_BOUND
from cajal_ref.experiments.paper_models import (
    KERNEL,
    PAD,
    PAD_VALUE,
    apply_indirect,
    apply_trunk,
    init_indirect,
    init_trunk,
    paper_models,
)

RTOL = 1e-4


def close(got: Any, want: Any, rtol: float = RTOL) -> None:
    """Every leaf within rtol × (that leaf's largest |entry|) of the reference."""
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want), strict=True):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        assert g.shape == w.shape
        scale = max(float(np.abs(w).max()), 1e-30)
        assert float(np.abs(g - w).max()) <= rtol * scale, (float(np.abs(g - w).max()), scale)


def ref_conv(layer: Any, x: Any, pad: int, pad_value: float = 0.0) -> Any:
    """NCHW convolution by XLA's own convolution, after padding with `pad_value`."""
    padded = jnp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=pad_value)
    y = jax.lax.conv_general_dilated(
        padded,
        layer["w"],
        (1, 1),
        "VALID",
        dimension_numbers=("NCHW", "HWIO", "NCHW"),
        precision=jax.lax.Precision.HIGHEST,
    )
    return y + layer["b"][:, None, None]


def ref_trunk(params: Any, images: Any) -> Any:
    """The count CNN / hypernetwork trunk as the authors write it (NHWC flattening order)."""
    h = jax.nn.relu(ref_conv(params["conv1"], images[:, None], 2))
    h = jax.nn.relu(ref_conv(params["conv2"], h, 2))
    h = jax.lax.reduce_window(h[..., :27, :27], -jnp.inf, jax.lax.max, (1, 1, 3, 3), (1, 1, 3, 3), "VALID")
    h = jnp.transpose(h, (0, 2, 3, 1))
    return dense(params["out"], h.reshape(h.shape[0], -1))


def ref_hyper_step(params: Any, image: Any) -> Any:
    kernel = jnp.tanh(ref_trunk(params, image[None]))[0].reshape(KERNEL, KERNEL, 1, 1)
    layer = {"w": kernel, "b": jnp.zeros((1,), jnp.float32)}
    out = ref_conv(layer, image[None, None], PAD, PAD_VALUE)[0, 0]
    return out


def ref_indirect(params: Any, images: Any) -> Any:
    h = jax.nn.relu(ref_conv(params["conv1"], images[:, None], PAD, PAD_VALUE))
    h = jax.nn.relu(ref_conv(params["conv2"], h, PAD, PAD_VALUE))
    return ref_conv(params["conv3"], h, PAD, PAD_VALUE)[:, 0]


def images(n: int, seed: int = 0) -> Any:
    return jax.random.uniform(jax.random.PRNGKey(seed), (n, 28, 28), jnp.float32, -1.0, 1.0)


def with_gradients(f: Any, params: Any, x: Any, seed: int = 7) -> tuple[Any, Any]:
    """f(params, x) and the gradient of a random linear functional of it w.r.t. params and x."""
    out = f(params, x)
    weights = jax.random.normal(jax.random.PRNGKey(seed), out.shape, jnp.float32)
    grads = jax.grad(lambda p, y: jnp.sum(f(p, y) * weights), argnums=(0, 1))(params, x)
    return out, grads


@pytest.mark.parametrize(
    ("size", "c_in", "c_out", "pad", "pad_value"),
    [(5, 1, 8, 2, 0.0), (5, 8, 16, 2, 0.0), (13, 1, 6, 6, -1.0), (13, 6, 6, 6, -1.0), (13, 6, 1, 6, -1.0)],
)
def test_spectral_conv_is_xla_convolution(
    size: int, c_in: int, c_out: int, pad: int, pad_value: float
) -> None:
    layer = torch_conv(jax.random.PRNGKey(size + c_in + c_out), size, c_in, c_out)
    x = jax.random.normal(jax.random.PRNGKey(1), (3, c_in, 28, 28), jnp.float32)
    got = with_gradients(lambda p, y: spectral_conv(p, y, pad, pad_value), layer, x)
    want = with_gradients(lambda p, y: ref_conv(p, y, pad, pad_value), layer, x)
    close(got, want)


@pytest.mark.parametrize(("size", "c_in", "c_out"), [(5, 8, 16), (13, 6, 6), (13, 6, 1), (5, 1, 8)])
def test_forward_only_convolution_is_xla_convolution(size: int, c_in: int, c_out: int) -> None:
    """The evaluation form of the channel mixing (elementwise sums) gives XLA's convolution too."""
    layer = torch_conv(jax.random.PRNGKey(size * c_in + c_out), size, c_in, c_out)
    x = jax.random.normal(jax.random.PRNGKey(5), (3, c_in, 28, 28), jnp.float32)
    def conv(p: Any, y: Any) -> Any:
        return spectral_conv(p, y, size // 2, -1.0)

    with forward_only():
        got = jax.jit(conv)(layer, x)
        traced = str(jax.make_jaxpr(conv)(layer, x))
    close(got, ref_conv(layer, x, size // 2, -1.0))
    # the evaluation form has no contraction where both sides have several channels
    assert "dot_general" not in traced
    # (a new function: JAX caches traces by function, whatever the setting was)
    default = str(jax.make_jaxpr(lambda p, y: conv(p, y))(layer, x))
    assert ("dot_general" in default) == (c_in > 1 and c_out > 1)


@pytest.mark.parametrize("name", ["direct", "typed", "indirect"])
def test_forward_only_models_match_their_training_forms(name: str) -> None:
    """Each paper model traced for evaluation gives what the form with gradients gives."""
    model = paper_models("conditional", 28)[name]
    params = model.init(jax.random.PRNGKey(11))
    if name == "direct":  # a well-conditioned recurrence, as in the reference test below
        params["step"]["out"] = jax.tree_util.tree_map(lambda v: v * 0.1, params["step"]["out"])
    x = images(3, 6)
    with forward_only():
        evaluated = jax.jit(model.apply)(params, x)
    close(evaluated, jax.jit(model.apply)(params, x))


def test_nhwc_correlation_is_the_nchw_one() -> None:
    x = jax.random.normal(jax.random.PRNGKey(2), (2, 12, 12, 3), jnp.float32)
    w = jax.random.normal(jax.random.PRNGKey(3), (5, 5, 3, 4), jnp.float32)
    layer = {"w": w, "b": jnp.zeros((4,), jnp.float32)}
    want = jnp.moveaxis(ref_conv(layer, jnp.moveaxis(x, -1, 1), 0), 1, -1)
    close(correlate_fft(x, w), want)


@pytest.mark.parametrize("n_out", [NAT_BOUND + 1, KERNEL * KERNEL])
def test_trunk_is_the_reference_trunk(n_out: int) -> None:
    params = init_trunk(jax.random.PRNGKey(4), 28, n_out)
    close(with_gradients(apply_trunk, params, images(6)), with_gradients(ref_trunk, params, images(6)))


def test_indirect_model_is_the_reference_cnn() -> None:
    params = init_indirect(jax.random.PRNGKey(6))
    close(
        with_gradients(apply_indirect, params, images(4, 2)),
        with_gradients(ref_indirect, params, images(4, 2)),
    )


@pytest.mark.parametrize("experiment", ["iterate", "conditional"])
def test_typed_model_is_linear_over_the_kron_features(experiment: str) -> None:
    """T(x) = W·kron(x, n[, c]) + b, with the features built explicitly (index 10·pixel + score)."""
    model = paper_models(experiment, 28)["typed"]
    params = model.init(jax.random.PRNGKey(8))

    def reference(p: Any, x: Any) -> Any:
        flat = x.reshape(x.shape[0], -1)
        features = jnp.einsum("bi,bj->bij", flat, ref_trunk(p["count"], x))
        if "condition" in p:
            hidden = jax.nn.relu(dense(p["condition"]["hidden"], flat))
            features = jnp.einsum("bij,bk->bijk", features, dense(p["condition"]["out"], hidden))
        out = jnp.dot(features.reshape(x.shape[0], -1), p["linear"]["w"], precision=jax.lax.Precision.HIGHEST)
        return (out + p["linear"]["b"]).reshape(x.shape)

    close(with_gradients(model.apply, params, images(3, 3)), with_gradients(reference, params, images(3, 3)))


def test_direct_model_is_the_reference_recurrence() -> None:
    """D(x) = Σᵢ nᵢ·stepⁱ(x), i ≤ K, with the reference count CNN and step, outputs and gradients."""
    model = paper_models("iterate", 28)["direct"]
    params = model.init(jax.random.PRNGKey(9))
    # at init the raw counts and kernels make the iterates grow ~10⁸-fold, where float32 rounding is
    # amplified too; a smaller kernel head keeps the recurrence (and the comparison) well conditioned
    params["step"]["out"] = jax.tree_util.tree_map(lambda v: v * 0.1, params["step"]["out"])

    def reference(p: Any, x: Any) -> Any:
        counts = ref_trunk(p["count"], x)
        state, total = x, counts[:, 0, None, None] * x
        for i in range(1, NAT_BOUND + 1):
            state = jax.vmap(ref_hyper_step, in_axes=(None, 0))(p["step"], state)
            total = total + counts[:, i, None, None] * state
        return total

    close(with_gradients(model.apply, params, images(3, 4)), with_gradients(reference, params, images(3, 4)))


def test_lane_groups_change_no_lanes_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two lanes trained in two groups (threads) give what one vmapped group gives, lane by lane."""
    from cajal_ref.experiments import train

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(24, 28, 28)).astype(np.float32)
    y = np.clip(x + 0.5, -1, 1).astype(np.float32)
    model = paper_models("iterate", 28)["indirect"]
    trainer = train.LaneTrainer(model, x[:16], y[:16], x[16:], y[16:], clip=True, snapshots=1)
    results = {}
    for groups in (1, 2):
        monkeypatch.setattr(train, "lane_groups", lambda lanes, g=groups: g)
        curves, params = trainer.train([0, 1], [1e-3, 1e-3], 8, 1, [0, 2], snapshot_steps=[2])
        results[groups] = (curves, params)
    (one, p_one), (two, p_two) = results[1], results[2]
    assert one[0].train_loss != one[1].train_loss  # the lanes differ: a mix-up would show
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(a.test_psnr, b.test_psnr, rtol=1e-5)
        np.testing.assert_allclose(a.train_loss, b.train_loss, rtol=1e-5)
        np.testing.assert_allclose(a.snapshots[2], b.snapshots[2], atol=2e-3)
    close(p_two, p_one, 1e-5)


def test_donated_steps_repeat_exactly() -> None:
    """Train steps write parameters in place (donated buffers); a second run from the same seeds
    repeats the first exactly, so no run reads a buffer that an earlier one overwrote."""
    from cajal_ref.experiments import train

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(20, 28, 28)).astype(np.float32)
    y = np.clip(x - 0.25, -1, 1).astype(np.float32)
    model = paper_models("iterate", 28)["typed"]
    trainer = train.LaneTrainer(model, x[:12], y[:12], x[12:], y[12:], clip=True)
    first, p_first = trainer.train([0, 1], [1e-3, 1e-3], 4, 1, [0, 3])
    second, p_second = trainer.train([0, 1], [1e-3, 1e-3], 4, 1, [0, 3])
    assert first[0].train_loss[0] != first[0].train_loss[-1]  # it trained
    for a, b in zip(first, second, strict=True):
        assert a.train_loss == b.train_loss
        assert a.test_psnr == b.test_psnr
    close(p_second, p_first, 0.0)
