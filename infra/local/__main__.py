"""``python -m infra.local up|down|status|logs``: run the local stack in the background.

State goes to ``--home`` (default ``$LOOM_HOME`` or ``.loom``). ``up`` starts what is not running and waits
until everything is healthy; ``down`` stops it all; ``status`` exits 1 when any component is unhealthy.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infra.local.config import SERVICES
from infra.local.procs import tail
from infra.local.stack import LocalStack, StackStartError


def _services(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = set(names) - set(SERVICES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown services {sorted(unknown)}; known: {', '.join(SERVICES)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("LOOM_HOME", ".loom")),
                        help="state directory (default: $LOOM_HOME or .loom)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack in the background")
    up.add_argument("--services", type=_services, default=SERVICES, help="comma-separated services ('' for none)")
    up.add_argument("--no-worker", action="store_true", help="do not start the Temporal worker")
    up.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for health")
    sub.add_parser("down", help="stop every component")
    sub.add_parser("status", help="per-component health; exit 1 when anything is down")
    logs = sub.add_parser("logs", help="print the end of component logs")
    logs.add_argument("component", nargs="?", help="one component (default: all)")
    logs.add_argument("-n", "--lines", type=int, default=40)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "up":
        stack = LocalStack(args.home, services=args.services, worker=not args.no_worker)
        try:
            stack.start(timeout=args.timeout)
        except StackStartError as exc:
            print(f"local stack failed to start: {exc}", file=sys.stderr)
            return 1
        print(f"local stack up; client env in {stack.env_path}")
        return 0
    stack = LocalStack.from_home(args.home)
    if args.command == "down":
        stopped = stack.stop()
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return 0
    if args.command == "status":
        rows = stack.status()
        for row in rows:
            state = "up" if row.ok else "DOWN"
            print(f"{row.name:<11} {state:<5} pid={row.pid or '-':<8} {row.health:<12} {row.address}")
        return 0 if all(r.ok for r in rows) else 1
    logs_dir = args.home / "logs"
    paths = [logs_dir / f"{args.component}.log"] if args.component else sorted(logs_dir.glob("*.log"))
    for path in paths:
        print(f"==> {path} <==\n{tail(path, args.lines)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
