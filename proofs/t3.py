"""Machine checks for the inductive cases of T3 (multilinearity and degree; metatheory.md §5).

Each case of the proof uses a linearity or degree property of one primitive. The checks
compile a small term with generic symbolic bindings and test, as polynomials, that the
result has degree exactly 1 in each linear input's symbols and the stated degree in a
recurrent weight's symbols.
"""

from __future__ import annotations

import numpy as np
import sympy

from cajal_ref.syntax import (
    BOOL,
    NAT,
    Arrow,
    BoolLit,
    Iter,
    Lam,
    Numeral,
    Opaque,
    Succ,
    Term,
    Type,
    Var,
    Zero,
)

from .framework import (
    Bounds,
    Recorder,
    check,
    compile_value,
    compiled,
    degree,
    equal,
    family_text,
    is_linear,
    show,
    sym_mat,
    sym_vec,
    tdim,
    types_up_to,
    zeros,
)
from .terms import app, if_mix, iter_apply, let, prelude_defs, recurrent_body, v

# ---------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------


@check("T3", "Var", "the tensor of x over x:A is the identity of V(A); bound to generic v it is linear in v")
def var_identity(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.max_dim, b.max_arrows):
            d = tdim(a, k)
            where = f"K={k}, A={show(a)}"
            with rec.guard(where):
                tensor = compiled(v("x"), [("x", a)], k).tensor
                rec.expect(
                    tensor.shape == (d, d) and (tensor == np.eye(d, dtype=object)).all(), f"{where}: not I"
                )
                x = sym_vec("x", d)
                rec.expect(
                    is_linear(compile_value(v("x"), [("x", a)], k, {"x": x}), list(x)), f"{where}: not linear"
                )
    return family_text(b)


def _closed_constant(b: Bounds, rec: Recorder, terms: list[Term]) -> str:
    for k in b.ks():
        for term in terms:
            with rec.guard(f"K={k}"):
                tensor = compiled(term, [], k).tensor
                integral = all(isinstance(x, int) for x in tensor.reshape(-1))
                rec.expect(tensor.ndim == 1 and integral, f"K={k}: {term} is not a constant vector")
    return f"K=0..{b.max_k}"


@check("T3", "True", "closed: no context axes, integer entries (linear and of degree 0 in everything)")
def true_constant(b: Bounds, rec: Recorder) -> str:
    return _closed_constant(b, rec, [BoolLit(True)])


@check("T3", "False", "closed: no context axes, integer entries")
def false_constant(b: Bounds, rec: Recorder) -> str:
    return _closed_constant(b, rec, [BoolLit(False)])


@check("T3", "Zero", "closed: no context axes, integer entries")
def zero_constant(b: Bounds, rec: Recorder) -> str:
    return _closed_constant(b, rec, [Zero()])


@check("T3", "Numeral", "closed: no context axes, integer entries (n = 0..K+2)")
def numeral_constant(b: Bounds, rec: Recorder) -> str:
    return _closed_constant(b, rec, [Numeral(n) for n in range(b.max_k + 3)]) + ", n=0..max K+2"


# ---------------------------------------------------------------------------
# Succ
# ---------------------------------------------------------------------------


@check(
    "T3", "Succ", "the tensor of succ x is the shift Sh (Sh[i+1,i] = 1); bound to generic v it is linear in v"
)
def succ_linear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        with rec.guard(f"K={k}"):
            tensor = compiled(Succ(v("x")), [("x", NAT)], k).tensor
            shift = np.zeros((k + 1, k + 1), dtype=object)
            for i in range(k):
                shift[i + 1, i] = 1
            rec.expect(tensor.shape == shift.shape and (tensor == shift).all(), f"K={k}: tensor ≠ Sh")
            x = sym_vec("x", k + 1)
            rec.expect(is_linear(compile_value(Succ(v("x")), [("x", NAT)], k, {"x": x}), list(x)), f"K={k}")
    return f"K=0..{b.max_k}"


# ---------------------------------------------------------------------------
# If
# ---------------------------------------------------------------------------


@check(
    "T3", "If", "⟦if c then h true else h false⟧ is linear in c (for fixed h) and linear in h (for fixed c)"
)
def if_bilinear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for out in types_up_to(k, b.max_dim, b.max_arrows):
            d = tdim(out, k)
            c, h = sym_vec("c", 2), sym_mat("h", d, 2)
            where = f"K={k}, A={show(out)}"
            with rec.guard(where):
                got = compile_value(
                    if_mix("c", "h"), [("c", BOOL), ("h", Arrow(BOOL, out))], k, {"c": c, "h": h}
                )
                rec.expect(is_linear(got, list(c)), f"{where}: not linear in c")
                rec.expect(is_linear(got, list(h)), f"{where}: not linear in the branches' context h")
    return family_text(b)


# ---------------------------------------------------------------------------
# Lam
# ---------------------------------------------------------------------------


@check("T3", "Lam", "⟦fun x:A => h x⟧ is linear in the outer variable h")
def lam_outer_linear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                h = sym_mat("h", tdim(out, k), tdim(a, k))
                where = f"K={k}, A={show(a)}, B={show(out)}"
                with rec.guard(where):
                    m = compile_value(Lam("x", a, app(v("h"), v("x"))), [("h", Arrow(a, out))], k, {"h": h})
                    rec.expect(is_linear(m, list(h)), f"{where}: not linear in h")
    return family_text(b, arrows=b.pair_arrows) + " each"


@check(
    "T3",
    "Lam",
    "⟦fun x:A => iter n {zero => x | succ y => s y}⟧ = Σ n_i·S^i: linear in n, "
    "degree exactly K in the weight s",
)
def lam_outer_weight(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.iter_dim, 0):
            d = tdim(a, k)
            n, s = sym_vec("n", k + 1), sym_mat("s", d, d)
            ctx: list[tuple[str, Type]] = [("n", NAT), ("s", Arrow(a, a))]
            where = f"K={k}, A={show(a)}"
            with rec.guard(where):
                m = compile_value(Lam("x", a, iter_apply(v("n"), v("x"), "s")), ctx, k, {"n": n, "s": s})
                expected = zeros(d * d)
                power = sympy.eye(d)
                for i in range(k + 1):
                    expected += n[i] * _flat(power)
                    power = s * power
                rec.expect(equal(m, expected), f"{where}: M ≠ Σ n_i S^i")
                rec.expect(is_linear(m, list(n)), f"{where}: not linear in n")
                rec.expect(
                    degree(m, list(s)) == k, f"{where}: degree {degree(m, list(s))} in s, expected {k}"
                )
    return f"K=0..{b.max_k}, first-order A of dim ≤{b.iter_dim}"


@check(
    "T3",
    "Lam",
    "a Bool/Nat weight parameter x stays inside: fun x => iter n {… g x y} is linear in n, b, "
    "of degree ≤ K in g; its body has degree K in x",
)
def lam_parameter_frozen(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in (BOOL, NAT):
            for c in types_up_to(k, b.weight_dim, 0):
                da, dc = tdim(a, k), tdim(c, k)
                body, ctx = recurrent_body(a, c)
                values = {"n": sym_vec("n", k + 1), "b": sym_vec("b", dc), "g": sym_mat("g", dc * dc, da)}
                where = f"K={k}, A={show(a)}, state {show(c)}"
                with rec.guard(where):
                    m = compile_value(Lam("x", a, body), ctx, k, values)
                    rec.expect(is_linear(m, list(values["n"])), f"{where}: not linear in n")
                    rec.expect(is_linear(m, list(values["b"])), f"{where}: not linear in b")
                    rec.expect(degree(m, list(values["g"])) <= k, f"{where}: degree > K in g")
                    if dc == 1:  # the body itself is a polynomial of degree K in x: the fun is not the body
                        x = sym_vec("x", da)
                        at_x = compile_value(body, [*ctx, ("x", a)], k, {**values, "x": x})
                        got = degree(at_x, list(x))
                        rec.expect(got == k, f"{where}: body of degree {got} in x, expected K")
    return (
        f"K=0..{b.max_k}, A ∈ {{Bool, Nat}}, first-order state types of dim ≤{b.weight_dim} "
        "(body degree: dim 1)"
    )


def _flat(m: sympy.Matrix) -> sympy.Matrix:
    return sympy.Matrix([m[i, j] for i in range(m.rows) for j in range(m.cols)])


# ---------------------------------------------------------------------------
# App
# ---------------------------------------------------------------------------


@check("T3", "App", "⟦f a⟧ is linear in F (for fixed v) and linear in v (for fixed F)")
def app_bilinear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                f, x = sym_mat("f", tdim(out, k), tdim(a, k)), sym_vec("a", tdim(a, k))
                where = f"K={k}, A={show(a)}, B={show(out)}"
                with rec.guard(where):
                    got = compile_value(
                        app(v("f"), v("a")), [("f", Arrow(a, out)), ("a", a)], k, {"f": f, "a": x}
                    )
                    rec.expect(is_linear(got, list(f)), f"{where}: not linear in F")
                    rec.expect(is_linear(got, list(x)), f"{where}: not linear in v")
    return family_text(b, arrows=b.pair_arrows) + " each"


# ---------------------------------------------------------------------------
# Iter
# ---------------------------------------------------------------------------


@check(
    "T3",
    "Iter",
    "⟦iter n {zero => b | succ y => s y}⟧ is linear in n, linear in b, "
    "of degree exactly K in S (generic n, b, S)",
)
def iter_degree(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.iter_dim, b.max_arrows):
            d = tdim(a, k)
            n, base, s = sym_vec("n", k + 1), sym_vec("b", d), sym_mat("s", d, d)
            ctx: list[tuple[str, Type]] = [("n", NAT), ("b", a), ("s", Arrow(a, a))]
            where = f"K={k}, A={show(a)}"
            with rec.guard(where):
                got = compile_value(iter_apply(v("n"), v("b"), "s"), ctx, k, {"n": n, "b": base, "s": s})
                rec.expect(is_linear(got, list(n)), f"{where}: not linear in n")
                rec.expect(is_linear(got, list(base)), f"{where}: not linear in b")
                rec.expect(
                    degree(got, list(s)) == k, f"{where}: degree {degree(got, list(s))} in S, expected {k}"
                )
    return family_text(b, b.iter_dim)


def _nested(depth: int) -> tuple[Iter, list[str]]:
    """depth nested iters, the weight s in the innermost step: counts c1 (outermost) … c_depth."""
    counts = [f"c{i}" for i in range(1, depth + 1)]
    inner: Term = app(v("s"), v(f"y{depth}"))
    for level in range(depth, 0, -1):
        base: Term = v("b") if level == 1 else v(f"y{level - 1}")
        inner = Iter(v(counts[level - 1]), base, f"y{level}", inner)
    assert isinstance(inner, Iter)
    return inner, counts


@check(
    "T3",
    "Iter",
    "nested steps: a weight under d steps has degree exactly K^d (d = 2, 3; scalar state O1), "
    "the count of the step at depth i degree ≤ K^(i-1), the outer count and base linear",
)
def iter_nested_degree(b: Bounds, rec: Recorder) -> str:
    o1: Type = Opaque("O1")  # a 1-dimensional state: the polynomial in s is univariate
    for depth, top in ((2, b.nested_k), (3, b.nested_k3)):
        term, counts = _nested(depth)
        for k in range(top + 1):
            values = {name: sym_vec(name, k + 1) for name in counts}
            values["b"] = sym_vec("b", 1)
            values["s"] = sym_mat("s", 1, 1)
            ctx: list[tuple[str, Type]] = [(name, NAT) for name in counts]
            ctx += [("b", o1), ("s", Arrow(o1, o1))]
            where = f"d={depth}, K={k}"
            with rec.guard(where):
                got = compile_value(term, ctx, k, values)
                got_degree = degree(got, list(values["s"]))
                rec.expect(
                    got_degree == k**depth, f"{where}: degree {got_degree} in s, expected K^d = {k**depth}"
                )
                rec.expect(is_linear(got, list(values[counts[0]])), f"{where}: not linear in the outer count")
                rec.expect(is_linear(got, list(values["b"])), f"{where}: not linear in the base")
                for level in range(2, depth + 1):
                    count = list(values[counts[level - 1]])
                    rec.expect(
                        degree(got, count) <= k ** (level - 1), f"{where}: count {level} degree too high"
                    )
    return f"d=2: K=0..{b.nested_k}; d=3: K=0..{b.nested_k3}"


# ---------------------------------------------------------------------------
# Let
# ---------------------------------------------------------------------------


@check(
    "T3",
    "Let",
    "⟦let x = p in h x⟧ is linear in p and in h; ⟦let x = p in iter n {… g x y}⟧ (x a weight) is linear in p",
)
def let_linear_in_contexts(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                p, h = sym_vec("p", tdim(a, k)), sym_mat("h", tdim(out, k), tdim(a, k))
                where = f"K={k}, A={show(a)}, B={show(out)}"
                ctx: list[tuple[str, Type]] = [("p", a), ("h", Arrow(a, out))]
                with rec.guard(where):
                    got = compile_value(let("x", v("p"), app(v("h"), v("x"))), ctx, k, {"p": p, "h": h})
                    rec.expect(is_linear(got, list(p)), f"{where}: not linear in p")
                    rec.expect(is_linear(got, list(h)), f"{where}: not linear in h")
        for c in types_up_to(k, b.weight_dim, 0):
            dc = tdim(c, k)
            body, ctx = recurrent_body(NAT, c)
            values = {
                "p": sym_vec("p", k + 1),
                "n": sym_vec("n", k + 1),
                "b": sym_vec("b", dc),
                "g": sym_mat("g", dc * dc, k + 1),
            }
            where = f"K={k}, weight x : Nat, state {show(c)}"
            with rec.guard(where):
                got = compile_value(let("x", v("p"), body), [("p", NAT), *ctx], k, values)
                rec.expect(is_linear(got, list(values["p"])), f"{where}: not linear in p")
    return family_text(b, arrows=b.pair_arrows) + f" each; weight-let state dim ≤{b.weight_dim}"


# ---------------------------------------------------------------------------
# Def
# ---------------------------------------------------------------------------


def ground_arguments(t: Type) -> list[Type] | None:
    """The argument types of G1 -o … -o Gn -o G if all are Bool/Nat, else None."""
    args: list[Type] = []
    while isinstance(t, Arrow):
        if t.dom not in (BOOL, NAT):
            return None
        args.append(t.dom)
        t = t.cod
    return args if t in (BOOL, NAT) else None


@check(
    "T3",
    "Def",
    "each prelude def is a constant (no axes, integer entries); applied to generic arguments "
    "it is linear in each (also mult, whose parameter is a recurrent weight)",
)
def def_constant(b: Bounds, rec: Recorder) -> str:
    defs = prelude_defs()
    for k in b.ks():
        for name, info in defs.items():
            where = f"K={k}, def {name}"
            with rec.guard(where):
                tensor = compiled(Var(name), [], k, defs=defs).tensor
                integral = all(isinstance(x, int) for x in tensor.reshape(-1))
                rec.expect(tensor.ndim == 1 and integral, f"{where}: not a constant")
                args = ground_arguments(info.type)
                if args:
                    names = [f"a{i}" for i in range(len(args))]
                    values = {n: sym_vec(n, tdim(t, k)) for n, t in zip(names, args, strict=True)}
                    term = app(Var(name), *(v(n) for n in names))
                    got = compile_value(term, list(zip(names, args, strict=True)), k, values, defs)
                    for n in names:
                        rec.expect(is_linear(got, list(values[n])), f"{where}: not linear in argument {n}")
    return f"K=0..{b.max_k}, all {len(defs)} prelude defs"
