"""Connections shared between the producers or consumers of one client object.

A producer wants the stream's leader and a consumer prefers a replica (docs/protocol.md gotcha 8).
Which address to dial for a node, and whether the node reached is the one wanted, is the
load-balancer plugin's call; the retry loop lives here. A connection carries at most 256
publishers and 256 subscriptions (ids are u8), or fewer when `max_per_connection` says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from rstream_core import callbacks
from rstream_core.client import Client, StreamInfo
from rstream_core.connection import Connection, ConnectionParams
from rstream_core.errors import ClientTimeoutError, ConnectionClosedError, StreamNotAvailable
from rstream_core.plugin_api import Address, LoadBalancer
from rstream_core.protocol.frames import (
    ConsumerUpdate,
    CreditResponse,
    Deliver,
    MetadataUpdate,
    PublishConfirm,
    PublishError,
)
from rstream_core.retry import LOAD_BALANCER_BACK_OFF

log = logging.getLogger("rstream.pool")

MAX_IDS = 256


class StreamUser(Protocol):
    """A publisher or subscription riding on a pooled connection."""

    stream: str

    def on_stream_unavailable(self, reason: str) -> None:
        """The server dropped us from the stream (MetadataUpdate) or the connection ended."""


class PublisherUser(StreamUser, Protocol):
    def on_publish_confirm(self, frame: PublishConfirm) -> None: ...
    def on_publish_error(self, frame: PublishError) -> None: ...


class SubscriptionUser(StreamUser, Protocol):
    def on_deliver(self, frame: Deliver) -> None: ...
    def on_consumer_update(self, frame: ConsumerUpdate) -> None: ...
    def on_credit_error(self, frame: CreditResponse) -> None: ...


class PooledClient(Client):
    """A client that hands out the u8 publisher and subscription ids of its connection and
    routes the server's pushes to whoever holds each id."""

    def __init__(self, connection: Connection, node: Address, limit: int) -> None:
        super().__init__(connection)
        self.node = node
        self.limit = limit
        self.publisher_ids: set[int] = set()
        self.subscription_ids: set[int] = set()
        self.publishers: dict[int, PublisherUser] = {}
        self.subscriptions: dict[int, SubscriptionUser] = {}
        # Told when a MetadataUpdate leaves the connection with nobody on it.
        self.on_idle: Callable[[PooledClient], None] | None = None
        connection.add_listener(PublishConfirm, self._on_confirm)
        connection.add_listener(PublishError, self._on_error)
        connection.add_listener(Deliver, self._on_deliver)
        connection.add_listener(ConsumerUpdate, self._on_consumer_update)
        connection.add_listener(CreditResponse, self._on_credit_error)
        connection.add_listener(MetadataUpdate, self._on_metadata_update)
        connection.add_close_listener(self._on_close)

    def _on_confirm(self, frame: PublishConfirm) -> None:
        user = self.publishers.get(frame.publisher_id)
        if user is not None:
            user.on_publish_confirm(frame)

    def _on_error(self, frame: PublishError) -> None:
        user = self.publishers.get(frame.publisher_id)
        if user is not None:
            user.on_publish_error(frame)

    def _on_deliver(self, frame: Deliver) -> None:
        # Deliver frames may still arrive after Unsubscribe (docs/protocol.md 2.1): drop them.
        user = self.subscriptions.get(frame.subscription_id)
        if user is not None:
            user.on_deliver(frame)

    def _on_consumer_update(self, frame: ConsumerUpdate) -> None:
        user = self.subscriptions.get(frame.subscription_id)
        if user is not None:
            user.on_consumer_update(frame)

    def _on_credit_error(self, frame: CreditResponse) -> None:
        user = self.subscriptions.get(frame.subscription_id)
        if user is not None:
            user.on_credit_error(frame)

    def _users(self) -> list[StreamUser]:
        return [*self.publishers.values(), *self.subscriptions.values()]

    def _on_metadata_update(self, frame: MetadataUpdate) -> None:
        # The server has already removed our publishers and subscriptions on that stream.
        for user in self._users():
            if user.stream == frame.stream:
                self._detach(user)
                user.on_stream_unavailable(f"stream {frame.stream} moved or was deleted")
        if self.idle and self.on_idle is not None:
            self.on_idle(self)

    def _on_close(self, connection: Connection) -> None:
        error = connection.close_error
        reason = str(error) if error else connection.close_reason.value
        for user in self._users():
            self._detach(user)
            user.on_stream_unavailable(reason)

    def _detach(self, user: StreamUser) -> None:
        for table, ids in ((self.publishers, self.publisher_ids),
                           (self.subscriptions, self.subscription_ids)):
            for key, value in list(table.items()):
                if value is user:
                    del table[key]
                    ids.discard(key)

    def _free_id(self, used: set[int]) -> int | None:
        if len(used) >= self.limit:
            return None
        return next(i for i in range(MAX_IDS) if i not in used)

    def take_publisher_id(self) -> int | None:
        found = self._free_id(self.publisher_ids)
        if found is not None:
            self.publisher_ids.add(found)
        return found

    def take_subscription_id(self) -> int | None:
        found = self._free_id(self.subscription_ids)
        if found is not None:
            self.subscription_ids.add(found)
        return found

    @property
    def idle(self) -> bool:
        return not self.publisher_ids and not self.subscription_ids


class ConnectionPool:
    """Opens, shares and closes the connections of one Producer or Consumer."""

    def __init__(
        self,
        params: ConnectionParams,
        load_balancer: LoadBalancer,
        max_per_connection: int = MAX_IDS,
        connect_attempts: int = 10,
        entry_points: Sequence[tuple[str, int]] = (),
        connect: Callable[[ConnectionParams], Awaitable[Connection]] = Connection.open,
        credentials_provider: Callable[[], Any] | None = None,
    ) -> None:
        if not 1 <= max_per_connection <= MAX_IDS:
            raise ValueError(f"max_per_connection must be between 1 and {MAX_IDS}")
        self.params = params
        self.load_balancer = load_balancer
        self.max_per_connection = max_per_connection
        self.connect_attempts = connect_attempts
        self._connect = connect  # how a connection is opened (the tests' fakes take its place)
        # Called (sync or async) for the current password or token before every connection.
        self._credentials_provider = credentials_provider
        # The configured addresses (several URIs), tried in turn for the locator.
        self.entry_points = tuple(
            Address(host=host, port=port)
            for host, port in (entry_points or [(params.host, params.port)])
        )
        self._locator: Client | None = None
        self._clients: list[PooledClient] = []
        self._lock = asyncio.Lock()
        self._locator_lock = asyncio.Lock()

    async def locator(self) -> Client:
        """A connection for administration and metadata (to the configured address)."""
        async with self._locator_lock:  # concurrent first calls share one connection
            if self._locator is None or not self._locator.connection.is_open:
                self._locator = Client(await self._open_entry_point())
            return self._locator

    async def _open_entry_point(self) -> Connection:
        """A connection to the first configured address that accepts one, in order."""
        *others, last = self.entry_points
        for address in others:
            try:
                return await self._dial(self.params.with_address(address))
            except (ConnectionClosedError, ClientTimeoutError) as exc:
                log.info("%s:%d unreachable (%s); trying the next address",
                         address.host, address.port, exc)
        return await self._dial(self.params.with_address(last))

    async def stream_info(self, stream: str) -> StreamInfo:
        return await (await self.locator()).stream_info(stream)

    async def for_publisher(self, stream: str) -> tuple[PooledClient, int]:
        """A connection to the stream's leader and a free publisher id on it."""
        info = await self.stream_info(stream)
        if info.leader is None:
            raise StreamNotAvailable(f"stream {stream} has no leader")
        return await self._take(
            [info.leader], lambda client: client.take_publisher_id(), "publisher"
        )

    async def for_subscription(self, stream: str) -> tuple[PooledClient, int]:
        """A connection to a replica of the stream (else its leader) and a free id on it."""
        info = await self.stream_info(stream)
        nodes = list(info.replicas)
        random.shuffle(nodes)
        if info.leader is not None:
            nodes.append(info.leader)
        if not nodes:
            raise StreamNotAvailable(f"stream {stream} has no available member")
        return await self._take(
            nodes, lambda client: client.take_subscription_id(), "subscription"
        )

    async def _take(
        self, nodes: Sequence[Address], take: Callable[[PooledClient], int | None], what: str
    ) -> tuple[PooledClient, int]:
        async with self._lock:
            for client in self._clients:
                if client.node in nodes and client.connection.is_open:
                    taken = take(client)
                    if taken is not None:
                        return client, taken
            client = await self._open_any(nodes)
            self._clients.append(client)
            taken = take(client)
            assert taken is not None  # a fresh connection has every id free
            return client, taken

    async def _open_any(self, nodes: Sequence[Address]) -> PooledClient:
        """The first of `nodes` (in order of preference) that accepts a connection."""
        for node in nodes[:-1]:
            try:
                return await self._open(node)
            except (ConnectionClosedError, ClientTimeoutError) as exc:
                log.info("node %s unreachable (%s); trying the next one", node, exc)
        return await self._open(nodes[-1])

    async def _open(self, node: Address) -> PooledClient:
        """Connect to `node`, retrying while the load balancer lands us elsewhere."""
        delays = LOAD_BALANCER_BACK_OFF.delays()
        for attempt in range(1, self.connect_attempts + 1):
            address = self.load_balancer.resolve(node, self.entry_points)
            connection = await self._dial(self.params.with_address(address))
            if self.load_balancer.accept(node, connection.advertised):
                connection.add_close_listener(self._forget)
                client = PooledClient(connection, node, self.max_per_connection)
                client.on_idle = self._on_idle
                return client
            log.debug(
                "attempt %d reached %s, wanted %s; retrying", attempt, connection.advertised, node
            )
            await connection.close()
            await asyncio.sleep(next(delays))
        raise ConnectionClosedError(
            f"could not reach node {node.host}:{node.port} in {self.connect_attempts} attempts",
            code=None,
        )

    async def _dial(self, params: ConnectionParams) -> Connection:
        provider = self._credentials_provider
        if provider is not None:
            secret = await callbacks.call(provider)
            params = dataclasses.replace(params, password=secret)
            self.params = dataclasses.replace(self.params, password=secret)
        connection = await self._connect(params)
        telemetry = params.telemetry
        if telemetry is not None:
            telemetry.connections.add(1)
            connection.add_close_listener(lambda _: telemetry.connections.add(-1))
        return connection

    async def update_secret(self, secret: str) -> None:
        """Use `secret` from now on, and authenticate every open connection with it again."""
        self.params = dataclasses.replace(self.params, password=secret)
        connections = [client.connection for client in self._clients]
        if self._locator is not None:
            connections.append(self._locator.connection)
        await asyncio.gather(*(c.update_secret(secret) for c in connections if c.is_open))

    def _on_idle(self, client: PooledClient) -> None:
        callbacks.fire(self._close_if_idle, client)

    def _forget(self, connection: Connection) -> None:
        self._clients = [c for c in self._clients if c.connection is not connection]

    async def release_publisher(self, client: PooledClient, publisher_id: int) -> None:
        client.publisher_ids.discard(publisher_id)
        client.publishers.pop(publisher_id, None)
        await self._close_if_idle(client)

    async def release_subscription(self, client: PooledClient, subscription_id: int) -> None:
        client.subscription_ids.discard(subscription_id)
        client.subscriptions.pop(subscription_id, None)
        await self._close_if_idle(client)

    async def _close_if_idle(self, client: PooledClient) -> None:
        if client.idle and client in self._clients:
            self._clients.remove(client)
            await client.connection.close()

    async def close(self) -> None:
        clients, self._clients = self._clients, []
        if self._locator is not None:
            clients.append(self._locator)  # type: ignore[arg-type]
            self._locator = None
        await asyncio.gather(*(c.connection.close() for c in clients), return_exceptions=True)
