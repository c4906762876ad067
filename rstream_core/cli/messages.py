"""`rstream publish` and `rstream consume`: messages in from stdin, messages out readably."""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import datetime
import json
import sys
import uuid
from collections.abc import Iterable
from typing import Any

from rstream_core.cli.connection import ConnectionOptions
from rstream_core.cli.offsets import InputError, offset_specification
from rstream_core.consumer import Consumer
from rstream_core.producer import Producer
from rstream_core.types import MessageContext
from rstream_plugins.codec_amqp import AMQPMessage, Properties

PROPERTY_NAMES = {f.name for f in dataclasses.fields(Properties)}


def add_arguments(sub: Any, parent: argparse.ArgumentParser) -> None:
    publish = sub.add_parser(
        "publish", parents=[parent],
        help="publish messages: the arguments, else one per line of stdin",
        description="Publishes each argument, else each line of standard input, and waits for "
        "the confirms. With --format json every line is an object: {\"body\": text or "
        "{\"base64\": ...}, \"properties\": {...}, \"application_properties\": {...}}.")
    publish.add_argument("stream")
    publish.add_argument("messages", nargs="*")
    publish.add_argument("--format", choices=("text", "json"), default="text",
                         help="text: a line is a body; json: a line is a message object")
    publish.add_argument("--codec", choices=("amqp", "binary"), default="amqp")

    consume = sub.add_parser("consume", parents=[parent], help="print the messages of a stream")
    consume.add_argument("stream")
    consume.add_argument("--offset", default="first",
                         help="first, last, next, an offset, or a time: @MILLISECONDS or "
                              "ISO 8601 (2026-12-03T10:00:00Z) (default first)")
    consume.add_argument("--count", type=int, default=0, help="stop after N (0: never)")
    consume.add_argument("--format", choices=("text", "json"), default="text")
    consume.add_argument("--codec", choices=("amqp", "binary"), default="amqp")
    consume.add_argument("--idle-timeout", type=float, default=0.0, metavar="SECONDS",
                         help="stop when nothing arrived for this long (0: wait forever)")


# ----------------------------------------------------------------- publish


def parse_body(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"], validate=True)
    raise InputError('"body" is a string or {"base64": "..."}')


def parse_message(line: str, codec: str) -> Any:
    """A JSON object as a message: AMQPMessage, or the bare body with the binary codec."""
    try:
        document = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}") from None
    if not isinstance(document, dict) or "body" not in document:
        raise InputError('a JSON message is an object with a "body"')
    unknown = set(document) - {"body", "properties", "application_properties"}
    if unknown:
        raise InputError(f"unknown keys: {', '.join(sorted(unknown))}")
    body = parse_body(document["body"])
    if codec == "binary":
        if len(document) > 1:
            raise InputError("the binary codec stores bodies only: no properties")
        return body
    properties = document.get("properties") or {}
    if not isinstance(properties, dict) or set(properties) - PROPERTY_NAMES:
        raise InputError(f"properties are among: {', '.join(sorted(PROPERTY_NAMES))}")
    application = document.get("application_properties")
    if application is not None and not isinstance(application, dict):
        raise InputError("application_properties is an object")
    return AMQPMessage(body=body, properties=Properties(**properties) if properties else None,
                       application_properties=application)


def input_messages(args: argparse.Namespace, lines: Iterable[str]) -> list[Any]:
    """Every message, read and checked before anything is published."""
    messages = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if args.format == "json":
            if not line.strip():
                continue
            try:
                messages.append(parse_message(line, args.codec))
            except (InputError, TypeError, ValueError) as exc:
                raise InputError(f"line {number}: {exc}") from None
        else:
            messages.append(line.encode())
    return messages


async def publish(args: argparse.Namespace, connection: ConnectionOptions) -> int:
    messages = input_messages(args, args.messages or sys.stdin)
    codec = "amqp" if args.codec == "amqp" else None
    async with Producer(codec=codec, **connection.client_kwargs()) as producer:
        failed = []

        def on_confirm(status: Any) -> None:
            if not status.is_confirmed:
                failed.append(status)

        for start in range(0, len(messages), 1000):
            await producer.send_batch(args.stream, messages[start:start + 1000],
                                      on_publish_confirm=on_confirm)
        await producer.flush()
    if failed:
        print(f"rstream: {len(failed)} of {len(messages)} messages were refused "
              f"(code {failed[0].response_code})", file=sys.stderr)
        return 1
    print(f"published {len(messages)} messages to '{args.stream}'")
    return 0


# ----------------------------------------------------------------- consume


def jsonable(value: Any) -> Any:
    """A decoded AMQP value as JSON: bytes as {"base64": ...}, times as ISO 8601."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        text = _text(data)
        return text if text is not None else {"base64": base64.b64encode(data).decode()}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _text(data: bytes) -> str | None:
    """`data` as text when it is UTF-8 without control characters (tabs and newlines aside)."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None
    printable = text.replace("\t", "").replace("\n", "").replace("\r", "").isprintable()
    return text if printable else None


def message_document(message: Any, context: MessageContext) -> dict[str, Any]:
    document: dict[str, Any] = {"offset": context.offset, "timestamp": context.timestamp}
    if not isinstance(message, AMQPMessage):
        document["body"] = jsonable(message)
        return document
    document["body"] = jsonable(message.body)
    properties = message.properties
    if properties is not None:
        document["properties"] = {name: jsonable(value)
                                  for name, value in dataclasses.asdict(properties).items()
                                  if value is not None}
    if message.application_properties:
        document["application_properties"] = jsonable(dict(message.application_properties))
    if message.message_annotations:
        document["message_annotations"] = jsonable(dict(message.message_annotations))
    return document


def _shown(body: Any) -> str:
    """A body as text: itself when it was UTF-8, else its size and base64."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict) and set(body) == {"base64"}:
        return f"<{len(base64.b64decode(body['base64']))} bytes, base64 {body['base64']}>"
    return json.dumps(body)  # an amqp-value or amqp-sequence body


def text_lines(document: dict[str, Any]) -> list[str]:
    lines = [f"{document['offset']}: {_shown(document['body'])}"]
    for key, title in (("properties", "properties"),
                       ("application_properties", "application properties"),
                       ("message_annotations", "message annotations")):
        if key in document:
            pairs = ", ".join(f"{k}={json.dumps(v)}" for k, v in document[key].items())
            lines.append(f"  {title}: {pairs}")
    return lines


async def consume(args: argparse.Namespace, connection: ConnectionOptions) -> int:
    spec = offset_specification(args.offset)  # before connecting: a usage error
    done = asyncio.Event()
    closed_output = asyncio.Event()
    seen = 0
    last_arrival = asyncio.get_running_loop().time()

    def show(message: Any, context: MessageContext) -> None:
        nonlocal seen, last_arrival
        if done.is_set():
            return
        document = message_document(message, context)
        text = json.dumps(document) if args.format == "json" else "\n".join(text_lines(document))
        try:
            print(text, flush=True)
        except BrokenPipeError:  # the reader of our output went away: stop
            closed_output.set()
            done.set()
            return
        seen += 1
        last_arrival = asyncio.get_running_loop().time()
        if args.count and seen >= args.count:
            done.set()

    codec = "amqp" if args.codec == "amqp" else None
    async with Consumer(**connection.client_kwargs()) as consumer:
        await consumer.subscribe(args.stream, show, decoder=codec, offset_specification=spec)
        while not done.is_set():
            wait = 1.0 if not args.idle_timeout else args.idle_timeout
            try:
                await asyncio.wait_for(done.wait(), wait)
            except TimeoutError:
                idle = asyncio.get_running_loop().time() - last_arrival
                if args.idle_timeout and idle >= args.idle_timeout:
                    break
    if closed_output.is_set():
        raise BrokenPipeError  # main() ends quietly
    return 0
