"""``python -m infra.demo [--customers N] [--keep]``"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import grpc
from rich.console import Console

from infra.demo.run import run_demo, summary
from infra.local import LocalStack, StackStartError
from infra.local.config import read_env_file


def main(argv: list[str] | None = None) -> int:
    """Starts the stack if needed, runs the story, prints the summary, stops what it started."""
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--customers", type=int, default=3000, help="synthetic customers (default 3000)")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    args = parser.parse_args(argv)
    console = Console()
    home = Path(os.environ.get("LOOM_HOME", ".loom"))
    stack = LocalStack.from_home(home)
    was_running = all(c.ok for c in stack.status())
    console.rule("[bold]Loom demo")
    if was_running:
        console.print(f"Using the stack already running under {home}")
    else:
        started = time.perf_counter()
        console.print("Starting the local stack: NATS JetStream, Temporal dev server, six services, worker ...")
        try:
            stack.start()
        except StackStartError as exc:
            console.print(f"[red]The stack did not start:[/red] {exc}")
            stack.stop()
            return 1
        console.print(f"Stack up in {time.perf_counter() - started:.1f} s (logs under {home / 'logs'})")
    try:
        for status in stack.status():
            console.print(f"  {status.name:<11} {status.health:<12} {status.address}")
        try:
            report = asyncio.run(run_demo(read_env_file(stack.env_path), args.customers, console))
        except grpc.aio.AioRpcError as exc:
            console.print(f"[red]A service call failed: {exc.code().name}: {exc.details()}[/red] "
                          f"(logs under {home / 'logs'})")
            return 1
        summary(report, console)
        ok = report.profiles_matching_truth == report.profiles_checked
        if not ok:
            console.print("[red]Some profiles did not match the ground truth; see the logs.[/red]")
        return 0 if ok else 1
    finally:
        if not was_running and not args.keep:
            console.print("Stopping the stack (use --keep to leave it running) ...")
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
