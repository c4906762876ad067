"""Stream URIs against the broker: one URI, a list tried in turn (at connect and when the
locator reconnects), TLS, a vhost, and no password in any log line or error."""

from __future__ import annotations

import logging
import ssl

import pytest

from rstream import AMQPMessage, Consumer, MessageContext, Producer, amqp_decoder
from rstream_core.errors import (
    AuthenticationFailure,
    TLSError,
    VirtualHostAccessFailure,
)

from .conftest import CERTS, PORT, TLS_PORT, wait_for
from .proxy import Proxy

SECRET = "guest"  # the broker's password: must not appear in what we log or raise


async def test_one_uri_gives_address_credentials_and_vhost(stream: str) -> None:
    uri = f"rabbitmq-stream://guest:guest@127.0.0.1:{PORT}/%2F"
    received: list[bytes] = []

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        received.append(bytes(message.body))

    async with Producer(uri) as producer, Consumer(uri) as consumer:
        await producer.send_wait(stream, AMQPMessage(body=b"via a URI"))
        await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
        await wait_for(lambda: received == [b"via a URI"])


async def test_uris_are_tried_in_turn_at_connect_and_when_the_locator_reconnects(
    stream: str,
) -> None:
    proxy = Proxy("127.0.0.1", PORT)
    proxy_port = await proxy.start()
    uris = [
        f"rabbitmq-stream://guest:guest@127.0.0.1:{proxy_port}",  # first: through the proxy
        f"rabbitmq-stream://guest:guest@127.0.0.1:{PORT}",
    ]
    try:
        async with Producer(uris=uris) as producer:
            assert proxy.connections == 1  # the first address was used
            await proxy.close()  # it goes away: its connections are cut, the port closed
            await wait_for(lambda: not producer._pool._locator.connection.is_open)  # type: ignore[union-attr]
            assert await producer.stream_exists(stream)  # reconnected to the second
            await producer.send_wait(stream, b"still here")
    finally:
        await proxy.close()


async def test_a_tls_uri_verifies_the_certificate(stream: str) -> None:
    context = ssl.create_default_context(cafile=str(CERTS / "ca_certificate.pem"))
    uri = f"rabbitmq-stream+tls://guest:guest@localhost:{TLS_PORT}"
    async with Producer(uri, ssl_context=context) as producer:
        await producer.send_wait(stream, b"over TLS")
    # Without our CA the default context refuses the test certificate.
    with pytest.raises(TLSError, match=r"certificate verify failed"):
        async with Producer(uri, connect_timeout=5):
            pass


async def test_a_vhost_from_the_uri_is_used() -> None:
    with pytest.raises(VirtualHostAccessFailure):
        async with Producer(f"rabbitmq-stream://guest:guest@127.0.0.1:{PORT}/no-such-vhost"):
            pass


async def test_no_password_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    wrong = "not-the-password-7f3a"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationFailure) as raised:
        async with Producer(f"rabbitmq-stream://guest:{wrong}@127.0.0.1:{PORT}"):
            pass
    async with Producer(f"rabbitmq-stream://guest:{SECRET}@127.0.0.1:{PORT}") as producer:
        assert SECRET not in repr(producer._params).replace("username='guest'", "")
    assert wrong not in str(raised.value) and wrong not in repr(raised.value)
    assert caplog.records  # the session was logged at DEBUG
    assert wrong not in caplog.text
