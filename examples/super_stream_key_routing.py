"""Super stream with key routing: the broker's bindings pick the partition (Route command).

Partitions are named after binding keys ("eu", "us", "asia"); each message goes to the
partition whose binding key equals its routing key. Results are cached per key.
"""

import asyncio
import os

from rstream import (
    AMQPMessage,
    NoRouteError,
    RouteType,
    SuperStreamCreationOption,
    SuperStreamProducer,
)

SUPER_STREAM = "example-regions"
HOST = os.environ.get("RSTREAM_HOST", "localhost")


def region(message: AMQPMessage) -> str:
    return str(message.application_properties["region"])


async def main() -> None:
    option = SuperStreamCreationOption(binding_keys=["eu", "us", "asia"])
    async with SuperStreamProducer(
        HOST,
        super_stream=SUPER_STREAM,
        routing=RouteType.Key,
        routing_extractor=region,
        super_stream_creation_option=option,
    ) as producer:
        for name in ("eu", "us", "eu", "asia"):
            message = AMQPMessage(body=b"order", application_properties={"region": name})
            print(f"{name} -> {await producer.route(message)}")
            await producer.send(message)
        try:
            await producer.send(AMQPMessage(body=b"x", application_properties={"region": "mars"}))
        except NoRouteError as error:
            print(f"refused: {error}")
        await producer.flush()
        for partition in await producer.partitions():
            stats = await producer.producer.stream_stats(partition)
            print(f"{partition}: committed chunk {stats['committed_chunk_id']}")
        await producer.producer.delete_super_stream(SUPER_STREAM)


if __name__ == "__main__":
    asyncio.run(main())
