"""`async for` consumption with backpressure: a full buffer stops credit to the broker."""

import asyncio
import os

from rstream import Consumer, Producer

STREAM = "example-iterate"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        await producer.send_batch(STREAM, [b"message %d" % i for i in range(100)])
    count = 0
    async with Consumer(HOST) as consumer:
        async for message, context in consumer.iterate(STREAM, buffer_size=10):
            assert message.startswith(b"message ")
            count += 1
            if context.offset == 99:
                break
        print(f"iterated over {count} messages")
        await consumer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
