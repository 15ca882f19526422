"""Run every benchmark module of this package (compile first), or those named on the command line.

`python -m benchmarks` runs all; `python -m benchmarks compile` runs compile_bench only.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def bench_modules() -> list[str]:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.endswith("_bench")
    )
    return sorted(names, key=lambda n: n != "compile_bench")


def main(argv: list[str]) -> int:
    wanted = [a if a.endswith("_bench") else f"{a}_bench" for a in argv]
    status = 0
    for name in bench_modules():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        code = module.main()
        status = status or int(code or 0)
        print()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
