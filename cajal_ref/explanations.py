"""Long explanations of every error kind, each with a minimal failing example and its fix.

`cajal explain CODE` prints one of these. Every example is a real `cajal` command
over real files, and the test suite runs each one to make sure it still produces
its error kind (and that the fixed version succeeds): the teaching text cannot
drift away from what the tools actually do.
"""

from __future__ import annotations

import shlex
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from .diagnostics import ErrorKind


@dataclass(frozen=True)
class Example:
    """A `cajal` command line and the files it reads (written to a scratch directory).

    `argv` excludes the program name. An argument equal to a file name, or ending in
    `.cj`, names a file of the scratch directory. `shown` replaces the command line
    when it is too long to print (the too-deep example).
    """

    argv: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()
    shown: str | None = None

    def command_line(self) -> str:
        return self.shown or "cajal " + " ".join(shlex.quote(a) for a in self.argv)


@dataclass(frozen=True)
class Explanation:
    kind: ErrorKind
    title: str
    rules: tuple[str, ...]
    """The typing rules (SPEC §3) that can report this kind, or () outside the type system."""
    text: str
    example: Example | None
    fix: str
    fixed: Example | None = None


@dataclass(frozen=True)
class ExampleRun:
    """What a `cajal` command printed (stdout and stderr, interleaved) and its exit code."""

    exit_code: int
    output: str
    error_kind: str | None = field(default=None)
    """With --json: the `error.kind` it reported, if any."""


def _cj(name: str, text: str) -> tuple[str, str]:
    return (name, text.strip("\n") + "\n")


_APPLY_N = """
free f : Nat -o Nat
free n : Nat
free x : Nat
def apply_n : Nat = iter n { zero => x | succ y => f y }
"""

_DEEP = "succ (" * 10_001 + "zero" + ")" * 10_001

EXPLANATIONS: dict[ErrorKind, Explanation] = {
    e.kind: e
    for e in (
        Explanation(
            ErrorKind.IO,
            "a source file cannot be read",
            (),
            "Cajal reads its programs from UTF-8 text files. This error means the file named on the "
            "command line does not exist, is a directory, cannot be opened, or holds bytes that are not "
            "UTF-8 (the message gives the offset of the first bad byte).",
            Example(("check", "missing.cj")),
            "Check the path (it is relative to the directory you run `cajal` from) and save the file as "
            "UTF-8.",
            Example(("check", "missing.cj"), (_cj("missing.cj", "def yes : Bool = true"),)),
        ),
        Explanation(
            ErrorKind.SYNTAX,
            "the text is not a Cajal program",
            (),
            "The parser expected one thing and found another. Every `if` needs both `then` and `else`; "
            "every `iter` needs both cases, `{ zero => ... | succ y => ... }`; every `fun` binder needs "
            "its type, `fun x : Bool => ...`. The caret points at the first token that could not be "
            "parsed, and the message says what was expected there.",
            Example(
                ("check", "flip.cj"),
                (_cj("flip.cj", "def flip : Bool -o Bool = fun x : Bool => if x then false"),),
            ),
            "Complete the construct the message names; here the `if` lacks its `else` branch.",
            Example(
                ("check", "flip.cj"),
                (_cj("flip.cj", "def flip : Bool -o Bool = fun x : Bool => if x then false else true"),),
            ),
        ),
        Explanation(
            ErrorKind.TOO_DEEP,
            "the program is nested too deeply",
            (),
            "Terms nested more than 10 000 levels deep (parentheses, `succ`s, arguments) are refused "
            "with this error instead of exhausting the stack. Such terms are almost always generated, "
            "not written by hand.",
            Example(("eval", "-e", _DEEP), shown="cajal eval -e 'succ (succ (… (succ zero) …))'   "
                    "# 10 001 nested succ"),
            "Write numbers as numerals (`10001` is one node, not ten thousand), and split long "
            "computations into several defs, each naming the previous ones.",
            Example(("eval", "-e", "10001")),
        ),
        Explanation(
            ErrorKind.DUPLICATE,
            "a name is declared twice",
            (),
            "A def, a `type`, a `free` variable or a `--ctx` variable is declared twice, or a def "
            "reuses the name of a prelude def (not, and, or, xor, is_zero, is_even, add, double, "
            "mult, discard, compose) or of a free variable. Names are global and never redefined, so "
            "that every reference has exactly one meaning.",
            Example(
                ("check", "twice.cj"),
                (_cj("twice.cj", "def answer : Bool = true\ndef answer : Bool = false"),),
            ),
            "Give the second declaration a new name.",
            Example(
                ("check", "twice.cj"),
                (_cj("twice.cj", "def answer : Bool = true\ndef other_answer : Bool = false"),),
            ),
        ),
        Explanation(
            ErrorKind.UNKNOWN_TYPE,
            "a type name is not declared",
            (),
            "The built-in types are Bool, Nat and A -o B. Any other type name is an opaque base type "
            "(for linking with learned networks, SPEC §2) and must be declared with `type NAME` before "
            "it is used.",
            Example(
                ("check", "img.cj"),
                (_cj("img.cj", "def same : Img -o Img = fun x : Img => x"),),
            ),
            "Declare the type first (or fix a misspelt `Bool`/`Nat`).",
            Example(
                ("check", "img.cj"),
                (_cj("img.cj", "type Img\ndef same : Img -o Img = fun x : Img => x"),),
            ),
        ),
        Explanation(
            ErrorKind.OPEN_DEF,
            "an open program is referenced by name",
            ("Def",),
            "A def that uses `free` variables is an open program: it denotes a map of those variables, "
            "not a value. Only closed defs are inlined where they are named (rule Def), because copying "
            "closed syntax keeps linearity intact while copying an open program would use its free "
            "variables twice.",
            Example(
                ("check", "open.cj"),
                (_cj("open.cj", "free n : Nat\ndef next : Nat = succ n\ndef after_next : Nat = succ next"),),
            ),
            "Make the reusable part a closed function of what it needs, and apply it.",
            Example(
                ("check", "open.cj"),
                (
                    _cj(
                        "open.cj",
                        "def next : Nat -o Nat = fun n : Nat => succ n\n"
                        "free m : Nat\ndef after_next : Nat = succ (next m)",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.UNBOUND,
            "a variable is not bound",
            ("Var",),
            "A name must be bound by an enclosing `fun`, `let` or `iter` step, be declared in the "
            "context (`--ctx` or `free`), or name an earlier def. A def cannot name itself: Cajal has "
            "no recursion; repetition is written with `iter`, which always terminates.",
            Example(
                ("check", "inc.cj"),
                (_cj("inc.cj", "def inc : Nat -o Nat = fun n : Nat => succ m"),),
            ),
            "Use the bound name (or bind the variable).",
            Example(("check", "inc.cj"), (_cj("inc.cj", "def inc : Nat -o Nat = fun n : Nat => succ n"),)),
        ),
        Explanation(
            ErrorKind.USED_TWICE,
            "a linear variable is used twice",
            ("App", "If", "Iter", "Let"),
            "Cajal is linear: every variable is used exactly once. Where a term splits its context "
            "between parts (the function and argument of an application; the condition and branches "
            "of an `if`; the count, base and step of an `iter`), no variable may go to two parts. This "
            "is what makes every program compile to a multilinear map: a map that used its input twice "
            "would be quadratic in it. The note shows the first use.",
            Example(
                ("check", "both.cj"),
                (_cj("both.cj", "def both : Bool -o Bool = fun x : Bool => and x x"),),
            ),
            "A Bool can be copied by branching on it: inside each branch its value is known, so the "
            "branches use constants instead (`if x then and true true else and false false`). A Nat "
            "cannot be copied this way; restructure the computation so each input is consumed once.",
            Example(
                ("check", "both.cj"),
                (
                    _cj(
                        "both.cj",
                        "def both : Bool -o Bool =\n"
                        "  fun x : Bool => if x then and true true else and false false",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.UNUSED,
            "a linear variable is never used",
            ("Lam", "Let", "Iter", "Var"),
            "Every variable bound by `fun`, `let`, an `iter` step, or the context must be used "
            "exactly once; dropping a value is not allowed either. Nothing in the language discards "
            "for free, but values can be consumed explicitly: a Bool `y` by an `if` whose branches "
            "agree (`if y then v else v`), a Nat by `discard` from the prelude.",
            Example(
                ("check", "first.cj"),
                (_cj("first.cj", "def first : Bool -o Bool -o Bool = fun x : Bool => fun y : Bool => x"),),
            ),
            "Consume the unused variable: `if y then x else x` uses y once and x once (the branches "
            "of an `if` share their variables).",
            Example(
                ("check", "first.cj"),
                (
                    _cj(
                        "first.cj",
                        "def first : Bool -o Bool -o Bool =\n"
                        "  fun x : Bool => fun y : Bool => if y then x else x",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.BRANCH_CONTEXTS,
            "the branches of an `if` use different variables",
            ("If",),
            "The two branches of an `if` share one context (the additive rule): only one of them runs, "
            "so each must use exactly the same variables. Compiled, an `if` is a linear neuron "
            "c_true·then + c_false·else, which is linear in a variable only if both branches are.",
            Example(
                ("check", "pick.cj"),
                (
                    _cj(
                        "pick.cj",
                        "def pick : Bool -o Bool -o Bool =\n"
                        "  fun c : Bool => fun y : Bool => if c then y else false",
                    ),
                ),
            ),
            "Make the other branch consume the variable too, e.g. `if y then false else false`.",
            Example(
                ("check", "pick.cj"),
                (
                    _cj(
                        "pick.cj",
                        "def pick : Bool -o Bool -o Bool =\n"
                        "  fun c : Bool => fun y : Bool => if c then y else (if y then false else false)",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.MISMATCH,
            "a term has the wrong type",
            ("App", "If", "Succ", "Def"),
            "A term was found where a term of another type was expected: an argument of the wrong "
            "type, a non-Bool `if` condition, branches of different types, a non-Nat argument to "
            "`succ`, or a def whose body does not have its declared type. The message gives the "
            "expected and the found type.",
            Example(("check", "neg.cj"), (_cj("neg.cj", "def neg : Bool = not 3"),)),
            "Pass a value of the expected type (here a Bool).",
            Example(("check", "neg.cj"), (_cj("neg.cj", "def neg : Bool = not true"),)),
        ),
        Explanation(
            ErrorKind.NOT_A_FUNCTION,
            "a non-function is applied to an argument",
            ("App",),
            "Only a term of type A -o B can be applied. Application is juxtaposition, so a missing "
            "function name or operator (`x false` where `and x false` was meant) shows up as this "
            "error.",
            Example(
                ("check", "mask.cj"),
                (_cj("mask.cj", "def mask : Bool -o Bool = fun x : Bool => x false"),),
            ),
            "Apply a function to the value instead.",
            Example(
                ("check", "mask.cj"),
                (_cj("mask.cj", "def mask : Bool -o Bool = fun x : Bool => and x false"),),
            ),
        ),
        Explanation(
            ErrorKind.ITER_NOT_NAT,
            "`iter` counts over something that is not a Nat",
            ("Iter",),
            "`iter t { zero => u0 | succ y => u1 }` applies the step u1 to the base u0 as many times "
            "as t says, so t must be a Nat. Compiled, t's one-hot vector is the coefficient vector of "
            "the recurrent neuron Σ tᵢ·Sⁱ·base.",
            Example(
                ("check", "flips.cj"),
                (
                    _cj(
                        "flips.cj",
                        "def flips : Bool -o Bool =\n"
                        "  fun b : Bool => iter b { zero => true | succ y => not y }",
                    ),
                ),
            ),
            "Count over a Nat.",
            Example(
                ("check", "flips.cj"),
                (
                    _cj(
                        "flips.cj",
                        "def flips : Nat -o Bool = fun n : Nat => iter n { zero => true | succ y => not y }",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.STEP_TYPE,
            "the step of `iter` returns another type than its base",
            ("Iter",),
            "The state of an iteration has one type A: the base u0 has type A, the step variable y "
            "has type A, and the step u1 must return an A again, so that it can run again. Compiled, "
            "the step is a square matrix S acting on the state.",
            Example(
                ("check", "evens.cj"),
                (
                    _cj(
                        "evens.cj",
                        "def evens : Nat -o Nat = fun n : Nat => iter n { zero => 0 | succ y => is_even y }",
                    ),
                ),
            ),
            "Make the step return the base's type (or change the base).",
            Example(
                ("check", "evens.cj"),
                (
                    _cj(
                        "evens.cj",
                        "def evens : Nat -o Nat =\n"
                        "  fun n : Nat => iter n { zero => 0 | succ y => succ (succ y) }",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.RECURRENT_WEIGHT_TYPE,
            "a recurrent weight bound by `fun`, `let` or a step has a function type",
            ("Lam", "Let", "Iter"),
            "A variable used inside an `iter` step (other than the step variable) is a recurrent "
            "weight: the step runs n times, so the compiled map is a polynomial in it. A `fun` "
            "compiles to the matrix of its images of basis vectors, which agrees with that polynomial "
            "only on basis vectors. Every Bool or Nat value is a basis vector, so Bool/Nat weights are "
            "exact; a function value is not (enc(not) = (0,1,1,0)), so a function-typed weight bound "
            "by `fun` would compile to a wrong matrix. SPEC §3 therefore allows function-typed "
            "recurrent weights only as free variables of an open program, bound to a value when the "
            "program is compiled or linked.",
            Example(
                ("check", "twice.cj"),
                (
                    _cj(
                        "twice.cj",
                        "def twice : (Bool -o Bool) -o Bool =\n"
                        "  fun f : Bool -o Bool => iter 2 { zero => true | succ y => f y }",
                    ),
                ),
            ),
            "Make the function a free variable of an open program (as `apply_n` in "
            "cajal_ref/examples does); bind it when compiling or evaluating.",
            Example(
                ("check", "twice.cj"),
                (
                    _cj(
                        "twice.cj",
                        "free f : Bool -o Bool\ndef twice : Bool = iter 2 { zero => true | succ y => f y }",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.STRICT_ITER,
            "strict mode: an `iter` step uses an outer variable",
            ("Iter", "Def"),
            "With --strict-iter the step of every `iter` may use only its own step variable (Θ = · in "
            "rule Iter). Then no program has recurrent weights and every compiled map is multilinear "
            "in all its inputs. `mult`, whose step uses m, is rejected, and so is any use of it.",
            Example(
                ("check", "--strict-iter", "scale.cj"),
                (
                    _cj(
                        "scale.cj",
                        "def scale : Nat -o Nat -o Nat =\n"
                        "  fun m : Nat => fun n : Nat => iter n { zero => zero | succ y => add m y }",
                    ),
                ),
            ),
            "Either drop --strict-iter (m is then a recurrent weight and the map is a polynomial in "
            "it), or write a step that uses only its step variable, like `double` does.",
            Example(
                ("check", "--strict-iter", "scale.cj"),
                (
                    _cj(
                        "scale.cj",
                        "def scale : Nat -o Nat =\n"
                        "  fun n : Nat => iter n { zero => zero | succ y => succ (succ y) }",
                    ),
                ),
            ),
        ),
        Explanation(
            ErrorKind.SIZE_LIMIT,
            "the compiled tensor would be too large",
            (),
            "A compiled term is a tensor whose size is the product of the dimensions of its types: "
            "dim Bool = 2, dim Nat = K+1, dim (A -o B) = dim A · dim B. Higher-order types grow fast "
            "(dim ((Nat -o Nat) -o Nat) = (K+1)³), so the compiler refuses a tensor above a "
            "configurable size rather than exhausting memory.",
            Example(("compile", "-e", "compose", "--max-entries", "100000")),
            "Compile with a smaller Nat bound K (--nat-bound), compile a first-order instance of the "
            "program (apply the higher-order def to concrete functions first), or raise the limit "
            "(--max-entries) if you have the memory.",
            Example(("compile", "-e", "compose double double", "--nat-bound", "4")),
        ),
        Explanation(
            ErrorKind.UNBOUND_WEIGHT,
            "a recurrent weight has no value",
            (),
            "A context variable used inside an `iter` step is a recurrent weight: the compiled map is "
            "a polynomial in it, not linear, so it gets no axis of the tensor. It must be bound to a "
            "value (exact rationals or symbols) before a tensor exists (SPEC §8).",
            Example(("compile", "apply_n.cj", "-e", "apply_n"), (_cj("apply_n.cj", _APPLY_N),)),
            "Bind the weight to a value when compiling: `--bind f=double` (a closed term of its type), "
            "`--bind 'f=[[...]]'` (an exact matrix), or `--symbolic` to see the map as a polynomial.",
            Example(
                ("compile", "apply_n.cj", "-e", "apply_n", "--bind", "f=double", "--nat-bound", "3"),
                (_cj("apply_n.cj", _APPLY_N),),
            ),
        ),
        Explanation(
            ErrorKind.BAD_BINDING,
            "a binding of a free variable is missing or malformed",
            (),
            "An open program (a `--ctx` expression or a def over `free` variables) needs a value for "
            "each free variable to be evaluated, given as `--bind NAME=VALUE`: a closed term of the "
            "variable's type, or a list (a vector or a matrix of exact numbers; see docs/cli.md). This "
            "error means a binding is missing, names no context variable, binds a name twice, or its "
            "value cannot be read: a malformed or ragged list, a number over the digit limit, a list "
            "nested more than two deep, or, for eval, a list that is not a basis vector. The error "
            "points at the offending character of the value.",
            Example(("eval", "-e", "not x", "--ctx", "x : Bool")),
            "Bind every free variable, once, to a value of its type.",
            Example(("eval", "-e", "not x", "--ctx", "x : Bool", "--bind", "x=true")),
        ),
        Explanation(
            ErrorKind.FUEL,
            "evaluation ran out of its step budget",
            (),
            "Every well-typed Cajal program terminates (theorem T1), but nested iterations can take "
            "astronomically many steps (an `iter` of an `iter` of `mult` ...). The interpreter counts "
            "steps and stops at a budget instead of appearing to hang.",
            Example(("eval", "--fuel", "100", "-e", "mult 9 9")),
            "Raise the budget with --fuel N (the default is two million steps, a few seconds), or "
            "evaluate smaller inputs.",
            Example(("eval", "-e", "mult 9 9")),
        ),
        Explanation(
            ErrorKind.DISAGREEMENT,
            "the compiler and the interpreter disagree",
            (),
            "`cajal verify` checks the compiler against the direct semantics, as the correctness "
            "theorem T2 says they must agree (on inputs whose evaluation stays within the Nat bound "
            "K). A disagreement is therefore a bug in cajal_ref itself, not in your program: please "
            "report it with the counterexample program that verify prints (it is shrunk to be small). "
            "No example can be given: if one existed, it would be fixed.",
            None,
            "Report the counterexample. Meanwhile check that the input's evaluation peak is at most "
            "K (`cajal eval --json` prints the peak): beyond K, truncation makes the compiled answer "
            "differ by design.",
        ),
    )
}


def explanation(code: str) -> Explanation | None:
    """The explanation of an error code (`used-twice`) or kind name (`USED_TWICE`)."""
    for kind, entry in EXPLANATIONS.items():
        if code in (kind.value, kind.name, kind.name.lower()):
            return entry
    return None


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else "" for line in text.rstrip("\n").split("\n"))


Runner = Callable[[Example], ExampleRun]
"""Runs an example's command (`cajal_ref.cli.transcripts.run_example`): the CLI layer supplies it,
as this module sits below the CLI and never imports it."""


def _show_example(example: Example, runner: Runner | None) -> list[str]:
    lines: list[str] = []
    for name, text in example.files:
        lines.append(f"    $ cat {name}")
        lines.append(_indent(text))
    lines.append(f"    $ {example.command_line()}")
    if runner is not None:
        try:
            result = runner(example)
        except Exception as exc:  # a command that is not available yet: show the example anyway
            lines.append(f"    (could not run it here: {type(exc).__name__}: {exc})")
        else:
            if result.output.strip():
                lines.append(_indent(_clip(result.output)))
    return lines


def _clip(output: str, limit: int = 30, width: int = 300) -> str:
    """Long outputs (the too-deep example echoes its source line) cut to something readable."""
    lines = [line if len(line) <= width else line[:width] + " …" for line in output.rstrip("\n").split("\n")]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… ({len(lines) - limit} more lines)"]
    return "\n".join(lines)


def wrap(text: str, width: int = 88) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def render(entry: Explanation, *, runner: Runner | None = None) -> str:
    """The explanation as text: what it means, a failing example (and, given a runner, its real
    output), the fix."""
    rules = f" (reported by rule {', '.join(entry.rules)})" if entry.rules else ""
    lines = [f"{entry.kind.value}: {entry.title}{rules}", "", wrap(entry.text), ""]
    if entry.example is not None:
        lines.append("A minimal failing example:")
        lines.extend(_show_example(entry.example, runner))
        lines.append("")
    lines.append("How to fix it:")
    lines.append(wrap(entry.fix))
    if entry.fixed is not None:
        lines.extend(_show_example(entry.fixed, runner))
    return "\n".join(lines) + "\n"


def listing() -> str:
    """One line per error kind: its code and title."""
    width = max(len(k.value) for k in EXPLANATIONS)
    return "".join(f"{k.value.ljust(width)}  {e.title}\n" for k, e in EXPLANATIONS.items())
