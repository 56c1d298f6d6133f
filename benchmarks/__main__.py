"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in turn (``make bench``).

A module is found by its file name, so adding a benchmark is adding a file. ``python -m
benchmarks NAME ...`` runs only the modules whose names contain one of the NAMEs.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def main(argv: list[str]) -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    if argv:
        names = [n for n in names if any(wanted in n for wanted in argv)]
    failures = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        status = module.main()
        failures += int(bool(status))
        print(f"== {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
