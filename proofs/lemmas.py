"""Machine checks for Lemma 6 (the tensor of an open term) and Corollary 3.2 (basis inputs suffice).

Lemma 6 is what lets the compiler return a tensor for an open term: contracting it with
vectors gives the compiled value at those vectors. Corollary 3.2 turns T2 for one
first-order program at one K into finitely many basis evaluations, compared here with
the direct interpreter (which shares no code with the compiler).
"""

from __future__ import annotations

import itertools

from cajal_ref.interpreter import evaluate
from cajal_ref.spaces import enc
from cajal_ref.syntax import BOOL, NAT, Arrow, BoolLit, Numeral, Succ, Term, Type, Var

from .framework import (
    Bounds,
    Ctx,
    Recorder,
    check,
    compile_value,
    compiled,
    contract,
    equal,
    sym_mat,
    sym_vec,
    tdim,
    tensor_of,
)
from .t3 import ground_arguments
from .terms import app, if_mix, iter_apply, prelude_defs, v


def _open_terms(k: int) -> list[tuple[str, Term, Ctx, dict[str, int]]]:
    """(label, term, context, {bound recurrent weight: its matrix dimension}) of small open terms."""
    nn, bb = Arrow(NAT, NAT), Arrow(BOOL, BOOL)
    return [
        ("if c then h true else h false", if_mix("c", "h"), [("c", BOOL), ("h", Arrow(BOOL, NAT))], {}),
        ("f a", app(v("f"), v("a")), [("f", Arrow(BOOL, NAT)), ("a", BOOL)], {}),
        (
            "iter n {zero => b | succ y => s y}",
            iter_apply(v("n"), v("b"), "s"),
            [("n", NAT), ("b", BOOL), ("s", bb)],
            {"s": 2},
        ),
        ("succ (f x)", Succ(app(v("f"), v("x"))), [("f", nn), ("x", NAT)], {}),
        ("add m n", app(Var("add"), v("m"), v("n")), [("m", NAT), ("n", NAT)], {}),
        ("mult m n", app(Var("mult"), v("m"), v("n")), [("m", NAT), ("n", NAT)], {}),
        ("and x y", app(Var("and"), v("x"), v("y")), [("x", BOOL), ("y", BOOL)], {}),
    ]


@check(
    "Lemma 6", "tensor", "compiling with generic vectors bound = contracting the tensor of the unbound term"
)
def tensor_contraction(b: Bounds, rec: Recorder) -> str:
    defs = prelude_defs()
    for k in b.ks():
        for label, term, ctx, weights in _open_terms(k):
            where = f"K={k}, {label}"
            weight_values = {name: sym_mat(name, d, d) for name, d in weights.items()}
            axes = [(n, t) for n, t in ctx if n not in weights]
            vectors = {n: sym_vec(n, tdim(t, k)) for n, t in axes}
            with rec.guard(where):
                tensor = tensor_of(compiled(term, ctx, k, weight_values, defs))
                bound = compile_value(term, ctx, k, {**weight_values, **vectors}, defs)
                rec.expect(equal(contract(tensor, [vectors[n] for n, _ in axes]), bound), f"{where}: differs")
    return f"K=0..{b.max_k}, {len(_open_terms(0))} open terms (if, app, iter, succ, add, mult, and)"


def _literal(t: Type, index: int) -> Term:
    return BoolLit(index == 0) if t == BOOL else Numeral(index)


@check(
    "Cor 3.2",
    "basis",
    "first-order prelude defs: tensor entries at every basis tuple with peak ≤ K = enc(interpreter); "
    "generic inputs = the multilinear extension",
)
def basis_inputs(b: Bounds, rec: Recorder) -> str:
    defs = prelude_defs()
    programs = [(name, info) for name, info in defs.items() if ground_arguments(info.type)]
    overflowing = 0
    for k in b.ks():
        for name, info in programs:
            args = ground_arguments(info.type)
            assert args is not None
            result = info.type
            for _ in args:
                assert isinstance(result, Arrow)
                result = result.cod
            names = [f"a{i}" for i in range(len(args))]
            ctx = list(zip(names, args, strict=True))
            term = app(Var(name), *(v(n) for n in names))
            where = f"K={k}, {name}"
            with rec.guard(where):
                tensor = tensor_of(compiled(term, ctx, k, defs=defs))
                for index in itertools.product(*(range(tdim(t, k)) for t in args)):
                    closed = app(Var(name), *(_literal(t, j) for t, j in zip(args, index, strict=True)))
                    run = evaluate(closed, {}, defs)
                    if run.peak > k:
                        overflowing += 1
                        continue
                    expected = enc(run.value, result, k)
                    got = [tensor[(r, *index)] for r in range(tensor.shape[0])]
                    rec.expect(
                        expected is not None and got == [int(x) for x in expected],
                        f"{where}{index}: compiled {got}, interpreter {run.value!r}",
                    )
                vectors = [sym_vec(n, tdim(t, k)) for n, t in ctx]
                bound = compile_value(term, ctx, k, dict(zip(names, vectors, strict=True)), defs)
                rec.expect(
                    equal(contract(tensor, vectors), bound),
                    f"{where}: generic inputs ≠ multilinear extension",
                )
    return (
        f"K=0..{b.max_k}, {len(programs)} defs ({', '.join(n for n, _ in programs)}); "
        f"{overflowing} tuples with peak > K skipped"
    )
