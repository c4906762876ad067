"""Publish with `send`: buffered, batched automatically, confirmed in the background."""

import asyncio
import os
import time

from rstream import AMQPMessage, Producer

STREAM = "example-send"
COUNT = int(os.environ.get("EXAMPLE_COUNT", "100000"))
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST, username="guest", password="guest") as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        start = time.perf_counter()
        for i in range(COUNT):
            await producer.send(STREAM, AMQPMessage(body=f"hello: {i}".encode()))
        await producer.flush()  # writes what is buffered and waits for the confirms
        elapsed = time.perf_counter() - start
        print(f"sent {COUNT:,} messages in {elapsed:.2f}s: {COUNT / elapsed:,.0f} msg/s")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
