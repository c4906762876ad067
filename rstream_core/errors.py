"""Every exception rstream raises.

`RStreamError` is the root. Server response codes map to one `ServerError` subclass each,
looked up with `ServerError.for_code(code, message)`.

This module imports nothing from the rest of the package but the response codes
(`rstream_core.protocol.constants.Code`, a leaf module), so any module can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rstream_core.protocol.constants import Code

__all__ = [
    "AccessRefused",
    "AuthenticationError",
    "AuthenticationFailure",
    "ClientTimeoutError",
    "ConnectionClosedError",
    "DecodeError",
    "FrameTooLarge",
    "InternalError",
    "MessageTooLargeError",
    "MissingDependencyError",
    "NoOffset",
    "NoRouteError",
    "OffsetNotFound",
    "PluginConflictError",
    "PluginLoadError",
    "PreconditionFailed",
    "ProtocolError",
    "PublisherDoesNotExist",
    "RStreamError",
    "ResourceClosedError",
    "SaslAuthenticationFailureLoopback",
    "SaslCannotChangeMechanism",
    "SaslCannotChangeUsername",
    "SaslChallenge",
    "SaslError",
    "SaslMechanismNotSupported",
    "ServerError",
    "StreamAlreadyExists",
    "StreamDoesNotExist",
    "StreamNotAvailable",
    "SubscriptionIdAlreadyExists",
    "SubscriptionIdDoesNotExist",
    "TLSError",
    "UnknownFrame",
    "UnknownPluginError",
    "UnknownSubscriberError",
    "UnsupportedFeatureError",
    "VirtualHostAccessFailure",
]


class RStreamError(Exception):
    """Root of every exception raised by rstream.

    `retriable` says whether doing the same again may succeed (recovery reads it, see
    retry.py): true unless the class says otherwise.
    """

    retriable: ClassVar[bool] = True


class ProtocolError(RStreamError):
    """Bytes that break the stream protocol, whether received from the peer or built locally."""


class ConnectionClosedError(RStreamError):
    """The connection is closed: by the server, by the network, or by us."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        self.reason = reason
        self.code = code
        text = f"connection closed: {reason}"
        if code is not None:
            text += f" (code {code})"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.code))


class TLSError(ConnectionClosedError):
    """The TLS handshake failed: the broker's certificate is not trusted (a CA the context does
    not know, a host name the certificate does not hold) or the two sides share no protocol
    version or cipher. Trying again changes nothing until the configuration does, so recovery
    does not retry it; a list of addresses moves on to the next one."""

    retriable = False


class DecodeError(RStreamError):
    """A record the decoder could not read ended a subscription (its `on_decode_error` raised)."""


class NoRouteError(RStreamError):
    """No partition of the super stream matches the message's routing key."""


class MissingDependencyError(RStreamError, ImportError):
    """An optional feature needs a package that is not installed."""

    def __init__(self, feature: str, package: str, extra: str) -> None:
        self.feature = feature
        self.package = package
        self.extra = extra
        install = f'pip install "rstream[{extra}]"'
        super().__init__(f"{feature} needs the '{package}' package: {install}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.feature, self.package, self.extra))


class PluginConflictError(RStreamError, ValueError):
    """Two plugins claim the same name, or the same compression code."""


class UnknownPluginError(RStreamError, LookupError):
    """No plugin of that kind is registered under that name or code."""


class PluginLoadError(UnknownPluginError):
    """A name was not found, and some plugins (which may have provided it) failed to load.

    `failures` maps each failed plugin's entry-point name to its original error.
    """

    def __init__(self, message: str, failures: Mapping[str, BaseException]) -> None:
        super().__init__(message)
        self.failures = dict(failures)


class ClientTimeoutError(RStreamError, TimeoutError):
    """The client gave up waiting (for a response, a confirm, a connection...)."""


class ResourceClosedError(RStreamError):
    """The producer, consumer or publisher was closed before or during this call."""


class UnsupportedFeatureError(RStreamError):
    """The broker is too old for what was asked (e.g. filtering needs RabbitMQ 3.13)."""

    retriable = False


class UnknownSubscriberError(RStreamError, KeyError):
    """No subscription with that id or name on this consumer."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MessageTooLargeError(RStreamError, ValueError):
    """A message cannot fit in one frame of the negotiated maximum size."""


class ServerError(RStreamError):
    """The server answered with a response code other than OK.

    Each known code has its own subclass (`StreamDoesNotExist`, ...), so callers can catch
    exactly what they expect. `ServerError.for_code(code, message)` builds the right one.
    """

    description: ClassVar[str] = "server error"
    default_code: ClassVar[int] = 0  # set on each subclass by its `code=` class argument
    _by_code: ClassVar[dict[int, type[ServerError]]] = {}

    def __init_subclass__(cls, code: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is None:  # an intermediate base such as AuthenticationError
            return
        taken = ServerError._by_code.get(code)
        if taken is not None:
            raise TypeError(f"response code {code} is already taken by {taken.__name__}")
        ServerError._by_code[int(code)] = cls
        cls.default_code = int(code)

    def __init__(self, message: str = "", code: int | None = None) -> None:
        self.code: int = self.default_code if code is None else code
        self.message = message
        text = f"{self.description} (code {self.code})"
        if message:
            text += f": {message}"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code))

    @classmethod
    def for_code(cls, code: int, message: str = "") -> ServerError:
        """The exception for a response code; a plain `ServerError` for an unknown code."""
        error_class = ServerError._by_code.get(code)
        if error_class is None:
            return ServerError(message, code)
        return error_class(message)

    @classmethod
    def known_codes(cls) -> dict[int, type[ServerError]]:
        """A copy of the registry: response code -> exception class."""
        return dict(ServerError._by_code)


class AuthenticationError(ServerError):
    """Authentication failed: wrong credentials or any SASL problem."""

    description = "authentication error"
    retriable = False


class StreamDoesNotExist(ServerError, code=Code.STREAM_DOES_NOT_EXIST):
    description = "stream does not exist"
    retriable = False  # deleted: recovery ends instead of retrying forever


class SubscriptionIdAlreadyExists(ServerError, code=Code.SUBSCRIPTION_ID_ALREADY_EXISTS):
    description = "subscription id already exists"


class SubscriptionIdDoesNotExist(ServerError, code=Code.SUBSCRIPTION_ID_DOES_NOT_EXIST):
    description = "subscription id does not exist"


class StreamAlreadyExists(ServerError, code=Code.STREAM_ALREADY_EXISTS):
    description = "stream already exists"


class StreamNotAvailable(ServerError, code=Code.STREAM_NOT_AVAILABLE):
    description = "stream not available"


class SaslMechanismNotSupported(AuthenticationError, code=Code.SASL_MECHANISM_NOT_SUPPORTED):
    description = "SASL mechanism not supported"


class AuthenticationFailure(AuthenticationError, code=Code.AUTHENTICATION_FAILURE):
    description = "authentication failure"


class SaslError(AuthenticationError, code=Code.SASL_ERROR):
    description = "SASL error"


class SaslChallenge(AuthenticationError, code=Code.SASL_CHALLENGE):
    description = "SASL challenge"


class SaslAuthenticationFailureLoopback(
    AuthenticationError, code=Code.SASL_AUTHENTICATION_FAILURE_LOOPBACK
):
    description = "authentication failure: this user may only connect from localhost"


class VirtualHostAccessFailure(ServerError, code=Code.VIRTUAL_HOST_ACCESS_FAILURE):
    description = "virtual host access failure"


class UnknownFrame(ServerError, code=Code.UNKNOWN_FRAME):
    description = "unknown frame"


class FrameTooLarge(ServerError, code=Code.FRAME_TOO_LARGE):
    description = "frame too large"


class InternalError(ServerError, code=Code.INTERNAL_ERROR):
    description = "internal server error"


class AccessRefused(ServerError, code=Code.ACCESS_REFUSED):
    description = "access refused"


class PreconditionFailed(ServerError, code=Code.PRECONDITION_FAILED):
    description = "precondition failed"


class PublisherDoesNotExist(ServerError, code=Code.PUBLISHER_DOES_NOT_EXIST):
    description = "publisher does not exist"


class OffsetNotFound(ServerError, code=Code.NO_OFFSET):
    description = "no offset found"


NoOffset = OffsetNotFound


class SaslCannotChangeMechanism(AuthenticationError, code=Code.SASL_CANNOT_CHANGE_MECHANISM):
    description = "SASL re-authentication cannot change the mechanism"


class SaslCannotChangeUsername(AuthenticationError, code=Code.SASL_CANNOT_CHANGE_USERNAME):
    description = "SASL re-authentication cannot change the username"
