"""Behind a load balancer: dial its address; the client checks which node it reached.

With `load_balancer_mode=True` every connection goes to the address given (the balancer) and is
kept only when the broker's advertised host and port are the node wanted: the stream's leader
for a producer, a replica (else the leader) for a consumer. Here the "balancer" is the broker
itself, so the first connection is always the right one.
"""

import asyncio
import os

from rstream import Consumer, MessageContext, Producer

STREAM = "example-load-balancer"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def main() -> None:
    async with Producer(HOST, load_balancer_mode=True) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        info = await producer.stream_info(STREAM)
        print(f"leader: {info.leader}, replicas: {list(info.replicas)}")
        await producer.send_wait(STREAM, b"through the balancer")
    done = asyncio.Event()

    def on_message(message: bytes, context: MessageContext) -> None:
        print(f"received {message!r} at offset {context.offset}")
        done.set()

    async with Consumer(HOST, load_balancer_mode=True) as consumer:
        await consumer.subscribe(STREAM, on_message)
        await asyncio.wait_for(done.wait(), 30)
        await consumer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
