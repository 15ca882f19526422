"""The exact compiler of SPEC §5, as a package of stages (read `compiling.py` first).

- `primitives`: the arithmetic of each neuron (encode, shift, mix, apply, unroll, sum),
  the only functions that touch values; a mutation harness patches them here.
- `ir`: the neuron program; `lowering`: term → neuron program (`term_to_neurons`).
- `tensors`: exact tensors with named axes; `bindings`: user and symbolic values.
- `evaluation`: the exact evaluator, with `recurrence` (iter), `substitution` (a `fun`
  applied: its body run on the arguments) and `contraction` (spines in the cheapest
  order); `network`: the compiled network (for figures).
- `compiling`: the pipeline, `compile_term` / `compile_program`.

Every public name is importable from here, as it was from the former single module.
"""

from __future__ import annotations

from ..spaces import basis_vector
from .bindings import symbolic_bindings, symbols_for
from .compiling import compile_program, compile_term
from .ir import (
    Abstract,
    Apply,
    Constant,
    Context,
    DefLike,
    DefRef,
    Defs,
    Input,
    Mix,
    NeuronProgram,
    Node,
    Recurrent,
    Shift,
)
from .lowering import lower, term_to_neurons
from .network import (
    Abstraction,
    Application,
    Compiled,
    ConstantNeuron,
    DefNeuron,
    InputNeuron,
    LinearNeuron,
    NeuronNode,
    RecurrentNeuron,
    ShiftNeuron,
)
from .primitives import (
    PRIMITIVES,
    abstract_axis,
    apply_matrix,
    context_permutation,
    encode_bool,
    encode_nat,
    flatten_function,
    mix,
    recurrent_sum,
    shift_matrix,
    stack_columns,
    unflatten_function,
    unroll_states,
)
from .tensors import DEFAULT_MAX_ENTRIES, ObjArray, Tensor

__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "PRIMITIVES",
    "Abstract",
    "Abstraction",
    "Application",
    "Apply",
    "Compiled",
    "Constant",
    "ConstantNeuron",
    "Context",
    "DefLike",
    "DefNeuron",
    "DefRef",
    "Defs",
    "Input",
    "InputNeuron",
    "LinearNeuron",
    "Mix",
    "NeuronNode",
    "NeuronProgram",
    "Node",
    "ObjArray",
    "Recurrent",
    "RecurrentNeuron",
    "Shift",
    "ShiftNeuron",
    "Tensor",
    "abstract_axis",
    "apply_matrix",
    "basis_vector",
    "compile_program",
    "compile_term",
    "context_permutation",
    "encode_bool",
    "encode_nat",
    "flatten_function",
    "lower",
    "mix",
    "recurrent_sum",
    "shift_matrix",
    "stack_columns",
    "symbolic_bindings",
    "symbols_for",
    "term_to_neurons",
    "unflatten_function",
    "unroll_states",
]
