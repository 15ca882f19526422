"""Backends that run the compiler's neuron program on floats (numpy here; JAX reuses it via `xp`)."""

from .numpy_float import MatrixFunction, evaluate_float, materialize

__all__ = ["MatrixFunction", "evaluate_float", "materialize"]
