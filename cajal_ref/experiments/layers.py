"""Layers shared by every model: convolutions, pooling, dense layers, their initialisation.

Images are NHWC; kernels HWIO. Every layer is a pure function of a parameter
pytree, so a whole model can be vmapped over seeds (one stacked pytree per model,
the seeds on axis 0) and jitted as one train step on CPU or GPU.

`torch_init` draws what PyTorch's default initialisation draws for Conv2d and
Linear (weights and biases uniform in ±1/√fan_in), the authors' initialisation;
`he_init` is the controlled protocol's (He-normal weights, zero biases).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Params = dict[str, Any]
Array = jax.Array
HIGHEST = jax.lax.Precision.HIGHEST
"""Full float32 products on GPUs too (their default for float32 may round inputs to TF32, ~1e-3)."""


def torch_conv(key: Array, size: int, c_in: int, c_out: int) -> Params:
    """PyTorch's default Conv2d initialisation: U(±1/√fan_in) for weights and bias."""
    bound = 1.0 / np.sqrt(size * size * c_in)
    kw, kb = jax.random.split(key)
    return {
        "w": jax.random.uniform(kw, (size, size, c_in, c_out), jnp.float32, -bound, bound),
        "b": jax.random.uniform(kb, (c_out,), jnp.float32, -bound, bound),
    }


def torch_dense(key: Array, n_in: int, n_out: int) -> Params:
    """PyTorch's default Linear initialisation: U(±1/√n_in) for weights and bias."""
    bound = 1.0 / np.sqrt(n_in)
    kw, kb = jax.random.split(key)
    return {
        "w": jax.random.uniform(kw, (n_in, n_out), jnp.float32, -bound, bound),
        "b": jax.random.uniform(kb, (n_out,), jnp.float32, -bound, bound),
    }


def he_conv(key: Array, size: int, c_in: int, c_out: int) -> Params:
    fan_in = size * size * c_in
    w = jax.random.normal(key, (size, size, c_in, c_out), jnp.float32) * np.sqrt(2.0 / fan_in)
    return {"w": w, "b": jnp.zeros((c_out,), jnp.float32)}


def zero_conv(size: int, c_in: int, c_out: int) -> Params:
    """A convolution that starts at zero: a residual branch that begins as the identity map."""
    return {"w": jnp.zeros((size, size, c_in, c_out), jnp.float32), "b": jnp.zeros((c_out,), jnp.float32)}


def he_dense(key: Array, n_in: int, n_out: int) -> Params:
    w = jax.random.normal(key, (n_in, n_out), jnp.float32) * np.sqrt(1.0 / n_in)
    return {"w": w, "b": jnp.zeros((n_out,), jnp.float32)}


def dense(layer: Params, x: Array) -> Array:
    out: Array = x @ layer["w"] + layer["b"]
    return out


def patches(images: Array, size: int) -> Array:
    """(N, H', W') padded single-channel images → (N, H, W, size²) windows, H = H' − size + 1."""
    _, hp, wp = images.shape
    h, w = hp - size + 1, wp - size + 1
    return jnp.stack([images[:, i : i + h, j : j + w] for i in range(size) for j in range(size)], axis=-1)


def conv(layer: Params, x: Array, pad: int | None = None, pad_value: float = 0.0) -> Array:
    """A stride-1 convolution of NHWC images, padded by `pad` (default size // 2) with `pad_value`.

    With one input channel it is windows @ kernel (im2col), which XLA's CPU backend
    runs about twice as fast as its generic convolution at these sizes.
    """
    w: Array = layer["w"]
    b: Array = layer["b"]
    size, _, c_in, c_out = w.shape
    p = size // 2 if pad is None else pad
    if c_in == 1:
        padded = jnp.pad(x[..., 0], ((0, 0), (p, p), (p, p)), constant_values=pad_value)
        return patches(padded, size) @ w.reshape(size * size, c_out) + b
    padded = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=pad_value)
    y = jax.lax.conv_general_dilated(
        padded, w, window_strides=(1, 1), padding="VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    return y + b


def correlate_fft(x: Array, w: Array) -> Array:
    """VALID cross-correlation (what a CNN calls convolution) of NHWC x with HWIO w, through FFTs.

    Circular correlation at the padded size equals the plain one on the first
    H' − k + 1 rows and columns (no wrap-around reaches them). A convenience for
    NHWC data; the models use `spectral_conv` (NCHW), which is the same function.
    """
    y = correlate_nchw(jnp.moveaxis(x, -1, 1), w)
    return jnp.moveaxis(y, 1, -1).astype(x.dtype)


def correlate_nchw(x: Array, w: Array) -> Array:
    """VALID cross-correlation of NCHW x with HWIO w by FFT over the last two (contiguous) axes.

    The FFT runs over the minor axes, where XLA needs no transposes (about 3× faster
    than over axes 1, 2 of NHWC on CPU). The channel mixing in the frequency domain
    is a plain product when one side has one channel (no tiny matrix products) and a
    full-precision contraction otherwise. For the paper's 13×13 and 5×5 kernels this
    is several times faster than XLA's CPU convolution and agrees with it to float32
    rounding (tested); GPUs run it through cuFFT.
    """
    hp, wp = x.shape[-2:]
    k = w.shape[0]
    c_in, c_out = w.shape[2], w.shape[3]
    spectrum = jnp.fft.rfft2(x)  # (N, C_in, hp, wp // 2 + 1)
    kernel = jnp.conj(jnp.fft.rfft2(jnp.transpose(w, (2, 3, 0, 1)), s=(hp, wp)))  # (C_in, C_out, hp, ·)
    if c_in == 1:
        mixed = spectrum * kernel[0][None]
    elif c_out == 1:
        mixed = jnp.sum(spectrum * kernel[:, 0][None], axis=1, keepdims=True)
    else:
        mixed = mix_channels(spectrum, kernel)
    y = jnp.fft.irfft2(mixed, s=(hp, wp))
    return y[..., : hp - k + 1, : wp - k + 1].astype(x.dtype)


def mix_channels(spectrum: Array, kernel: Array) -> Array:
    """Σ_c spectrum[n, c, h, f]·kernel[c, d, h, f], the channel mixing of a convolution by FFT.

    XLA:CPU runs the complex contraction with the frequencies as minor batch axes far
    from its best. With gradients it is one real matrix product per frequency,
    frequency-major, [Re s, Im s] · [[Re k, Im k], [−Im k, Re k]] = [Re(s·k), Im(s·k)]
    (with a batched trunk, D's train step is ~9 % faster than with the contraction, T's
    ~7 %); full float32 precision on GPUs too. Under `forward_only()` (evaluation) it is
    a sum of c_in elementwise products, which XLA fuses into one loop: forward passes
    1.1–1.4× faster again, but a slow backward pass.
    """
    if _FORWARD_ONLY.get():
        sr, si, kr, ki = spectrum.real, spectrum.imag, kernel.real, kernel.imag
        real = sr[:, 0, None] * kr[0][None] - si[:, 0, None] * ki[0][None]
        imag = sr[:, 0, None] * ki[0][None] + si[:, 0, None] * kr[0][None]
        for c in range(1, spectrum.shape[1]):
            real = real + sr[:, c, None] * kr[c][None] - si[:, c, None] * ki[c][None]
            imag = imag + sr[:, c, None] * ki[c][None] + si[:, c, None] * kr[c][None]
        summed: Array = jax.lax.complex(real, imag)
        return summed
    n, c_in, h, f = spectrum.shape
    c_out = kernel.shape[1]
    s = jnp.transpose(spectrum.reshape(n, c_in, h * f), (2, 0, 1))  # (F, n, c_in)
    k = jnp.transpose(kernel.reshape(c_in, c_out, h * f), (2, 0, 1))  # (F, c_in, c_out)
    left = jnp.concatenate([s.real, s.imag], axis=-1)
    right = jnp.concatenate(
        [jnp.concatenate([k.real, k.imag], axis=-1), jnp.concatenate([-k.imag, k.real], axis=-1)], axis=-2
    )
    product = jnp.matmul(left, right, precision=HIGHEST)  # (F, n, 2·c_out)
    mixed = jax.lax.complex(product[..., :c_out], product[..., c_out:])
    return jnp.transpose(mixed, (1, 2, 0)).reshape(n, c_out, h, f)


_FORWARD_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("forward_only", default=False)


@contextlib.contextmanager
def forward_only() -> Iterator[None]:
    """Trace the models' forward pass for evaluation: layers may pick forms without a fast gradient.

    Read when a function is traced (a context variable, so each thread tracing on its own
    sees its own setting): JAX caches a trace by function, so use it in a function of its
    own (the trainer's evaluation). The values agree with the default forms to float32
    rounding.
    """
    token = _FORWARD_ONLY.set(True)
    try:
        yield
    finally:
        _FORWARD_ONLY.reset(token)


def spectral_conv(layer: Params, x: Array, pad: int, pad_value: float = 0.0) -> Array:
    """A stride-1 convolution of NCHW images padded by `pad` with `pad_value`, computed by FFT."""
    padded = jnp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=pad_value)
    out: Array = correlate_nchw(padded, layer["w"]) + layer["b"][:, None, None]
    return out


def max_pool(x: Array, k: int) -> Array:
    """k×k max pooling with stride k, dropping the rows and columns that do not fill a window."""
    n, h, w, c = x.shape
    ho, wo = h // k, w // k
    return x[:, : ho * k, : wo * k].reshape(n, ho, k, wo, k, c).max(axis=(2, 4))


def avg_pool2(x: Array) -> Array:
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def upsample2(x: Array) -> Array:
    """Nearest-neighbour doubling of height and width."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def count_parameters(params: Params) -> int:
    return int(sum(np.prod(leaf.shape) for leaf in jax.tree_util.tree_leaves(params)))
