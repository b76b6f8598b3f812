"""``python -m tests.bench [NAME ...] [--strict]``: run benchmarks, print one table.

Exit status: 0, unless a benchmark crashed (2) or, with ``--strict``, missed a target (1).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from .core import BENCHMARKS, Result, load, machine
from .table import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a result misses its target")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    options = parser.parse_args(argv)
    if options.list:
        print("\n".join(BENCHMARKS))
        return 0
    unknown = [name for name in options.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    results: list[Result] = []
    crashed = False
    started = time.monotonic()
    for name in options.names or list(BENCHMARKS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.extend(load(name)())
        except Exception:  # a crash: say so in the table and in the exit status
            crashed = True
            traceback.print_exc()
            results.append(Result(name, "crashed (traceback above)", status="CRASH"))
    print(machine())
    print(render(results))
    print(f"({time.monotonic() - started:.0f} s)")
    if crashed:
        return 2
    if options.strict and any(result.failed for result in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
