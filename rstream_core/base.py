"""What Producer and Consumer share: settings, the connection pool, stream administration."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypedDict

from rstream_core import callbacks, telemetry
from rstream_core.arguments import StreamArguments, SuperStreamCreationOption
from rstream_core.client import Client, StreamInfo
from rstream_core.compat import warn_ignored
from rstream_core.connection import ConnectionParams
from rstream_core.plugins import PluginRegistry, get_registry
from rstream_core.pool import MAX_IDS, ConnectionPool
from rstream_core.protocol.constants import DEFAULT_FRAME_MAX, DEFAULT_HEARTBEAT, MAX_INBOUND_FRAME
from rstream_core.state import ResourceState, StateListener, StateReporter
from rstream_core.types import OnClosedErrorInfo, OnCloseHandler, SlasMechanism
from rstream_core.uri import endpoints


class ConnectionSettings(TypedDict, total=False):
    """The keyword arguments every client object takes (see `ClientBase`)."""

    uris: Sequence[str] | None
    username: str | None
    password: str | None
    vhost: str | None
    ssl_context: ssl.SSLContext | None
    frame_max: int
    max_inbound_frame: int
    heartbeat: int
    load_balancer_mode: bool
    load_balancer: str | None
    max_per_connection: int
    connection_name: str | None
    sasl_configuration_mechanism: SlasMechanism | str
    on_close_handler: OnCloseHandler | None
    on_state_change: StateListener | None
    credentials_provider: Callable[[], Any] | None
    metrics: bool | None
    tracing: bool
    meter_provider: Any
    tracer_provider: Any
    connect_timeout: float
    plugins: PluginRegistry | None
    # rstream 1.x names, accepted so that existing code keeps running (see ClientBase)
    max_publishers_by_connection: int
    max_subscribers_by_connection: int
    max_retries: int
    default_batch_publishing_delay: float
    default_context_switch_value: int
    recovery_strategy: object


class AsyncResource:
    """`async with` support for objects with `start()` and `close()`."""

    async def start(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class ClientBase(AsyncResource):
    """Settings and administration common to every public client object.

    `host` is a host name or a `rabbitmq-stream://user:password@host:port/vhost` URI
    (`rabbitmq-stream+tls://` for TLS); `uris=[...]` gives several, tried in turn when
    connecting and when recovering. Credentials and vhost given as keywords win over a URI's;
    without either they are guest/guest on "/". `credentials_provider()` (sync or async)
    returns the password or token for each connection opened, recovery included (an OAuth 2
    token refreshed before it expires); `update_secret` changes it on open connections.
    With opentelemetry-api installed (`rstream[otel]`), metrics go to `meter_provider` (else
    the global one) unless `metrics=False`; `tracing=True` adds publish and process spans that
    carry the trace in the messages' application properties (`traceparent`).
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 5552,
        *,
        uris: Sequence[str] | None = None,
        username: str | None = None,
        password: str | None = None,
        vhost: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        frame_max: int = DEFAULT_FRAME_MAX,
        max_inbound_frame: int = MAX_INBOUND_FRAME,
        heartbeat: int = DEFAULT_HEARTBEAT,
        load_balancer_mode: bool = False,
        load_balancer: str | None = None,
        max_per_connection: int = MAX_IDS,
        connection_name: str | None = None,
        sasl_configuration_mechanism: SlasMechanism | str = SlasMechanism.MechanismPlain,
        on_close_handler: OnCloseHandler | None = None,
        on_state_change: StateListener | None = None,
        credentials_provider: Callable[[], Any] | None = None,
        metrics: bool | None = None,
        tracing: bool = False,
        meter_provider: Any = None,
        tracer_provider: Any = None,
        connect_timeout: float = 10.0,
        plugins: PluginRegistry | None = None,
        max_publishers_by_connection: int | None = None,
        max_subscribers_by_connection: int | None = None,
        max_retries: int | None = None,
        default_batch_publishing_delay: float | None = None,
        default_context_switch_value: int | None = None,
        recovery_strategy: object = None,
    ) -> None:
        max_per_connection = (
            max_publishers_by_connection or max_subscribers_by_connection or max_per_connection
        )
        warn_ignored(
            default_batch_publishing_delay=default_batch_publishing_delay,
            default_context_switch_value=default_context_switch_value,
            recovery_strategy=recovery_strategy,
        )
        mechanism = getattr(sasl_configuration_mechanism, "value", sasl_configuration_mechanism)
        where = endpoints(host, port, uris)
        # OpenTelemetry instruments when opentelemetry-api is installed (rstream[otel]) and
        # `metrics` is not False; None otherwise, which is all the hot paths look at.
        self._telemetry = telemetry.create(metrics, meter_provider, tracer_provider, tracing)
        if where.tls and ssl_context is None:
            ssl_context = ssl.create_default_context()  # verifies the certificate and host
        (first_host, first_port), *_ = where.addresses
        self._params = ConnectionParams(
            host=first_host,
            port=first_port,
            username=_first(username, where.username, "guest"),
            password=_first(password, where.password, "guest"),
            vhost=_first(vhost, where.vhost, "/"),
            ssl_context=ssl_context,
            frame_max=frame_max,
            max_inbound_frame=max_inbound_frame,
            heartbeat=heartbeat,
            connection_name=connection_name,
            sasl_mechanism=str(mechanism),
            connect_timeout=connect_timeout,
            plugins=plugins,
            telemetry=self._telemetry,
        )
        # The plugins this client uses: the installed ones unless it was given its own
        # registry (e.g. `build_registry(blocked=[...])`), looked up once, here.
        registry = self._plugins = plugins or get_registry()
        registry.sasl(str(mechanism))  # fail now, not at connect time, on an unknown name
        lb_name = load_balancer or ("load-balancer" if load_balancer_mode else "direct")
        self._pool = ConnectionPool(
            self._params,
            registry.load_balancer(lb_name),
            max_per_connection,
            connect_attempts=max_retries or 10,
            entry_points=where.addresses,
            credentials_provider=credentials_provider,
        )
        self._on_close_handler = on_close_handler
        self._states = StateReporter(self, on_state_change)

    @property
    def state(self) -> ResourceState:
        """opening, open, recovering (a publisher or subscription re-attaching), closing,
        closed; `on_state_change(self, old, new)` hears every change."""
        return self._states.state

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the first connection (to the configured address)."""
        await self._pool.locator()
        self._states.enter(ResourceState.OPEN)

    async def close(self) -> None:
        self._states.enter(ResourceState.CLOSING)
        await self._pool.close()
        self._states.enter(ResourceState.CLOSED)

    async def update_secret(self, secret: str) -> None:
        """Re-authenticate every open connection with a new password or OAuth 2 token,
        without closing any (RabbitMQ 3.13+; `UnsupportedFeatureError` before), and use it
        for every connection opened from now on (recovery included)."""
        await self._pool.update_secret(secret)

    def _notify_closed(self, reason: str, streams: list[str]) -> None:
        if self._on_close_handler is not None:
            callbacks.fire(self._on_close_handler, OnClosedErrorInfo(reason, streams))

    async def _admin(self) -> Client:
        return await self._pool.locator()

    # ------------------------------------------------------------ administration

    async def create_stream(
        self,
        stream: str,
        arguments: StreamArguments | dict[str, Any] | None = None,
        exists_ok: bool = False,
    ) -> None:
        await (await self._admin()).create_stream(stream, arguments, exists_ok)

    async def delete_stream(self, stream: str, missing_ok: bool = False) -> None:
        await (await self._admin()).delete_stream(stream, missing_ok)

    async def stream_exists(self, stream: str) -> bool:
        return await (await self._admin()).stream_exists(stream)

    async def stream_stats(self, stream: str) -> dict[str, int]:
        return await (await self._admin()).stream_stats(stream)

    async def stream_info(self, stream: str) -> StreamInfo:
        return await (await self._admin()).stream_info(stream)

    async def create_super_stream(
        self,
        super_stream: str,
        option: SuperStreamCreationOption,
        exists_ok: bool = False,
    ) -> None:
        await (await self._admin()).create_super_stream(super_stream, option, exists_ok)

    async def delete_super_stream(self, super_stream: str, missing_ok: bool = False) -> None:
        await (await self._admin()).delete_super_stream(super_stream, missing_ok)

    async def partitions(self, super_stream: str) -> list[str]:
        return await (await self._admin()).partitions(super_stream)

    async def route(self, routing_key: str, super_stream: str) -> list[str]:
        """The partitions the broker routes `routing_key` to (empty: no binding matches)."""
        return await (await self._admin()).route(routing_key, super_stream)


def _first(*values: str | None) -> str:
    """The first value given (the last one is the default)."""
    return next(value for value in values if value is not None)
