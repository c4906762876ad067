"""`wire("0015 0001 00000004 0001\"/\"")`: hex with quoted ASCII, as docs/protocol.md
writes frames."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'"([^"]*)"|([0-9a-fA-F]+)|(\S)')


def wire(text: str) -> bytes:
    out = bytearray()
    for quoted, hex_digits, junk in _TOKEN.findall(text):
        if junk:
            raise ValueError(f"unexpected {junk!r} in {text!r}")
        if hex_digits:
            out += bytes.fromhex(hex_digits)
        else:
            out += quoted.encode()
    return bytes(out)
