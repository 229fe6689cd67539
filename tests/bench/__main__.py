"""``make bench``: prints one JSON document with every benchmark and its ceilings."""

from __future__ import annotations

import asyncio
import json
import platform
import sys

from tests.bench import consent, creative, identity, ingestion


def main() -> int:
    """Runs the benchmarks one after another (they share the machine's two cores)."""
    results = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "ingestion": asyncio.run(ingestion.run()),
        "identity": asyncio.run(identity.run()),
        "consent": asyncio.run(consent.run()),
        "creative": asyncio.run(creative.run()),
    }
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
