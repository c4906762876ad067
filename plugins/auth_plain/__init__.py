"""SASL PLAIN (RFC 4616): `\\0 username \\0 password` in UTF-8, with an empty authzid.

RabbitMQ refuses a non-empty authzid (docs/protocol.md 8 and gotcha 12). The mechanism keeps no
state, so the password can appear in no repr; errors never quote it.
"""

from __future__ import annotations

from rstream_core.plugin_api import ProtocolError, Registry, hookimpl


class PlainMechanism:
    """The default mechanism: username and password in clear (use TLS)."""

    name = "PLAIN"

    def initial_response(self, username: str, password: str) -> bytes:
        user = username.encode("utf-8")
        secret = password.encode("utf-8")
        # A NUL would shift the fields and send part of the password as the username.
        if b"\0" in user:
            raise ValueError("a PLAIN username cannot contain a NUL character")
        if b"\0" in secret:
            raise ValueError("a PLAIN password cannot contain a NUL character")
        return b"\0" + user + b"\0" + secret

    def respond(self, challenge: bytes) -> bytes:
        raise ProtocolError("the server sent a SASL challenge to PLAIN, which has none")


@hookimpl
def rstream_register_sasl_mechanisms(registry: Registry) -> None:
    registry.add_sasl(PlainMechanism.name, PlainMechanism)
