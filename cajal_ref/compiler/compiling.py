"""The compiler's pipeline: term → neuron program → exact tensors → `Compiled`.

`compile_term` reads as its stages: `term_to_neurons` (lowering.py) turns the checked
term into its neuron program; `compile_program` binds the context (bindings.py) and
evaluates the program exactly (evaluation.py), giving the network of exact tensors
(network.py) whose root is the compiled tensor of SPEC §5's shape.

This package must not import the interpreter: agreement between the two is the point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..diagnostics import CajalError, ErrorKind
from ..spaces import DEFAULT_NAT_BOUND, OpaqueDims, check_nat_bound
from ..syntax import Term, Type, show_type
from . import primitives as P
from .bindings import _Axis, _Binding, _binding_array, _Bound
from .evaluation import _Compiler
from .ir import Defs, NeuronProgram, raised_recursion_limit
from .lowering import term_to_neurons
from .network import Compiled
from .tensors import DEFAULT_MAX_ENTRIES, _exact_array


def compile_program(
    program: NeuronProgram,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    bindings: Mapping[str, Any] | None = None,
    opaque_dims: OpaqueDims | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> Compiled:
    """Evaluate a lowered program exactly at bound K (see `compile_term`)."""
    check_nat_bound(nat_bound)
    bindings = dict(bindings or {})
    dims = dict(opaque_dims or {})
    names = [n for n, _ in program.context]
    for name in bindings:
        if name not in names:
            raise CajalError(
                ErrorKind.BAD_BINDING,
                f"`{name}` is bound but is not a context variable"
                + (f" (the context is {', '.join(names)})" if names else " (the term has no context)"),
            )
    for name in program.recurrent_weights:
        if name not in bindings:
            t = dict(program.context)[name]
            raise CajalError(
                ErrorKind.UNBOUND_WEIGHT,
                f"`{name} : {show_type(t)}` is a recurrent weight (it is used inside an `iter` step, so the "
                f"compiled map is not linear in it): bind it to a value to compile "
                f"(bindings={{'{name}': ...}}, or --bind / --symbolic on the command line)",
                program.weight_span(name),
            )
    compiler = _Compiler(nat_bound, dims, max_entries)
    env: dict[str, _Binding] = {}
    axes: list[tuple[str, Type]] = []
    for name, t in program.context:
        if name in bindings:
            env[name] = _Bound(_binding_array(name, t, bindings[name], nat_bound, dims))
        else:
            env[name] = _Axis(name, t)
            axes.append((name, t))
    with raised_recursion_limit():
        root = compiler.run(program.root, env)
    axes_t = tuple(axes)
    compiler.guard((compiler.dim(program.type), *[compiler.dim(t) for _, t in axes_t]), program.root, axes_t)
    value = root.value
    if not axes_t and not value.axes:  # a closed program: no axes to align or permute
        array = value.array
    else:
        # a context variable the term does not use (not well-typed) gets a constant axis
        value_names = value.names
        have = value.axes + tuple([a for a in axes_t if a[0] not in value_names])
        array = compiler.align(value, have)
        perm = P.context_permutation([n for n, _ in have], [n for n, _ in axes_t])
        if perm != list(range(len(perm))):
            array = array.transpose([0, *[1 + p for p in perm]])
    return Compiled(
        type=program.type,
        nat_bound=nat_bound,
        context=axes_t,
        tensor=_exact_array(np.ascontiguousarray(array)),
        structure=root,
        program=program,
        bound=tuple([n for n in names if n in bindings]) if bindings else (),
        opaque_dims=dims,
    )


def compile_term(
    term: Term,
    ctx: Sequence[tuple[str, Type]] = (),
    defs: Defs | None = None,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    bindings: Mapping[str, Any] | None = None,
    opaque_dims: OpaqueDims | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> Compiled:
    """Compile a well-typed term Γ ⊢ t : A to its exact tensor at bound K (SPEC §5, §8).

    bindings: context variables bound to exact values — a vector (Bool, Nat, opaque) or
    a (dim B, dim A) matrix for A -o B (its flattening also accepted), with int,
    Fraction or sympy entries. A bound variable has no axis; a recurrent weight must
    be bound (UNBOUND_WEIGHT otherwise). The other context variables are the tensor's
    axes after the value axis, in context order. opaque_dims gives each opaque type's
    dimension. A tensor (final or intermediate) over max_entries is refused (SIZE_LIMIT).
    """
    program = term_to_neurons(term, ctx, defs)
    return compile_program(
        program, nat_bound=nat_bound, bindings=bindings, opaque_dims=opaque_dims, max_entries=max_entries
    )

