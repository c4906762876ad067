"""The load-balancer plugins: pure resolve/accept, and the retry loop they drive."""

from __future__ import annotations

import itertools

import pytest

from rstream_core.plugin_api import Address, LoadBalancer
from rstream_core.plugins import get_registry

NODES = [Address("rabbit-1", 5552), Address("rabbit-2", 5552), Address("rabbit-3", 5552)]
BALANCER = Address("lb.example.com", 5552)


def strategy(name: str) -> LoadBalancer:
    chosen = get_registry().load_balancer(name)
    assert isinstance(chosen, LoadBalancer)
    assert chosen.name == name
    return chosen


def test_direct_dials_the_advertised_node_and_accepts_it() -> None:
    direct = strategy("direct")
    assert direct.resolve(NODES[1], [BALANCER]) == NODES[1]
    assert direct.resolve(NODES[1], []) == NODES[1]
    assert direct.accept(NODES[1], NODES[2])


def test_load_balancer_always_dials_the_first_entry_point() -> None:
    balanced = strategy("load-balancer")
    for node in NODES:
        assert balanced.resolve(node, [BALANCER, NODES[0]]) == BALANCER


def test_load_balancer_needs_an_entry_point() -> None:
    with pytest.raises(ValueError, match="balancer's address"):
        strategy("load-balancer").resolve(NODES[0], [])


def test_load_balancer_accepts_only_the_wanted_node() -> None:
    balanced = strategy("load-balancer")
    assert balanced.accept(NODES[0], Address("rabbit-1", 5552))
    assert balanced.accept(NODES[0], Address("RABBIT-1", 5552))
    assert not balanced.accept(NODES[0], NODES[1])
    assert not balanced.accept(NODES[0], Address("rabbit-1", 5553))


def connect_until_accepted(chosen: LoadBalancer, wanted: Address, attempts: int) -> int:
    """The connection layer's loop, against a balancer that hands out nodes in turn."""
    behind_balancer = itertools.cycle(NODES)
    for attempt in range(1, attempts + 1):
        dialled = chosen.resolve(wanted, [BALANCER])
        reached = next(behind_balancer) if dialled == BALANCER else dialled
        if chosen.accept(wanted, reached):
            return attempt
    raise AssertionError("never reached the wanted node")


def test_the_retry_loop_reaches_the_wanted_node_through_the_balancer() -> None:
    assert connect_until_accepted(strategy("load-balancer"), NODES[2], attempts=10) == 3


def test_direct_needs_no_retry() -> None:
    assert connect_until_accepted(strategy("direct"), NODES[2], attempts=1) == 1
