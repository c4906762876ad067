"""Stream URIs: what each part means, and that a password never shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rstream_core.uri import endpoints, is_uri, masked, parse_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("rabbitmq-stream://localhost", ("localhost", 5552, False, None, None, None)),
        ("rabbitmq-stream://h:5560/", ("h", 5560, False, None, None, None)),
        ("rabbitmq-stream+tls://h", ("h", 5551, True, None, None, None)),
        ("rabbitmq-stream://u:p@h:1/%2F", ("h", 1, False, "u", "p", "/")),
        ("rabbitmq-stream://u:p%40ss@h/prod", ("h", 5552, False, "u", "p@ss", "prod")),
        ("RABBITMQ-STREAM://user@127.0.0.1/a%2Fb", ("127.0.0.1", 5552, False, "user", None, "a/b")),
        ("rabbitmq-stream://[::1]:5552", ("::1", 5552, False, None, None, None)),
    ],
)
def test_each_part_of_a_uri(uri: str, expected: tuple[object, ...]) -> None:
    parsed = parse_uri(uri)
    assert is_uri(uri)
    assert (parsed.host, parsed.port, parsed.tls, parsed.username, parsed.password,
            parsed.vhost) == expected
    assert "p@ss" not in repr(parsed) and ":p@" not in repr(parsed)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("amqp://u:secret@h", "scheme"),
        ("rabbitmq-stream://u:secret@", "no host"),
        ("rabbitmq-stream://u:secret@h:99999", "invalid stream URI"),
        ("rabbitmq-stream://u:secret@h/v?heartbeat=5", "query"),
    ],
)
def test_a_bad_uri_is_refused_without_showing_its_password(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_uri(uri)
    assert "secret" not in str(raised.value) and "u:***@" in str(raised.value)


@given(st.text(alphabet=st.characters(blacklist_characters="@/:"), min_size=1))
def test_masking_hides_any_password(password: str) -> None:
    uri = f"rabbitmq-stream://user:{password}@host:5552/"
    assert masked(uri) == "rabbitmq-stream://user:***@host:5552/"


def test_a_host_name_is_not_a_uri() -> None:
    assert endpoints("broker.local", 5553).addresses == (("broker.local", 5553),)
    assert not is_uri("localhost")


def test_several_uris_share_their_login_or_are_refused() -> None:
    both = endpoints("ignored", 1, ["rabbitmq-stream://u:p@a:1/v", "rabbitmq-stream://u:p@b:2/v"])
    assert both.addresses == (("a", 1), ("b", 2))
    assert (both.username, both.password, both.vhost, both.tls) == ("u", "p", "v", False)
    with pytest.raises(ValueError, match="must share") as raised:
        endpoints("x", 1, ["rabbitmq-stream://u:p@a", "rabbitmq-stream+tls://u:p@b"])
    assert ":p@" not in str(raised.value)

