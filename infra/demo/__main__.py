"""``python -m infra.demo [--customers N] [--keep]``: Loom's whole story on the local stack, with a summary.

consent -> data plan -> ingestion -> profiles -> model training and batch scoring -> creative factory ->
an event-triggered journey -> deliveries to a local webhook sink.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import grpc
from rich.console import Console

from infra.demo.report import DemoStageError
from infra.demo.run import run_demo
from infra.demo.summary import summary
from infra.local import LocalStack, StackStartError
from infra.local.config import read_env_file

# Sized so the whole story (training, scoring and the factory included) takes a few minutes on 2 cores.
DEFAULT_CUSTOMERS = 1500


def main(argv: list[str] | None = None) -> int:
    """Starts the stack if needed, runs the story, prints the summary, stops what it started."""
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                        help=f"synthetic customers (default {DEFAULT_CUSTOMERS})")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    args = parser.parse_args(argv)
    # Piped output (CI, `| tee`) would otherwise wrap the summary's tables at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=110)
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
        except DemoStageError as exc:
            console.print(f"[red]The demo stopped: {exc}[/red] (logs under {home / 'logs'})")
            return 1
        except grpc.aio.AioRpcError as exc:
            console.print(f"[red]A service call failed: {exc.code().name}: {exc.details()}[/red] "
                          f"(logs under {home / 'logs'})")
            return 1
        summary(report, console, read_env_file(stack.env_path), stack.prometheus.url)
        return 0
    finally:
        if not was_running and not args.keep:
            console.print("Stopping the stack (use --keep to leave it running) ...")
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
