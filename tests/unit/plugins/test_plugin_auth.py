"""The SASL mechanism plugins: exact payloads (docs/protocol.md section 8), no leaked secrets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rstream_core.errors import ProtocolError
from rstream_core.plugin_api import SaslMechanism
from rstream_core.plugins import get_registry

SECRET = "s3cr3t-p@ss"
NUL_FREE_TEXT = st.text(st.characters(exclude_characters="\0", codec="utf-8"), max_size=40)


def mechanism(name: str) -> SaslMechanism:
    return get_registry().sasl(name)


def test_plain_payload_has_an_empty_authzid() -> None:
    assert mechanism("PLAIN").initial_response("guest", "guest") == b"\x00guest\x00guest"


def test_plain_payload_is_utf8() -> None:
    payload = mechanism("PLAIN").initial_response("j\u00fcrgen", "\u00e9t\u00e9")
    assert payload == b"\x00j\xc3\xbcrgen\x00\xc3\xa9t\xc3\xa9"


@given(username=NUL_FREE_TEXT, password=NUL_FREE_TEXT)
def test_plain_payload_splits_back_into_its_fields(username: str, password: str) -> None:
    payload = mechanism("PLAIN").initial_response(username, password)
    assert payload is not None
    assert payload.split(b"\0") == [b"", username.encode(), password.encode()]


def test_plain_refuses_a_nul_without_quoting_the_password() -> None:
    with pytest.raises(ValueError, match="username") as caught:
        mechanism("PLAIN").initial_response("gu\0est", SECRET)
    assert SECRET not in str(caught.value)
    with pytest.raises(ValueError, match="password") as caught:
        mechanism("PLAIN").initial_response("guest", SECRET + "\0")
    assert SECRET not in str(caught.value)


def test_external_sends_an_empty_payload() -> None:
    assert mechanism("EXTERNAL").initial_response("user", SECRET) == b""


def test_anonymous_sends_a_null_payload() -> None:
    assert mechanism("ANONYMOUS").initial_response("user", SECRET) is None


@pytest.mark.parametrize("name", ["PLAIN", "EXTERNAL", "ANONYMOUS", "AMQPLAIN"])
def test_a_challenge_is_a_protocol_error(name: str) -> None:
    with pytest.raises(ProtocolError, match=name):
        mechanism(name).respond(b"challenge")


@pytest.mark.parametrize("name", ["PLAIN", "EXTERNAL", "ANONYMOUS", "AMQPLAIN"])
def test_mechanisms_keep_no_credentials(name: str) -> None:
    chosen = mechanism(name)
    chosen.initial_response("user", SECRET)
    assert chosen.name == name
    assert SECRET not in repr(chosen)
    assert SECRET not in repr(vars(chosen))
    assert isinstance(chosen, SaslMechanism)


def test_amqplain_payload_is_a_field_table_without_its_outer_length() -> None:
    # docs/protocol.md 8: 05"LOGIN" 'S' u32len "user" 08"PASSWORD" 'S' u32len "pass"
    assert mechanism("AMQPLAIN").initial_response("guest", "pw") == (
        b"\x05LOGINS\x00\x00\x00\x05guest" b"\x08PASSWORDS\x00\x00\x00\x02pw"
    )
