"""Single active consumer: two consumers share a name; one is active, the other takes over."""

import asyncio
import os

from rstream import (
    Consumer,
    ConsumerOffsetSpecification,
    EventContext,
    OffsetNotFound,
    OffsetSpecification,
    OffsetType,
    Producer,
)

STREAM = "example-sac"
HOST = os.environ.get("RSTREAM_HOST", "localhost")
PROPERTIES = {"single-active-consumer": "true", "name": "reporting"}


async def on_update(is_active: bool, context: EventContext) -> OffsetSpecification:
    print(f"subscriber {context.subscriber_id} is now {'active' if is_active else 'standby'}")
    try:
        stored = await context.consumer.query_offset(context.stream, "reporting")
        return ConsumerOffsetSpecification(OffsetType.OFFSET, stored + 1)
    except OffsetNotFound:
        return ConsumerOffsetSpecification(OffsetType.FIRST)


async def main() -> None:
    async with Producer(HOST) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        await producer.send_batch(STREAM, [b"%d" % i for i in range(20)])
    received: dict[str, list[int]] = {"first": [], "second": []}

    def collect(label: str):  # type: ignore[no-untyped-def]
        return lambda message, context: received[label].append(context.offset)

    first, second = Consumer(HOST), Consumer(HOST)
    await first.start()
    await second.start()
    await first.subscribe(STREAM, collect("first"), properties=PROPERTIES,
                          consumer_update_listener=on_update)
    await second.subscribe(STREAM, collect("second"), properties=PROPERTIES,
                           consumer_update_listener=on_update)
    while len(received["first"]) < 20:
        await asyncio.sleep(0.05)
    await first.close()  # stores its offset; the second consumer takes over after it
    async with Producer(HOST) as producer:
        await producer.send_batch(STREAM, [b"%d" % i for i in range(20, 25)])
    while len(received["second"]) < 5:
        await asyncio.sleep(0.05)
    print(f"first got {len(received['first'])}, second resumed at {received['second'][0]}")
    await second.delete_stream(STREAM)
    await second.close()


if __name__ == "__main__":
    asyncio.run(main())
