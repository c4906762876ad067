"""SASL AMQPLAIN: RabbitMQ's own mechanism, offered by every broker's default configuration.

The response is an AMQP 0-9-1 field table holding LOGIN and PASSWORD as long strings, sent
without the table's outer length (docs/protocol.md section 8: with it, the broker drops the
connection).
"""

from __future__ import annotations

from rstream_core.plugin_api import ProtocolError, Registry, hookimpl


def _long_string_field(name: bytes, value: str) -> bytes:
    data = value.encode("utf-8")
    return bytes((len(name),)) + name + b"S" + len(data).to_bytes(4, "big") + data


class AmqplainMechanism:
    name = "AMQPLAIN"

    def initial_response(self, username: str, password: str) -> bytes:
        return _long_string_field(b"LOGIN", username) + _long_string_field(b"PASSWORD", password)

    def respond(self, challenge: bytes) -> bytes:
        raise ProtocolError("the server sent a SASL challenge to AMQPLAIN, which has none")


@hookimpl
def rstream_register_sasl_mechanisms(registry: Registry) -> None:
    registry.add_sasl(AmqplainMechanism.name, AmqplainMechanism)
