"""``make bench [BENCH=ingestion,identity]``: one JSON document with every benchmark and its ceilings.

Each benchmark runs in a fresh interpreter so one's servers, Ray runtime or process pools cannot disturb the
next, and they run one after another because they share the machine's two cores. Progress goes to stderr,
the JSON to stdout.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import platform
import subprocess
import sys
import time

BENCHES = ("ingestion", "identity", "consent", "forwarding", "journeys", "prediction", "fraud", "creative",
           "creative_models")


def run_one(name: str) -> int:
    """Runs one benchmark in this process and prints its JSON on the last stdout line."""
    module = importlib.import_module(f"tests.bench.{name}")
    result = asyncio.run(module.run())
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    # The Temporal SDK can abort at interpreter exit after heavy runs; the result is out by now.
    os._exit(0)


def main(argv: list[str]) -> int:
    """Runs the chosen benchmarks (all by default), each in its own interpreter, and prints the results."""
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    chosen = [b for b in ",".join(argv).split(",") if b] or list(BENCHES)
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        print(f"unknown benchmarks {unknown}; choose from {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    failed = []
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "tests.bench", "--one", name], stdout=subprocess.PIPE,
                              text=True, check=False)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            failed.append(name)
            results[name] = {"error": f"exited with {proc.returncode}; see the log above"}
        else:
            results[name] = json.loads(lines[-1])
        print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    json.dump(results, sys.stdout, indent=2)
    print()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
