"""The authors' three models, D, I and T, for both experiments (the `paper` protocol, SPEC §7).

Architectures as read from the authors' public code (facts only; written here):

- count CNN (D and T): Conv5×5 1→8 (pad 2), ReLU, Conv5×5 8→16 (pad 2), ReLU,
  MaxPool 3, Linear 16·9·9 → 10; its **raw** scores are the count vector n.
- D, the direct model: the compiled example program linked through the JAX backend,
  `num` = the count CNN's scores, `img` = x, `step` = a hypernetwork: the same trunk
  with its own weights, Linear 1296 → 169, tanh, giving a 13×13 kernel from the
  *current iterate* y, which is then applied to y padded by 6 with −1 (no bias, no
  residual). The recurrent neuron Σᵢ nᵢ·stepⁱ(x), i ≤ K = 9, is the compiled `iter`.
- I, the indirect model: pad 6 with −1, Conv13×13 1→6, ReLU, the same, Conv13×13 6→6,
  ReLU, the same, Conv13×13 6→1; random initialisation, no residual.
- T, "typed without iteration": Linear over kron(x, n) (784·10 → 784).
- Experiment 2 adds the condition, an MLP 784→400→ReLU→2 with raw logits, bound to
  the program's Bool; T then reads kron(kron(x, n), condition) (15680 → 784).

All layers start from PyTorch's default initialisation (layers.torch_*). Sizes
follow the image side (28 for MNIST; 16 for the digits, where MaxPool 3 gives 5×5).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from .layers import (
    HIGHEST,
    Array,
    Params,
    correlate_nchw,
    count_parameters,
    dense,
    max_pool,
    spectral_conv,
    torch_conv,
    torch_dense,
)
from .models import NAT_BOUND, ExampleProgram, Model, example_program

KERNEL = 13
"""The hypernetwork's kernel and I's kernels are 13×13, applied after padding by 6 with −1."""
PAD = KERNEL // 2
PAD_VALUE = -1.0
"""The background of an image in [−1, 1]."""
CONDITION_HIDDEN = 400


def trunk_features(side: int) -> int:
    """16 channels after MaxPool 3: 16·9·9 = 1296 at side 28."""
    return 16 * (side // 3) ** 2


def init_trunk(key: Array, side: int, n_out: int) -> Params:
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "conv1": torch_conv(k1, 5, 1, 8),
        "conv2": torch_conv(k2, 5, 8, 16),
        "out": torch_dense(k3, trunk_features(side), n_out),
    }


def apply_trunk(params: Params, images: Array) -> Array:
    """(N, side, side) images → (N, n_out) raw outputs of the trunk's linear layer.

    The convolutions run NCHW (FFTs over contiguous axes); pooling and the linear
    layer NHWC, the layout of the authors' flattening order and of a fast pool.
    """
    h = jax.nn.relu(spectral_conv(params["conv1"], images[:, None], 2))
    h = jax.nn.relu(spectral_conv(params["conv2"], h, 2))
    h = max_pool(jnp.transpose(h, (0, 2, 3, 1)), 3)
    return dense(params["out"], h.reshape(h.shape[0], -1))


def init_condition(key: Array, side: int) -> Params:
    k1, k2 = jax.random.split(key)
    return {
        "hidden": torch_dense(k1, side * side, CONDITION_HIDDEN),
        "out": torch_dense(k2, CONDITION_HIDDEN, 2),
    }


def apply_condition(params: Params, images: Array) -> Array:
    """The raw 2 logits of the condition MLP (bound to the program's Bool)."""
    h = jax.nn.relu(dense(params["hidden"], images.reshape(images.shape[0], -1)))
    return dense(params["out"], h)


def apply_kernel(image: Array, kernel: Array) -> Array:
    """A 13×13 kernel (169 values) applied to one image padded by 6 with −1."""
    padded = jnp.pad(image, PAD, constant_values=PAD_VALUE)
    out: Array = correlate_nchw(padded[None, None], kernel.reshape(KERNEL, KERNEL, 1, 1))[0, 0]
    return out


def hyper_step(params: Params, image: Array) -> Array:
    """One step on one image (side, side): a 13×13 kernel from the image itself, applied to it."""
    return apply_kernel(image, jnp.tanh(apply_trunk(params, image[None]))[0])


BATCH_AXIS = "image"
"""The name of the vmap over a batch's images in D (see `batch_hyper_step`)."""


def batch_hyper_step(params: Params, image: Array) -> Array:
    """`hyper_step` for one image of a batch vmapped with axis_name=BATCH_AXIS.

    The program applies its step to one image at a time; here the trunk runs once on
    every image of the batch at this iteration (all_gather), and each image takes its
    own kernel: the same values as `hyper_step` (tested), but a batched trunk, which
    with the frequency-major channel mixing makes D's CPU train step ~9 % faster.
    """
    kernels = jnp.tanh(apply_trunk(params, jax.lax.all_gather(image, BATCH_AXIS)))
    return apply_kernel(image, kernels[jax.lax.axis_index(BATCH_AXIS)])


@dataclass(frozen=True)
class Names:
    """Which program variables the learned networks are bound to."""

    count: str = "num"
    image: str = "img"
    step: str = "step"
    condition: str | None = None


def _names(example: ExampleProgram) -> Names:
    context = {name for name, _ in example.program.context}
    return Names(condition="odd") if "odd" in context else Names()


def direct_model(example: ExampleProgram, side: int) -> Model:
    """D: the compiled program with num = count CNN, step = hypernetwork (and odd = the condition MLP)."""
    names = _names(example)
    conditional = names.condition is not None

    def init(key: Array) -> Params:
        k1, k2, k3 = jax.random.split(key, 3)
        params = {"count": init_trunk(k1, side, NAT_BOUND + 1), "step": init_trunk(k2, side, KERNEL * KERNEL)}
        if conditional:
            params["condition"] = init_condition(k3, side)
        return params

    def learned(params: Params, images: Array) -> dict[str, Array]:
        values = {names.count: apply_trunk(params["count"], images), names.image: images}
        if names.condition is not None:
            values[names.condition] = apply_condition(params["condition"], images)
        return values

    def apply(params: Params, images: Array) -> Array:
        def step(y: Array) -> Array:
            return batch_hyper_step(params["step"], y)

        def one(values: dict[str, Array]) -> Array:
            out: Array = example.program({**values, names.step: step})
            return out

        return jax.vmap(one, axis_name=BATCH_AXIS)(learned(params, images))

    def counts(params: Params, images: Array) -> Array:
        values = learned(params, images)
        wanted = {name: values[name] for name, _ in example.count.context}

        def one(env: dict[str, Array]) -> Array:
            out: Array = example.count(env)
            return out

        return jax.vmap(one)(wanted)

    extra = ", odd = MLP 784→400→2 (raw logits)" if conditional else ""
    return Model(
        "direct",
        init,
        apply,
        f"compiled `{example.name}` (K = {NAT_BOUND}); num = count CNN (raw scores), step = "
        f"hypernetwork (13×13 kernel, tanh, from the current iterate, −1 padding){extra}",
        counts,
        clip=True,
    )


def init_indirect(key: Array) -> Params:
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "conv1": torch_conv(k1, KERNEL, 1, 6),
        "conv2": torch_conv(k2, KERNEL, 6, 6),
        "conv3": torch_conv(k3, KERNEL, 6, 1),
    }


def apply_indirect(params: Params, images: Array) -> Array:
    h = jax.nn.relu(spectral_conv(params["conv1"], images[:, None], PAD, PAD_VALUE))
    h = jax.nn.relu(spectral_conv(params["conv2"], h, PAD, PAD_VALUE))
    return spectral_conv(params["conv3"], h, PAD, PAD_VALUE)[:, 0]


def indirect_model() -> Model:
    return Model(
        "indirect",
        init_indirect,
        apply_indirect,
        "three Conv13×13 (1→6→6→1), ReLU, each input padded by 6 with −1; random init, no residual",
        clip=False,
    )


def typed_model(side: int, conditional: bool) -> Model:
    """T: Linear over kron(x, n) (and ⊗ condition): the types of D's inputs without the iteration."""
    pixels = side * side
    width = pixels * (NAT_BOUND + 1) * (2 if conditional else 1)

    def init(key: Array) -> Params:
        k1, k2, k3 = jax.random.split(key, 3)
        params = {"count": init_trunk(k1, side, NAT_BOUND + 1), "linear": torch_dense(k2, width, pixels)}
        if conditional:
            params["condition"] = init_condition(k3, side)
        return params

    def apply(params: Params, images: Array) -> Array:
        # kron(x, s) @ W = Σⱼ sⱼ·(x @ Wⱼ): the image (a constant) meets W first, so the
        # backward pass needs no (B, 7840) gradient of the features, only a 10-term sum
        x = images.reshape(images.shape[0], -1)
        scores = apply_trunk(params["count"], images)
        if conditional:
            scores = jnp.einsum("bj,bk->bjk", scores, apply_condition(params["condition"], images))
            scores = scores.reshape(x.shape[0], -1)
        linear = params["linear"]
        per_score = jnp.dot(x, linear["w"].reshape(pixels, -1), precision=HIGHEST)
        per_score = per_score.reshape(x.shape[0], -1, pixels)
        out: Array = jnp.einsum("bj,bjk->bk", scores, per_score, precision=HIGHEST) + linear["b"]
        return out.reshape(images.shape)

    return Model(
        "typed",
        init,
        apply,
        f"Linear over kron(x, count CNN scores{', condition logits' if conditional else ''}) "
        f"({width} → {pixels})",
        clip=True,
    )


def paper_models(experiment: str, side: int) -> dict[str, Model]:
    """{"direct", "typed", "indirect"} for "iterate" or "conditional"."""
    example = example_program(experiment)
    return {
        "direct": direct_model(example, side),
        "typed": typed_model(side, experiment == "conditional"),
        "indirect": indirect_model(),
    }


__all__ = ["count_parameters", "paper_models"]
