"""Super streams: publish across partitions by routing key, consume every partition."""

import asyncio
import os

from rstream import (
    AMQPMessage,
    MessageContext,
    Properties,
    RouteType,
    SuperStreamConsumer,
    SuperStreamCreationOption,
    SuperStreamProducer,
    amqp_decoder,
)

SUPER_STREAM = "example-invoices"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def routing_extractor(message: AMQPMessage) -> str:
    return str(message.properties.message_id)


async def main() -> None:
    option = SuperStreamCreationOption(n_partitions=3)
    async with SuperStreamProducer(
        HOST,
        super_stream=SUPER_STREAM,
        routing=RouteType.Hash,
        routing_extractor=routing_extractor,
        super_stream_creation_option=option,
    ) as producer:
        for i in range(30):
            message = AMQPMessage(body=f"invoice {i}".encode(),
                                  properties=Properties(message_id=f"customer-{i % 7}"))
            await producer.send(message)

    per_partition: dict[str, int] = {}
    done = asyncio.Event()

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        per_partition[context.stream] = per_partition.get(context.stream, 0) + 1
        if sum(per_partition.values()) == 30:
            done.set()

    async with SuperStreamConsumer(HOST, super_stream=SUPER_STREAM) as consumer:
        await consumer.subscribe(on_message, decoder=amqp_decoder)
        await asyncio.wait_for(done.wait(), 30)
        print(f"messages per partition: {dict(sorted(per_partition.items()))}")
        await consumer.consumer.delete_super_stream(SUPER_STREAM)


if __name__ == "__main__":
    asyncio.run(main())
