"""The `rstream` command: perf, streams, super-streams, publish, consume.

Errors are one line on stderr (`rstream: stream 'x' does not exist`) and an exit code: 1 for
what the broker or the network refused, 2 for bad usage; a traceback only with --debug.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from rstream_core.cli import connection, messages, perf, streams
from rstream_core.cli.connection import ConnectionOptions
from rstream_core.cli.errors import describe
from rstream_core.cli.offsets import InputError
from rstream_core.errors import MissingDependencyError
from rstream_core.loops import run

USAGE = 2
FAILED = 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="rstream", description="RabbitMQ Streams client tools")
    connection.add_arguments(root, after_command=False)
    # The same options after the command, where they override the ones before it.
    common = argparse.ArgumentParser(add_help=False)
    connection.add_arguments(common, after_command=True)
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    perf.add_arguments(sub.add_parser(
        "perf", parents=[common], help="throughput and latency test",
        description="Producers and consumers at a chosen shape and rate: a line per second "
        "and a summary."))
    streams.add_arguments(sub, common)
    messages.add_arguments(sub, common)
    return root


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line's arguments. `publish STREAM a --codec binary b` publishes a and b:
    argparse alone stops filling a positional list at the first option after it."""
    command_line = parser()
    args, rest = command_line.parse_known_args(argv)
    if rest and isinstance(getattr(args, "messages", None), list) and not any(
            word.startswith("-") for word in rest):
        args.messages += rest
    elif rest:
        command_line.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
    where = ConnectionOptions.from_args(args)
    try:
        return dispatch(args, where)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rstream consume s | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except perf.WorkerFailed as exc:
        return fail(exc, args, where, USAGE if exc.usage else FAILED, str(exc))
    except (perf.UsageError, InputError, MissingDependencyError, ValueError) as exc:
        return fail(exc, args, where, USAGE, str(exc))
    except Exception as exc:
        return fail(exc, args, where, FAILED)


def dispatch(args: argparse.Namespace, where: ConnectionOptions) -> int:
    if args.command == "perf":
        return perf.main_perf(args, where)
    command: Any
    if args.command in ("streams", "super-streams"):
        command = streams.run
    elif args.command == "publish":
        command = messages.publish
    else:
        command = messages.consume
    result: int = run(command(args, where))
    return result


def fail(error: BaseException, args: argparse.Namespace, where: ConnectionOptions,
         code: int, message: str | None = None) -> int:
    if args.debug:
        raise error
    print(f"rstream: {message or describe(error, args, where)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
