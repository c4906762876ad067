"""Handshake, SASL, TLS, heartbeats and closing against the real broker."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from rstream_core.connection import CloseReason, Connection, ConnectionState
from rstream_core.errors import (
    AuthenticationError,
    AuthenticationFailure,
    ConnectionClosedError,
    SaslMechanismNotSupported,
    VirtualHostAccessFailure,
)
from rstream_core.protocol.constants import Key

from .conftest import CERTS, TLS_PORT, params


async def test_plain_handshake_negotiates_and_learns_the_server() -> None:
    connection = await Connection.open(params(frame_max=65536, heartbeat=30))
    try:
        assert connection.state is ConnectionState.OPEN
        assert connection.server_properties["product"] == "RabbitMQ"
        assert connection.server_version >= (3, 13)
        assert connection.frame_max == 65536
        assert connection.heartbeat == 30
        assert connection.advertised.host == "localhost"
        assert connection.advertised.port == 5552
        assert connection.supports(Key.PUBLISH, 2)  # filtering
        assert connection.supports(Key.STREAM_STATS)
    finally:
        await connection.close()
    assert connection.close_reason is CloseReason.CLIENT
    assert connection.state is ConnectionState.CLOSED
    await connection.close()  # idempotent


async def test_connection_name_is_sent() -> None:
    connection = await Connection.open(params(connection_name="rstream-name-test"))
    try:
        assert connection.is_open
    finally:
        await connection.close()


@pytest.mark.parametrize("mechanism", ["ANONYMOUS", "AMQPLAIN", "amqplain"])
async def test_other_mechanisms_the_broker_offers(mechanism: str) -> None:
    connection = await Connection.open(params(sasl_mechanism=mechanism))
    await connection.close()


async def test_amqplain_with_a_wrong_password() -> None:
    with pytest.raises(AuthenticationFailure):
        await Connection.open(params(sasl_mechanism="AMQPLAIN", password="wrong"))


async def test_wrong_password_is_a_clear_authentication_error() -> None:
    with pytest.raises(AuthenticationFailure) as caught:
        await Connection.open(params(password="not-the-password"))
    assert isinstance(caught.value, AuthenticationError)
    assert "not-the-password" not in str(caught.value)


async def test_unknown_vhost() -> None:
    with pytest.raises(VirtualHostAccessFailure):
        await Connection.open(params(vhost="no-such-vhost"))


async def test_external_needs_tls() -> None:
    with pytest.raises(SaslMechanismNotSupported):
        await Connection.open(params(sasl_mechanism="EXTERNAL"))


def tls_context(with_client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(CERTS / "ca_certificate.pem"))
    if with_client_cert:
        context.load_cert_chain(
            str(CERTS / "client_certificate.pem"), str(CERTS / "client_key.pem")
        )
    return context


async def test_tls_with_plain() -> None:
    connection = await Connection.open(
        params(host="localhost", port=TLS_PORT, ssl_context=tls_context(False))
    )
    try:
        assert connection.advertised.port == TLS_PORT
    finally:
        await connection.close()


async def test_tls_with_external_takes_the_user_from_the_certificate() -> None:
    connection = await Connection.open(
        params(
            host="localhost",
            port=TLS_PORT,
            ssl_context=tls_context(True),
            sasl_mechanism="EXTERNAL",
            username="ignored",
            password="ignored",
        )
    )
    await connection.close()


async def test_heartbeats_keep_an_idle_connection_alive() -> None:
    connection = await Connection.open(params(heartbeat=2))
    try:
        await asyncio.sleep(5)  # more than two intervals without any request
        assert connection.is_open
        from rstream_core.client import Client

        assert await Client(connection).stream_exists("surely-not-a-stream") is False
    finally:
        await connection.close()


async def test_server_close_is_surfaced_with_its_reason() -> None:
    connection = await Connection.open(params())
    closed: list[Connection] = []
    connection.add_close_listener(closed.append)
    # A frame with an unknown key: the broker answers with Close, code 13.
    connection.write(b"\x00\x00\x00\x04\x00\x77\x00\x01")
    for _ in range(100):
        if closed:
            break
        await asyncio.sleep(0.05)
    assert closed == [connection]
    assert connection.close_reason is CloseReason.SERVER
    assert isinstance(connection.close_error, ConnectionClosedError)
    assert connection.close_error.code == 13
    with pytest.raises(ConnectionClosedError):
        connection.write(b"")


async def test_a_silent_broker_is_detected_after_two_heartbeat_intervals() -> None:
    from .proxy import Proxy

    proxy = Proxy("127.0.0.1", 5552)
    port = await proxy.start()
    try:
        connection = await Connection.open(params(port=port, heartbeat=1))
        closed: list[Connection] = []
        connection.add_close_listener(closed.append)
        proxy.freeze()  # nothing gets through any more, heartbeats included
        for _ in range(80):
            if closed:
                break
            await asyncio.sleep(0.05)
        assert closed == [connection]
        assert connection.close_reason is CloseReason.HEARTBEAT
    finally:
        await proxy.close()
