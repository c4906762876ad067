"""A consumer group on a super stream: run this program several times and the partitions are
shared among the instances (one active member per partition); stop one and its partitions
move to the others, which resume where the group left off. Every message is handled once.

`SuperStreamConsumer(group=...)` turns on single active consumer for the super stream,
resumes each partition from the group's stored offset (from the first message when the group
stored nothing yet), and stores offsets as it goes. `context.partition` says which partition
a message came from; `await context.store_offset()` stores by hand, naming nothing.
"""

import asyncio
import os

from rstream import (
    AMQPMessage,
    MessageContext,
    Properties,
    SuperStreamConsumer,
    SuperStreamCreationOption,
    SuperStreamProducer,
    amqp_decoder,
)

SUPER_STREAM = "example-invoices"
HOST = os.environ.get("RSTREAM_HOST", "localhost")
COUNT = 300


async def main() -> None:
    handled: dict[str, int] = {}
    done = asyncio.Event()

    def on_invoice(message: AMQPMessage, context: MessageContext) -> None:
        handled[context.partition] = handled.get(context.partition, 0) + 1
        if sum(handled.values()) == COUNT:
            done.set()

    async with SuperStreamProducer(
        HOST, super_stream=SUPER_STREAM,
        routing_extractor=lambda message: message.properties.message_id,
        super_stream_creation_option=SuperStreamCreationOption(n_partitions=3),
    ) as producer:
        for i in range(COUNT):
            await producer.send(AMQPMessage(body=b"invoice %d" % i,
                                            properties=Properties(message_id=f"customer-{i}")))
        async with SuperStreamConsumer(HOST, super_stream=SUPER_STREAM,
                                       group="invoices-app") as consumer:
            await consumer.subscribe(on_invoice, decoder=amqp_decoder)
            await asyncio.wait_for(done.wait(), 30)
        for partition, count in sorted(handled.items()):
            print(f"{partition}: {count} invoices")
        await producer.producer.delete_super_stream(SUPER_STREAM)


if __name__ == "__main__":
    asyncio.run(main())
