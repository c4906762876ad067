"""Deduplication: a named publisher's ids are remembered by the broker across restarts."""

import asyncio
import os

from rstream import AMQPMessage, Producer

STREAM = "example-dedup"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(10):
            await producer.send(STREAM, AMQPMessage(body=b"%d" % i), publisher_name="invoices")
    async with Producer(HOST) as producer:
        last = await producer.get_last_publishing_id(STREAM, "invoices")
        print(f"the broker stored ids up to {last}")
        # Re-sending an id the broker already has is confirmed but not stored again.
        await producer.send_wait(
            STREAM, AMQPMessage(body=b"again", publishing_id=last), publisher_name="invoices"
        )
        stats = await producer.stream_stats(STREAM)
        print(f"committed offset: {stats.get('committed_chunk_id')}")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
