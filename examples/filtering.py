"""Server-side filtering (RabbitMQ 3.13+): fetch only chunks that may hold wanted values."""

import asyncio
import os

from rstream import (
    AMQPMessage,
    Consumer,
    FilterConfiguration,
    MessageContext,
    Producer,
    amqp_decoder,
)

STREAM = "example-filtering"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


def state_of(message: AMQPMessage) -> str:
    return str(message.application_properties["state"])


async def main() -> None:
    async with Producer(HOST, filter_value_extractor=state_of) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for state in ("california", "texas", "new-york"):
            batch = [AMQPMessage(body=f"{state} {i}".encode(),
                                 application_properties={"state": state}) for i in range(50)]
            await producer.send_batch(STREAM, batch)
            await asyncio.sleep(0.2)
    received: list[str] = []
    done = asyncio.Event()

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        received.append(state_of(message))
        if len(received) == 50:
            done.set()

    # The broker sends whole chunks that may match; the predicate filters each message.
    only_california = FilterConfiguration(
        values_to_filter=["california"],
        predicate=lambda message: state_of(message) == "california",
    )
    async with Consumer(HOST) as consumer:
        await consumer.subscribe(STREAM, on_message, decoder=amqp_decoder,
                                 filter_input=only_california)
        await asyncio.wait_for(done.wait(), 30)
        print(f"received {len(received)} messages, states: {sorted(set(received))}")
        await consumer.delete_stream(STREAM)


if __name__ == "__main__":
    asyncio.run(main())
