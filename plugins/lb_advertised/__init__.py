"""Load-balancer strategy "load-balancer": every connection goes through a fixed address.

Behind a load balancer (or NAT, Docker, Kubernetes) the advertised node names may not be
reachable, so the client always dials the balancer (the first entry point) and checks, from
the Open response, which node it reached. The connection layer closes a connection to the wrong
node and tries again until it lands on the wanted one, as the Java client does
(docs/protocol.md gotcha 9).
"""

from __future__ import annotations

from collections.abc import Sequence

from rstream_core.plugin_api import Address, Registry, hookimpl


class AdvertisedLoadBalancer:
    """Dial the balancer; accept a connection only if it reached the wanted node."""

    name = "load-balancer"

    def resolve(self, node: Address, entry_points: Sequence[Address]) -> Address:
        if not entry_points:
            raise ValueError("the load-balancer strategy needs the balancer's address")
        return entry_points[0]

    def accept(self, wanted: Address, advertised: Address) -> bool:
        # Host names are case-insensitive (RFC 4343).
        return wanted.port == advertised.port and wanted.host.lower() == advertised.host.lower()


@hookimpl
def rstream_register_load_balancers(registry: Registry) -> None:
    registry.add_load_balancer(AdvertisedLoadBalancer.name, AdvertisedLoadBalancer)
