"""Connect with URIs: `rabbitmq-stream://user:password@host:port/vhost`.

Several URIs are tried in turn, when connecting and when a lost connection is re-opened (the
first that answers wins); `rabbitmq-stream+tls://` turns TLS on, with certificate and host
name checks. The password is never logged.
"""

import asyncio
import os

from rstream import Producer

HOST = os.environ.get("RSTREAM_HOST", "localhost")
URIS = [
    f"rabbitmq-stream://guest:guest@{HOST}:5553/%2F",  # nobody listens here: skipped
    f"rabbitmq-stream://guest:guest@{HOST}:5552/%2F",
]


async def main() -> None:
    async with Producer(uris=URIS) as producer:
        await producer.create_stream("example-uris", exists_ok=True)
        status = await producer.send_wait("example-uris", b"hello")
        print(f"message {status.message_id} confirmed")
        await producer.delete_stream("example-uris")


if __name__ == "__main__":
    asyncio.run(main())
