"""Sub-entry batching: many messages in one entry, compressed. Consumers unpack them."""

import asyncio
import os

from rstream import AMQPMessage, CompressionType, Consumer, MessageContext, Producer, amqp_decoder

STREAM = "example-sub-entry"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    messages = [AMQPMessage(body=f"compressible message {i}".encode()) for i in range(100)]
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for compression in (CompressionType.No, CompressionType.Gzip, CompressionType.Zstd):
            await producer.send_sub_entry(STREAM, messages, compression_type=compression)
    received = 0
    done = asyncio.Event()

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        nonlocal received
        received += 1
        if received == 300:
            done.set()

    async with Consumer(HOST) as consumer:
        await consumer.subscribe(STREAM, on_message, decoder=amqp_decoder)
        await asyncio.wait_for(done.wait(), 30)
        print(f"received {received} messages from 3 compressed batches")
        await consumer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
