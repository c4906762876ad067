"""Publish with `send_batch`: the caller builds the batches; the fastest way to publish."""

import asyncio
import os
import time

from rstream import AMQPMessage, Producer

STREAM = "example-send-batch"
COUNT = int(os.environ.get("EXAMPLE_COUNT", "100000"))
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        start = time.perf_counter()
        for first in range(0, COUNT, 100):
            batch = [AMQPMessage(body=f"hello: {i}".encode()) for i in range(first, first + 100)]
            await producer.send_batch(STREAM, batch)
        await producer.flush()
        elapsed = time.perf_counter() - start
        print(f"sent {COUNT:,} messages in {elapsed:.2f}s: {COUNT / elapsed:,.0f} msg/s")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
