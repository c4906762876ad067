"""Where and as whom every `rstream` command connects: the options, and the client keywords.

The options are accepted before the command (`rstream --host h streams list`) and after it
(`rstream streams list --host h`); the later one wins.
"""

from __future__ import annotations

import argparse
import ssl
from dataclasses import dataclass, field
from typing import Any

from rstream_core.uri import Endpoints, endpoints, is_uri


def add_arguments(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """`after_command`: defaults are left out, so an option given before the command holds."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if after_command else value

    group = parser.add_argument_group("connection")
    group.add_argument("--uri", "--uris", action="append", dest="uris", default=default(None),
                       metavar="URI", help="rabbitmq-stream://user:password@host:port/vhost "
                       "(or rabbitmq-stream+tls://); repeat or separate with commas")
    group.add_argument("--host", default=default("localhost"))
    group.add_argument("--port", type=int, default=default(None),
                       help="5552, or 5551 with --tls")
    group.add_argument("--username", default=default("guest"))
    group.add_argument("--password", default=default("guest"))
    group.add_argument("--vhost", default=default("/"))
    group.add_argument("--tls", action="store_true", default=default(False),
                       help="connect with TLS (certificate and host name verified)")
    group.add_argument("--tls-ca", default=default(None), metavar="FILE",
                       help="CA certificates to verify the broker with")
    group.add_argument("--tls-cert", default=default(None), metavar="FILE",
                       help="client certificate (with --tls-key: SASL EXTERNAL possible)")
    group.add_argument("--tls-key", default=default(None), metavar="FILE")
    group.add_argument("--sasl-mechanism", default=default("PLAIN"),
                       help="PLAIN, EXTERNAL, ANONYMOUS or AMQPLAIN")
    group.add_argument("--debug", action="store_true", default=default(False),
                       help="show tracebacks and the client's debug log")


@dataclass(frozen=True)
class ConnectionOptions:
    """What the options say, picklable (worker processes build their own TLS context)."""

    host: str = "localhost"
    port: int | None = None
    username: str = "guest"
    password: str = field(default="guest", repr=False)
    vhost: str = "/"
    uris: tuple[str, ...] = field(default=(), repr=False)  # they may hold passwords
    tls: bool = False
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    sasl_mechanism: str = "PLAIN"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ConnectionOptions:
        uris = tuple(uri for given in args.uris or () for uri in given.split(",") if uri)
        if is_uri(args.host):  # --host rabbitmq-stream://...: one more URI
            uris = (args.host, *uris)
        return cls(
            host=args.host, port=args.port, username=args.username, password=args.password,
            vhost=args.vhost, uris=uris, tls=args.tls or bool(args.tls_ca or args.tls_cert),
            tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key,
            sasl_mechanism=args.sasl_mechanism,
        )

    def _endpoints(self) -> Endpoints:
        return endpoints(self.host, self.port or (5551 if self.tls else 5552), self.uris)

    @property
    def where(self) -> str:
        """host:port of the first address (never a credential), for messages."""
        host, port = self._endpoints().addresses[0]
        return f"{host}:{port}"

    @property
    def user(self) -> str:
        """Who logs in: --username, else the URIs' user, else guest."""
        given = self.username if self.username != _DEFAULTS["username"] else None
        return given or self._endpoints().username or _DEFAULTS["username"]

    @property
    def secret(self) -> str:
        given = self.password if self.password != _DEFAULTS["password"] else None
        return given or self._endpoints().password or _DEFAULTS["password"]

    @property
    def virtual_host(self) -> str:
        given = self.vhost if self.vhost != _DEFAULTS["vhost"] else None
        return given or self._endpoints().vhost or _DEFAULTS["vhost"]

    def client_kwargs(self) -> dict[str, Any]:
        """Keywords for Producer, Consumer and the super stream clients."""
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port or (5551 if self.tls else 5552),
            "username": self.username,
            "password": self.password,
            "vhost": self.vhost,
            "sasl_configuration_mechanism": self.sasl_mechanism,
        }
        if self.uris:
            kwargs["uris"] = list(self.uris)
            for name in ("username", "password", "vhost"):  # the URIs say, unless given
                kwargs[name] = None if getattr(self, name) == _DEFAULTS[name] else kwargs[name]
        if self.tls:
            kwargs["ssl_context"] = self.ssl_context()
        return kwargs

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.tls_ca)
        if self.tls_cert:
            context.load_cert_chain(self.tls_cert, self.tls_key)
        return context


_DEFAULTS = {"username": "guest", "password": "guest", "vhost": "/"}
