"""SASL ANONYMOUS (RabbitMQ 4.0+): logs in as the server's configured anonymous user.

The payload is ignored; a null field (-1 length) is what the broker was seen to accept
(docs/protocol.md 8). Only used when asked for by name: never picked automatically.
"""

from __future__ import annotations

from rstream_core.plugin_api import ProtocolError, Registry, hookimpl


class AnonymousMechanism:
    """Sends no credentials at all."""

    name = "ANONYMOUS"

    def initial_response(self, username: str, password: str) -> bytes | None:
        return None

    def respond(self, challenge: bytes) -> bytes:
        raise ProtocolError("the server sent a SASL challenge to ANONYMOUS, which has none")


@hookimpl
def rstream_register_sasl_mechanisms(registry: Registry) -> None:
    registry.add_sasl(AnonymousMechanism.name, AnonymousMechanism)
