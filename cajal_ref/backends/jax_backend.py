"""The JAX backend: a compiled program, open, as a pure JAX function of its environment (SPEC §7).

This is the float backend (`backends.numpy_float`) run with `xp = jax.numpy`: the
same neuron program that `compiler.lower` produced and the exact compiler checks,
walked by the same evaluator, calling the compiler's own primitives (`mix`,
`unroll_states`, `recurrent_sum`, ...). Nothing here re-implements a neuron, so the
exact and the JAX paths can only disagree if the primitives do.

Values in the environment:
- Bool / Nat: a float vector of length 2 / K+1 (any vector, e.g. a softmax);
- an opaque type: an array of any shape (e.g. a 16×16 image);
- a function type: a (dim B, dim A) matrix, or any JAX-traceable callable (a learned
  network), whose matrix is never built.

The returned function is pure, so it works under `jax.jit`, `jax.grad` and
`jax.vmap` (a batch of environments: vmap over the arrays; a callable then sees one
example at a time). A plain Python function cannot be a jit argument; close over it,
or pass it as `jax.tree_util.Partial(fn, params)`, whose `params` are traced leaves.

Only this module and `cajal_ref.experiments` import JAX; the core never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp

from ..compiler import Compiled, Context, NeuronProgram, lower
from ..spaces import DEFAULT_NAT_BOUND, OpaqueDims, check_nat_bound
from ..syntax import Term, Type
from .numpy_float import evaluate_float, materialize


@dataclass(frozen=True, eq=False)
class JaxProgram:
    """A neuron program ready to run on JAX arrays; call it with an environment.

    Hashed by identity, so that the program itself can be handed to `jax.jit`.

    `opaque_shapes` gives the array shape of an opaque type's values where a
    matrix-bound function must produce one (a callable returns its own shape).
    `dtype` None means JAX's default float (float32, or float64 with jax_enable_x64).
    """

    program: NeuronProgram
    nat_bound: int = DEFAULT_NAT_BOUND
    opaque_shapes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    dtype: Any = None

    @property
    def context(self) -> Context:
        """The variables an environment must bind, in context order."""
        return self.program.context

    @property
    def type(self) -> Type:
        return self.program.type

    def __call__(self, env: Mapping[str, Any]) -> Any:
        """The program's value at `env`: an array, or a callable for a function type."""
        return evaluate_float(
            self.program,
            env,
            nat_bound=self.nat_bound,
            xp=jnp,
            dtype=self.dtype,
            opaque_shapes=self.opaque_shapes,
        )

    def materialize(self, env: Mapping[str, Any], opaque_dims: OpaqueDims | None = None) -> jax.Array:
        """The value at `env` as a flat vector of V(A); a function value by its images of basis vectors."""
        value = self(env)
        dtype = self.dtype if self.dtype is not None else jnp.asarray(0.0).dtype
        return materialize(  # type: ignore[no-any-return]
            value, self.type, self.nat_bound, opaque_dims, xp=jnp, dtype=dtype
        )


def jax_program(
    program: Compiled | NeuronProgram,
    *,
    nat_bound: int | None = None,
    opaque_shapes: Mapping[str, tuple[int, ...]] | None = None,
    dtype: Any = None,
) -> JaxProgram:
    """Link a compiled (or just lowered) program for JAX; K defaults to the Compiled's, else 9."""
    if isinstance(program, Compiled):
        k = program.nat_bound if nat_bound is None else nat_bound
        lowered = program.program
    else:
        k = DEFAULT_NAT_BOUND if nat_bound is None else nat_bound
        lowered = program
    check_nat_bound(k)
    return JaxProgram(lowered, k, dict(opaque_shapes or {}), dtype)


def jax_term(
    term: Term,
    ctx: Context = (),
    defs: Mapping[str, Any] | None = None,
    *,
    nat_bound: int = DEFAULT_NAT_BOUND,
    opaque_shapes: Mapping[str, tuple[int, ...]] | None = None,
    dtype: Any = None,
) -> JaxProgram:
    """Lower a well-typed open term with the compiler and link it for JAX.

    No exact tensor is built, so recurrent weights (like a learned `step`) need no
    exact value and opaque types no dimension: they are bound when the function is called.
    """
    return jax_program(lower(term, ctx, defs), nat_bound=nat_bound, opaque_shapes=opaque_shapes, dtype=dtype)


__all__ = ["JaxProgram", "jax_program", "jax_term"]
