"""cajal_ref: reference implementation of Cajal(⊸, 2, N).

A linear, higher-order language whose programs compile to neurons: `if` to a linear
neuron, `iter` to a linear recurrent neuron (Velez-Ginorio et al., "Compiling to
recurrent neurons", arXiv 2511.14953). The pipeline is one way:
source → parse → type-check → either the direct interpreter (the specification) or
the exact compiler → verification, float/JAX backends, figures.
"""

from .diagnostics import CajalError, ErrorKind
from .syntax import BOOL, NAT, Arrow, BoolT, NatT, Opaque, Type, show_type

__all__ = [
    "BOOL",
    "NAT",
    "Arrow",
    "BoolT",
    "CajalError",
    "ErrorKind",
    "NatT",
    "Opaque",
    "Type",
    "show_type",
]
