"""Publish with `send_wait`: each call returns once the broker confirmed the message."""

import asyncio
import os

from rstream import AMQPMessage, Producer

STREAM = "example-send-wait"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(10):
            status = await producer.send_wait(STREAM, AMQPMessage(body=f"hello: {i}".encode()))
            print(f"message {status.message_id} confirmed")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
