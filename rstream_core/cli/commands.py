"""`rstream streams|publish|consume`: small tools for looking at a broker."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from rstream_core.consumer import Consumer
from rstream_core.producer import Producer
from rstream_core.protocol.constants import OffsetType
from rstream_core.types import ConsumerOffsetSpecification, MessageContext

OFFSETS = {"first": OffsetType.FIRST, "last": OffsetType.LAST, "next": OffsetType.NEXT}


def add_arguments(sub: Any) -> None:
    streams = sub.add_parser("streams", help="create, delete or inspect a stream")
    streams.add_argument("action", choices=("create", "delete", "stats", "info"))
    streams.add_argument("stream")
    streams.add_argument("--max-age", default=None, help='e.g. "3600s"')
    streams.add_argument("--max-length-bytes", type=int, default=None)

    publish = sub.add_parser("publish", help="publish messages (arguments or stdin lines)")
    publish.add_argument("stream")
    publish.add_argument("messages", nargs="*")
    publish.add_argument("--codec", choices=("amqp", "binary"), default="amqp")

    consume = sub.add_parser("consume", help="print messages of a stream")
    consume.add_argument("stream")
    consume.add_argument("--offset", default="first", help="first, last, next or a number")
    consume.add_argument("--count", type=int, default=0, help="stop after N (0: never)")
    consume.add_argument("--codec", choices=("amqp", "binary"), default="amqp")


async def run(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    if args.command == "streams":
        return await streams(args, connection)
    if args.command == "publish":
        return await publish(args, connection)
    return await consume(args, connection)


async def streams(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    async with Producer(**connection) as producer:
        if args.action == "create":
            arguments: dict[str, object] = {}
            if args.max_age:
                arguments["max-age"] = args.max_age
            if args.max_length_bytes:
                arguments["max-length-bytes"] = args.max_length_bytes
            await producer.create_stream(args.stream, arguments)
        elif args.action == "delete":
            await producer.delete_stream(args.stream)
        elif args.action == "stats":
            for key, value in sorted((await producer.stream_stats(args.stream)).items()):
                print(f"{key}: {value}")
        else:
            info = await producer.stream_info(args.stream)
            print(f"leader: {info.leader}\nreplicas: {list(info.replicas)}")
    return 0


async def publish(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    lines = args.messages or [line.rstrip("\n") for line in sys.stdin]
    codec = "amqp" if args.codec == "amqp" else None
    async with Producer(codec=codec, **connection) as producer:
        for line in lines:
            await producer.send_wait(args.stream, line.encode())
    print(f"published {len(lines)} messages to {args.stream}")
    return 0


async def consume(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    if args.offset in OFFSETS:
        spec = ConsumerOffsetSpecification(OFFSETS[args.offset])
    else:
        spec = ConsumerOffsetSpecification(OffsetType.OFFSET, int(args.offset))
    done = asyncio.Event()
    seen = 0

    def show(message: Any, context: MessageContext) -> None:
        nonlocal seen
        body = getattr(message, "body", message)
        print(f"{context.offset}: {body!r}", flush=True)
        seen += 1
        if args.count and seen >= args.count:
            done.set()

    codec = "amqp" if args.codec == "amqp" else None
    async with Consumer(**connection) as consumer:
        await consumer.subscribe(args.stream, show, decoder=codec, offset_specification=spec)
        await done.wait()
    return 0
