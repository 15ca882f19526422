"""Printing terms and declarations back to Cajal source text.

`show_term` gives one line with the fewest parentheses the grammar allows, except
that `succ` is treated like an ordinary function: its argument, and an application's
arguments, are bare only when they are atoms (`f (succ x)`, `succ (succ x)`, never the
grammatical but misleading `f succ x`). Positions closed by a keyword (`then`, `else`,
`in`, `{`, `|`, `}`) or at the end of the text take any term unparenthesised, except
that an `if`, `let` or `fun` is parenthesised as the condition or `then` branch of an
`if` and as the count of an `iter`, as the prelude writes them.
Whatever it prints parses back to an equal term.

`show_term` works from an explicit stack, so arbitrarily deep terms print without
recursion; `pretty` lays long terms out over indented lines (for counterexamples)
and falls back to one line for terms deeper than `syntax.MAX_NESTING`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .syntax import (
    MAX_NESTING,
    App,
    BoolLit,
    Decl,
    Def,
    FreeDecl,
    If,
    Iter,
    Lam,
    Let,
    Module,
    Numeral,
    Succ,
    Term,
    TypeDecl,
    Var,
    Zero,
    children,
    deep_recursion,
    show_type,
)

_TOP = 0
"""Any term may stand here bare: the position ends at a keyword or at the end of the text."""
_HEAD = 1
"""The function of an application: applications and atoms bare."""
_ARG = 2
"""An argument of an application or of `succ`: atoms bare."""
_MIDDLE = 3
"""Between two keywords (`if _ then`, `then _ else`, `iter _ {`): the grammar needs no
parentheses there, but `if (if a then b else c) then ...` reads far better than without."""

_DIGIT_CHUNK_POWER = 500
_DIGIT_CHUNK = 10**_DIGIT_CHUNK_POWER


def _digits(value: int) -> str:
    """Decimal digits of a natural number of any size, whatever Python's int/str digit limit."""
    if value < 0:
        raise ValueError(f"a numeral must be a natural number, not {value}")
    chunks: list[str] = []
    while value >= _DIGIT_CHUNK:
        value, low = divmod(value, _DIGIT_CHUNK)
        chunks.append(str(low).rjust(_DIGIT_CHUNK_POWER, "0"))
    chunks.append(str(value))
    return "".join(reversed(chunks))


def show_natural(value: int) -> str:
    """Decimal digits of a natural number of any size (never hits Python's int/str digit limit)."""
    return _digits(value)


def _is_atom(t: Term) -> bool:
    return isinstance(t, (Var, BoolLit, Zero, Numeral, Iter))


def _needs_parens(t: Term, ctx: int) -> bool:
    if ctx == _TOP:
        return False
    if ctx == _HEAD:
        return not (_is_atom(t) or isinstance(t, App))
    if ctx == _MIDDLE:
        return isinstance(t, (If, Let, Lam))
    return not _is_atom(t)


_Item = str | tuple[Term, int]


def _pieces(t: Term, ctx: int) -> Iterator[str]:
    """The one-line text of t in context ctx, as a stream of pieces (no recursion)."""
    stack: list[_Item] = [(t, ctx)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        node, where = item
        if _needs_parens(node, where):
            yield "("
            stack.append(")")
            stack.append((node, _TOP))
            continue
        match node:
            case Var(name):
                yield name
            case BoolLit(value):
                yield "true" if value else "false"
            case Zero():
                yield "zero"
            case Numeral(value):
                yield _digits(value)
            case Succ(arg):
                yield "succ "
                stack.append((arg, _ARG))
            case App(fn, arg):
                stack.extend([(arg, _ARG), " ", (fn, _HEAD)])
            case If(cond, then, else_):
                yield "if "
                stack.extend([(else_, _TOP), " else ", (then, _MIDDLE), " then ", (cond, _MIDDLE)])
            case Lam(param, param_type, body):
                yield f"fun {param} : {show_type(param_type)} => "
                stack.append((body, _TOP))
            case Let(name, bound, body):
                yield f"let {name} = "
                stack.extend([(body, _TOP), " in ", (bound, _TOP)])
            case Iter(count, base, step_var, step):
                yield "iter "
                stack.extend(
                    [
                        " }",
                        (step, _TOP),
                        f" | succ {step_var} => ",
                        (base, _TOP),
                        " { zero => ",
                        (count, _MIDDLE),
                    ]
                )


def show_term(t: Term) -> str:
    """One line, minimal parentheses; `parse_term(show_term(t)) == t`."""
    with deep_recursion():  # show_type recurses over a parameter's type
        return "".join(_pieces(t, _TOP))


def show_term_clipped(t: Term, width: int) -> str:
    """`show_term(t)` if it has at most `width` characters, else its first ones and `…`.

    Costs O(width) however large t is (the pieces are produced lazily), so a listing
    that shows every subterm of a deep term stays linear in the term's size.
    """
    parts: list[str] = []
    used = 0
    with deep_recursion():
        for piece in _pieces(t, _TOP):
            if used + len(piece) > width:
                parts.append(piece[: max(width - used - 1, 0)])
                return "".join(parts) + "…"
            used += len(piece)
            parts.append(piece)
    return "".join(parts)


def _flat_within(t: Term, ctx: int, budget: int) -> str | None:
    """The one-line text of t if it has at most `budget` characters, else None (stops early)."""
    parts: list[str] = []
    used = 0
    for piece in _pieces(t, ctx):
        used += len(piece)
        if used > budget:
            return None
        parts.append(piece)
    return "".join(parts)


def _tree_depth(t: Term) -> int:
    deepest = 0
    stack = [(t, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(node))
    return deepest


class _Layout:
    """Breaks a term over lines: `lay` returns lines, the first one without its indentation."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.max_indent = width // 2

    def pad(self, indent: int) -> str:
        return " " * min(indent, self.max_indent)

    def lay(self, t: Term, ctx: int, indent: int, col: int, reserve: int) -> list[str]:
        """Lines for t, whose first character sits at column `col` of a line indented `indent`;
        `reserve` characters will follow t on its last line."""
        indent = min(indent, self.max_indent)
        col = min(col, self.width - self.max_indent // 2)
        flat = _flat_within(t, ctx, self.width - col - reserve)
        if flat is not None:
            return [flat]
        if _needs_parens(t, ctx):
            lines = self.lay(t, _TOP, indent, col + 1, reserve + 1)
            lines[0] = "(" + lines[0]
            lines[-1] += ")"
            return lines
        match t:
            case Lam(param, param_type, body):
                # a chain of `fun`s stays at one indentation; the innermost body is indented
                inner = indent if isinstance(body, Lam) else indent + 2
                body_lines = self.lay(body, _TOP, inner, inner, reserve)
                head = f"fun {param} : {show_type(param_type)} =>"
                return [head, self.pad(inner) + body_lines[0], *body_lines[1:]]
            case Let(name, bound, body):
                let_head = f"let {name} = "
                lines = self.lay(bound, _TOP, indent + 2, col + len(let_head), len(" in"))
                lines[0] = let_head + lines[0]
                lines[-1] += " in"
                body_lines = self.lay(body, _TOP, indent, indent, reserve)
                return [*lines, self.pad(indent) + body_lines[0], *body_lines[1:]]
            case If(cond, then, else_):
                cond_lines = self.lay(cond, _MIDDLE, indent + 2, col + len("if "), 0)
                then_lines = self.lay(then, _MIDDLE, indent + 2, indent + len("then "), 0)
                else_lines = self.lay(else_, _TOP, indent + 2, indent + len("else "), reserve)
                return [
                    "if " + cond_lines[0],
                    *cond_lines[1:],
                    self.pad(indent) + "then " + then_lines[0],
                    *then_lines[1:],
                    self.pad(indent) + "else " + else_lines[0],
                    *else_lines[1:],
                ]
            case Iter(count, base, step_var, step):
                zero_head = "| zero => "
                succ_head = f"| succ {step_var} => "
                lines = self.lay(count, _MIDDLE, indent + 2, col + len("iter "), len(" {"))
                lines[0] = "iter " + lines[0]
                lines[-1] += " {"
                base_lines = self.lay(base, _TOP, indent + 4, indent + 2 + len(zero_head), 0)
                step_lines = self.lay(step, _TOP, indent + 4, indent + 2 + len(succ_head), 0)
                return [
                    *lines,
                    self.pad(indent + 2) + zero_head + base_lines[0],
                    *base_lines[1:],
                    self.pad(indent + 2) + succ_head + step_lines[0],
                    *step_lines[1:],
                    self.pad(indent) + "}",
                ]
            case Succ(arg):
                lines = self.lay(arg, _ARG, indent + 2, col + len("succ "), reserve)
                lines[0] = "succ " + lines[0]
                return lines
            case App():
                spine: list[Term] = []
                fn: Term = t
                while isinstance(fn, App):
                    spine.append(fn.arg)
                    fn = fn.fn
                spine.reverse()
                lines = self.lay(fn, _HEAD, indent, col, 0)
                for position, argument in enumerate(spine):
                    last = position == len(spine) - 1
                    arg_lines = self.lay(argument, _ARG, indent + 2, indent + 2, reserve if last else 0)
                    lines.append(self.pad(indent + 2) + arg_lines[0])
                    lines.extend(arg_lines[1:])
                return lines
            case _:  # an atom too long for the line: nothing to break
                return ["".join(_pieces(t, ctx))]


def pretty(t: Term, width: int = 80) -> str:
    """t over indented lines of about `width` characters; parses back to an equal term.

    Terms deeper than MAX_NESTING (which the parser refuses anyway) print on one line.
    """
    if _tree_depth(t) > MAX_NESTING:
        return show_term(t)
    with deep_recursion():
        return "\n".join(_Layout(max(width, 20)).lay(t, _TOP, 0, 0, 0))


def show_decl(d: Decl) -> str:
    """One declaration on one line."""
    with deep_recursion():
        match d:
            case TypeDecl(name):
                return f"type {name}"
            case FreeDecl(name, declared):
                return f"free {name} : {show_type(declared)}"
            case Def(name, declared, body):
                annotation = "" if declared is None else f" : {show_type(declared)}"
                return f"def {name}{annotation} = {show_term(body)}"


def show_module(m: Module) -> str:
    """One declaration per line; parses back to an equal module."""
    return "".join(show_decl(d) + "\n" for d in m.decls)
