"""Consume a stream from each kind of offset."""

import asyncio
import os
import time

from rstream import (
    AMQPMessage,
    Consumer,
    ConsumerOffsetSpecification,
    MessageContext,
    OffsetType,
    Producer,
    amqp_decoder,
)

STREAM = "example-consumer"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def consume(spec: ConsumerOffsetSpecification, expected: int) -> list[int]:
    offsets: list[int] = []
    done = asyncio.Event()

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        offsets.append(context.offset)
        if len(offsets) >= expected:
            done.set()

    async with Consumer(HOST) as consumer:
        await consumer.subscribe(STREAM, on_message, decoder=amqp_decoder,
                                 offset_specification=spec)
        await asyncio.wait_for(done.wait(), 30)
    return offsets


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        await producer.send_batch(STREAM, [AMQPMessage(body=b"%d" % i) for i in range(100)])
        now_ms = int(time.time() * 1000)
    first = await consume(ConsumerOffsetSpecification(OffsetType.FIRST), 100)
    print(f"FIRST: offsets {first[0]}..{first[-1]}")
    at = await consume(ConsumerOffsetSpecification(OffsetType.OFFSET, 90), 10)
    print(f"OFFSET 90: offsets {at[0]}..{at[-1]}")
    last = await consume(ConsumerOffsetSpecification(OffsetType.LAST), 1)
    print(f"LAST: starts at {last[0]}")
    since = await consume(ConsumerOffsetSpecification(OffsetType.TIMESTAMP, now_ms - 60_000), 100)
    print(f"TIMESTAMP (a minute ago): {len(since)} messages")
    async with Producer(HOST) as producer:
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
