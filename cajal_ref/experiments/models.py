"""What every model is, the experiments' linked Cajal programs, and the `controlled` protocol's models.

A `Model` is a pair of pure functions (init from a PRNG key, apply to a batch of
images) over a parameter pytree, so the trainer can vmap it over seeds and jit a
whole train step. `example_program` checks and lowers the example program
(cajal_ref/examples/<experiment>.cj) and links it for JAX: the iteration of every
direct model is that compiled recurrent neuron; no loop here stands in for `iter`.

The controlled protocol's models (the paper protocol's are in paper_models.py):

Direct: the compiled program with `num` bound to a small classifier CNN's 10 scores
(softmax by default; `count="raw"` passes the raw scores, as the authors do), `img`
to the input, `step` to a small residual convolution that starts as the identity
(`step="residual"`) or to the authors' hypernetwork (`step="hyper"`), and in
experiment 2 `odd` to 2 more raw scores of the same classifier (as the authors'
condition), starting at (½, ½) (`condition_starts_even`). A softmax condition
(`condition="softmax"`) never trains: at the start both branches give the input (the
step is the identity), so the condition's gradient is rounding noise, which Adam
rescales into full-size steps; within ~25 steps the softmax saturates on the branch
that returns the input, and no gradient reaches the step again.

Indirect: a U-Net-style CNN (two poolings, skip connections). With
`identity_start=True` (the default) its output is added to the input and its output
layer starts at zero, so it starts as the identity, like the direct model; with
False it is a plain CNN from a random start, as in the authors' protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from ..backends.jax_backend import JaxProgram, jax_term
from ..diagnostics import CajalError, ErrorKind
from ..loader import example_source, load_workspace
from ..syntax import Iter, free_vars
from .layers import (
    Array,
    Params,
    avg_pool2,
    conv,
    dense,
    he_conv,
    he_dense,
    upsample2,
    zero_conv,
)

NAT_BOUND = 9
"""K: Nat has K + 1 = 10 basis vectors, one per digit class (as in the paper's artifact)."""

CLASSIFIER_CHANNELS = (16, 32)
STEP_HIDDEN = 16
INDIRECT_CHANNELS = (16, 32, 32)
SMALL_INDIRECT_CHANNELS = (4, 8, 8)
"""The `small-indirect` ablation: about the paper's parameter ratio between D and I."""


@dataclass(frozen=True)
class Model:
    """A model: how to make its parameters and how to map a batch of images to predictions.

    `counts`, for a direct model, gives the vector of iteration counts that the
    compiled program feeds its recurrent neuron (a diagnostic); `clip` says whether
    its gradients are clipped to norm 1 (the authors clip D and T, not I).
    """

    name: str
    init: Callable[[Array], Params]
    apply: Callable[[Params, Array], Array]
    describe: str
    counts: Callable[[Params, Array], Array] | None = None
    clip: bool = False


@dataclass(frozen=True)
class ExampleProgram:
    """An experiment's Cajal program linked for JAX, and the sub-program computing its iteration count."""

    name: str
    program: JaxProgram
    count: JaxProgram


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


def init_classifier(key: Array, side: int, n_scores: int, channels: tuple[int, int]) -> Params:
    """Two blocks of conv 3×3, ReLU, 2×2 average pool, then a linear layer to the scores."""
    k1, k2, k3 = jax.random.split(key, 3)
    c1, c2 = channels
    return {
        "conv1": he_conv(k1, 3, 1, c1),
        "conv2": he_conv(k2, 3, c1, c2),
        "out": he_dense(k3, (side // 4) ** 2 * c2, n_scores),
    }


def classifier_scores(params: Params, images: Array) -> Array:
    h = avg_pool2(jax.nn.relu(conv(params["conv1"], images[..., None])))
    h = avg_pool2(jax.nn.relu(conv(params["conv2"], h)))
    return dense(params["out"], h.reshape(h.shape[0], -1))


def init_residual_step(key: Array, hidden: int) -> Params:
    """y + conv1×1(ReLU(conv3×3(y + 1))), starting as the identity (zero output layer)."""
    return {"hidden": he_conv(key, 3, 1, hidden), "out": zero_conv(1, hidden, 1)}


def apply_residual_step(params: Params, image: Array) -> Array:
    """One step on one image. The hidden layer reads y + 1, whose background is 0 like its zero
    padding: with zero biases it is silent on the background, so the step's first updates change
    the ink, not the whole background. Reading y itself (background −1), those updates shifted
    every background pixel, compounded over up to 9 applications, so every count above 0 scored
    worse than the identity, and the softmax counts collapsed onto 0 within ~30 steps: from then
    on pᵢ = 0 exactly for i > 0 and no gradient ever reached the step or the classifier again.
    """
    h = (image + 1.0)[None, :, :, None]
    delta = conv(params["out"], jax.nn.relu(conv(params["hidden"], h)))
    return image + delta[0, :, :, 0]


def condition_starts_even(out: Params) -> Params:
    """Zero the condition's two output weights and set their biases to ½: raw scores (½, ½).

    The condition then starts undecided and, since ½·num + ½·e₀ still sums to 1, the
    direct model still starts as the identity; raw scores cannot saturate the way a
    softmax does (see direct_model)."""
    w = out["w"].at[:, NAT_BOUND + 1 :].set(0.0)
    b = out["b"].at[NAT_BOUND + 1 :].set(0.5)
    return {"w": w, "b": b}


def direct_model(
    example: ExampleProgram,
    side: int,
    *,
    step: str = "residual",
    count: str = "softmax",
    condition: str = "raw",
    step_hidden: int = STEP_HIDDEN,
    classifier_channels: tuple[int, int] = CLASSIFIER_CHANNELS,
) -> Model:
    """The compiled program linked with a classifier (num, and odd for `conditional`) and a learned step."""
    from .paper_models import KERNEL, hyper_step, init_trunk

    if step not in ("residual", "hyper") or {count, condition} - {"softmax", "raw"}:
        raise ValueError(
            f"unknown direct-model option: step={step!r}, count={count!r}, condition={condition!r}"
        )
    conditional = any(name == "odd" for name, _ in example.program.context)
    n_scores = NAT_BOUND + 1 + (2 if conditional else 0)

    def init(key: Array) -> Params:
        k1, k2 = jax.random.split(key)
        step_params = (
            init_residual_step(k2, step_hidden)
            if step == "residual"
            else init_trunk(k2, side, KERNEL * KERNEL)
        )
        classifier = init_classifier(k1, side, n_scores, classifier_channels)
        if conditional and condition == "raw":
            classifier["out"] = condition_starts_even(classifier["out"])
        return {"classifier": classifier, "step": step_params}

    def squash(scores: Array, how: str) -> Array:
        return jax.nn.softmax(scores, axis=-1) if how == "softmax" else scores

    def learned_values(params: Params, images: Array) -> dict[str, Array]:
        scores = classifier_scores(params["classifier"], images)
        values = {"num": squash(scores[:, : NAT_BOUND + 1], count), "img": images}
        if conditional:
            values["odd"] = squash(scores[:, NAT_BOUND + 1 :], condition)
        return values

    def apply(params: Params, images: Array) -> Array:
        def step_fn(y: Array) -> Array:
            if step == "residual":
                return apply_residual_step(params["step"], y)
            return hyper_step(params["step"], y)

        def one(values: dict[str, Array]) -> Array:
            out: Array = example.program({**values, "step": step_fn})
            return out

        return jax.vmap(one)(learned_values(params, images))

    def counts(params: Params, images: Array) -> Array:
        values = learned_values(params, images)
        wanted = {name: values[name] for name, _ in example.count.context}

        def one(env: dict[str, Array]) -> Array:
            out: Array = example.count(env)
            return out

        return jax.vmap(one)(wanted)

    cond_text = f", {condition} condition" if conditional else ""
    step_text = (
        f"a residual step (3×3 conv to {step_hidden} channels, ReLU, 1×1 conv, identity start)"
        if step == "residual"
        else "the authors' hypernetwork step"
    )
    return Model(
        "direct",
        init,
        apply,
        f"compiled `{example.name}` (K = {NAT_BOUND}) linked with a classifier CNN (channels "
        f"{classifier_channels}, {n_scores} scores, {count} counts{cond_text}) and {step_text}",
        counts,
    )


def init_indirect(key: Array, channels: tuple[int, int, int], identity_start: bool) -> Params:
    k = jax.random.split(key, 6)
    c1, c2, c3 = channels
    return {
        "enc1": he_conv(k[0], 3, 1, c1),
        "enc2": he_conv(k[1], 3, c1, c2),
        "enc3": he_conv(k[2], 3, c2, c3),
        "dec2": he_conv(k[3], 3, c3 + c2, c2),
        "dec1": he_conv(k[4], 3, c2 + c1, c1),
        "out": zero_conv(3, c1, 1) if identity_start else he_conv(k[5], 3, c1, 1),
    }


def unet(params: Params, images: Array) -> Array:
    """side → side/2 → side/4 and back with skip connections; one output channel."""
    x = images[..., None]
    e1 = jax.nn.relu(conv(params["enc1"], x))
    e2 = jax.nn.relu(conv(params["enc2"], avg_pool2(e1)))
    e3 = jax.nn.relu(conv(params["enc3"], avg_pool2(e2)))
    d2 = jax.nn.relu(conv(params["dec2"], jnp.concatenate([upsample2(e3), e2], axis=-1)))
    d1 = jax.nn.relu(conv(params["dec1"], jnp.concatenate([upsample2(d2), e1], axis=-1)))
    out: Array = conv(params["out"], d1)[..., 0]
    return out


def indirect_model(
    *, channels: tuple[int, int, int] = INDIRECT_CHANNELS, identity_start: bool = True
) -> Model:
    def init(key: Array) -> Params:
        return init_indirect(key, channels, identity_start)

    def apply(params: Params, images: Array) -> Array:
        out = unet(params, images)
        return images + out if identity_start else out

    start = "residual, identity start" if identity_start else "no residual, random start"
    return Model(
        "indirect",
        init,
        apply,
        f"U-Net-style CNN (channels {channels}, two 2×2 poolings, skip connections, {start})",
    )


def make_models(
    experiment: str,
    side: int,
    direct_options: Mapping[str, Any] | None = None,
    indirect_options: Mapping[str, Any] | None = None,
) -> tuple[Model, Model]:
    """(direct, indirect) of the controlled protocol for "iterate" or "conditional"."""
    direct = direct_model(example_program(experiment), side, **dict(direct_options or {}))
    return direct, indirect_model(**dict(indirect_options or {}))
