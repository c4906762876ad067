"""Connecting through a load balancer: dial its address, check which node was reached."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rstream import Consumer, Producer
from rstream_core.plugin_api import Address
from rstream_core.plugins import PluginRegistry

from .conftest import HOST, PORT, wait_for
from .helpers import read_stream
from .proxy import Proxy


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[Proxy, int]]:
    balancer = Proxy(HOST, PORT)
    port = await balancer.start()
    yield balancer, port
    await balancer.close()


async def test_load_balancer_mode_goes_through_the_balancer(
    stream: str, proxy: tuple[Proxy, int]
) -> None:
    balancer, port = proxy
    seen: list[bytes] = []
    async with (
        Producer(HOST, port, load_balancer_mode=True) as producer,
        Consumer(HOST, port, load_balancer_mode=True) as consumer,
    ):
        await producer.send_wait(stream, b"via the balancer")
        await consumer.subscribe(stream, lambda m, c: seen.append(m))
        await wait_for(lambda: seen == [b"via the balancer"])
    # locator + publisher connection + locator + subscription connection, all proxied
    assert balancer.connections >= 4


class PickyBalancer:
    """Refuses the first two nodes it reaches, as a balancer landing on wrong nodes would."""

    name = "picky"
    refused = 0

    def resolve(self, node: Address, entry_points: list[Address]) -> Address:
        return entry_points[0]

    def accept(self, wanted: Address, advertised: Address) -> bool:
        if PickyBalancer.refused < 2:
            PickyBalancer.refused += 1
            return False
        return wanted == advertised


async def test_wrong_node_is_retried_until_the_wanted_one(
    stream: str, proxy: tuple[Proxy, int], registry: PluginRegistry
) -> None:
    balancer, port = proxy
    registry.add_load_balancer("picky", PickyBalancer)
    async with Producer(HOST, port, load_balancer="picky") as producer:
        await producer.send_wait(stream, b"after two refusals")
    assert PickyBalancer.refused == 2
    assert balancer.connections >= 4  # locator, two refused, the accepted one
    assert [m for _, m in await read_stream(stream, 1)] == [b"after two refusals"]
