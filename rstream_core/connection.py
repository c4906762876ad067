"""One stream-protocol connection: asyncio glue over the sans-IO codec.

The connection owns the socket, the handshake (PeerProperties, SASL, Tune, Open,
ExchangeCommandVersions), request/response correlation, heartbeats and closing. It never parses
bytes itself: `FrameReader` cuts frames and `decode_frame` turns them into typed frames, which
are either responses (matched to a waiting request by correlation id) or pushes from the
server, handed to the listeners that producers and consumers register by frame type.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rstream_core.errors import (
    ClientTimeoutError,
    ConnectionClosedError,
    ProtocolError,
    RStreamError,
    ServerError,
    TLSError,
    UnsupportedFeatureError,
)
from rstream_core.plugin_api import Address
from rstream_core.plugins import PluginRegistry, get_registry
from rstream_core.protocol.codec import decode_frame, encode_frame, encode_request
from rstream_core.protocol.constants import (
    DEFAULT_FRAME_MAX,
    DEFAULT_HEARTBEAT,
    MAX_INBOUND_FRAME,
    PRE_OPEN_FRAME_MAX,
    Code,
    Key,
)
from rstream_core.protocol.frames import (
    Close,
    CommandVersion,
    ExchangeCommandVersions,
    ExchangeCommandVersionsResponse,
    Frame,
    Heartbeat,
    Open,
    OpenResponse,
    PeerProperties,
    PeerPropertiesResponse,
    RequestFrame,
    Response,
    SaslAuthenticate,
    SaslAuthenticateResponse,
    SaslHandshake,
    SaslHandshakeResponse,
    Tune,
)
from rstream_core.protocol.reader import FrameReader

log = logging.getLogger("rstream.connection")

R = TypeVar("R")
Listener = Callable[[Any], None]

CLIENT_PROPERTIES = {
    "product": "rstream",
    "platform": "Python",
    "copyright": "rstream contributors",
    "information": "Licensed under the MIT license",
}
# The server accepts Deliver v2 only when the client lists exactly (8, 1, 2).
CLIENT_COMMANDS = (CommandVersion(key=Key.DELIVER, min_version=1, max_version=2),)


class ConnectionState(enum.Enum):
    """Where a connection is; `Connection._enter` allows only the transitions below."""

    CONNECTING = "connecting"  # no socket yet
    HANDSHAKING = "handshaking"  # socket open: peer properties, SASL, tune, open
    OPEN = "open"
    CLOSING = "closing"  # closed or aborted by either side; the socket is going away
    CLOSED = "closed"  # the socket is gone


_TRANSITIONS = {
    ConnectionState.CONNECTING: {ConnectionState.HANDSHAKING, ConnectionState.CLOSING},
    ConnectionState.HANDSHAKING: {ConnectionState.OPEN, ConnectionState.CLOSING},
    ConnectionState.OPEN: {ConnectionState.CLOSING},
    ConnectionState.CLOSING: {ConnectionState.CLOSED},
    ConnectionState.CLOSED: set(),
}
# The states in which frames may be written.
_USABLE = {ConnectionState.HANDSHAKING, ConnectionState.OPEN}


class CloseReason(enum.Enum):
    OPEN = "open"
    CLIENT = "closed by the client"
    SERVER = "closed by the server"
    LOST = "connection lost"
    HEARTBEAT = "no heartbeat from the server"
    PROTOCOL = "protocol error"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConnectionParams:
    host: str = "localhost"
    port: int = 5552
    username: str = "guest"
    password: str = dataclasses.field(default="guest", repr=False)
    vhost: str = "/"
    ssl_context: ssl.SSLContext | None = None
    frame_max: int = DEFAULT_FRAME_MAX
    heartbeat: int = DEFAULT_HEARTBEAT
    connection_name: str | None = None
    sasl_mechanism: str = "PLAIN"
    connect_timeout: float = 10.0
    # The largest frame accepted after Open (before it: PRE_OPEN_FRAME_MAX).
    max_inbound_frame: int = MAX_INBOUND_FRAME
    # Where the SASL mechanism comes from: the client's registry, else the installed plugins.
    plugins: PluginRegistry | None = dataclasses.field(default=None, repr=False, compare=False)
    # Above the broker's 3 s tarpit on authentication and vhost failures.
    request_timeout: float = 10.0
    # The client's OpenTelemetry instruments (rstream_core.telemetry), None without them.
    telemetry: Any = dataclasses.field(default=None, repr=False, compare=False)

    def with_address(self, address: Address) -> ConnectionParams:
        return dataclasses.replace(self, host=address.host, port=address.port)


def _negotiate(client: int, server: int) -> int:
    """Tune rule of the reference client: 0 means "no limit", else take the smaller."""
    if client == 0 or server == 0:
        return max(client, server)
    return min(client, server)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


class _Protocol(asyncio.Protocol):
    """Feeds bytes to the connection; holds no state of its own."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def data_received(self, data: bytes) -> None:
        self._connection._data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connection._connection_lost(exc)

    def pause_writing(self) -> None:
        self._connection._writable.clear()

    def resume_writing(self) -> None:
        self._connection._writable.set()


class Connection:
    """An open, authenticated connection. Create it with `await Connection.open(params)`."""

    def __init__(self, params: ConnectionParams) -> None:
        self.params = params
        self.server_properties: dict[str, str] = {}
        self.connection_properties: dict[str, str] = {}
        self.server_commands: dict[int, tuple[int, int]] = {}
        self.frame_max = params.frame_max
        self.heartbeat = params.heartbeat
        self.close_reason = CloseReason.OPEN
        self.close_error: RStreamError | None = None
        self._telemetry = params.telemetry
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader(PRE_OPEN_FRAME_MAX)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_correlation_id = 0
        self._listeners: dict[type, list[Listener]] = {}
        self._close_listeners: list[Callable[[Connection], None]] = []
        self._tune: asyncio.Future[Tune] | None = None
        self._writable = asyncio.Event()
        self._writable.set()
        self._closed = asyncio.Event()  # set on entering CLOSED
        self.state = ConnectionState.CONNECTING
        self._usable = False  # state in _USABLE, kept as a flag for the write path
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._last_read = self._last_write = time.monotonic()

    # ----------------------------------------------------------------- opening

    @classmethod
    async def open(cls, params: ConnectionParams) -> Connection:
        connection = cls(params)
        try:
            await connection._connect()
            await asyncio.wait_for(connection._handshake(), params.connect_timeout)
        except TimeoutError as exc:
            connection._abort(CloseReason.LOST, None)
            raise ClientTimeoutError(
                f"handshake with {params.host}:{params.port} timed out"
            ) from exc
        except BaseException:
            connection._abort(CloseReason.LOST, None)
            raise
        connection._check_open()  # the server may have closed it right after the handshake
        connection._enter(ConnectionState.OPEN)
        connection._heartbeat_task = asyncio.create_task(connection._heartbeat_loop())
        # Who and where, never the password (params' repr leaves it out as well).
        log.debug("connected to %s:%d as %s on vhost %s (RabbitMQ %s)", params.host,
                  params.port, params.username, params.vhost,
                  ".".join(map(str, connection.server_version)))
        return connection

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        p = self.params
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(self),
                    p.host,
                    p.port,
                    ssl=p.ssl_context,
                    server_hostname=p.host if p.ssl_context else None,
                ),
                p.connect_timeout,
            )
        except ssl.SSLError as exc:  # before OSError, its base class
            raise TLSError(
                f"TLS handshake with {p.host}:{p.port} failed: {exc}", code=None
            ) from exc
        except OSError as exc:
            raise ConnectionClosedError(
                f"cannot connect to {p.host}:{p.port}: {exc}", code=None
            ) from exc
        if self.state is not ConnectionState.CONNECTING:  # lost before we got here
            transport.abort()
            self._check_open()
        self._transport = transport
        self._enter(ConnectionState.HANDSHAKING)
        transport.set_write_buffer_limits(high=4 * 1024 * 1024)

    async def _handshake(self) -> None:
        p = self.params
        properties = dict(CLIENT_PROPERTIES)
        if p.connection_name:
            properties["connection_name"] = p.connection_name
        peer = await self.request(PeerProperties(properties=properties), PeerPropertiesResponse)
        self.server_properties = dict(peer.properties)
        await self._authenticate()
        tune = await self._tune_future()
        self.frame_max = _negotiate(p.frame_max, tune.frame_max)
        self.heartbeat = _negotiate(p.heartbeat, tune.heartbeat)
        self.send(Tune(frame_max=self.frame_max, heartbeat=self.heartbeat, response=True))
        opened = await self.request(Open(virtual_host=p.vhost), OpenResponse)
        self.connection_properties = dict(opened.properties)
        # Deliver frames carry whole chunks and ignore frame_max (docs/protocol.md 1.4).
        self._reader.max_frame_size = p.max_inbound_frame
        if self.server_version >= (3, 11):
            versions = await self.request(
                ExchangeCommandVersions(commands=CLIENT_COMMANDS),
                ExchangeCommandVersionsResponse,
            )
            self.server_commands = {
                c.key: (c.min_version, c.max_version) for c in versions.commands
            }

    def _tune_future(self) -> asyncio.Future[Tune]:
        if self._tune is None:
            self._tune = asyncio.get_running_loop().create_future()
        return self._tune

    async def _authenticate(self) -> None:
        p = self.params
        offered = await self.request(SaslHandshake(), SaslHandshakeResponse)
        # Use the configured mechanism, never the first one offered: on 4.x that is
        # ANONYMOUS, which would silently log in as guest (docs/protocol.md section 8).
        name = p.sasl_mechanism.upper()
        if name not in offered.mechanisms:
            raise ServerError.for_code(
                Code.SASL_MECHANISM_NOT_SUPPORTED,
                f"server offers {', '.join(offered.mechanisms)}, not {name}",
            )
        await self._sasl_exchange(name)

    async def _sasl_exchange(self, name: str) -> None:
        """SaslAuthenticate with mechanism `name`, and the challenges that may follow."""
        p = self.params
        mechanism = (p.plugins or get_registry()).sasl(name)
        data = mechanism.initial_response(p.username, p.password)
        while True:
            self._tune_future()  # the server sends Tune right after a successful SASL step
            reply = await self.request(
                SaslAuthenticate(mechanism=name, data=data),
                SaslAuthenticateResponse,
                accept=(Code.OK, Code.SASL_CHALLENGE),
            )
            if reply.code == Code.OK:
                return
            data = mechanism.respond(reply.challenge or b"")

    async def update_secret(self, secret: str) -> None:
        """Authenticate this open connection again, with a new password or token, without
        closing it (RabbitMQ 3.13+). Same mechanism and user; the server then checks the
        permissions again. A refused secret closes the connection (the server's doing)."""
        if self.server_version < (3, 13):
            raise UnsupportedFeatureError(
                f"updating the secret needs RabbitMQ 3.13 or newer (this is "
                f"{'.'.join(map(str, self.server_version))})"
            )
        self.params = dataclasses.replace(self.params, password=secret)
        # SaslAuthenticate alone: after Open the server refuses a SaslHandshake (code 13).
        await self._sasl_exchange(self.params.sasl_mechanism.upper())
        log.debug("connection to %s:%d authenticated again", self.params.host, self.params.port)

    # ------------------------------------------------------------- properties

    @property
    def server_version(self) -> tuple[int, ...]:
        return _version_tuple(self.server_properties.get("version", "0"))

    @property
    def advertised(self) -> Address:
        """The node this connection reached, as the server names it (Open response)."""
        return Address(
            host=self.connection_properties.get("advertised_host", self.params.host),
            port=int(self.connection_properties.get("advertised_port", self.params.port)),
        )

    def supports(self, key: int, version: int = 1) -> bool:
        span = self.server_commands.get(key)
        return span is not None and span[0] <= version <= span[1]

    @property
    def writable(self) -> bool:
        """False while the socket's write buffer is above its high-water mark."""
        return self._writable.is_set()

    @property
    def is_open(self) -> bool:
        return self._usable

    def _enter(self, state: ConnectionState) -> None:
        if state not in _TRANSITIONS[self.state]:
            raise RuntimeError(f"connection cannot go from {self.state.value} to {state.value}")
        self.state = state
        self._usable = state in _USABLE
        if state is ConnectionState.CLOSED:
            self._closed.set()

    # ------------------------------------------------------------- requests

    async def request(
        self,
        frame: RequestFrame,
        expect: type[R],
        accept: tuple[int, ...] = (Code.OK,),
        timeout: float | None = None,
    ) -> R:
        """Send a request and wait for its response.

        The request goes out with a correlation id allocated here, whatever `frame` holds. A
        response code outside `accept` raises the typed `ServerError` for that code.
        """
        self._check_open()
        correlation_id = self._next_correlation_id
        self._next_correlation_id = (correlation_id + 1) & 0x7FFFFFFF
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            self.write(encode_request(frame, correlation_id))
            response = await asyncio.wait_for(future, timeout or self.params.request_timeout)
        except TimeoutError as exc:
            raise ClientTimeoutError(f"no response to {type(frame).__name__}") from exc
        finally:
            self._pending.pop(correlation_id, None)
        if not isinstance(response, expect):
            raise ProtocolError(
                f"{type(frame).__name__} answered with {type(response).__name__}"
            )
        code = response.code  # type: ignore[attr-defined]
        if code not in accept:
            raise ServerError.for_code(code, _describe(frame))
        return response

    def send(self, frame: Frame) -> None:
        self.write(encode_frame(frame))

    def write(self, data: bytes) -> None:
        """Write pre-encoded frames (the producer's hot path)."""
        self._check_open()
        self._transport.write(data)  # type: ignore[union-attr]
        self._last_write = time.monotonic()
        if self._telemetry is not None:
            self._telemetry.written_bytes.add(len(data))

    async def drain(self) -> None:
        """Wait while the socket's write buffer is above its high-water mark."""
        if not self._writable.is_set():
            waiter = asyncio.ensure_future(self._writable.wait())
            closed = asyncio.ensure_future(self._closed.wait())
            try:
                await asyncio.wait((waiter, closed), return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                closed.cancel()
            self._check_open()

    def _check_open(self) -> None:
        if not self._usable:
            raise self.close_error or ConnectionClosedError("the connection is closed", code=None)

    # ------------------------------------------------------------- listeners

    def add_listener(self, frame_type: type, listener: Listener) -> None:
        """Call `listener(frame)` for every pushed frame of `frame_type`."""
        self._listeners.setdefault(frame_type, []).append(listener)

    def remove_listener(self, frame_type: type, listener: Listener) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._listeners[frame_type].remove(listener)

    def add_close_listener(self, listener: Callable[[Connection], None]) -> None:
        """Called once when the connection ends, for whatever reason (see `close_reason`)."""
        self._close_listeners.append(listener)

    # ------------------------------------------------------------- receiving

    def _data_received(self, data: bytes) -> None:
        self._last_read = time.monotonic()
        if self._telemetry is not None:
            self._telemetry.read_bytes.add(len(data))
        try:
            self._reader.feed(data)
            for body in self._reader:
                if not self._usable:
                    return  # after a server Close or an abort, the rest is moot
                self._dispatch(decode_frame(body))
        except ProtocolError as exc:
            log.warning("closing connection to %s:%s: %s", self.params.host, self.params.port, exc)
            self._abort(CloseReason.PROTOCOL, exc)

    def _dispatch(self, frame: Frame) -> None:
        listeners = self._listeners.get(type(frame))
        if listeners is not None:  # pushes: confirms, deliveries, updates
            for listener in listeners:
                listener(frame)
        elif isinstance(frame, Close):  # a request from the server, not a response
            self._server_close(frame)
        elif isinstance(frame, Tune):
            tune = self._tune_future()
            if not tune.done():
                tune.set_result(frame)
        elif hasattr(frame, "code") and hasattr(frame, "correlation_id"):
            future = self._pending.get(frame.correlation_id)
            if future is not None and not future.done():
                future.set_result(frame)

    def _server_close(self, frame: Close) -> None:
        # Answer, then the server closes the socket (docs/protocol.md 1.6).
        with contextlib.suppress(RStreamError):
            self.send(Response(key=Key.CLOSE, correlation_id=frame.correlation_id, code=Code.OK))
        error = ConnectionClosedError(
            f"the server closed the connection: {frame.reason} (code {frame.code})",
            code=frame.code,
        )
        self._abort(CloseReason.SERVER, error, graceful=True)

    def _connection_lost(self, exc: Exception | None) -> None:
        if self.state is not ConnectionState.CLOSING:
            detail = f": {exc}" if exc else ""
            self._abort(
                CloseReason.LOST,
                ConnectionClosedError(f"connection to the broker lost{detail}", code=None),
            )
        if self.state is ConnectionState.CLOSING:
            self._enter(ConnectionState.CLOSED)

    # ------------------------------------------------------------- heartbeats

    async def _heartbeat_loop(self) -> None:
        if self.heartbeat <= 0:
            return
        tick = self.heartbeat / 2
        while self.is_open:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self._last_read > 2 * self.heartbeat:
                self._abort(
                    CloseReason.HEARTBEAT,
                    ConnectionClosedError(
                        f"no data from the server for {2 * self.heartbeat} s", code=None
                    ),
                )
                return
            if now - self._last_write >= tick and self.is_open:
                self.send(Heartbeat())

    # ------------------------------------------------------------- closing

    async def close(self, reason: str = "OK", timeout: float = 5.0) -> None:
        """Close gracefully; idempotent. Always releases the socket, even on timeout."""
        if self.state in (ConnectionState.CLOSING, ConnectionState.CLOSED):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout)
            return
        try:
            await self.request(Close(code=Code.OK, reason=reason), Response, timeout=timeout)
        except (RStreamError, asyncio.CancelledError):
            pass
        finally:
            self._abort(CloseReason.CLIENT, None, graceful=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), timeout)

    def abort(self) -> None:
        """Drop the socket at once (used by recovery and tests)."""
        self._abort(CloseReason.CLIENT, None)

    def _abort(
        self, reason: CloseReason, error: RStreamError | None, graceful: bool = False
    ) -> None:
        if self.state in (ConnectionState.CLOSING, ConnectionState.CLOSED):
            return
        self._enter(ConnectionState.CLOSING)
        self.close_reason = reason
        self.close_error = error or ConnectionClosedError(reason.value, code=None)
        log.debug("connection to %s:%d ends: %s", self.params.host, self.params.port,
                  self.close_error)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(self.close_error)
        self._pending.clear()
        if self._tune is not None and not self._tune.done():
            self._tune.set_exception(self.close_error)
            self._tune.exception()  # retrieved: the handshake may not be waiting for it
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
        if self._transport is None:
            self._enter(ConnectionState.CLOSED)
        elif graceful:
            self._transport.close()
        else:
            self._transport.abort()
        self._writable.set()
        for listener in self._close_listeners:
            try:
                listener(self)
            except Exception:  # a listener's bug must not keep the socket open
                log.exception("close listener failed")


def _describe(frame: Frame) -> str:
    """A short, credential-free description of a request for error messages."""
    for field in ("stream", "super_stream", "name", "reference", "virtual_host", "mechanism"):
        value = getattr(frame, field, None)
        if value:
            return f"{type(frame).__name__} {field}={value}"
    return type(frame).__name__
