"""The binary message codec plugin ("binary"), and RawMessage."""

from __future__ import annotations

from rstream_core.plugin_api import Registry, hookimpl

from .codec import BinaryCodec
from .message import RawMessage

__all__ = ["BinaryCodec", "RawMessage", "rstream_register_codecs"]


@hookimpl
def rstream_register_codecs(registry: Registry) -> None:
    registry.add_codec("binary", BinaryCodec)
