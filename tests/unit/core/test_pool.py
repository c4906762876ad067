"""The connection pool's own logic without a broker: ids on a connection, which connection a
publisher or subscription gets, the load balancer's retries, routing of the server's pushes,
what a drop or a MetadataUpdate tells each user, idle connections closed.

A `FakeConnection` stands for an open Connection: it has the few attributes the pool uses and
lets a test push frames and drop it. No bytes, no socket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from rstream_core.client import StreamInfo
from rstream_core.connection import CloseReason, ConnectionParams
from rstream_core.errors import ClientTimeoutError, ConnectionClosedError, StreamNotAvailable
from rstream_core.plugin_api import Address
from rstream_core.pool import MAX_IDS, ConnectionPool, PooledClient
from rstream_core.protocol.frames import (
    ConsumerUpdate,
    Deliver,
    MetadataUpdate,
    PublishConfirm,
    PublishError,
)

A, B, C = Address("a", 1), Address("b", 2), Address("c", 3)


class FakeConnection:
    def __init__(self, params: ConnectionParams, advertised: Address) -> None:
        self.params = params
        self.advertised = advertised
        self.is_open = True
        self.close_error: Exception | None = None
        self.close_reason = CloseReason.OPEN
        self._listeners: dict[type, Callable[[Any], None]] = {}
        self._close_listeners: list[Callable[[Any], None]] = []

    def add_listener(self, kind: type, listener: Callable[[Any], None]) -> None:
        self._listeners[kind] = listener

    def add_close_listener(self, listener: Callable[[Any], None]) -> None:
        self._close_listeners.append(listener)

    def push(self, frame: object) -> None:
        self._listeners[type(frame)](frame)

    def drop(self, error: Exception | None = None) -> None:
        self.is_open = False
        self.close_error = error
        self.close_reason = CloseReason.LOST
        for listener in self._close_listeners:
            listener(self)

    async def close(self) -> None:
        if self.is_open:
            self.is_open = False
            self.close_reason = CloseReason.CLIENT
            for listener in self._close_listeners:
                listener(self)


class Opener:
    """Opens fake connections; `lands_on(dialed)` says which node a dial reaches (a load
    balancer in front may land elsewhere), `down` lists addresses that refuse."""

    def __init__(self, lands_on: Callable[[Address], Address] = lambda dialed: dialed) -> None:
        self.lands_on = lands_on
        self.down: set[Address] = set()
        self.opened: list[FakeConnection] = []

    async def __call__(self, params: ConnectionParams) -> Any:
        dialed = Address(params.host, params.port)
        if dialed in self.down:
            raise ConnectionClosedError(f"cannot connect to {dialed}", code=None)
        connection = FakeConnection(params, self.lands_on(dialed))
        self.opened.append(connection)
        return connection


class Direct:
    """Dial the node itself; any connection is the one wanted."""

    name = "direct"

    def resolve(self, node: Address, entry_points: Sequence[Address]) -> Address:
        return node

    def accept(self, wanted: Address, advertised: Address) -> bool:
        return True


class BehindBalancer:
    """Dial the single entry point; keep only a connection that reached the wanted node."""

    name = "load-balancer"

    def resolve(self, node: Address, entry_points: Sequence[Address]) -> Address:
        return entry_points[0]

    def accept(self, wanted: Address, advertised: Address) -> bool:
        return wanted == advertised


class User:
    """A publisher or subscription: records what the pool tells it."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.told: list[object] = []

    def on_stream_unavailable(self, reason: str) -> None:
        self.told.append(("unavailable", reason))

    def on_publish_confirm(self, frame: PublishConfirm) -> None:
        self.told.append(frame)

    def on_publish_error(self, frame: PublishError) -> None:
        self.told.append(frame)

    def on_deliver(self, frame: Deliver) -> None:
        self.told.append(frame)

    def on_consumer_update(self, frame: ConsumerUpdate) -> None:
        self.told.append(frame)

    def on_credit_error(self, frame: object) -> None:
        self.told.append(frame)


def pooled(limit: int = MAX_IDS) -> tuple[PooledClient, FakeConnection]:
    connection = FakeConnection(ConnectionParams(), A)
    return PooledClient(connection, A, limit), connection  # type: ignore[arg-type]


def pool_with(
    opener: Opener, balancer: Any = None, limit: int = MAX_IDS, attempts: int = 10,
    info: dict[str, StreamInfo] | None = None, entry_points: Sequence[tuple[str, int]] = (),
) -> ConnectionPool:
    pool = ConnectionPool(
        ConnectionParams(host="entry", port=9), balancer or Direct(), limit,
        connect_attempts=attempts, entry_points=entry_points, connect=opener,
    )
    streams = info or {}

    async def stream_info(stream: str) -> StreamInfo:
        return streams[stream]

    pool.stream_info = stream_info  # type: ignore[method-assign]
    return pool


def is_open(client: PooledClient) -> bool:
    return client.connection.is_open


def led_by(leader: Address | None, *replicas: Address) -> StreamInfo:
    return StreamInfo(stream="s", code=1, leader=leader, replicas=replicas)


# ------------------------------------------------------------ ids on one connection


def test_ids_are_the_lowest_free_ones_up_to_the_limit() -> None:
    client, _ = pooled()
    assert [client.take_publisher_id() for _ in range(MAX_IDS)] == list(range(MAX_IDS))
    assert client.take_publisher_id() is None  # 256 publishers: the u8 ids are used up
    client.publisher_ids.discard(7)
    assert client.take_publisher_id() == 7
    assert client.take_subscription_id() == 0  # subscriptions count apart


def test_max_per_connection_lowers_the_limit() -> None:
    client, _ = pooled(limit=2)
    assert [client.take_subscription_id() for _ in range(3)] == [0, 1, None]
    assert not client.idle


# ------------------------------------------------------------ pushes and drops


def test_pushes_go_to_whoever_holds_the_id_and_unknown_ids_are_dropped() -> None:
    client, connection = pooled()
    publisher, subscription = User("s"), User("s")
    client.publishers[3] = publisher
    client.subscriptions[5] = subscription
    confirm = PublishConfirm(publisher_id=3, publishing_ids=(1, 2))
    error = PublishError(publisher_id=3, errors=((4, 2),))
    deliver = Deliver(subscription_id=5, chunk=b"chunk")
    update = ConsumerUpdate(subscription_id=5, active=True)
    for frame in (confirm, error, deliver, update,
                  PublishConfirm(publisher_id=9, publishing_ids=(1,)),
                  Deliver(subscription_id=9, chunk=b"late, after Unsubscribe")):
        connection.push(frame)
    assert publisher.told == [confirm, error]
    assert subscription.told == [deliver, update]


def test_a_metadata_update_detaches_only_the_users_of_that_stream() -> None:
    client, connection = pooled()
    idle: list[PooledClient] = []
    client.on_idle = idle.append
    moved, other = User("moved"), User("other")
    for table, ids, user, key in ((client.publishers, client.publisher_ids, moved, 0),
                                  (client.subscriptions, client.subscription_ids, other, 0)):
        table[key] = user
        ids.add(key)
    connection.push(MetadataUpdate(code=6, stream="moved"))
    assert moved.told == [("unavailable", "stream moved moved or was deleted")]
    assert other.told == [] and client.subscriptions == {0: other}
    assert client.publisher_ids == set() and idle == []  # a subscription is still on it
    client.subscriptions.clear()
    client.subscription_ids.clear()
    connection.push(MetadataUpdate(code=6, stream="other"))
    assert idle == [client]


def test_a_drop_tells_every_user_once_with_the_reason() -> None:
    client, connection = pooled()
    users = [User("s1"), User("s2")]
    client.publishers[0], client.subscriptions[0] = users
    client.publisher_ids.add(0)
    client.subscription_ids.add(0)
    error = ConnectionClosedError("no heartbeat from the server", code=None)
    connection.drop(error)
    assert [user.told for user in users] == [[("unavailable", str(error))]] * 2
    assert client.idle and not client.publishers and not client.subscriptions


# ------------------------------------------------------------ choosing a connection


async def test_publishers_of_one_leader_share_a_connection_up_to_the_limit() -> None:
    opener = Opener()
    pool = pool_with(opener, limit=2, info={"s": led_by(A, B), "t": led_by(B, A)})
    taken = [await pool.for_publisher("s") for _ in range(3)]
    assert [publisher_id for _, publisher_id in taken] == [0, 1, 0]
    assert taken[0][0] is taken[1][0] is not taken[2][0]  # the third needed a new one
    client, _ = await pool.for_publisher("t")
    assert client.node == B  # its own leader: another connection
    assert [Address(c.params.host, c.params.port) for c in opener.opened] == [A, A, B]


async def test_a_subscription_prefers_a_replica_and_falls_back_to_the_leader() -> None:
    opener = Opener()
    opener.down = {B, C}
    pool = pool_with(opener, info={"s": led_by(A, B, C), "none": led_by(None)})
    client, _ = await pool.for_subscription("s")
    assert client.node == A  # both replicas refused: the leader, tried last
    with pytest.raises(StreamNotAvailable):
        await pool.for_subscription("none")
    with pytest.raises(StreamNotAvailable):
        await pool.for_publisher("none")


async def test_a_closed_connection_is_not_reused() -> None:
    opener = Opener()
    pool = pool_with(opener, info={"s": led_by(A)})
    first, _ = await pool.for_publisher("s")
    first.connection.drop()  # type: ignore[attr-defined]
    second, publisher_id = await pool.for_publisher("s")
    assert second is not first and publisher_id == 0 and len(opener.opened) == 2


async def test_behind_a_load_balancer_the_pool_dials_again_until_it_reaches_the_node() -> None:
    landings = iter([B, C, A])
    opener = Opener(lands_on=lambda dialed: next(landings))
    pool = pool_with(opener, BehindBalancer(), info={"s": led_by(A)})
    pool.entry_points = (Address("balancer", 5560),)
    client, _ = await pool.for_publisher("s")
    assert client.connection.advertised == A
    assert [c.is_open for c in opener.opened] == [False, False, True]  # wrong nodes closed
    assert {c.params.host for c in opener.opened} == {"balancer"}


async def test_the_load_balancer_retries_are_bounded() -> None:
    opener = Opener(lands_on=lambda dialed: B)
    pool = pool_with(opener, BehindBalancer(), attempts=3, info={"s": led_by(A)})
    with pytest.raises(ConnectionClosedError, match="in 3 attempts"):
        await pool.for_publisher("s")
    assert len(opener.opened) == 3 and not any(c.is_open for c in opener.opened)


# ------------------------------------------------------------ the locator, release, close


async def test_the_locator_tries_the_configured_addresses_in_turn_and_reopens() -> None:
    opener = Opener()
    opener.down = {Address("first", 1)}
    pool = pool_with(opener, entry_points=[("first", 1), ("second", 2)])
    locator = await pool.locator()
    assert locator.connection.params.host == "second"
    assert await pool.locator() is locator  # shared while open
    locator.connection.drop()  # type: ignore[attr-defined]
    opener.down = set()
    assert (await pool.locator()).connection.params.host == "first"


async def test_the_last_address_refusing_raises_its_error() -> None:
    opener = Opener()
    opener.down = {Address("only", 1)}
    pool = pool_with(opener, entry_points=[("only", 1)])
    with pytest.raises(ConnectionClosedError, match="cannot connect"):
        await pool.locator()


async def test_a_connection_is_closed_once_its_last_user_is_released() -> None:
    opener = Opener()
    pool = pool_with(opener, info={"s": led_by(A)})
    client, first = await pool.for_publisher("s")
    _, second = await pool.for_subscription("s")
    await pool.release_publisher(client, first)
    assert is_open(client)  # the subscription still uses it
    await pool.release_subscription(client, second)
    assert not is_open(client)
    assert (await pool.for_publisher("s"))[0] is not client


async def test_close_closes_every_connection_and_the_locator() -> None:
    opener = Opener()
    pool = pool_with(opener, info={"s": led_by(A), "t": led_by(B)})
    await pool.locator()
    await pool.for_publisher("s")
    await pool.for_subscription("t")
    await pool.close()
    assert len(opener.opened) == 3 and not any(c.is_open for c in opener.opened)


async def test_a_timeout_on_one_node_moves_on_to_the_next() -> None:
    opener = Opener()

    async def slow_b(params: ConnectionParams) -> Any:
        if params.host == "b":
            raise ClientTimeoutError("handshake with b:2 timed out")
        return await opener(params)

    pool = pool_with(opener, info={"s": led_by(A, B)})
    pool._connect = slow_b
    client, _ = await pool.for_subscription("s")
    assert client.node == A
