"""The `rstream` command: perf, streams, publish, consume."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from rstream_core.cli import commands, perf


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="rstream", description="RabbitMQ Streams client tools")
    root.add_argument("--host", default="localhost")
    root.add_argument("--port", type=int, default=5552)
    root.add_argument("--username", default="guest")
    root.add_argument("--password", default="guest")
    root.add_argument("--vhost", default="/")
    sub = root.add_subparsers(dest="command", required=True)
    perf.add_arguments(sub.add_parser("perf", help="throughput and latency test"))
    commands.add_arguments(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    connection: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "username": args.username,
        "password": args.password,
        "vhost": args.vhost,
    }
    if args.command == "perf":
        return perf.main_perf(args, connection)
    try:
        return asyncio.run(commands.run(args, connection))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
