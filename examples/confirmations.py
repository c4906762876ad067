"""Handle publish confirmations: the callback runs once per message, sync or async."""

import asyncio
import os

from rstream import AMQPMessage, ConfirmationStatus, Producer

STREAM = "example-confirmations"
HOST = os.environ.get("RSTREAM_HOST", "localhost")
confirmed = 0


async def on_confirm(status: ConfirmationStatus) -> None:
    global confirmed
    if status.is_confirmed:
        confirmed += 1
    else:
        print(f"message {status.message_id} failed with code {status.response_code}")


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(1000):
            await producer.send(STREAM, AMQPMessage(body=b"%d" % i), on_publish_confirm=on_confirm)
        await producer.send_batch(
            STREAM, [AMQPMessage(body=b"batch")] * 100, on_publish_confirm=on_confirm
        )
        await producer.flush()
        print(f"{confirmed} messages confirmed")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
