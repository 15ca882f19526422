"""Machine checks for the inductive cases of T2 (compiler correctness; metatheory.md §6).

Each case of the proof uses one identity of the compiler's primitives; each check below
proves that identity for generic symbolic inputs by compiling a small term with the
project's compiler and comparing with the identity computed here from the same symbols.
"""

from __future__ import annotations

import sympy

from cajal_ref.checker import check_term
from cajal_ref.diagnostics import CajalError, ErrorKind
from cajal_ref.interpreter import evaluate
from cajal_ref.syntax import BOOL, NAT, App, Arrow, BoolLit, Lam, Numeral, Succ, Type, Var, Zero

from .framework import (
    Bounds,
    Recorder,
    basis,
    check,
    compile_value,
    compiled,
    equal,
    family_text,
    mat,
    show,
    sym_mat,
    sym_vec,
    tdim,
    types_up_to,
    value_of,
    zeros,
)
from .terms import app, if_mix, if_step, iter_apply, iter_step, let, prelude_defs, recurrent_body, v

# ---------------------------------------------------------------------------
# Leaves: Var and the encodings
# ---------------------------------------------------------------------------


@check(
    "T2", "Var", "x bound to generic v ∈ V(A) compiles to v (a function bound as its matrix, read row-major)"
)
def var_value(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.max_dim, b.max_arrows):
            d = tdim(a, k)
            value = sym_vec("v", d)
            # a function value is bound as its (dim B × dim A) matrix: the compiler must flatten it row-major
            bound = mat(value, tdim(a.cod, k), tdim(a.dom, k)) if isinstance(a, Arrow) else value
            with rec.guard(f"K={k}, A={show(a)}"):
                got = compile_value(v("x"), [("x", a)], k, {"x": bound})
                rec.expect(
                    equal(got, value), f"K={k}, A={show(a)}: ⟦x⟧ = {list(got)}, expected {list(value)}"
                )
    return family_text(b)


def _constant(b: Bounds, rec: Recorder, term: BoolLit | Zero, expected: int, what: str, nat: bool) -> str:
    for k in b.ks():
        size = k + 1 if nat else 2
        with rec.guard(f"K={k}"):
            got = compile_value(term, [], k)
            rec.expect(equal(got, basis(size, expected)), f"K={k}: ⟦{what}⟧ = {list(got)}")
    return f"K=0..{b.max_k}"


@check("T2", "True", "⟦true⟧ = e_true = (1,0) = enc(true)")
def true_enc(b: Bounds, rec: Recorder) -> str:
    return _constant(b, rec, BoolLit(True), 0, "true", nat=False)


@check("T2", "False", "⟦false⟧ = e_false = (0,1) = enc(false)")
def false_enc(b: Bounds, rec: Recorder) -> str:
    return _constant(b, rec, BoolLit(False), 1, "false", nat=False)


@check("T2", "Zero", "⟦zero⟧ = e_0 ∈ Q^(K+1) = enc(0)")
def zero_enc(b: Bounds, rec: Recorder) -> str:
    return _constant(b, rec, Zero(), 0, "zero", nat=True)


@check("T2", "Numeral", "⟦n⟧ = Sh^n·e_0: e_n = enc(n) for n ≤ K (0 for n = K+1, K+2: truncation)")
def numeral_enc(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for n in range(k + 3):
            expected = basis(k + 1, n) if n <= k else zeros(k + 1)
            with rec.guard(f"K={k}, n={n}"):
                got = compile_value(Numeral(n), [], k)
                rec.expect(equal(got, expected), f"K={k}: ⟦{n}⟧ = {list(got)}, expected {list(expected)}")
                # the numeral is sugar for succ^n zero: both must compile alike
                nested: Succ | Zero = Zero()
                for _ in range(n):
                    nested = Succ(nested)
                rec.expect(equal(compile_value(nested, [], k), expected), f"K={k}: ⟦succ^{n} zero⟧ ≠ ⟦{n}⟧")
    return f"K=0..{b.max_k}, n=0..K+2"


# ---------------------------------------------------------------------------
# Succ
# ---------------------------------------------------------------------------


@check("T2", "Succ", "⟦succ x⟧ at generic v is Sh·v = (0, v_0, …, v_(K-1)): e_i ↦ e_(i+1) for i < K, e_K ↦ 0")
def succ_shift(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        value = sym_vec("v", k + 1)
        expected = sympy.Matrix([0, *list(value)[:k]])
        with rec.guard(f"K={k}"):
            got = compile_value(Succ(v("x")), [("x", NAT)], k, {"x": value})
            rec.expect(equal(got, expected), f"K={k}: ⟦succ x⟧ = {list(got)}, expected {list(expected)}")
        for m in range(k + 1):  # the instances T2 uses: Sh·enc(m) = enc(m+1) for m < K
            target = basis(k + 1, m + 1) if m < k else zeros(k + 1)
            with rec.guard(f"K={k}, m={m}"):
                got = compile_value(Succ(v("x")), [("x", NAT)], k, {"x": basis(k + 1, m)})
                rec.expect(equal(got, target), f"K={k}: ⟦succ x⟧ at e_{m} = {list(got)}")
    return f"K=0..{b.max_k}"


# ---------------------------------------------------------------------------
# If
# ---------------------------------------------------------------------------


@check(
    "T2",
    "If",
    "⟦if c then h true else h false⟧ = c_t·h_:,0 + c_f·h_:,1 for generic c, h; "
    "at c = e_true it is the compiled then-branch, at e_false the else-branch",
)
def if_mix_selects(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for out in types_up_to(k, b.max_dim, b.max_arrows):
            d = tdim(out, k)
            h_type = Arrow(BOOL, out)
            ctx: list[tuple[str, Type]] = [("c", BOOL), ("h", h_type)]
            c, h = sym_vec("c", 2), sym_mat("h", d, 2)
            where = f"K={k}, A={show(out)}"
            with rec.guard(where):
                got = compile_value(if_mix("c", "h"), ctx, k, {"c": c, "h": h})
                expected = c[0] * h[:, 0] + c[1] * h[:, 1]
                rec.expect(equal(got, expected), f"{where}: generic mix differs")
                for index, branch in ((0, True), (1, False)):
                    selected = compile_value(if_mix("c", "h"), ctx, k, {"c": basis(2, index), "h": h})
                    branch_value = compile_value(App(v("h"), BoolLit(branch)), [("h", h_type)], k, {"h": h})
                    rec.expect(
                        equal(selected, branch_value),
                        f"{where}: at c = e_{branch} the if is not the taken branch",
                    )
    return family_text(b)


# ---------------------------------------------------------------------------
# Lam
# ---------------------------------------------------------------------------


@check(
    "T2",
    "Lam",
    "linear body h x: column j of ⟦fun x:A => h x⟧ is the body at x ↦ e_j, and M·v is the body at x ↦ v",
)
def lam_linear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                da, db = tdim(a, k), tdim(out, k)
                if da * db > b.max_dim * b.max_dim:
                    continue
                where = f"K={k}, A={show(a)}, B={show(out)}"
                h = sym_mat("h", db, da)
                ctx: list[tuple[str, Type]] = [("h", Arrow(a, out))]
                body_ctx = [*ctx, ("x", a)]
                with rec.guard(where):
                    m = compile_value(Lam("x", a, app(v("h"), v("x"))), ctx, k, {"h": h})
                    matrix = mat(m, db, da)
                    x = sym_vec("x", da)
                    body = compile_value(app(v("h"), v("x")), body_ctx, k, {"h": h, "x": x})
                    rec.expect(equal(matrix * x, body), f"{where}: M·v ≠ body at x ↦ v")
                    # the columns (the definition of the matrix); the body at x ↦ e_j compiled on its own
                    # for the first and last j, by substitution into the generic body for the others
                    for j in range(da):
                        if j in (0, da - 1):
                            column = compile_value(
                                app(v("h"), v("x")), body_ctx, k, {"h": h, "x": basis(da, j)}
                            )
                        else:
                            column = body.subs(dict(zip(x, basis(da, j), strict=True)))
                        rec.expect(equal(matrix[:, j], column), f"{where}: column {j} ≠ body at e_{j}")
    return family_text(b, arrows=b.pair_arrows) + " each"


@check(
    "T2",
    "Lam",
    "function-typed parameter x : A1 -o A2, body x c: M·v = mat(v)·c (row-major flattening of the argument)",
)
def lam_function_parameter(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.max_dim, b.max_arrows, functions_only=True):
            assert isinstance(a, Arrow)
            d1, d2 = tdim(a.dom, k), tdim(a.cod, k)
            where = f"K={k}, A={show(a)}"
            c = sym_vec("c", d1)
            with rec.guard(where):
                m = compile_value(Lam("x", a, app(v("x"), v("c"))), [("c", a.dom)], k, {"c": c})
                x = sym_vec("x", d1 * d2)
                expected = mat(x, d2, d1) * c
                rec.expect(equal(mat(m, d2, d1 * d2) * x, expected), f"{where}: M·v ≠ mat(v)·c")
                body = compile_value(app(v("x"), v("c")), [("x", a), ("c", a.dom)], k, {"x": x, "c": c})
                rec.expect(equal(body, expected), f"{where}: ⟦x c⟧ ≠ mat(v)·c")
    return family_text(b) + ", A a function type"


@check(
    "T2",
    "Lam",
    "currying: ⟦fun x:A => fun z:B1 => k x z⟧ applied to v then w is mat(k·v)·w (SPEC §8 reshape)",
)
def lam_currying(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, 0)
        for a in family:
            for b1 in family:
                for b2 in family:
                    da, d1, d2 = tdim(a, k), tdim(b1, k), tdim(b2, k)
                    if da * d1 * d2 > b.max_dim * b.max_dim:
                        continue
                    where = f"K={k}, A={show(a)}, B1={show(b1)}, B2={show(b2)}"
                    kmat = sym_mat("k", d1 * d2, da)  # k : A -o (B1 -o B2), rows flattened row-major
                    ctx: list[tuple[str, Type]] = [("k", Arrow(a, Arrow(b1, b2)))]
                    term = Lam("x", a, Lam("z", b1, app(v("k"), v("x"), v("z"))))
                    x, z = sym_vec("x", da), sym_vec("z", d1)
                    with rec.guard(where):
                        m = compile_value(term, ctx, k, {"k": kmat})
                        curried = mat(mat(m, d1 * d2, da) * x, d2, d1) * z
                        expected = mat(kmat * x, d2, d1) * z
                        rec.expect(equal(curried, expected), f"{where}: curried application differs")
                        body = compile_value(
                            app(v("k"), v("x"), v("z")),
                            [*ctx, ("x", a), ("z", b1)],
                            k,
                            {"k": kmat, "x": x, "z": z},
                        )
                        rec.expect(equal(body, expected), f"{where}: ⟦k x z⟧ differs")
    return f"K=0..{b.max_k}, first-order A, B1, B2 with dim A·dim B1·dim B2 ≤ {b.max_dim * b.max_dim}"


@check(
    "T2",
    "Lam",
    "Bool/Nat recurrent-weight parameter: column j of the fun is the body at x ↦ e_j "
    "(agreement on basis vectors)",
)
def lam_recurrent_parameter(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in (BOOL, NAT):
            for c in types_up_to(k, b.weight_dim, 0):
                da, dc = tdim(a, k), tdim(c, k)
                body, ctx = recurrent_body(a, c)
                values = {"n": sym_vec("n", k + 1), "b": sym_vec("b", dc), "g": sym_mat("g", dc * dc, da)}
                where = f"K={k}, A={show(a)}, state {show(c)}"
                with rec.guard(where):
                    m = mat(compile_value(Lam("x", a, body), ctx, k, values), dc, da)
                    for j in range(da):
                        column = compile_value(body, [*ctx, ("x", a)], k, {**values, "x": basis(da, j)})
                        rec.expect(equal(m[:, j], column), f"{where}: column {j} ≠ body at x ↦ e_{j}")
    return f"K=0..{b.max_k}, A ∈ {{Bool, Nat}}, state types first-order of dim ≤{b.weight_dim}"


@check(
    "T2",
    "Lam",
    "necessity of the side condition: "
    "⟦fun f:Bool -o Bool => iter 2 {zero => true | succ y => f y}⟧·enc(not) = 0 ≠ e_true",
)
def lam_counterexample(b: Bounds, rec: Recorder) -> str:
    f_type = Arrow(BOOL, BOOL)
    body = iter_apply(Numeral(2), BoolLit(True), "f")
    not_value = sympy.Matrix([0, 1, 1, 0])  # enc(not): columns e_false, e_true, flattened row-major
    program = App(Lam("f", f_type, body), Var("not"))
    try:
        check_term(Lam("f", f_type, body))
        rec.expect(False, "the checker accepts the counterexample")
    except CajalError as error:
        rec.expect(error.kind is ErrorKind.RECURRENT_WEIGHT_TYPE, f"the checker rejects it with {error.kind}")
    for k in range(2, b.max_k + 1):
        with rec.guard(f"K={k}"):
            m = compile_value(Lam("f", f_type, body), [], k, typecheck=False)
            rec.expect(equal(m, sympy.Matrix([1, 0, 0, 0, 0, 0, 0, 0])), f"K={k}: matrix {list(m)}")
            not_compiled = compile_value(Var("not"), [], k, defs=prelude_defs())
            rec.expect(equal(not_compiled, not_value), f"K={k}: enc(not) = {list(not_compiled)}")
            rec.expect(equal(mat(m, 2, 4) * not_value, zeros(2)), f"K={k}: M·enc(not) ≠ 0")
            direct = evaluate(program, {}, prelude_defs()).value
            rec.expect(direct is True, f"K={k}: the interpreter gives {direct!r}, expected true")
    return f"K=2..{b.max_k} (the checker rejects the fun, rule Lam; compiled here without checking)"


# ---------------------------------------------------------------------------
# App
# ---------------------------------------------------------------------------


@check("T2", "App", "⟦f a⟧ at generic F, v is F·v (row-major matrix of a function-typed result)")
def app_contraction(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                da, db = tdim(a, k), tdim(out, k)
                where = f"K={k}, A={show(a)}, B={show(out)}"
                f, x = sym_mat("f", db, da), sym_vec("a", da)
                ctx: list[tuple[str, Type]] = [("f", Arrow(a, out)), ("a", a)]
                with rec.guard(where):
                    result = compiled(app(v("f"), v("a")), ctx, k, {"f": f, "a": x})
                    got = value_of(result)
                    rec.expect(equal(got, f * x), f"{where}: ⟦f a⟧ ≠ F·v")
                    if isinstance(out, Arrow):
                        rows, cols = tdim(out.cod, k), tdim(out.dom, k)
                        printed = sympy.Matrix(result.printed.tolist())
                        rec.expect(
                            equal(printed, mat(f * x, rows, cols)), f"{where}: printed matrix ≠ mat(F·v)"
                        )
    return family_text(b, arrows=b.pair_arrows) + " each"


# ---------------------------------------------------------------------------
# Iter
# ---------------------------------------------------------------------------


def _powers(s: sympy.Matrix, base: sympy.Matrix, k: int) -> list[sympy.Matrix]:
    """base, S·base, …, S^K·base, by repeated products (independently of the compiler)."""
    states = [base]
    for _ in range(k):
        states.append((s * states[-1]).applyfunc(sympy.expand))
    return states


@check(
    "T2",
    "Iter",
    "recurrent neuron: ⟦iter n {zero => b | succ y => s y}⟧ at n = e_k is S^k·b "
    "for every k ≤ K (generic S, b)",
)
def iter_selects_power(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.iter_dim, b.max_arrows):
            d = tdim(a, k)
            s, base = sym_mat("s", d, d), sym_vec("b", d)
            ctx: list[tuple[str, Type]] = [("n", NAT), ("b", a), ("s", Arrow(a, a))]
            states = _powers(s, base, k)
            for count in range(k + 1):
                where = f"K={k}, A={show(a)}, n=e_{count}"
                with rec.guard(where):
                    got = compile_value(
                        iter_apply(v("n"), v("b"), "s"), ctx, k, {"n": basis(k + 1, count), "b": base, "s": s}
                    )
                    rec.expect(equal(got, states[count]), f"{where}: ≠ S^{count}·b")
    return family_text(b, b.iter_dim)


@check(
    "T2",
    "Iter",
    "the step is S = ⟦fun y:A => u⟧: for u = if c then s true y else s false y, "
    "⟦iter⟧ = Σ_i n_i·S^i·b with S compiled separately",
)
def iter_step_matrix(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for a in types_up_to(k, b.weight_dim, 0):
            d = tdim(a, k)
            step = if_step()
            ctx: list[tuple[str, Type]] = [("n", NAT), ("b", a), ("c", BOOL), ("s", Arrow(BOOL, Arrow(a, a)))]
            values = {
                "n": sym_vec("n", k + 1),
                "b": sym_vec("b", d),
                "c": sym_vec("c", 2),
                "s": sym_mat("s", d * d, 2),
            }
            where = f"K={k}, A={show(a)}"
            with rec.guard(where):
                step_ctx: list[tuple[str, Type]] = [("c", BOOL), ("s", Arrow(BOOL, Arrow(a, a)))]
                s_matrix = mat(
                    compile_value(Lam("y", a, step), step_ctx, k, {"c": values["c"], "s": values["s"]}), d, d
                )
                states = _powers(s_matrix, values["b"], k)
                expected = sum((values["n"][i] * states[i] for i in range(k + 1)), zeros(d))
                got = compile_value(iter_step(v("n"), v("b"), step), ctx, k, values)
                rec.expect(equal(got, expected), f"{where}: ⟦iter⟧ ≠ Σ n_i S^i b")
    return f"K=0..{b.max_k}, first-order state types of dim ≤{b.weight_dim}"


# ---------------------------------------------------------------------------
# Let
# ---------------------------------------------------------------------------


@check(
    "T2",
    "Let",
    "⟦let x = p in h x⟧ = ⟦(fun x:A => h x) p⟧ = ⟦h x⟧ at x ↦ ⟦p⟧ = H·π (generic p, h)",
)
def let_linear(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        family = types_up_to(k, b.max_dim, b.pair_arrows)
        for a in family:
            for out in family:
                da, db = tdim(a, k), tdim(out, k)
                if da * db > b.max_dim * b.max_dim:
                    continue
                where = f"K={k}, A={show(a)}, B={show(out)}"
                values = {"p": sym_vec("p", da), "h": sym_mat("h", db, da)}
                ctx: list[tuple[str, Type]] = [("p", a), ("h", Arrow(a, out))]
                body = app(v("h"), v("x"))
                with rec.guard(where):
                    got = compile_value(let("x", v("p"), body), ctx, k, values)
                    composite = compile_value(App(Lam("x", a, body), v("p")), ctx, k, values)
                    bound = compile_value(v("p"), [("p", a)], k, {"p": values["p"]})
                    substituted = compile_value(
                        body, [("h", Arrow(a, out)), ("x", a)], k, {"h": values["h"], "x": bound}
                    )
                    rec.expect(equal(got, composite), f"{where}: let ≠ (fun x => u) t")
                    rec.expect(equal(got, substituted), f"{where}: let ≠ body at x ↦ ⟦t⟧")
                    rec.expect(equal(got, values["h"] * values["p"]), f"{where}: let ≠ H·π")
    return family_text(b, arrows=b.pair_arrows) + " each"


@check(
    "T2",
    "Let",
    "recurrent-weight x : Nat: ⟦let x = p in iter n {… g x y}⟧ = ⟦(fun x:Nat => …) p⟧, "
    "and the body at x ↦ e_j for p = e_j",
)
def let_recurrent(b: Bounds, rec: Recorder) -> str:
    for k in b.ks():
        for c in types_up_to(k, b.weight_dim, 0):
            dc = tdim(c, k)
            body, ctx = recurrent_body(NAT, c)
            ctx = [("p", NAT), *ctx]
            values = {"n": sym_vec("n", k + 1), "b": sym_vec("b", dc), "g": sym_mat("g", dc * dc, k + 1)}
            where = f"K={k}, state {show(c)}"
            with rec.guard(where):
                p = sym_vec("p", k + 1)
                got = compile_value(let("x", v("p"), body), ctx, k, {**values, "p": p})
                composite = compile_value(App(Lam("x", NAT, body), v("p")), ctx, k, {**values, "p": p})
                rec.expect(equal(got, composite), f"{where}: let ≠ (fun x:Nat => u) p")
                for j in range(k + 1):
                    at_basis = compile_value(let("x", v("p"), body), ctx, k, {**values, "p": basis(k + 1, j)})
                    direct = compile_value(body, [*ctx[1:], ("x", NAT)], k, {**values, "x": basis(k + 1, j)})
                    rec.expect(equal(at_basis, direct), f"{where}: at p = e_{j} the let ≠ body at x ↦ e_{j}")
    return f"K=0..{b.max_k}, state types first-order of dim ≤{b.weight_dim}"


# ---------------------------------------------------------------------------
# Def
# ---------------------------------------------------------------------------


@check(
    "T2",
    "Def",
    "every prelude def compiles to its inlined body, alone, applied to a generic argument, and used twice",
)
def def_inlining(b: Bounds, rec: Recorder) -> str:
    defs = prelude_defs()
    for k in b.ks():
        for name, info in defs.items():
            where = f"K={k}, def {name}"
            with rec.guard(where):
                by_name = compiled(Var(name), [], k, defs=defs).tensor
                by_body = compiled(info.body, [], k, defs=defs).tensor
                rec.expect(
                    by_name.shape == by_body.shape and (by_name == by_body).all(), f"{where}: ≠ its body"
                )
                t = info.type
                if isinstance(t, Arrow) and tdim(t.dom, k) <= b.max_dim and tdim(t.cod, k) <= b.max_dim:
                    x = sym_vec("x", tdim(t.dom, k))
                    ctx: list[tuple[str, Type]] = [("x", t.dom)]
                    applied = compile_value(App(Var(name), v("x")), ctx, k, {"x": x}, defs)
                    inlined = compile_value(App(info.body, v("x")), ctx, k, {"x": x}, defs)
                    rec.expect(equal(applied, inlined), f"{where}: ⟦{name} x⟧ ≠ ⟦body x⟧")
                    if t.dom == t.cod:  # a def used twice: name (name x), against two inlined copies
                        twice = compile_value(App(Var(name), App(Var(name), v("x"))), ctx, k, {"x": x}, defs)
                        copies = compile_value(App(info.body, App(info.body, v("x"))), ctx, k, {"x": x}, defs)
                        rec.expect(equal(twice, copies), f"{where}: ⟦{name} ({name} x)⟧ ≠ two inlined copies")
    return f"K=0..{b.max_k}, all {len(defs)} prelude defs; applications where dim ≤{b.max_dim}"
