"""Credentials that change while the client runs (OAuth 2 tokens, rotated passwords).

`credentials_provider` is asked for the current secret before every connection is opened,
recovery included; `update_secret` re-authenticates the open connections without closing
them (RabbitMQ 3.13+). Here the "token" is guest's password, fetched from a function that
stands for your identity provider.
"""

import asyncio
import os

from rstream import Producer

HOST = os.environ.get("RSTREAM_HOST", "localhost")


async def fetch_token() -> str:
    """Your identity provider's call; it may be a plain function too."""
    return os.environ.get("RSTREAM_TOKEN", "guest")


async def main() -> None:
    async with Producer(HOST, username="guest", credentials_provider=fetch_token) as producer:
        await producer.create_stream("example-credentials", exists_ok=True)
        await producer.send_wait("example-credentials", b"sent with the first token")
        # Shortly before the token expires: get a new one and hand it to open connections.
        await producer.update_secret(await fetch_token())
        await producer.send_wait("example-credentials", b"sent after the refresh")
        print("published before and after refreshing the token, on the same connection")
        await producer.delete_stream("example-credentials")


if __name__ == "__main__":
    asyncio.run(main())
