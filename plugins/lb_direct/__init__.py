"""Load-balancer strategy "direct": connect straight to the node the server advertises.

Right when every node's advertised host and port are reachable from the client.
"""

from __future__ import annotations

from collections.abc import Sequence

from rstream_core.plugin_api import Address, Registry, hookimpl


class DirectLoadBalancer:
    """Dial the advertised node itself; whatever answers there is that node."""

    name = "direct"

    def resolve(self, node: Address, entry_points: Sequence[Address]) -> Address:
        return node

    def accept(self, wanted: Address, advertised: Address) -> bool:
        return True


@hookimpl
def rstream_register_load_balancers(registry: Registry) -> None:
    registry.add_load_balancer(DirectLoadBalancer.name, DirectLoadBalancer)
