"""The two models of each experiment: direct (a compiled Cajal program linked with learned parts)
and indirect (a plain CNN), as pure functions of a parameter pytree (SPEC §7).

Direct: the example program `iterate` (or `conditional`), compiled at K = 9 and
turned into a JAX function by `backends.jax_backend`. Its free variables are bound
to learned networks: `num` to the softmax of a small classifier CNN's 10 scores
(the recurrent neuron's coefficients nᵢ), `img` to the input, `step` to a small
learned convolution shared by all iterations, and in experiment 2 `odd` to the
softmax of 2 more scores of the same classifier. The iteration itself is the
compiled recurrent neuron; no loop here stands in for it.

Indirect: a small U-Net-style CNN (two poolings, skip connections, output added to
the input) with several times the direct model's parameters, so that it is not
starved of capacity: receptive field and global context cover the whole 16×16 image,
which it needs to decide how far to dilate.

Both models use the same initialisation scheme (He-normal convolutions, zero
biases), and both start as the identity map: the indirect CNN's output layer and the
step's output layer are zero at initialisation (their outputs are added to the input).
Without this the direct model of experiment 2 fell into a dead end in tuning: a
random step made iterating worse than not iterating, the learned condition
saturated at `false`, and then no gradient reached the step again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..backends.jax_backend import JaxProgram, jax_term
from ..diagnostics import CajalError, ErrorKind
from ..loader import example_source, load_workspace
from ..syntax import Iter, free_vars

Params = dict[str, Any]
Array = jax.Array

NAT_BOUND = 9
"""K: Nat has K + 1 = 10 basis vectors, one per digit class (as in the paper's artifact)."""

CLASSIFIER_CHANNELS = (8, 16)
STEP_HIDDEN = 8
INDIRECT_CHANNELS = (8, 16, 16)


# ---------------------------------------------------------------------------
# Layers (NHWC images, HWIO kernels)
# ---------------------------------------------------------------------------


def _conv_init(key: Array, size: int, c_in: int, c_out: int) -> Params:
    fan_in = size * size * c_in
    w = jax.random.normal(key, (size, size, c_in, c_out), jnp.float32) * np.sqrt(2.0 / fan_in)
    return {"w": w, "b": jnp.zeros((c_out,), jnp.float32)}


def _zero_conv(size: int, c_in: int, c_out: int) -> Params:
    """A convolution that starts at zero: a residual branch that begins as the identity map."""
    return {"w": jnp.zeros((size, size, c_in, c_out), jnp.float32), "b": jnp.zeros((c_out,), jnp.float32)}


def _dense_init(key: Array, n_in: int, n_out: int, scale: float = 1.0) -> Params:
    w = jax.random.normal(key, (n_in, n_out), jnp.float32) * (scale * np.sqrt(1.0 / n_in))
    return {"w": w, "b": jnp.zeros((n_out,), jnp.float32)}


def conv(layer: Params, x: Array) -> Array:
    """A stride-1 'same' convolution of a batch of NHWC images.

    With one input channel it is computed as patches @ kernel (im2col), which XLA's
    CPU backend runs about twice as fast as its generic convolution at these sizes.
    """
    w: Array = layer["w"]
    b: Array = layer["b"]
    size, _, c_in, c_out = w.shape
    if c_in == 1:
        pad = size // 2
        _, height, width, _ = x.shape
        padded = jnp.pad(x[..., 0], ((0, 0), (pad, pad), (pad, pad)))
        patches = jnp.stack(
            [padded[:, i : i + height, j : j + width] for i in range(size) for j in range(size)], axis=-1
        )
        return patches @ w.reshape(size * size, c_out) + b
    y = jax.lax.conv_general_dilated(
        x, w, window_strides=(1, 1), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    return y + b


def avg_pool2(x: Array) -> Array:
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def upsample2(x: Array) -> Array:
    """Nearest-neighbour doubling of height and width."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def count_parameters(params: Params) -> int:
    return int(sum(np.prod(leaf.shape) for leaf in jax.tree_util.tree_leaves(params)))


# ---------------------------------------------------------------------------
# The direct model's learned parts
# ---------------------------------------------------------------------------


def init_classifier(key: Array, n_scores: int, channels: tuple[int, int] = CLASSIFIER_CHANNELS) -> Params:
    """A two-block CNN (conv 3×3, ReLU, 2×2 average pool, twice) and a linear layer to the scores."""
    k1, k2, k3 = jax.random.split(key, 3)
    c1, c2 = channels
    return {
        "conv1": _conv_init(k1, 3, 1, c1),
        "conv2": _conv_init(k2, 3, c1, c2),
        "out": _dense_init(k3, (16 // 4) ** 2 * c2, n_scores),
    }


def classifier_scores(params: Params, images: Array) -> Array:
    """Scores of shape (batch, n_scores) for images of shape (batch, 16, 16)."""
    h = images[..., None]
    h = avg_pool2(jax.nn.relu(conv(params["conv1"], h)))
    h = avg_pool2(jax.nn.relu(conv(params["conv2"], h)))
    h = h.reshape(h.shape[0], -1)
    w: Array = params["out"]["w"]
    b: Array = params["out"]["b"]
    return h @ w + b


def init_step(key: Array, hidden: int = STEP_HIDDEN) -> Params:
    """The learned step: y + conv1×1(ReLU(conv3×3(y))), starting as the identity (zero output layer)."""
    inner = _conv_init(key, 3, 1, hidden)
    return {"hidden": inner, "out": _zero_conv(1, hidden, 1)}


def apply_step(params: Params, image: Array) -> Array:
    """One application of the step to a single image of shape (16, 16)."""
    h = image[None, :, :, None]
    delta = conv(params["out"], jax.nn.relu(conv(params["hidden"], h)))
    return image + delta[0, :, :, 0]


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A model: how to make its parameters and how to map a batch of images to predictions.

    `counts`, for the direct model, gives the distribution over iteration counts
    that the compiled program feeds its recurrent neuron (a diagnostic).
    """

    name: str
    init: Callable[[Array], Params]
    apply: Callable[[Params, Array], Array]
    describe: str
    counts: Callable[[Params, Array], Array] | None = None


@dataclass(frozen=True)
class ExampleProgram:
    """An experiment's Cajal program linked for JAX, and the sub-program computing its iteration count."""

    name: str
    program: JaxProgram
    count: JaxProgram


def direct_model(
    example: ExampleProgram,
    *,
    step_hidden: int = STEP_HIDDEN,
    classifier_channels: tuple[int, int] = CLASSIFIER_CHANNELS,
) -> Model:
    """The compiled program linked with a classifier (num, and odd for `conditional`) and a learned step.

    The program is a JAX function of one environment {"num", "img", "step"[, "odd"]};
    the batch is handled by vmap over environments.
    """
    conditional = any(name == "odd" for name, _ in example.program.context)
    n_scores = NAT_BOUND + 1 + (2 if conditional else 0)

    def init(key: Array) -> Params:
        k1, k2 = jax.random.split(key)
        return {
            "classifier": init_classifier(k1, n_scores, classifier_channels),
            "step": init_step(k2, step_hidden),
        }

    def learned_values(params: Params, images: Array) -> dict[str, Array]:
        scores = classifier_scores(params["classifier"], images)
        values = {"num": jax.nn.softmax(scores[:, : NAT_BOUND + 1], axis=-1), "img": images}
        if conditional:
            values["odd"] = jax.nn.softmax(scores[:, NAT_BOUND + 1 :], axis=-1)
        return values

    def apply(params: Params, images: Array) -> Array:
        def step(y: Array) -> Array:
            return apply_step(params["step"], y)

        def one(values: dict[str, Array]) -> Array:
            out: Array = example.program({**values, "step": step})
            return out

        return jax.vmap(one)(learned_values(params, images))

    def counts(params: Params, images: Array) -> Array:
        values = learned_values(params, images)
        wanted = {name: values[name] for name, _ in example.count.context}

        def one(env: dict[str, Array]) -> Array:
            out: Array = example.count(env)
            return out

        return jax.vmap(one)(wanted)

    return Model(
        "direct",
        init,
        apply,
        f"compiled `{example.name}` (K = {NAT_BOUND}) linked with a classifier CNN "
        f"(channels {classifier_channels}, {n_scores} scores) and a learned step "
        f"(3×3 conv to {step_hidden} channels, ReLU, 1×1 conv, residual)",
        counts,
    )


def init_indirect(key: Array, channels: tuple[int, int, int] = INDIRECT_CHANNELS) -> Params:
    k = jax.random.split(key, 5)
    c1, c2, c3 = channels
    return {
        "enc1": _conv_init(k[0], 3, 1, c1),
        "enc2": _conv_init(k[1], 3, c1, c2),
        "enc3": _conv_init(k[2], 3, c2, c3),
        "dec2": _conv_init(k[3], 3, c3 + c2, c2),
        "dec1": _conv_init(k[4], 3, c2 + c1, c1),
        "out": _zero_conv(3, c1, 1),
    }


def apply_indirect(params: Params, images: Array) -> Array:
    """U-Net-style: 16×16 → 8×8 → 4×4 and back with skip connections; the output is added to x."""
    x = images[..., None]
    e1 = jax.nn.relu(conv(params["enc1"], x))
    e2 = jax.nn.relu(conv(params["enc2"], avg_pool2(e1)))
    e3 = jax.nn.relu(conv(params["enc3"], avg_pool2(e2)))
    d2 = jax.nn.relu(conv(params["dec2"], jnp.concatenate([upsample2(e3), e2], axis=-1)))
    d1 = jax.nn.relu(conv(params["dec1"], jnp.concatenate([upsample2(d2), e1], axis=-1)))
    return images + conv(params["out"], d1)[..., 0]


def indirect_model(*, channels: tuple[int, int, int] = INDIRECT_CHANNELS) -> Model:
    def init(key: Array) -> Params:
        return init_indirect(key, channels)

    return Model(
        "indirect",
        init,
        apply_indirect,
        f"U-Net-style CNN (channels {channels}, two 2×2 poolings, skip connections, residual)",
    )


def example_program(experiment: str) -> ExampleProgram:
    """The experiment's program (cajal_ref/examples/<experiment>.cj), checked, lowered, linked for JAX.

    Its body is `iter COUNT { zero => img | succ y => step y }`; COUNT (`num`, or
    `if odd then num else discard num`) is linked too, over the variables it uses.
    """
    ws = load_workspace()
    ws.add_source(example_source(f"{experiment}.cj"), lenient=True)
    info = ws.defs[experiment]
    body = info.body
    if not isinstance(body, Iter):
        raise CajalError(ErrorKind.MISMATCH, f"`{experiment}` should be an `iter`", body.span)
    used = free_vars(body.count)
    count_ctx = tuple((name, t) for name, t in info.context if name in used)
    return ExampleProgram(
        experiment,
        jax_term(body, info.context, ws.defs, nat_bound=NAT_BOUND),
        jax_term(body.count, count_ctx, ws.defs, nat_bound=NAT_BOUND),
    )


def make_models(
    experiment: str,
    direct_options: Mapping[str, Any] | None = None,
    indirect_options: Mapping[str, Any] | None = None,
) -> tuple[Model, Model]:
    """(direct, indirect) for "iterate" or "conditional", with optional size overrides."""
    direct = direct_model(example_program(experiment), **dict(direct_options or {}))
    return direct, indirect_model(**dict(indirect_options or {}))
