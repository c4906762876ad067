"""Server-side offset tracking: store where you are, resume there after a restart."""

import asyncio
import os

from rstream import (
    Consumer,
    ConsumerOffsetSpecification,
    MessageContext,
    OffsetNotFound,
    OffsetType,
    Producer,
)

STREAM = "example-offset-tracking"
NAME = "my-app"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def run_once(stop_after: int) -> int:
    seen = 0
    done = asyncio.Event()
    async with Consumer(HOST) as consumer:
        try:
            start = ConsumerOffsetSpecification(
                OffsetType.OFFSET, await consumer.query_offset(STREAM, NAME) + 1
            )
        except OffsetNotFound:
            start = ConsumerOffsetSpecification(OffsetType.FIRST)

        async def on_message(message: bytes, context: MessageContext) -> None:
            nonlocal seen
            seen += 1
            if seen == stop_after:
                # Manual tracking: store the offset of the last message processed.
                await context.consumer.store_offset(STREAM, NAME, context.offset)
                done.set()

        await consumer.subscribe(STREAM, on_message, offset_specification=start,
                                 subscriber_name=NAME, offset_tracking=False)
        await asyncio.wait_for(done.wait(), 30)
        await asyncio.sleep(0.2)  # StoreOffset is fire-and-forget
        return await consumer.query_offset(STREAM, NAME)


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        await producer.send_batch(STREAM, [b"%d" % i for i in range(100)])
    print(f"first run stored offset {await run_once(40)}")
    print(f"second run resumed and stored offset {await run_once(60)}")
    async with Producer(HOST) as producer:
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
