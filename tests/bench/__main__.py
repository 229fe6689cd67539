"""``make bench [BENCH=ingestion,identity]``: one JSON document with every benchmark and its ceilings.

Progress goes to stderr, the JSON to stdout. Benchmarks run one after another: they share two cores.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import platform
import sys
import time

BENCHES = ("ingestion", "identity", "consent", "forwarding", "journeys", "prediction", "creative")


def main(argv: list[str]) -> int:
    """Runs the chosen benchmarks (all by default) and prints their results."""
    chosen = [b for b in ",".join(argv).split(",") if b] or list(BENCHES)
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        print(f"unknown benchmarks {unknown}; choose from {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"tests.bench.{name}")
        results[name] = asyncio.run(module.run())
        print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    json.dump(results, sys.stdout, indent=2)
    print(flush=True)
    sys.stderr.flush()
    # The Temporal SDK can abort at interpreter exit after heavy runs; the results are out by now.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
