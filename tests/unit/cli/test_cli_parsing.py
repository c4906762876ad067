"""The CLI's pure parts: messages from JSON lines, offsets, readable output, error lines."""

from __future__ import annotations

import argparse
import datetime

import pytest

from rstream_core.cli.connection import ConnectionOptions
from rstream_core.cli.errors import describe
from rstream_core.cli.main import parser
from rstream_core.cli.messages import jsonable, parse_message, text_lines
from rstream_core.cli.offsets import InputError, offset_specification
from rstream_core.cli.perf import options as perf_options
from rstream_core.errors import (
    AuthenticationFailure,
    ConnectionClosedError,
    StreamDoesNotExist,
    VirtualHostAccessFailure,
)
from rstream_core.protocol.constants import OffsetType
from rstream_plugins.codec_amqp import AMQPMessage


def test_a_json_line_becomes_an_amqp_message() -> None:
    message = parse_message(
        '{"body": "hi", "properties": {"message_id": "m1"}, '
        '"application_properties": {"k": 1}}', "amqp")
    assert isinstance(message, AMQPMessage)
    assert message.body == b"hi"
    assert message.properties is not None and message.properties.message_id == "m1"
    assert message.application_properties == {"k": 1}
    assert parse_message('{"body": {"base64": "AAE="}}', "binary") == b"\x00\x01"


@pytest.mark.parametrize(("line", "problem"), [
    ("nope", "not JSON"),
    ("[1]", 'an object with a "body"'),
    ('{"body": 1}', '"body" is a string'),
    ('{"body": "x", "extra": 1}', "unknown keys: extra"),
    ('{"body": "x", "properties": {"colour": "red"}}', "properties are among"),
    ('{"body": "x", "properties": {"to": "q"}}', "no properties"),
])
def test_bad_json_lines_are_refused(line: str, problem: str) -> None:
    codec = "binary" if "to" in line else "amqp"
    with pytest.raises(InputError, match=problem):
        parse_message(line, codec)


def test_offsets() -> None:
    assert offset_specification("first").offset_type == OffsetType.FIRST
    assert offset_specification("42").offset == 42
    assert offset_specification("@1000").offset == 1000
    moment = offset_specification("2026-01-01T00:00:00+01:00")
    assert moment.offset_type == OffsetType.TIMESTAMP
    assert moment.offset == int(datetime.datetime(2025, 12, 31, 23, tzinfo=datetime.UTC)
                                .timestamp() * 1000)
    with pytest.raises(InputError, match="--offset 'soon'"):
        offset_specification("soon")


def test_readable_values() -> None:
    assert jsonable(b"text") == "text"
    assert jsonable(b"\x00\x01") == {"base64": "AAE="}
    assert jsonable(b"caf\xc3\xa9\n") == "café\n"
    assert jsonable({"a": [b"x", 1]}) == {"a": ["x", 1]}
    assert text_lines({"offset": 7, "body": {"base64": "AAE="}}) == [
        "7: <2 bytes, base64 AAE=>"]


def args(*argv: str) -> argparse.Namespace:
    return parser().parse_args(argv)


def test_connection_options_before_and_after_the_command() -> None:
    before = ConnectionOptions.from_args(args("--host", "a", "streams", "info", "s"))
    after = ConnectionOptions.from_args(args("--host", "a", "streams", "info", "s", "--host",
                                             "b", "--port", "1"))
    assert (before.host, before.port) == ("a", None)
    assert (after.host, after.port) == ("b", 1)
    assert before.client_kwargs()["port"] == 5552
    tls = ConnectionOptions.from_args(args("--tls", "streams", "info", "s"))
    assert tls.client_kwargs()["port"] == 5551 and "ssl_context" in tls.client_kwargs()
    uris = ConnectionOptions.from_args(args("--uri", "rabbitmq-stream://u:p@h:1/v,"
                                            "rabbitmq-stream://u:p@h:2/v", "perf"))
    assert uris.client_kwargs()["uris"] == ["rabbitmq-stream://u:p@h:1/v",
                                            "rabbitmq-stream://u:p@h:2/v"]
    assert uris.client_kwargs()["password"] is None  # the URIs' own
    assert "u:p@" not in uris.where and "u:p@" not in repr(uris)


def test_error_lines_name_what_failed_and_never_the_password() -> None:
    where = ConnectionOptions(host="h", port=1, password="secret")
    consume = args("consume", "orders")
    assert describe(StreamDoesNotExist("x", code=2), consume, where) == (
        "stream 'orders' does not exist")
    supers = args("super-streams", "delete", "big")
    assert describe(StreamDoesNotExist("x", code=2), supers, where) == (
        "super stream 'big' does not exist")
    assert describe(AuthenticationFailure("x", code=8), consume, where) == (
        "authentication failed for user 'guest' on h:1 (PLAIN)")
    assert describe(VirtualHostAccessFailure("x", code=12), consume, where) == (
        "user 'guest' may not use virtual host '/' on h:1")
    lost = ConnectionClosedError("cannot connect to h:1: refused", code=None)
    assert describe(lost, consume, where) == "cannot connect to h:1: refused"
    assert "secret" not in repr(where)


@pytest.mark.parametrize(("argv", "problem"), [
    (["--size", "7"], "--size must be at least 8"),
    (["--producers", "0", "--consumers", "0"], "nothing to do"),
    (["--processes", "0"], "--processes must be at least 1"),
    (["--filter-values", "a", "--codec", "binary"], "filtering needs --codec amqp"),
    (["--super-streams", "--sub-entry-size", "10"], "does not apply to super streams"),
    (["--confirms", "0"], "--confirms must be at least 1"),
    (["--rate", "-5"], "--rate cannot be negative"),
    (["--sub-entry-size", "-1"], "--sub-entry-size cannot be negative"),
    (["--compression", "zstd"], "--compression needs --sub-entry-size"),
])
def test_perf_option_checks(argv: list[str], problem: str) -> None:
    problem_found = perf_options.check(args("perf", *argv))
    assert problem_found is not None and problem in problem_found
