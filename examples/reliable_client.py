"""Recovery: connections that drop are re-established; nothing is lost.

Try it: run this with a larger COUNT and, meanwhile,
`rabbitmqctl close_all_user_connections guest test`.

Producers re-send what was not confirmed (exactly once with a publisher name); consumers
resubscribe after the last message they handed over. `on_close_handler` is told each time,
and `on_state_change` hears each resource go from open to recovering and back (for health
checks: a service that stays "recovering" for long is unhealthy).
"""

import asyncio
import os

from rstream import Consumer, MessageContext, OnClosedErrorInfo, Producer, ResourceState

STREAM = "example-reliable"
HOST = os.environ.get("RSTREAM_HOST", "localhost")
COUNT = 20_000


async def on_close(info: OnClosedErrorInfo) -> None:
    print(f"connection lost for {list(info.streams)}: {info.reason}; recovering")


def on_state_change(resource: object, old: ResourceState, new: ResourceState) -> None:
    print(f"{type(resource).__name__}: {old.value} -> {new.value}")


async def main() -> None:
    received = 0
    done = asyncio.Event()

    def on_message(message: bytes, context: MessageContext) -> None:
        nonlocal received
        received += 1
        if received == COUNT:
            done.set()

    async with (
        Producer(HOST, on_close_handler=on_close, on_state_change=on_state_change) as producer,
        Consumer(HOST, on_close_handler=on_close, on_state_change=on_state_change) as consumer,
    ):
        await producer.create_stream(STREAM, exists_ok=True)
        await consumer.subscribe(STREAM, on_message)
        for i in range(COUNT):
            await producer.send(STREAM, b"%d" % i, publisher_name="reliable")
        await asyncio.wait_for(done.wait(), 60)
        print(f"received {received} of {COUNT} messages")
        await producer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
