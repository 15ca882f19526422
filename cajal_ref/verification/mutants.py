"""Mutation testing: deliberate compiler bugs that the property suite must kill.

Each mutant replaces one of the compiler's module-level primitives (`encode_bool`,
`shift_matrix`, `mix`, `apply_matrix`, …) with `unittest.mock.patch` for the duration of
a run; no mutant code lives in the compiler. A mutant is *killed* when the properties
of `verify` (closed ground programs at K = peak with truncation below it, linking open
programs, substitution of closed values) find a program on which the mutated compiler
disagrees with the interpreter — or on which it crashes. The shrunk program is reported.

The mutants are chosen to be observable under T2's proviso K ≥ peak: e.g. `succ`
wrapping e_K to e_0 never changes a result whose peak is ≤ K, so it is killed by the
truncation property (past the peak the result must be the zero vector).

Besides the primitives, seven mutants patch the places an independent mutation tool found
the suite blind to (issue 15's areas, `AREA_MUTANTS`): the re-alignment of an `if`'s
branches, the int64 threshold, name resolution under a binder that shadows a def, the
conversion of a bound Fraction, the size guard, the refusal of an unbound name, and the
decoding of a Bool. Their cases: exact bindings checked by linearity (`exact_inputs`),
the size guard one entry under a result, ill-formed variants of programs, and decoding.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from fractions import Fraction
from types import ModuleType
from typing import Any
from unittest import mock

import numpy as np

from .. import spaces
from ..compiler import bindings as compiler_bindings
from ..compiler import compile_term, evaluation, lowering, tensors
from ..compiler import primitives as compiler  # patched where the evaluator looks them up
from ..diagnostics import CajalError, ErrorKind
from ..interpreter import evaluate
from ..syntax import BOOL, Term, Type, Var, is_first_order
from . import areas
from .exact_inputs import ExactCase, check_exact, exact_cases
from .relation import RelatedValue, basis, tabulatable
from .strategies import Program, inhabited, prelude_def_types, programs, values
from .verify import (
    CHECK_FUEL,
    Check,
    Counterexample,
    check_closed_ground,
    check_linking,
    check_substitution,
    closed_value,
    compile_closed,
    show_term,
    table_values,
)

MAX_K = 5
"""Largest K the harness compiles at (closed programs run at K = their peak)."""

# ---------------------------------------------------------------------------
# The mutants
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A named compiler bug: `wrap(original)` returns the buggy replacement of `target`."""

    name: str
    description: str
    target: str
    wrap: Callable[[Any], Any]
    owner: Any = None
    """The module or class holding `target` (default: `cajal_ref.compiler.primitives`)."""

    @property
    def where(self) -> Any:
        return compiler if self.owner is None else self.owner

    @property
    def patches(self) -> str:
        """What the mutant replaces, e.g. `compiler.primitives.mix` (for `--list`)."""
        where = self.where
        if isinstance(where, ModuleType):
            owner = where.__name__
        else:
            owner = f"{where.__module__}.{where.__qualname__}"
        return f"{owner.removeprefix('cajal_ref.')}.{self.target}"

    @contextmanager
    def active(self) -> Iterator[None]:
        original = getattr(self.where, self.target)
        with mock.patch.object(self.where, self.target, self.wrap(original)):
            yield


def _swap_branches(mix: Callable[..., Any]) -> Callable[..., Any]:
    return lambda cond, then, else_, xp=np: mix(cond, else_, then, xp)


def _true_coordinate_only(mix: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(cond: Any, then: Any, else_: Any, xp: Any = np) -> Any:
        return mix(xp.stack([cond[0], cond[0]]), then, else_, xp)

    return buggy


def _succ_wraps(shift: Callable[[int], Any]) -> Callable[[int], Any]:
    def buggy(k: int) -> Any:
        matrix = shift(k).copy()
        matrix[0, k] = 1
        return matrix

    return buggy


def _succ_saturates(shift: Callable[[int], Any]) -> Callable[[int], Any]:
    def buggy(k: int) -> Any:
        matrix = shift(k).copy()
        matrix[k, k] = 1
        return matrix

    return buggy


def _truncate_early(shift: Callable[[int], Any]) -> Callable[[int], Any]:
    def buggy(k: int) -> Any:
        matrix = shift(k).copy()
        if k >= 1:
            matrix[k, k - 1] = 0
        return matrix

    return buggy


def _sum_from_one(rsum: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(states: Sequence[Any], coefficients: Any, xp: Any = np) -> Any:
        return rsum([states[0] * 0, *states[1:]], coefficients, xp)

    return buggy


def _coefficients_reversed(rsum: Callable[..., Any]) -> Callable[..., Any]:
    return lambda states, coefficients, xp=np: rsum(list(states)[::-1], coefficients, xp)


def _one_step_too_many(unroll: Callable[..., Any]) -> Callable[..., Any]:
    return lambda step, base, k: unroll(step, step(base), k)


def _transposed_application(apply: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(fn: Any, arg: Any, dom_dim: int, xp: Any = np) -> Any:
        rows = fn.shape[0] // dom_dim
        # read the function's matrix column-major: entry (b, a) taken from index a·dim B + b
        transposed = xp.swapaxes(fn.reshape(dom_dim, rows, *fn.shape[1:]), 0, 1)
        return apply(transposed.reshape(fn.shape), arg, dom_dim, xp)

    return buggy


def _flatten_column_major(flatten: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda matrix: flatten(np.swapaxes(matrix, 0, 1))


def _permuted_axes(perm: Callable[..., list[int]]) -> Callable[..., list[int]]:
    return lambda axes, context: perm(axes, context)[::-1]


def _lambda_columns_shifted(abstract: Callable[..., Any]) -> Callable[..., Any]:
    return lambda body, axis, xp=np: xp.roll(abstract(body, axis, xp), 1, axis=1)


def _basis_columns_shifted(stack: Callable[..., Any]) -> Callable[..., Any]:
    return lambda columns, xp=np: stack([*columns[1:], *columns[:1]], xp)


def _numerals_off_by_one(encode: Callable[[int, int], Any]) -> Callable[[int, int], Any]:
    return lambda value, k: encode(value + 1, k) if value > 0 else encode(value, k)


def _numerals_wrap(encode: Callable[[int, int], Any]) -> Callable[[int, int], Any]:
    return lambda value, k: encode(value % (k + 1), k)


def _bools_swapped(encode: Callable[[bool], Any]) -> Callable[[bool], Any]:
    return lambda value: encode(not value)


def _unflatten_column_major(unflatten: Callable[[Any, int], Any]) -> Callable[[Any, int], Any]:
    def buggy(array: Any, dom_dim: int) -> Any:
        rows = array.shape[0] // dom_dim
        return np.swapaxes(array.reshape(dom_dim, rows, *array.shape[1:]), 0, 1)

    return buggy


def _branches_not_realigned(align: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(self: Any, tensor: Any, axes: Any) -> Any:
        if set(tensor.names) == {n for n, _ in axes} and len(axes) > 1:
            return tensor.array  # the same variables in another order: left as they are
        return align(self, tensor, axes)

    return buggy


def _def_wins_over_binder(lower: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(self: Any, term: Any, scope: Any) -> Any:
        if isinstance(term, Var) and term.name in scope and term.name in self.defs:
            return self.def_ref(term, term.name)
        return lower(self, term, scope)

    return buggy


def _fraction_floored(entry: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: entry(x.numerator // x.denominator if isinstance(x, Fraction) else x)


def _unbound_crashes(def_ref: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(self: Any, term: Any, name: str) -> Any:
        if name not in self.defs:
            raise KeyError(name)
        return def_ref(self, term, name)

    return buggy


def _never(guard: Callable[..., None]) -> Callable[..., None]:
    return lambda *args, **kwargs: None


def _bool_decoded_inverted(decode: Callable[..., Any]) -> Callable[..., Any]:
    def buggy(vector: Any, t: Type) -> Any:
        value = decode(vector, t)
        return (not value) if t == BOOL and value is not None else value

    return buggy


AREA_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "if-branches-not-realigned",
        "(1) an `if` whose branches meet their variables in another order is not re-aligned",
        "align",
        _branches_not_realigned,
        evaluation._Compiler,
    ),
    Mutant(
        "int64-past-2^62",
        "(2) int64 arithmetic is trusted up to 2^66 instead of 2^62 (entries wrap)",
        "_INT64_SAFE",
        lambda _: 2**66,
        tensors,
    ),
    Mutant(
        "def-wins-over-binder",
        "(3) a binder named like a def is read as the def",
        "lower",
        _def_wins_over_binder,
        lowering._Lowerer,
    ),
    Mutant(
        "fraction-floored",
        "(4) a bound Fraction entry is taken as its integer part",
        "_exact_entry",
        _fraction_floored,
        compiler_bindings,
    ),
    Mutant("size-guard-off", "(5) the size guard never refuses", "guard", _never, evaluation._Compiler),
    Mutant(
        "unbound-name-crashes",
        "(6) an unbound name in an unchecked term raises KeyError, not a CajalError",
        "def_ref",
        _unbound_crashes,
        lowering._Lowerer,
    ),
    Mutant(
        "bool-decoded-inverted",
        "(7) decoding a Bool vector returns the other value",
        "decode",
        _bool_decoded_inverted,
        spaces,
    ),
)
"""One mutant per area of issue 15 (its number leads the description)."""

PRIMITIVE_MUTANTS: tuple[Mutant, ...] = (
    Mutant("if-swapped", "`if` mixes the branches the wrong way round", "mix", _swap_branches),
    Mutant("if-one-coordinate", "`if` weights both branches by c_true", "mix", _true_coordinate_only),
    Mutant("succ-wraps", "`succ` sends e_K to e_0 instead of 0", "shift_matrix", _succ_wraps),
    Mutant("succ-saturates", "`succ` sends e_K to e_K instead of 0", "shift_matrix", _succ_saturates),
    Mutant("truncation-off-by-one", "`succ` sends e_(K-1) to 0", "shift_matrix", _truncate_early),
    Mutant("iter-from-1", "the recurrent sum starts at i = 1", "recurrent_sum", _sum_from_one),
    Mutant(
        "iter-coefficients-reversed",
        "state i is weighted by the count's coefficient K - i",
        "recurrent_sum",
        _coefficients_reversed,
    ),
    Mutant(
        "iter-extra-step", "state i is S^(i+1)·base instead of S^i·base", "unroll_states", _one_step_too_many
    ),
    Mutant(
        "application-transposed",
        "application reads the function's matrix column-major",
        "apply_matrix",
        _transposed_application,
    ),
    Mutant(
        "flattening-column-major",
        "a matrix is flattened column-major (SPEC §8 says row-major)",
        "flatten_function",
        _flatten_column_major,
    ),
    Mutant(
        "unflattening-column-major",
        "a function value is read back as a matrix column-major",
        "unflatten_function",
        _unflatten_column_major,
    ),
    Mutant(
        "context-axes-permuted",
        "the tensor's context axes come out in reverse order",
        "context_permutation",
        _permuted_axes,
    ),
    Mutant(
        "lambda-columns-shifted",
        "`fun`'s column j holds the image of e_(j-1)",
        "abstract_axis",
        _lambda_columns_shifted,
    ),
    Mutant(
        "basis-columns-shifted",
        "a per-basis `fun` (recurrent weight) stacks its columns shifted by one",
        "stack_columns",
        _basis_columns_shifted,
    ),
    Mutant("numerals-off-by-one", "a numeral n ≥ 1 compiles to e_(n+1)", "encode_nat", _numerals_off_by_one),
    Mutant(
        "numerals-wrap",
        "a numeral n > K compiles to e_(n mod (K+1)) instead of 0",
        "encode_nat",
        _numerals_wrap,
    ),
    Mutant(
        "true-false-swapped", "true compiles to e_false and false to e_true", "encode_bool", _bools_swapped
    ),
)

MUTANTS: tuple[Mutant, ...] = (*PRIMITIVE_MUTANTS, *AREA_MUTANTS)


# ---------------------------------------------------------------------------
# The property suite as one strategy of cases
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One generated check: which property, the program, K, and the inputs (values or terms)."""

    kind: str
    program: Program
    nat_bound: int
    inputs: tuple[tuple[str, RelatedValue | Term], ...] = ()
    arguments: tuple[tuple[Type, tuple[RelatedValue | Term, ...]], ...] = ()
    exact: ExactCase | None = None
    """For kind "exact": the program's exact bindings."""

    def describe(self) -> str:
        return f"{self.kind} check of `{show_term(self.program.term)}` at K = {self.nat_bound}"


def _input_strategy(t: Type, nat_bound: int, def_types: Mapping[str, Type]) -> Any:
    """Related values that need no compiling to draw: basis, tables, or closed terms (compiled later)."""
    from hypothesis import strategies as st

    if is_first_order(t):
        return st.sampled_from(basis(t, nat_bound, {"Img": 2}))
    options = []
    if tabulatable(t):
        options.append(table_values(t, nat_bound, {"Img": 2}))
    if inhabited(t):
        options.append(values(t, defs=def_types, max_literal=min(3, nat_bound)))
    return st.one_of(*options)


def cases(def_types: Mapping[str, Type]) -> Any:
    """The property suite as one hypothesis strategy (shrinks like the programs it holds)."""
    from hypothesis import strategies as st

    closed = st.builds(
        lambda p: Case("closed", p, 0),
        programs(closed=True, ground=True, defs=def_types),
    )

    @st.composite
    def linking(draw: Any) -> Case:
        program = draw(programs(closed=False, defs=def_types, opaque=("Img",)))
        k = draw(st.integers(2, 4))
        inputs = tuple((n, draw(_input_strategy(t, k, def_types))) for n, t in program.context)
        return Case("linking", program, k, inputs, _draw_arguments(draw, program.type, k, def_types))

    @st.composite
    def substitution(draw: Any) -> Case:
        # without opaque types every free variable's type has closed values
        program = draw(programs(closed=False, defs=def_types))
        k = draw(st.integers(2, 4))
        inputs = tuple((n, draw(values(t, defs=def_types))) for n, t in program.context)
        return Case("substitution", program, k, inputs, _draw_arguments(draw, program.type, k, def_types))

    @st.composite
    def reordered(draw: Any) -> Case:
        # issue 15's area 1: branches whose tensors carry the variables' axes in other orders
        program = draw(areas.reordered_if_programs(def_types))
        k = draw(st.integers(2, 4))
        inputs = tuple((n, draw(_input_strategy(t, k, def_types))) for n, t in program.context)
        return Case("linking", program, k, inputs)

    # issue 15's areas: exact bindings (2, 4), the size guard (5), ill-formed terms (6)
    exact = st.builds(lambda c: Case("exact", c.program, 0, exact=c), exact_cases(def_types))
    guard = st.builds(lambda p: Case("guard", p, 2), programs(closed=True, defs=def_types))
    ill_formed = st.builds(lambda p: Case("ill-formed", p, 2), programs(defs=def_types, opaque=("Img",)))
    return st.one_of(closed, linking(), substitution(), reordered(), exact, guard, ill_formed)


def _draw_arguments(
    draw: Any, t: Type, nat_bound: int, def_types: Mapping[str, Type]
) -> tuple[tuple[Type, tuple[RelatedValue | Term, ...]], ...]:
    from hypothesis import strategies as st

    from .strategies import spine

    out = []
    for d in dict.fromkeys(spine(t)[0]):
        if not is_first_order(d):
            drawn = draw(st.lists(_input_strategy(d, nat_bound, def_types), min_size=1, max_size=2))
            out.append((d, tuple(drawn)))
    return tuple(out)


def _realise(x: RelatedValue | Term, t: Type, defs: Mapping[str, Any], nat_bound: int) -> RelatedValue:
    if isinstance(x, RelatedValue):
        return x
    return closed_value(x, t, defs, nat_bound=nat_bound, opaque_dims={"Img": 2})


def run_case(case: Case, defs: Mapping[str, Any]) -> Check:
    """Run the property a case stands for (under whatever compiler is active)."""
    program = case.program
    if case.kind in ("exact", "guard", "ill-formed"):
        return _run_area_case(case, defs)
    if case.kind == "closed":
        try:
            peak = evaluate(program.term, {}, defs, fuel=CHECK_FUEL).peak
        except CajalError:
            return Check(0, 1)
        if peak > MAX_K:
            return Check(0, 1)
        check = check_closed_ground(program.term, program.type, defs, nat_bound=max(peak, 1))
        if not check.agree:
            return check
        if program.type == BOOL:
            # (7) the compiled vector decodes to the interpreter's value
            vector = compile_closed(program.term, program.type, defs, nat_bound=max(peak, 1))
            value = evaluate(program.term, {}, defs, fuel=CHECK_FUEL).value
            if spaces.decode(vector, BOOL) != value:
                shown = "decoded to the other Bool"
                return Check(1, 0, _area_counterexample(program, max(peak, 1), str(value), shown))
        if peak == 0:
            return check
        # truncation: below the peak the result must be the zero vector
        below = compile_closed(program.term, program.type, defs, nat_bound=peak - 1)
        if any(x != 0 for x in below):
            from .verify import Counterexample

            cex = Counterexample(
                show_term(program.term),
                peak - 1,
                interpreter=f"peak {peak} > K: the zero vector",
                compiled="(" + ", ".join(map(str, below)) + ")",
                note="truncation (the path that overflows is multiplied by Sh·e_K = 0)",
            )
            return Check(check.checked + 1, 0, cex)
        return Check(check.checked + 1)
    k = case.nat_bound
    types = dict(program.context)
    inputs = {n: _realise(x, types[n], defs, k) for n, x in case.inputs if case.kind == "linking"}
    drawn = {d: [_realise(x, d, defs, k) for x in xs] for d, xs in case.arguments}

    def source(a: Type) -> Sequence[RelatedValue]:
        if is_first_order(a):
            return basis(a, k, {"Img": 2})
        return drawn[a]

    if case.kind == "linking":
        return check_linking(program, inputs, defs, nat_bound=k, arguments=source, opaque_dims={"Img": 2})
    terms = {n: x for n, x in case.inputs if not isinstance(x, RelatedValue)}
    return check_substitution(program, terms, defs, nat_bound=k, arguments=source)


def _area_counterexample(program: Program, k: int, expected: str, got: str, note: str = "") -> Counterexample:
    return Counterexample(show_term(program.term), k, interpreter=expected, compiled=got, note=note)


def _run_area_case(case: Case, defs: Mapping[str, Any]) -> Check:
    """Exact bindings (linearity), the size guard one entry under the result, ill-formed terms."""
    program = case.program
    if case.kind == "exact":
        assert case.exact is not None
        result = check_exact(case.exact, defs)
        if result.failure is None:
            return Check(int(result.checked), int(not result.checked))
        note = "exact bindings " + case.exact.describe().partition(" with ")[2] + " (linearity, T3)"
        cex = _area_counterexample(program, result.nat_bound, result.expected, result.compiled, note)
        return Check(1, 0, cex)
    if case.kind == "guard":
        entries = spaces.dim(program.type, case.nat_bound, {"Img": 2})
        try:
            compile_term(
                program.term,
                (),
                defs,
                nat_bound=case.nat_bound,
                max_entries=entries - 1,
                opaque_dims={"Img": 2},
            )
        except CajalError as err:
            if err.kind is ErrorKind.SIZE_LIMIT and f"the limit is {entries - 1:,}" in err.message:
                return Check(1)
            raise
        expected = f"refused: {entries:,} entries over the limit {entries - 1:,}"
        return Check(1, 0, _area_counterexample(program, case.nat_bound, expected, "compiled", "size guard"))
    for label, term in areas.ill_formed_variants(program):
        try:
            compile_term(term, program.context, defs, nat_bound=case.nat_bound, opaque_dims={"Img": 2})
        except CajalError:
            continue
        shown = Program(program.type, program.context, term)
        return Check(1, 0, _area_counterexample(shown, case.nat_bound, "a CajalError", "compiled", label))
    return Check(1)


# ---------------------------------------------------------------------------
# Running mutants
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MutantResult:
    mutant: str
    description: str
    killed: bool
    seconds: float
    """Time until the first failing case (the whole budget if the mutant survived)."""
    counterexample: str | None
    examples: int

    def to_json(self) -> dict[str, Any]:
        return {
            "mutant": self.mutant,
            "description": self.description,
            "killed": self.killed,
            "seconds": round(self.seconds, 3),
            "counterexample": self.counterexample,
            "examples": self.examples,
        }


def _failure(case: Case, defs: Mapping[str, Any]) -> str | None:
    """Why the case fails (a disagreement or a crash of the compiler), or None."""
    try:
        check = run_case(case, defs)
    except CajalError as err:
        if err.kind in (ErrorKind.SIZE_LIMIT, ErrorKind.FUEL):
            return None
        return f"{case.describe()}: the compiler raised {err.kind.value}: {err.message}"
    except Exception as exc:  # a mutated primitive may break shapes: the suite would crash
        return f"{case.describe()}: the compiler crashed ({type(exc).__name__}: {exc})"
    if check.counterexample is not None:
        return f"{case.kind} check:\n" + check.counterexample.describe()
    return None


def _case_key(case: Case) -> tuple[object, ...]:
    """A deterministic identity of a case (labels and printed terms, never object addresses)."""

    def shown(x: RelatedValue | Term) -> str:
        return x.label if isinstance(x, RelatedValue) else show_term(x)

    program = case.program
    return (
        case.kind,
        show_term(program.term),
        str(program.type),
        tuple((n, str(t)) for n, t in program.context),
        case.nat_bound,
        tuple((n, shown(x)) for n, x in case.inputs),
        tuple((str(t), tuple(shown(x) for x in xs)) for t, xs in case.arguments),
        case.exact.describe() if case.exact is not None else "",
    )


def run_mutant(
    mutant: Mutant,
    defs: Mapping[str, Any],
    *,
    max_examples: int = 600,
    shrink: bool = True,
    shrink_steps: int = 500,
    shrink_seconds: float | None = None,
    derandomize: bool = True,
) -> MutantResult:
    """Search for a failing case under the mutant, then shrink it within a budget.

    The verdict is decided by the search alone: the mutant is killed as soon as one
    generated case fails, and that failure is recorded here, outside hypothesis. Shrinking
    only improves the recorded counterexample. It is bounded by `shrink_steps` calls of
    the property (deterministic) and, optionally, `shrink_seconds` of wall clock; past
    either bound, a case not already known to fail is answered "passes" *without being
    run*, while every case known to fail keeps failing on replay. So a clock can shorten
    shrinking but never turn a found failure into a flaky one or change the verdict.
    With `derandomize` the search is a fixed sequence of cases: the same mutants are
    killed on every run, on any machine.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import HypothesisException, NoSuchExample, Unsatisfiable

    def_types = prelude_def_types(defs)
    start = time.perf_counter()
    first: float | None = None
    known: dict[tuple[object, ...], str | None] = {}
    best: str | None = None
    examples = 0
    shrink_calls = 0

    def out_of_budget() -> bool:
        if first is None:
            return False
        if shrink_calls >= shrink_steps:
            return True
        return shrink_seconds is not None and time.perf_counter() - first >= shrink_seconds

    def predicate(case: Case) -> bool:
        nonlocal first, best, examples, shrink_calls
        key = _case_key(case)
        if key in known:
            return known[key] is not None
        if out_of_budget():
            return False  # not run: shrinking is over, the failures found so far stand
        if first is not None:
            shrink_calls += 1
        examples += 1
        failure = known[key] = _failure(case, defs)
        if failure is None:
            return False
        if first is None:
            first = time.perf_counter()
        best = failure
        return True

    shrinking = shrink and shrink_steps > 0 and (shrink_seconds is None or shrink_seconds > 0)
    phases = [Phase.generate, Phase.shrink] if shrinking else [Phase.generate]
    with mutant.active(), suppress(NoSuchExample, Unsatisfiable):
        try:
            smallest = find(
                cases(def_types),
                predicate,
                settings=settings(
                    max_examples=max_examples,
                    database=None,
                    derandomize=derandomize,
                    deadline=None,
                    phases=phases,
                    suppress_health_check=list(HealthCheck),
                ),
            )
            best = known.get(_case_key(smallest)) or best
        except HypothesisException:
            if best is None:  # no failure was found: a real error of the harness
                raise
    seconds = (first if first is not None else time.perf_counter()) - start
    return MutantResult(mutant.name, mutant.description, best is not None, seconds, best, examples)


def run_mutants(
    defs: Mapping[str, Any] | None = None,
    names: Sequence[str] = (),
    **kwargs: Any,
) -> list[MutantResult]:
    if defs is None:
        from ..loader import load_workspace

        defs = load_workspace().defs
    chosen = [m for m in MUTANTS if not names or m.name in names]
    return [run_mutant(m, defs, **kwargs) for m in chosen]


__all__ = [
    "AREA_MUTANTS",
    "MUTANTS",
    "PRIMITIVE_MUTANTS",
    "Case",
    "Mutant",
    "MutantResult",
    "cases",
    "run_case",
    "run_mutant",
    "run_mutants",
]
