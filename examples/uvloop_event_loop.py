"""Run the client on uvloop (`pip install "rstream[uvloop]"`): nothing in the client changes,
only the event loop the application starts."""

import asyncio
import os
import time

import uvloop

from rstream import AMQPMessage, Consumer, MessageContext, Producer

STREAM = "example-uvloop"
COUNT = int(os.environ.get("EXAMPLE_COUNT", "100000"))
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    received = 0
    all_in = asyncio.Event()

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        nonlocal received
        received += 1
        if received == COUNT:
            all_in.set()

    async with Producer(HOST) as producer, Consumer(HOST) as consumer:
        await producer.create_stream(STREAM, exists_ok=True)
        await consumer.subscribe(STREAM, on_message, decoder="amqp")
        start = time.perf_counter()
        for first in range(0, COUNT, 100):
            batch = [AMQPMessage(body=b"hello: %d" % i) for i in range(first, first + 100)]
            await producer.send_batch(STREAM, batch)
        await asyncio.wait_for(all_in.wait(), 60)
        elapsed = time.perf_counter() - start
        loop = type(asyncio.get_running_loop()).__module__
        print(f"published and consumed {COUNT:,} messages in {elapsed:.2f}s on {loop}")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    uvloop.run(main())
