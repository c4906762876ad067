"""Each client object uses its own plugin registry when given one (the installed plugins
otherwise): a client can leave plugins out without changing any other client."""

from __future__ import annotations

import asyncio

import pytest

from rstream import AMQPMessage, CompressionType, Consumer, Producer, amqp_decoder
from rstream_core.errors import ProtocolError, UnknownPluginError
from rstream_core.plugins import build_registry

from .conftest import HOST, PORT


async def test_a_client_without_gzip_refuses_it_and_others_keep_it(stream: str) -> None:
    no_gzip = build_registry(blocked=["compression_gzip"])
    messages = [AMQPMessage(body=b"m%d" % i) for i in range(5)]
    async with Producer(HOST, PORT, plugins=no_gzip) as restricted:
        with pytest.raises(UnknownPluginError):
            await restricted.send_sub_entry(stream, messages, CompressionType.Gzip)
        await restricted.send_wait(stream, AMQPMessage(body=b"plain"))
    async with Producer(HOST, PORT) as everything:  # the installed plugins: gzip is there
        await everything.send_sub_entry(stream, messages, CompressionType.Gzip)
        await everything.flush()

    got: list[bytes] = []
    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, lambda m, c: got.append(m.body), decoder=amqp_decoder)
        while len(got) < 6:
            await asyncio.sleep(0.05)
    assert got == [b"plain"] + [b"m%d" % i for i in range(5)]

    # A consumer whose registry has no gzip cannot read the batch: a clear protocol error.
    ended = asyncio.Event()
    async with Consumer(HOST, PORT, plugins=no_gzip) as consumer:
        subscriber = await consumer.subscribe(stream, lambda m, c: None, decoder=amqp_decoder)
        subscription = consumer.subscription(subscriber)
        subscription.on_end = lambda _: ended.set()
        await asyncio.wait_for(ended.wait(), 10)
    assert isinstance(subscription.error, ProtocolError)
    assert "unknown compression (id 1)" in str(subscription.error)


async def test_a_client_registry_decides_the_codec_and_the_sasl_mechanism(stream: str) -> None:
    only_binary = build_registry(blocked=["codec_amqp"])
    with pytest.raises(UnknownPluginError):
        Producer(HOST, PORT, codec="amqp", plugins=only_binary)
    no_plain = build_registry(blocked=["auth_plain"])
    with pytest.raises(UnknownPluginError):
        Producer(HOST, PORT, plugins=no_plain)  # PLAIN is the default mechanism
