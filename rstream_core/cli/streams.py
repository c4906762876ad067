"""`rstream streams ...` and `rstream super-streams ...`: create, delete and look at streams."""

from __future__ import annotations

import argparse
import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from rstream_core.arguments import StreamArguments, SuperStreamCreationOption
from rstream_core.cli.connection import ConnectionOptions
from rstream_core.producer import Producer


class ManagementError(Exception):
    """The management API (used by `streams list`) could not answer."""


def add_arguments(sub: Any, parent: argparse.ArgumentParser) -> None:
    streams = sub.add_parser("streams", help="create, delete or look at streams",
                             parents=[parent])
    actions = streams.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a stream", parents=[parent])
    create.add_argument("stream")
    _stream_arguments(create)
    create.add_argument("--exists-ok", action="store_true", help="no error if it exists")
    delete = actions.add_parser("delete", help="delete a stream", parents=[parent])
    delete.add_argument("stream")
    delete.add_argument("--missing-ok", action="store_true", help="no error if it is missing")
    for name, text in (("info", "leader and replicas"), ("stats", "offsets (StreamStats)")):
        action = actions.add_parser(name, help=text, parents=[parent])
        action.add_argument("stream")
        action.add_argument("--json", action="store_true", help="one JSON object")
    partitions = actions.add_parser("partitions", help="the partitions of a super stream",
                                    parents=[parent])
    partitions.add_argument("stream", metavar="SUPER_STREAM")
    partitions.add_argument("--json", action="store_true", help="a JSON list")
    listing = actions.add_parser("list", help="the streams of the virtual host "
                                 "(through the management plugin's HTTP API)", parents=[parent])
    listing.add_argument("--management-url", default=None,
                         help="default: http://HOST:15672")
    listing.add_argument("--json", action="store_true", help="a JSON list")

    supers = sub.add_parser("super-streams", help="create or delete super streams",
                            parents=[parent])
    super_actions = supers.add_subparsers(dest="action", required=True)
    super_create = super_actions.add_parser("create", help="create a super stream",
                                            parents=[parent])
    super_create.add_argument("name")
    keys = super_create.add_mutually_exclusive_group()
    keys.add_argument("--partitions", type=int, default=3, help="NAME-0..NAME-(N-1)")
    keys.add_argument("--binding-keys", default=None, metavar="A,B,...",
                      help="one partition NAME-KEY per binding key")
    _stream_arguments(super_create)
    super_delete = super_actions.add_parser("delete", help="delete a super stream",
                                            parents=[parent])
    super_delete.add_argument("name")
    super_delete.add_argument("--missing-ok", action="store_true")


def _stream_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-age", default=None, help='e.g. "3600s"')
    parser.add_argument("--max-length-bytes", type=int, default=None)
    parser.add_argument("--max-segment-size-bytes", type=int, default=None)
    parser.add_argument("--initial-member-count", type=int, default=None,
                        help="replicas, the leader included")
    parser.add_argument("--leader-locator", choices=("client-local", "balanced"), default=None)


def stream_arguments(args: argparse.Namespace) -> StreamArguments:
    return StreamArguments(
        max_age=args.max_age,
        max_length_bytes=args.max_length_bytes,
        max_segment_size_bytes=args.max_segment_size_bytes,
        initial_cluster_size=args.initial_member_count,
        leader_locator=args.leader_locator,
    )


async def run(args: argparse.Namespace, connection: ConnectionOptions) -> int:
    if args.command == "streams" and args.action == "list":
        show_list(list_streams(args, connection), args.json)
        return 0
    async with Producer(**connection.client_kwargs()) as admin:
        if args.command == "super-streams":
            await super_streams(admin, args)
        else:
            await streams(admin, args)
    return 0


async def streams(admin: Producer, args: argparse.Namespace) -> None:
    if args.action == "create":
        await admin.create_stream(args.stream, stream_arguments(args), exists_ok=args.exists_ok)
        print(f"created stream '{args.stream}'")
    elif args.action == "delete":
        await admin.delete_stream(args.stream, missing_ok=args.missing_ok)
        print(f"deleted stream '{args.stream}'")
    elif args.action == "stats":
        stats = await admin.stream_stats(args.stream)
        if args.json:
            print(json.dumps(stats, sort_keys=True))
        else:
            for key, value in sorted(stats.items()):
                print(f"{key}: {value}")
    elif args.action == "info":
        info = await admin.stream_info(args.stream)
        leader = f"{info.leader.host}:{info.leader.port}" if info.leader else None
        replicas = [f"{r.host}:{r.port}" for r in info.replicas]
        if args.json:
            print(json.dumps({"stream": args.stream, "leader": leader, "replicas": replicas}))
        else:
            print(f"leader: {leader or '-'}\nreplicas: {', '.join(replicas) or '-'}")
    else:  # partitions
        partitions = await admin.partitions(args.stream)
        print(json.dumps(partitions) if args.json else "\n".join(partitions))


async def super_streams(admin: Producer, args: argparse.Namespace) -> None:
    if args.action == "create":
        keys = [key for key in (args.binding_keys or "").split(",") if key] or None
        option = SuperStreamCreationOption(
            n_partitions=0 if keys else args.partitions,
            binding_keys=keys,
            arguments=stream_arguments(args),
        )
        await admin.create_super_stream(args.name, option)
        print(f"created super stream '{args.name}'")
    else:
        await admin.delete_super_stream(args.name, missing_ok=args.missing_ok)
        print(f"deleted super stream '{args.name}'")


def list_streams(args: argparse.Namespace, connection: ConnectionOptions) -> list[str]:
    """The stream names of the vhost, from the management API (the stream protocol has no
    command that lists streams)."""
    host = connection.where.rsplit(":", 1)[0]
    base = args.management_url or f"http://{host}:15672"
    vhost = urllib.parse.quote(connection.virtual_host, safe="")
    url = f"{base.rstrip('/')}/api/queues/{vhost}?columns=name,type"
    token = base64.b64encode(f"{connection.user}:{connection.secret}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            queues = json.load(response)
    except urllib.error.HTTPError as exc:
        raise ManagementError(f"the management API at {base} answered {exc.code} "
                              f"{exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ManagementError(f"cannot reach the management API at {base}: {reason}") from None
    return sorted(q["name"] for q in queues if q.get("type") == "stream")


def show_list(names: list[str], as_json: bool) -> None:
    print(json.dumps(names) if as_json else "\n".join(names))
