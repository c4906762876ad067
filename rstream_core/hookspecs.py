"""The hooks an rstream plugin can implement: one per plugin kind.

Every hook takes the keyword argument `registry` (a `rstream_core.plugin_api.Registry`) and
returns nothing. A hook adds factories, not instances: a factory runs on first use of its name,
so a plugin whose optional library is missing costs nothing until someone asks for it, and
then raises `MissingDependencyError`. A name (and, for compressions, a wire code) already taken
by another plugin is an error naming both plugins. Hooks run once, when the registry is built,
never per message.
"""

from __future__ import annotations

import pluggy

from rstream_core.plugin_api import Registry

hookspec = pluggy.HookspecMarker("rstream")


@hookspec
def rstream_register_codecs(registry: Registry) -> None:
    """Add message codecs with `registry.add_codec(name, factory)`.

    :param registry: where to add them. `factory()` returns a `MessageCodec`; its name is what
        users pass as `codec=` (for example "amqp" or "binary").
    """


@hookspec
def rstream_register_compressions(registry: Registry) -> None:
    """Add sub-entry compressions with `registry.add_compression(name, code, factory, extra)`.

    :param registry: where to add them. `code` is the 3-bit wire id (docs/protocol.md 4.4: 0 none,
        1 gzip, 2 snappy, 3 lz4, 4 zstd); `factory()` returns a `CompressionCodec` whose output
        other clients can read; `extra` names the `rstream[...]` extra its library comes from.
    """


@hookspec
def rstream_register_sasl_mechanisms(registry: Registry) -> None:
    """Add SASL mechanisms with `registry.add_sasl(name, factory)`.

    :param registry: where to add them. The name is the one the server lists in its
        SaslHandshake response (for example "PLAIN"); `factory()` returns a `SaslMechanism`.
    """


@hookspec
def rstream_register_load_balancers(registry: Registry) -> None:
    """Add load-balancer strategies with `registry.add_load_balancer(name, factory)`.

    :param registry: where to add them. `factory()` returns a `LoadBalancer`, which decides
        which address to dial for a node and whether the node reached is the one wanted.
    """
