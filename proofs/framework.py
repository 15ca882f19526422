"""Shared machinery of the machine checks: bounds, outcomes, symbols, and polynomial tests.

A check proves one algebraic identity of an inductive case (proofs/metatheory.md §7) for
every K and every type within its bounds. It runs the project's compiler on a small
term whose free variables are bound to *generic* sympy symbols, and compares the result
with the identity computed here, independently, from the same symbols. Equality is
equality of polynomials (expand the difference), so it holds for every value of the
symbols — which is what makes a finite run a proof rather than a test.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import sympy

from cajal_ref.checker import check_term
from cajal_ref.compiler import Compiled, Defs, compile_term
from cajal_ref.diagnostics import CajalError
from cajal_ref.spaces import dim
from cajal_ref.syntax import BOOL, NAT, Arrow, Opaque, Term, Type, show_type

Ctx = Sequence[tuple[str, Type]]
Vec: TypeAlias = sympy.Matrix
"""A column vector (dim × 1) of exact entries; a function value is its row-major flattening."""


# ---------------------------------------------------------------------------
# Bounds and outcomes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """How far each family of checks goes. The defaults are what `python -m proofs` proves.

    max_k: every check runs for K = 0 … max_k.
    max_dim: types of dimension ≤ max_dim for the (bi)linear identities (Var, If, App, Lam, Let).
    max_arrows: types have at most this many arrows (single-type checks).
    pair_arrows: in checks over pairs of types (App, Lam, Let), each has at most this many arrows
        (so the function type A -o B has up to 2·pair_arrows + 1).
    iter_dim: state types of dimension ≤ iter_dim for the recurrent neuron (Sⁱ is costly).
    weight_dim: state types of dimension ≤ weight_dim where a step also depends on a recurrent weight.
    nested_k: K bound for the depth-2 nesting check (degree K²); depth 3 runs for K ≤ nested_k3.
    """

    max_k: int = 6
    max_dim: int = 8
    max_arrows: int = 2
    pair_arrows: int = 1
    iter_dim: int = 3
    weight_dim: int = 2
    nested_k: int = 6
    nested_k3: int = 3

    def ks(self) -> range:
        return range(self.max_k + 1)


FULL = Bounds()
QUICK = Bounds(
    max_k=3, max_dim=4, max_arrows=1, pair_arrows=1, iter_dim=2, weight_dim=2, nested_k=3, nested_k3=2
)
"""Smaller bounds for the test suite (tests/test_proofs.py), which runs with the other tests."""


@dataclass
class Outcome:
    """The verdict of one check: which case of which theorem, what was proved, for what."""

    theorem: str
    rule: str
    checked: str
    coverage: str = ""
    instances: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.instances > 0

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        text = (
            f"{self.theorem:<8} {self.rule:<8} {self.checked}  [{self.coverage}; "
            f"{self.instances} instances, {self.seconds:.1f}s]  {verdict}"
        )
        if not self.ok:
            shown = self.failures[:3] or ["no instance was checked"]
            text += "".join(f"\n           - {f}" for f in shown)
            if len(self.failures) > 3:
                text += f"\n           - … and {len(self.failures) - 3} more"
        return text


class Recorder:
    """Counts the instances a check proves and collects the ones that fail."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def expect(self, condition: bool, message: str) -> None:
        self.outcome.instances += 1
        if not condition:
            self.outcome.failures.append(message)

    def guard(self, where: str) -> _Guard:
        """A context in which a CajalError or other exception from the compiler is a failure."""
        return _Guard(self, where)


class _Guard:
    def __init__(self, rec: Recorder, where: str) -> None:
        self.rec = rec
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        detail = exc.message if isinstance(exc, CajalError) else f"{type(exc).__name__}: {exc}"
        self.rec.outcome.instances += 1
        self.rec.outcome.failures.append(f"{self.where}: raised {detail}")
        return True


CheckFn = Callable[[Bounds, Recorder], str]
"""A check body: proves its instances through the recorder, returns its coverage text."""


@dataclass(frozen=True)
class Check:
    theorem: str
    rule: str
    checked: str
    body: CheckFn

    @property
    def name(self) -> str:
        return f"{self.theorem} {self.rule}"

    def run(self, bounds: Bounds) -> Outcome:
        outcome = Outcome(self.theorem, self.rule, self.checked)
        rec = Recorder(outcome)
        start = time.perf_counter()
        try:
            outcome.coverage = self.body(bounds, rec)
        except Exception as exc:  # a crash in a check is a failed check, never a traceback
            outcome.failures.append(f"the check crashed: {type(exc).__name__}: {exc}")
        outcome.seconds = time.perf_counter() - start
        return outcome


REGISTRY: list[Check] = []


def check(theorem: str, rule: str, checked: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check for one case (rule) of one theorem."""

    def register(body: CheckFn) -> CheckFn:
        REGISTRY.append(Check(theorem, rule, checked, body))
        return body

    return register


# ---------------------------------------------------------------------------
# Types within bounds
# ---------------------------------------------------------------------------

OPAQUE_DIMS: dict[str, int] = {"O1": 1, "O3": 3}
"""Opaque base types used to reach dimensions that Bool and Nat do not (1 and 3 at every K)."""

ATOMS: tuple[Type, ...] = (BOOL, NAT, Opaque("O1"), Opaque("O3"))


def tdim(t: Type, k: int) -> int:
    return dim(t, k, OPAQUE_DIMS)


def _types_with_arrows(n: int) -> Iterator[Type]:
    if n == 0:
        yield from ATOMS
        return
    for left in range(n):
        right = n - 1 - left
        for dom in _types_with_arrows(left):
            for cod in _types_with_arrows(right):
                yield Arrow(dom, cod)


def types_up_to(k: int, max_dim: int, max_arrows: int, *, functions_only: bool = False) -> list[Type]:
    """Every type with ≤ max_arrows arrows over ATOMS whose dimension at K = k is ≤ max_dim."""
    found: list[Type] = []
    for arrows in range(1 if functions_only else 0, max_arrows + 1):
        found.extend(t for t in _types_with_arrows(arrows) if tdim(t, k) <= max_dim)
    return found


def family_text(bounds: Bounds, max_dim: int | None = None, arrows: int | None = None) -> str:
    """The coverage statement for a family of types."""
    d = bounds.max_dim if max_dim is None else max_dim
    a = bounds.max_arrows if arrows is None else arrows
    return f"K=0..{bounds.max_k}, types with ≤{a} arrows over Bool,Nat,O1,O3 of dim ≤{d}"


# ---------------------------------------------------------------------------
# Symbols and exact linear algebra
# ---------------------------------------------------------------------------


def sym_vec(prefix: str, n: int) -> Vec:
    """A generic vector: n independent symbols."""
    return sympy.Matrix([sympy.Symbol(f"{prefix}_{i}") for i in range(n)])


def sym_mat(prefix: str, rows: int, cols: int) -> sympy.Matrix:
    """A generic matrix: rows × cols independent symbols."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{prefix}_{i}_{j}"))


def basis(n: int, j: int) -> Vec:
    return sympy.Matrix([1 if i == j else 0 for i in range(n)])


def zeros(n: int) -> Vec:
    return sympy.zeros(n, 1)


def mat(v: Vec, rows: int, cols: int) -> sympy.Matrix:
    """Row-major unflattening (SPEC §8): entry (b, a) is v[b·cols + a]."""
    return sympy.Matrix(rows, cols, lambda i, j: v[i * cols + j])


def vec(m: sympy.Matrix) -> Vec:
    """Row-major flattening (SPEC §8)."""
    return sympy.Matrix([m[i, j] for i in range(m.rows) for j in range(m.cols)])


def as_binding(value: sympy.Matrix) -> Any:
    """A sympy vector or matrix in the form compile_term's bindings take (an object array)."""
    if value.cols == 1:
        return np.array(list(value), dtype=object)
    return np.array(value.tolist(), dtype=object)


def symbols_of(*values: sympy.Matrix) -> list[sympy.Symbol]:
    found: list[sympy.Symbol] = []
    for v in values:
        for entry in v:
            found.extend(sorted(sympy.sympify(entry).free_symbols, key=str))
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------
# Running the compiler
# ---------------------------------------------------------------------------


def compiled(
    term: Term,
    ctx: Ctx,
    k: int,
    bindings: Mapping[str, sympy.Matrix] | None = None,
    defs: Defs | None = None,
    *,
    typecheck: bool = True,
) -> Compiled:
    """compile_term with sympy bindings, after checking that ctx ⊢ term is well typed.

    The theorems speak of well-typed terms only, so every identity is checked on terms
    the checker accepts (`typecheck=False` only for the counterexample to the Lam side
    condition, which the checker rejects).
    """
    if typecheck:
        check_term(term, ctx, defs, types=frozenset(OPAQUE_DIMS))  # type: ignore[arg-type]
    given: dict[str, Any] = {n: as_binding(v) for n, v in (bindings or {}).items()}
    return compile_term(term, ctx, defs, nat_bound=k, bindings=given, opaque_dims=OPAQUE_DIMS)


def value_of(result: Compiled) -> Vec:
    """The compiled value of a fully bound term, as a column vector (flattened if a function)."""
    if result.tensor.ndim != 1:
        raise AssertionError(f"expected a value without context axes, got shape {result.tensor.shape}")
    return sympy.Matrix([sympy.sympify(x) for x in result.tensor.tolist()])


def compile_value(
    term: Term,
    ctx: Ctx,
    k: int,
    bindings: Mapping[str, sympy.Matrix] | None = None,
    defs: Defs | None = None,
    *,
    typecheck: bool = True,
) -> Vec:
    return value_of(compiled(term, ctx, k, bindings, defs, typecheck=typecheck))


def tensor_of(result: Compiled) -> np.ndarray[Any, np.dtype[np.object_]]:
    """The compiled tensor with sympy-compatible entries."""
    out = np.empty(result.tensor.shape, dtype=object)
    for index in np.ndindex(*result.tensor.shape):
        out[index] = sympy.sympify(result.tensor[index])
    return out


def contract(tensor: np.ndarray[Any, np.dtype[np.object_]], vectors: Sequence[Vec]) -> Vec:
    """Σ_{j₁…jₘ} v₁[j₁]⋯vₘ[jₘ]·T[:, j₁, …, jₘ]: the multilinear map of a tensor (Lemma 6)."""
    out = sympy.zeros(tensor.shape[0], 1)
    ranges = [range(n) for n in tensor.shape[1:]]
    for index in itertools.product(*ranges):
        weight = math.prod((v[j] for v, j in zip(vectors, index, strict=True)), start=sympy.Integer(1))
        if weight == 0:
            continue
        for r in range(tensor.shape[0]):
            out[r] += weight * tensor[(r, *index)]
    return out


# ---------------------------------------------------------------------------
# Polynomial identities
# ---------------------------------------------------------------------------


def equal(left: sympy.Matrix, right: sympy.Matrix) -> bool:
    """Equality as polynomials: same shape and every entry of the difference expands to 0."""
    if left.shape != right.shape:
        return False
    return all(sympy.expand(a - b) == 0 for a, b in zip(left, right, strict=True))


def _monomial_degrees(entry: Any, gens: Sequence[sympy.Symbol]) -> list[int]:
    """The degree in `gens` of every monomial of the expanded entry ([] for the zero polynomial)."""
    group = set(gens)
    expanded = sympy.expand(sympy.sympify(entry))
    if expanded == 0:
        return []
    degrees = []
    for term in sympy.Add.make_args(expanded):
        powers = term.as_powers_dict()
        degrees.append(sum(int(e) for base, e in powers.items() if base in group))
    return degrees


def is_linear(value: sympy.Matrix, gens: Sequence[sympy.Symbol]) -> bool:
    """Linear in the group `gens` (others fixed): every monomial has degree exactly 1 in it.

    For a polynomial map this is equivalent to additivity and homogeneity.
    """
    return all(d == 1 for entry in value for d in _monomial_degrees(entry, gens))


def degree(value: sympy.Matrix, gens: Sequence[sympy.Symbol]) -> int:
    """Total degree in the group `gens` (0 for a value constant in them; -1 for the zero vector)."""
    return max((d for entry in value for d in _monomial_degrees(entry, gens)), default=-1)


def nonzero(value: sympy.Matrix) -> bool:
    return any(sympy.expand(x) != 0 for x in value)


def show(t: Type) -> str:
    return show_type(t)


def dims_text(types: Iterable[Type], k: int) -> str:
    return ", ".join(f"{show(t)}:{tdim(t, k)}" for t in types)
