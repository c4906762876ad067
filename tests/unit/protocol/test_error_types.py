"""rstream_core.errors: the hierarchy, the response-code registry and the messages."""

from __future__ import annotations

import pickle

import pytest

from rstream_core import errors
from rstream_core.errors import (
    AuthenticationError,
    AuthenticationFailure,
    ClientTimeoutError,
    ConnectionClosedError,
    MessageTooLargeError,
    MissingDependencyError,
    NoOffset,
    OffsetNotFound,
    ProtocolError,
    RStreamError,
    SaslCannotChangeUsername,
    SaslMechanismNotSupported,
    ServerError,
    StreamDoesNotExist,
    UnknownPluginError,
    VirtualHostAccessFailure,
)
from rstream_core.protocol.constants import Code

JAVA_NAMES = {
    2: "StreamDoesNotExist",
    3: "SubscriptionIdAlreadyExists",
    4: "SubscriptionIdDoesNotExist",
    5: "StreamAlreadyExists",
    6: "StreamNotAvailable",
    7: "SaslMechanismNotSupported",
    8: "AuthenticationFailure",
    9: "SaslError",
    10: "SaslChallenge",
    11: "SaslAuthenticationFailureLoopback",
    12: "VirtualHostAccessFailure",
    13: "UnknownFrame",
    14: "FrameTooLarge",
    15: "InternalError",
    16: "AccessRefused",
    17: "PreconditionFailed",
    18: "PublisherDoesNotExist",
    19: "OffsetNotFound",
    20: "SaslCannotChangeMechanism",
    21: "SaslCannotChangeUsername",
}


@pytest.mark.parametrize(("code", "name"), sorted(JAVA_NAMES.items()))
def test_for_code_builds_the_subclass(code: int, name: str) -> None:
    error = ServerError.for_code(code, "details")
    assert type(error).__name__ == name
    assert type(error) is getattr(errors, name)
    assert error.code == code
    assert error.message == "details"
    assert isinstance(error, ServerError) and isinstance(error, RStreamError)
    assert str(error).endswith(f"(code {code}): details")


def test_registry_covers_every_error_code_and_nothing_else() -> None:
    assert set(ServerError.known_codes()) == {code.value for code in Code if code != Code.OK}
    assert set(ServerError.known_codes()) == set(JAVA_NAMES)


def test_message_is_clear() -> None:
    assert str(ServerError.for_code(2, "my-stream")) == "stream does not exist (code 2): my-stream"
    assert str(StreamDoesNotExist()) == "stream does not exist (code 2)"
    assert str(StreamDoesNotExist("s")) == "stream does not exist (code 2): s"


def test_unknown_code_gives_a_plain_server_error() -> None:
    error = ServerError.for_code(42, "what")
    assert type(error) is ServerError
    assert error.code == 42
    assert str(error) == "server error (code 42): what"


def test_authentication_errors_share_a_base() -> None:
    for code in (7, 8, 9, 10, 11, 20, 21):
        assert isinstance(ServerError.for_code(code), AuthenticationError), code
    for code in (2, 12, 16, 17):
        assert not isinstance(ServerError.for_code(code), AuthenticationError), code
    assert issubclass(AuthenticationFailure, AuthenticationError)
    assert issubclass(SaslMechanismNotSupported, AuthenticationError)
    assert issubclass(SaslCannotChangeUsername, AuthenticationError)
    assert not issubclass(VirtualHostAccessFailure, AuthenticationError)


def test_no_offset_alias() -> None:
    assert NoOffset is OffsetNotFound
    assert ServerError.for_code(19).code == Code.NO_OFFSET


def test_registering_a_code_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="code 2 is already taken by StreamDoesNotExist"):

        class Duplicate(ServerError, code=2):  # pragma: no cover (refused)
            pass

    assert ServerError.for_code(2).__class__ is StreamDoesNotExist


def test_missing_dependency_error() -> None:
    error = MissingDependencyError("zstd compression", "zstandard", "zstd")
    assert isinstance(error, ImportError) and isinstance(error, RStreamError)
    assert str(error) == (
        "zstd compression needs the 'zstandard' package: pip install \"rstream[zstd]\""
    )
    assert (error.feature, error.package, error.extra) == ("zstd compression", "zstandard", "zstd")


def test_connection_closed_error() -> None:
    error = ConnectionClosedError("frame too large", 14)
    assert (error.reason, error.code) == ("frame too large", 14)
    assert str(error) == "connection closed: frame too large (code 14)"
    assert ConnectionClosedError("socket reset").code is None


def test_standard_library_bases() -> None:
    assert issubclass(UnknownPluginError, LookupError)
    assert issubclass(ClientTimeoutError, TimeoutError)
    assert issubclass(MessageTooLargeError, ValueError)
    assert issubclass(ProtocolError, RStreamError)


@pytest.mark.parametrize(
    "error",
    [
        ServerError.for_code(2, "s"),
        ServerError.for_code(99, "x"),
        ConnectionClosedError("bye", 1),
        MissingDependencyError("lz4 compression", "lz4", "lz4"),
        ProtocolError("bad"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_survive_pickling(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_all_lists_every_exception() -> None:
    exported = {name for name in dir(errors) if isinstance(getattr(errors, name), type)}
    exported = {name for name in exported if issubclass(getattr(errors, name), BaseException)}
    assert set(errors.__all__) == exported
