"""`make demo`: the main job on the built-in examples, as real `cajal` commands.

Checks the prelude and the open examples, evaluates a few programs with the
direct semantics, and compiles some to exact neurons.
"""

from __future__ import annotations

import shlex
import sys

from .cli import main
from .loader import example_path

STEPS: list[tuple[str, list[str]]] = [
    ("The prelude, type-checked", ["check"]),
    (
        "Open example programs (free variables; recurrent weights marked)",
        ["check", *(str(example_path(n)) for n in ("apply_n.cj", "iterate.cj", "conditional.cj"))],
    ),
    ("Evaluate: is_even 7", ["eval", "-e", "is_even 7"]),
    ("Evaluate: add 3 4", ["eval", "-e", "add 3 4"]),
    ("Evaluate: mult 3 4", ["eval", "-e", "mult 3 4"]),
    ("Evaluate with the peak reported", ["eval", "--json", "-e", "double (add 2 3)"]),
    (
        "Evaluate an open program: f = succ, applied n = 3 times to x = 2",
        [
            "eval",
            "-e",
            "iter n { zero => x | succ y => f y }",
            "--ctx",
            "f : Nat -o Nat, n : Nat, x : Nat",
            "--bind",
            "f = fun k : Nat => succ k",
            "--bind",
            "n = 3",
            "--bind",
            "x = 2",
        ],
    ),
    ("Strict mode rejects mult (its step uses the recurrent weight m)", ["check", "--strict-iter"]),
    ("Compile: not (a linear neuron)", ["compile", "-e", "not"]),
    ("Compile: is_even at K = 4 (a recurrent neuron)", ["compile", "-e", "is_even", "--nat-bound", "4"]),
    (
        "Compile the paper's example: f = [[0,2],[3,0]] iterated n times from true",
        [
            "compile",
            "-e",
            "fun n : Nat => iter n { zero => true | succ y => f y }",
            "--ctx",
            "f : Bool -o Bool",
            "--bind",
            "f = [[0,2],[3,0]]",
            "--nat-bound",
            "4",
        ],
    ),
    (
        "Compile symbolically: if x then y else not y",
        [
            "compile",
            "-e",
            "if x then y else not y",
            "--ctx",
            "x : Bool, y : Bool",
            "--symbolic",
        ],
    ),
]


def run() -> int:
    failures = 0
    for title, argv in STEPS:
        print(f"\n== {title}\n$ cajal {shlex.join(argv)}", flush=True)
        code = main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        expected_failure = "--strict-iter" in argv
        if (code != 0) != expected_failure:
            failures += 1
            print(f"(unexpected exit code {code})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run())
