"""Credentials that change while connected: `update_secret` re-authenticates open connections
without closing them, and a `credentials_provider` gives recovery the current secret. The
tests change guest's password with rabbitmqctl and always set it back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from rstream import Consumer, MessageContext, Producer
from rstream_core.errors import AuthenticationFailure

from .conftest import HOST, PORT, broker_ctl, wait_for


@pytest.fixture
def password() -> Iterator[None]:
    """guest's password is changed by the test; afterwards it is guest again."""
    yield
    broker_ctl("change_password", "guest", "guest")


async def set_password(secret: str) -> None:
    await asyncio.to_thread(broker_ctl, "change_password", "guest", secret)


async def drop_all_connections() -> None:
    await asyncio.to_thread(broker_ctl, "close_all_user_connections", "guest", "credentials test")


def connections_of(client: Producer | Consumer) -> list[object]:
    pool = client._pool
    locator = pool._locator
    return [c.connection for c in pool._clients] + ([locator.connection] if locator else [])


async def test_update_secret_keeps_every_connection_and_recovery_uses_it(
    stream: str, password: None
) -> None:
    received: list[bytes] = []

    def on_message(message: bytes, context: MessageContext) -> None:
        received.append(message)

    async with Producer(HOST, PORT) as producer, Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, on_message)
        await producer.send_wait(stream, b"before")
        before = connections_of(producer) + connections_of(consumer)
        await set_password("rotated-1")
        await producer.update_secret("rotated-1")
        await consumer.update_secret("rotated-1")
        after = connections_of(producer) + connections_of(consumer)
        assert after == before and all(c.is_open for c in after)  # type: ignore[attr-defined]
        await producer.send_wait(stream, b"after the update")
        await wait_for(lambda: received == [b"before", b"after the update"])
        # The broker drops everything: recovery logs in with the new secret.
        await drop_all_connections()
        await producer.send_wait(stream, b"after recovery", timeout=30)
        await wait_for(lambda: len(received) == 3, timeout=30)
    assert received[2] == b"after recovery"


async def test_a_credentials_provider_is_asked_for_each_new_connection(
    stream: str, password: None
) -> None:
    current = {"secret": "guest"}
    asked: list[str] = []

    async def provider() -> str:
        asked.append(current["secret"])
        return current["secret"]

    async with Producer(HOST, PORT, credentials_provider=provider) as producer:
        await producer.send_wait(stream, b"first")
        assert asked and set(asked) == {"guest"}
        current["secret"] = "rotated-2"  # e.g. a new OAuth 2 token
        await set_password("rotated-2")
        await drop_all_connections()
        await producer.send_wait(stream, b"after recovery", timeout=30)
    assert "rotated-2" in asked


async def test_a_refused_secret_raises_a_typed_error(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_wait(stream, b"m")
        with pytest.raises(AuthenticationFailure):
            await producer.update_secret("not-the-password")
