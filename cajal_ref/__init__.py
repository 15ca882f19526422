"""cajal_ref: reference implementation of Cajal(⊸, 2, N).

A linear, higher-order language whose programs compile to neurons: `if` to a linear
neuron, `iter` to a linear recurrent neuron (Velez-Ginorio et al., "Compiling to
recurrent neurons", arXiv 2511.14953). The pipeline is one way:
source → parse → type-check → either the direct interpreter (the specification) or
the exact compiler → verification, float/JAX backends, figures.

The names below are the public API; the float backend is `cajal_ref.backends`, the
hypothesis strategies `cajal_ref.verification.strategies`, the JAX backend
`cajal_ref.backends.jax_backend` (optional extra `learn`).
"""

from typing import TYPE_CHECKING, Any

from .checker import DefInfo, Derivation, Program, Typing, check_module, check_term
from .diagnostics import EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, CajalError, ErrorKind
from .interpreter import Evaluation
from .loader import CheckedExpr, Workspace, load_workspace, read_source
from .parser import parse_context, parse_module, parse_term, parse_term_text, parse_type
from .printer import pretty, show_term
from .rules import RULES, Rule
from .syntax import BOOL, NAT, Arrow, BoolT, NatT, Opaque, Source, Span, Term, Type, show_type

if TYPE_CHECKING:
    from .api import (
        CompiledProgram,
        Network,
        check,
        compile,
        derive,
        draw,
        evaluate,
        load,
        prelude,
        trace,
        verify,
    )
    from .compiler import Compiled, NeuronProgram, compile_term, lower, symbolic_bindings
    from .spaces import basis_labels, dim, enc

    __version__: str

_LAZY = {
    **dict.fromkeys(
        ("CompiledProgram", "Network", "check", "compile", "derive", "draw", "evaluate", "load", "prelude",
         "trace", "verify"),
        "api",
    ),
    **dict.fromkeys(("Compiled", "NeuronProgram", "compile_term", "lower", "symbolic_bindings"), "compiler"),
    **dict.fromkeys(("basis_labels", "dim", "enc"), "spaces"),
}
"""Names whose modules import numpy, loaded on first use: `import cajal_ref` (and so
`cajal eval`, `cajal check`) stays light. tests/test_cli_startup.py checks it."""


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("cajal_ref")
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0.0.0+unknown"
    elif name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'cajal_ref' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "BOOL",
    "EXIT_OK",
    "EXIT_PROGRAM_ERROR",
    "EXIT_USAGE",
    "NAT",
    "RULES",
    "Arrow",
    "BoolT",
    "CajalError",
    "CheckedExpr",
    "Compiled",
    "CompiledProgram",
    "DefInfo",
    "Derivation",
    "ErrorKind",
    "Evaluation",
    "NatT",
    "Network",
    "NeuronProgram",
    "Opaque",
    "Program",
    "Rule",
    "Source",
    "Span",
    "Term",
    "Type",
    "Typing",
    "Workspace",
    "__version__",
    "basis_labels",
    "check",
    "check_module",
    "check_term",
    "compile",
    "compile_term",
    "derive",
    "dim",
    "draw",
    "enc",
    "evaluate",
    "load",
    "load_workspace",
    "lower",
    "parse_context",
    "parse_module",
    "parse_term",
    "parse_term_text",
    "parse_type",
    "prelude",
    "pretty",
    "read_source",
    "show_term",
    "show_type",
    "symbolic_bindings",
    "trace",
    "verify",
]
