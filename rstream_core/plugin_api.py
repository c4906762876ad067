"""The public plugin API: the only module of `rstream_core` that plugins import.

A plugin is a module with one or more `@hookimpl` functions (see `rstream_core.hookspecs`),
declared in the `rstream.plugins` entry-point group. Each hook is handed a `Registry` and adds
factories to it; a factory is called on first use and returns an object that satisfies one of
the Protocols below. Heavy libraries are imported inside the factory, which raises
`MissingDependencyError` when they are missing.
"""

from __future__ import annotations

import abc
import copy
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pluggy

from rstream_core.errors import MissingDependencyError, ProtocolError, RStreamError
from rstream_core.extensions import load_extension

__all__ = [
    "Address",
    "CompressionCodec",
    "ICompressionCodec",
    "LoadBalancer",
    "MessageCodec",
    "MissingDependencyError",
    "ProtocolError",
    "RStreamError",
    "Registry",
    "SaslMechanism",
    "as_compression_codec",
    "check_decompressed_size",
    "hookimpl",
    "load_extension",
]

hookimpl = pluggy.HookimplMarker("rstream")
"""Marks a plugin function as the implementation of an `rstream` hook."""


@runtime_checkable
class MessageCodec(Protocol):
    """Turns application messages into the bytes stored in a stream, and back."""

    name: str

    def encode(self, message: Any) -> bytes: ...

    def decode(self, data: bytes) -> Any: ...


@runtime_checkable
class CompressionCodec(Protocol):
    """Compresses a sub-entry batch; `code` is its wire id (0..7, docs/protocol.md 4.4).

    `decompress` must never return more than `uncompressed_size` bytes, and raises
    `ProtocolError` when the data is corrupt or does not decompress to exactly that size.
    """

    name: str
    code: int

    def compress(self, data: bytes) -> bytes: ...

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes: ...


@runtime_checkable
class SaslMechanism(Protocol):
    """A sans-IO SASL mechanism. It must keep no credentials, so none can leak in a repr."""

    name: str

    def initial_response(self, username: str, password: str) -> bytes | None:
        """The SaslAuthenticate payload; None is sent as a null (-1 length) field."""
        ...

    def respond(self, challenge: bytes) -> bytes:
        """The answer to a server challenge (code 10)."""
        ...


@dataclass(frozen=True, slots=True)
class Address:
    """A host and port to connect to, or the node a server says it is."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@runtime_checkable
class LoadBalancer(Protocol):
    """Where to connect to reach a node. Pure: the connection layer owns the retry loop.

    `resolve` picks the address to dial for `node` (as advertised in Metadata).
    `accept` says whether a connection that reached `advertised` (from the Open response)
    is the one wanted; if not, the connection layer closes it and tries again.
    """

    name: str

    def resolve(self, node: Address, entry_points: Sequence[Address]) -> Address: ...

    def accept(self, wanted: Address, advertised: Address) -> bool: ...


class Registry(Protocol):
    """What a registration hook is handed. Names are unique per kind (case-insensitive)."""

    def add_codec(self, name: str, factory: Callable[[], MessageCodec]) -> None: ...

    def add_compression(
        self,
        name: str,
        code: int,
        factory: Callable[[], CompressionCodec],
        extra: str | None = None,
    ) -> None:
        """`extra` names the `rstream[...]` extra the factory needs, for error messages."""
        ...

    def add_sasl(self, name: str, factory: Callable[[], SaslMechanism]) -> None: ...

    def add_load_balancer(self, name: str, factory: Callable[[], LoadBalancer]) -> None: ...


def check_decompressed_size(data: bytes, uncompressed_size: int, codec: str) -> bytes:
    """Return `data` if it has the declared size; raise `ProtocolError` otherwise.

    A decompressor stops at `uncompressed_size + 1` bytes, so "longer" means "at least".
    """
    if len(data) > uncompressed_size:
        raise ProtocolError(
            f"{codec} sub-entry decompresses to more than the {uncompressed_size} bytes "
            "its header declares"
        )
    if len(data) < uncompressed_size:
        raise ProtocolError(
            f"{codec} sub-entry decompresses to {len(data)} bytes, "
            f"but its header declares {uncompressed_size}"
        )
    return data


class ICompressionCodec(abc.ABC):
    """The seed's way to add a compression: a stateful codec, one batch at a time.

    Kept with the seed's methods so existing implementations keep working. `compress`
    receives the batch's messages (`bytes`, or objects whose `bytes()` is the encoded
    message), frames each as `{size:u32, message}` and compresses the whole; `data()` then
    returns the compressed bytes. New code should implement `CompressionCodec` instead.
    Wrap an instance with `as_compression_codec` to register it.
    """

    @abc.abstractmethod
    def compress(self, messages: list[Any]) -> None: ...

    @abc.abstractmethod
    def uncompress(self, compressed_data: bytes, uncompressed_data_size: int) -> bytes: ...

    @abc.abstractmethod
    def compressed_size(self) -> int: ...

    @abc.abstractmethod
    def uncompressed_size(self) -> int: ...

    @abc.abstractmethod
    def messages_count(self) -> int: ...

    @abc.abstractmethod
    def compression_type(self) -> int:
        """The wire id (an int, or an enum such as `CompressionType.Zstd`)."""

    @abc.abstractmethod
    def data(self) -> bytes: ...


class _ICompressionCodecAdapter:
    """Presents a seed-style `ICompressionCodec` as a `CompressionCodec`."""

    def __init__(self, codec: ICompressionCodec, name: str) -> None:
        self._prototype = codec
        self.name = name
        self.code = _wire_code(codec.compression_type())

    def __repr__(self) -> str:
        return f"<ICompressionCodec {self.name!r} code={self.code} {self._prototype!r}>"

    def compress(self, data: bytes) -> bytes:
        # The seed's codecs keep per-batch state, so each batch gets its own copy (as the
        # seed did), and they frame the messages themselves, so the batch is split back.
        codec = copy.copy(self._prototype)
        codec.compress(_split_sub_entry(data))
        return bytes(codec.data())

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        codec = copy.copy(self._prototype)
        try:
            out = codec.uncompress(bytes(data), uncompressed_size)
        except RStreamError:
            raise
        except Exception as exc:
            raise ProtocolError(f"{self.name} sub-entry cannot be decompressed: {exc}") from exc
        return check_decompressed_size(bytes(out), uncompressed_size, self.name)


def as_compression_codec(
    codec: ICompressionCodec | CompressionCodec, name: str | None = None
) -> CompressionCodec:
    """Return `codec` usable wherever a `CompressionCodec` is expected.

    A `CompressionCodec` is returned as is; a seed-style `ICompressionCodec` is wrapped.
    `name` defaults to the codec's class name, lower-cased.
    """
    if isinstance(codec, ICompressionCodec):
        return _ICompressionCodecAdapter(codec, name or type(codec).__name__.lower())
    if isinstance(codec, CompressionCodec):
        return codec
    raise TypeError(f"not a compression codec: {type(codec).__name__}")


def _wire_code(compression_type: object) -> int:
    value = compression_type.value if isinstance(compression_type, enum.Enum) else compression_type
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 7:
        raise ValueError(f"compression_type() must be a wire id 0..7, got {compression_type!r}")
    return value


def _split_sub_entry(data: bytes) -> list[bytes]:
    """Split a `{size:u32, message}*` sequence into its messages."""
    view = memoryview(data)
    messages: list[bytes] = []
    position = 0
    while position < len(view):
        start = position + 4
        end = start + int.from_bytes(view[position:start], "big")
        if end > len(view):
            raise ProtocolError("sub-entry batch ends inside a message")
        messages.append(bytes(view[start:end]))
        position = end
    return messages
