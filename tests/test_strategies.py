"""The program generators: every draw is a well-typed linear term, and they cover the language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cajal_ref.checker import DefInfo, check_term
from cajal_ref.syntax import (
    BOOL,
    NAT,
    App,
    Arrow,
    BoolLit,
    If,
    Iter,
    Lam,
    Let,
    Numeral,
    Opaque,
    Succ,
    Term,
    Type,
    Var,
    Zero,
    bound_recurrent_weights,
    free_vars,
    is_ground,
    size,
    step_free_vars,
    subterms,
)
from cajal_ref.verification.checks import check_closed_ground
from cajal_ref.verification.relation import substitute
from cajal_ref.verification.strategies import (
    Program,
    inhabited,
    is_higher_order,
    prelude_def_types,
    programs,
    terms,
    type_order,
    type_size,
    types,
    values,
)

IMG = Opaque("Img")
NAT_NAT = Arrow(NAT, NAT)


@pytest.fixture(scope="module")
def prelude_defs() -> dict[str, DefInfo]:
    from cajal_ref.loader import load_workspace

    return load_workspace().defs


def check(program: Program, defs: dict[str, DefInfo] | None = None, *, strict: bool = False) -> None:
    typing = check_term(program.term, program.context, defs or {}, types={"Img"}, strict_iter=strict)
    assert typing.type == program.type
    # a context variable is a recurrent weight exactly when some step uses it
    used_in_steps = step_free_vars(program.term)
    assert set(typing.recurrent_weights) == {n for n, _ in program.context if n in used_in_steps}


@given(programs(opaque=("Img",)))
def test_every_generated_program_type_checks(program: Program) -> None:
    check(program)


@given(programs(strict_iter=True))
def test_strict_programs_pass_the_strict_checker(program: Program) -> None:
    check(program, strict=True)
    for sub in subterms(program.term):
        if isinstance(sub, Iter):
            assert free_vars(sub.step) <= {sub.step_var}


@given(st.data())
def test_programs_with_prelude_defs_type_check(prelude_defs: dict[str, DefInfo], data: st.DataObject) -> None:
    def_types = {n: d.type for n, d in prelude_defs.items() if not d.context}
    program = data.draw(programs(defs=def_types))
    check(program, prelude_defs)


@given(st.data())
def test_terms_of_a_requested_type_and_context(data: st.DataObject) -> None:
    context = (("f", Arrow(IMG, IMG)), ("x", IMG), ("n", NAT), ("b", BOOL))
    goals: list[Type] = [IMG, Arrow(BOOL, IMG), Arrow(Arrow(IMG, IMG), IMG)]
    goal = data.draw(st.sampled_from(goals))
    term = data.draw(terms(goal, context))
    check(Program(goal, context, term))


@given(types(7), st.data())
def test_values_are_closed_and_well_typed(t: Type, data: st.DataObject) -> None:
    term = data.draw(values(t))
    assert not free_vars(term)
    check(Program(t, (), term))
    if isinstance(t, Arrow):
        assert isinstance(term, Lam)


@given(types(9, max_order=2))
def test_types_respect_size_and_order(t: Type) -> None:
    assert type_size(t) <= 9
    assert type_order(t) <= 2


def test_inhabitation_by_hand() -> None:
    assert inhabited(BOOL)
    assert inhabited(Arrow(NAT_NAT, NAT))
    assert not inhabited(IMG)
    assert not inhabited(BOOL, [IMG])  # nothing consumes an opaque value
    assert not inhabited(Arrow(IMG, BOOL))
    assert inhabited(IMG, [IMG, NAT, BOOL])
    assert inhabited(IMG, [Arrow(IMG, IMG), IMG])
    assert not inhabited(IMG, [IMG, IMG])
    assert inhabited(BOOL, [Arrow(IMG, BOOL), IMG])
    assert inhabited(Arrow(Arrow(IMG, IMG), Arrow(IMG, IMG)))
    assert not inhabited(NAT, [Arrow(IMG, NAT)])


def test_uninhabited_requests_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        terms(BOOL, (("o", IMG),)).example()
    with pytest.raises(InvalidArgument):
        values(IMG).example()
    with pytest.raises(InvalidArgument):
        terms(NAT, (("x", NAT), ("x", BOOL))).example()


def _find(predicate: Callable[[Program], bool], **kwargs: Any) -> Program:
    """hypothesis.find, derandomized: the shrunk program is the same on every run."""
    kwargs.setdefault("budget", 14)
    found: Program = find(
        programs(**kwargs),
        predicate,
        settings=settings(
            max_examples=2000, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
        ),
    )
    return found


def _sample(count: int = 300, **kwargs: Any) -> list[Program]:
    """The first `count` programs of a derandomized run (no shrinking: cheap)."""
    out: list[Program] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(programs(**kwargs))
    def run(p: Program) -> None:
        out.append(p)

    run()
    return out


def _has(node_type: type) -> Callable[[Program], bool]:
    return lambda p: any(isinstance(s, node_type) for s in subterms(p.term))


@pytest.fixture(scope="module")
def sample() -> list[Program]:
    return _sample(300, opaque=("Img",))


@pytest.mark.parametrize("node_type", [Var, BoolLit, If, Zero, Succ, Numeral, Lam, App, Iter, Let])
def test_every_construct_is_generated(sample: list[Program], node_type: type) -> None:
    share = sum(map(_has(node_type), sample)) / len(sample)
    assert share >= 0.05


@pytest.mark.parametrize("node_type", [Let, Iter, App])
def test_failures_shrink_to_small_programs(node_type: type) -> None:
    program = _find(_has(node_type))
    assert size(program.term) <= 12
    check(program)


def _ground_weight_bound_by_fun(p: Program) -> bool:
    return any(
        isinstance(sub, Lam) and is_ground(sub.param_type) and sub.param in step_free_vars(sub.body)
        for sub in subterms(p.term)
    )


def _function_weight_in_context(p: Program) -> bool:
    used = step_free_vars(p.term)
    return any(isinstance(t, Arrow) and n in used for n, t in p.context)


def _higher_order_argument(p: Program) -> bool:
    return any(isinstance(s, Lam) and isinstance(s.param_type, Arrow) for s in subterms(p.term)) and any(
        isinstance(s, App) and isinstance(s.arg, Lam) for s in subterms(p.term)
    )


def test_recurrent_weights_higher_order_and_opaque_programs_are_generated(sample: list[Program]) -> None:
    def share(predicate: Callable[[Program], bool]) -> float:
        return sum(map(predicate, sample)) / len(sample)

    assert share(_ground_weight_bound_by_fun) >= 0.02  # like `mult`'s m
    assert share(_function_weight_in_context) >= 0.03  # like `apply_n`'s f
    assert share(_higher_order_argument) >= 0.03
    assert share(lambda p: IMG in (p.type, *(t for _, t in p.context))) >= 0.03


def test_a_recurrent_weight_shrinks_to_a_small_program() -> None:
    program = _find(_function_weight_in_context, closed=False, budget=8)
    assert size(program.term) <= 12
    check(program)


@given(programs())
def test_bound_recurrent_weights_are_ground(program: Program) -> None:
    # SPEC §3: fun/let/step may bind a recurrent weight only of type Bool or Nat
    binder_types: dict[str, Type] = {}
    for sub in subterms(program.term):
        if isinstance(sub, Lam):
            binder_types[sub.param] = sub.param_type
    for name, _ in bound_recurrent_weights(program.term):
        if name in binder_types:
            assert is_ground(binder_types[name])


@given(programs(budget=60))
def test_program_size_is_controlled(program: Program) -> None:
    assert size(program.term) <= 400


def test_substitution_avoids_capture() -> None:
    # (fun y : Nat => x) [x := y] must not capture y
    term = Lam("y", NAT, App(Var("x"), Var("y")))
    result = substitute(term, {"x": Var("y")})
    assert isinstance(result, Lam) and result.param != "y"
    assert result.body == App(Var("y"), Var(result.param))
    # shadowing: the bound x is not replaced
    shadow = Lam("x", NAT, Var("x"))
    assert substitute(shadow, {"x": Numeral(3)}) == shadow
    # iter step variable shadows, base does not
    it = Iter(Var("x"), Var("x"), "x", Succ(Var("x")))
    assert substitute(it, {"x": Numeral(2)}) == Iter(Numeral(2), Numeral(2), "x", Succ(Var("x")))
    let = Let("z", Var("x"), If(Var("z"), Var("x"), BoolLit(False)))
    assert substitute(let, {"x": BoolLit(True)}) == Let(
        "z", BoolLit(True), If(Var("z"), BoolLit(True), BoolLit(False))
    )


@given(programs(closed=False, first_order_context=True), st.data())
def test_substituting_values_closes_a_program(program: Program, data: st.DataObject) -> None:
    mapping = {n: data.draw(values(t)) for n, t in program.context}
    closed = substitute(program.term, mapping)
    assert not free_vars(closed)
    check(Program(program.type, (), closed))


def test_generated_names_do_not_clash_with_context_or_defs() -> None:
    # binders never capture a context variable; one named after a def hides it (tested below)
    @given(terms(NAT, (("n1", NAT), ("b2", BOOL)), defs={"n3": NAT_NAT}))
    def run(term: Term) -> None:
        binders = [s.param for s in subterms(term) if isinstance(s, Lam)]
        assert not {"n1", "b2"} & set(binders)

    run()


def _binders(term: Term) -> set[str]:
    found: set[str] = set()
    for sub in subterms(term):
        if isinstance(sub, Lam):
            found.add(sub.param)
        elif isinstance(sub, Let):
            found.add(sub.name)
        elif isinstance(sub, Iter):
            found.add(sub.step_var)
    return found


def test_binders_that_shadow_a_def_are_generated_and_type_check(prelude_defs: dict[str, DefInfo]) -> None:
    # issue 15, area 3: a binder named after a def hides it; the program must still type-check
    # with the defs in scope, and the compiler agree with the interpreter where both run
    sample = _sample(300, defs=prelude_def_types(prelude_defs))
    shadowing = [p for p in sample if _binders(p.term) & set(prelude_defs)]
    assert len(shadowing) >= 0.05 * len(sample)
    agreed = 0
    for program in shadowing:
        assert check_term(program.term, list(program.context), prelude_defs).type == program.type
        if not program.context and program.type in (BOOL, NAT):
            result = check_closed_ground(program.term, program.type, prelude_defs, max_bound=5)
            assert result.agree, result.counterexample
            agreed += result.checked
    assert agreed >= 3


def test_is_higher_order() -> None:
    assert is_higher_order(Arrow(NAT_NAT, NAT))
    assert not is_higher_order(Arrow(NAT, NAT_NAT))


def test_public_names_and_from_type_registration() -> None:
    """The documented names are exported, and `st.from_type` draws well-typed programs and types."""
    from cajal_ref.syntax import Arrow
    from cajal_ref.verification import strategies as S

    for name in ("types", "terms", "values", "programs", "closed_ground_programs", "Program"):
        assert name in S.__all__
    assert all(hasattr(S, name) for name in S.__all__)

    @given(st.from_type(S.Program), st.from_type(Arrow))
    def drawn(program: Program, arrow: Arrow) -> None:
        assert isinstance(arrow, Arrow)
        check(program)

    drawn()
