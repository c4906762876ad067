"""`rabbitmq-stream://` and `rabbitmq-stream+tls://` addresses, as the Java client and rbfly
spell them: `rabbitmq-stream://user:password@host:port/vhost`.

The vhost is the path without its leading slash, percent-decoded (`/%2F` is the vhost "/";
no path or "/" alone is the default vhost "/"). The port defaults to 5552, or 5551 with TLS.
Credentials in a URI are percent-decoded too. Error messages never show the password.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Sequence

SCHEMES = {"rabbitmq-stream": False, "rabbitmq-stream+tls": True}  # scheme -> TLS
DEFAULT_PORT = 5552
DEFAULT_TLS_PORT = 5551


@dataclasses.dataclass(frozen=True, kw_only=True)
class StreamUri:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    vhost: str | None = None


def is_uri(text: str) -> bool:
    return text.partition("://")[0].lower() in SCHEMES


def parse_uri(uri: str) -> StreamUri:
    """Parse one address; raises ValueError naming what is wrong (the password masked)."""
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid stream URI {masked(uri)}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            f"invalid stream URI {masked(uri)}: the scheme must be rabbitmq-stream or "
            "rabbitmq-stream+tls"
        )
    if not parts.hostname:
        raise ValueError(f"invalid stream URI {masked(uri)}: no host")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid stream URI {masked(uri)}: no query or fragment expected")
    tls = SCHEMES[scheme]
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    return StreamUri(
        host=parts.hostname,
        port=port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        tls=tls,
        username=_unquoted(parts.username),
        password=_unquoted(parts.password),
        vhost=urllib.parse.unquote(path) if path else None,
    )


def _unquoted(text: str | None) -> str | None:
    return None if text is None else urllib.parse.unquote(text)


def masked(uri: str) -> str:
    """The URI with its password replaced by ***: what messages and logs may show."""
    scheme, separator, rest = uri.partition("://")
    userinfo, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in userinfo:
        return uri
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Endpoints:
    """Where a client connects: the addresses, tried in turn, and what the URIs said."""

    addresses: tuple[tuple[str, int], ...]
    tls: bool = False
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    vhost: str | None = None


def endpoints(host: str, port: int, uris: Sequence[str] | None = None) -> Endpoints:
    """The addresses of `host` (a name, or a URI) and `port`, or of `uris` when given.

    The URIs of one client share their credentials, vhost and TLS (one client, one login):
    URIs that disagree are refused rather than silently using the first one's.
    """
    given = list(uris or ([host] if is_uri(host) else []))
    if not given:
        return Endpoints(addresses=((host, port),))
    parsed = [parse_uri(uri) for uri in given]
    first = parsed[0]
    for uri, other in zip(given[1:], parsed[1:], strict=True):
        if (other.tls, other.username, other.password, other.vhost) != (
            first.tls, first.username, first.password, first.vhost
        ):
            raise ValueError(
                f"stream URI {masked(uri)} differs from {masked(given[0])} in TLS, credentials "
                "or vhost; the URIs of one client must share them"
            )
    return Endpoints(
        addresses=tuple((uri.host, uri.port) for uri in parsed),
        tls=first.tls,
        username=first.username,
        password=first.password,
        vhost=first.vhost,
    )
