"""SASL EXTERNAL: the server takes the identity from the TLS client certificate.

The server offers it only with the rabbitmq_auth_mechanism_ssl plugin on a TLS connection, and
ignores the payload; Java sends it empty, and so do we (docs/protocol.md 8).
"""

from __future__ import annotations

from rstream_core.plugin_api import ProtocolError, Registry, hookimpl


class ExternalMechanism:
    """Authenticates with the client certificate; username and password are not sent."""

    name = "EXTERNAL"

    def initial_response(self, username: str, password: str) -> bytes:
        return b""

    def respond(self, challenge: bytes) -> bytes:
        raise ProtocolError("the server sent a SASL challenge to EXTERNAL, which has none")


@hookimpl
def rstream_register_sasl_mechanisms(registry: Registry) -> None:
    registry.add_sasl(ExternalMechanism.name, ExternalMechanism)
