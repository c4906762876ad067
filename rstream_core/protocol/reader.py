"""FrameReader: byte slices of any size in, whole frame bodies out.

Fed bytes are kept as a list of pieces and joined only when a frame (or a size prefix)
straddles them, so a large Deliver arriving over many reads is copied once, and many small
frames in one read are handed out as memoryview slices of that read without any copy.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from rstream_core.errors import ProtocolError
from rstream_core.protocol.constants import PRE_OPEN_FRAME_MAX

_SIZE = struct.Struct(">I")
_MIN_BODY = 4  # key:u16 + version:u16


class FrameReader:
    """Splits a byte stream into frame bodies (size prefix removed).

    `max_frame_size` bounds the declared size of incoming frames (None: no limit); a frame
    above it raises ProtocolError as soon as its size prefix is read, before its body is
    waited for. It starts at the 8 KiB pre-Open ceiling; after Open the connection raises it to
    `max_inbound_frame` (256 MiB by default), not to frame_max, because the server sends whole
    chunks in Deliver frames whatever frame_max says.

    After a ProtocolError the byte stream is out of step: the reader must be dropped.
    """

    __slots__ = (
        "_buffer",
        "_buffered",
        "_next_size",
        "_pieces",
        "_pos",
        "_view",
        "max_frame_size",
    )

    def __init__(self, max_frame_size: int | None = PRE_OPEN_FRAME_MAX) -> None:
        self.max_frame_size = max_frame_size
        self._buffer = b""  # the oldest unread bytes start at _pos
        self._view = memoryview(self._buffer)  # frames are handed out as slices of this
        self._pos = 0
        self._pieces: list[bytes] = []  # fed after _buffer, not joined yet
        self._buffered = 0  # unread bytes in _buffer and _pieces
        self._next_size: int | None = None  # body size of the frame being assembled

    @property
    def buffered(self) -> int:
        """Bytes received but not handed out yet (a partial frame's size prefix included)."""
        return self._buffered + (0 if self._next_size is None else _SIZE.size)

    def feed(self, data: bytes) -> None:
        if data:
            self._pieces.append(data)
            self._buffered += len(data)

    def __iter__(self) -> Iterator[memoryview]:
        """Every frame body that is complete now, in order."""
        while (body := self._next_body()) is not None:
            yield body

    def _next_body(self) -> memoryview | None:
        size = self._next_size
        if size is None:
            if self._buffered < _SIZE.size:
                return None
            if len(self._buffer) - self._pos < _SIZE.size:
                self._gather()
            size = self._check_size(_SIZE.unpack_from(self._buffer, self._pos)[0])
            self._consume(_SIZE.size)
            self._next_size = size
        if self._buffered < size:
            return None
        if len(self._buffer) - self._pos < size:
            self._gather()
        start = self._pos
        self._consume(size)
        self._next_size = None
        return self._view[start : self._pos]

    def _check_size(self, size: int) -> int:
        if size < _MIN_BODY:
            raise ProtocolError(f"frame size {size} leaves no room for key and version")
        if self.max_frame_size is not None and size > self.max_frame_size:
            raise ProtocolError(
                f"frame of {size} bytes is above the limit of {self.max_frame_size} bytes"
            )
        return size

    def _consume(self, size: int) -> None:
        self._pos += size
        self._buffered -= size

    def _gather(self) -> None:
        """Join what is left of the buffer with every pending piece (one copy at most)."""
        leftover = self._view[self._pos :]
        if not leftover and len(self._pieces) == 1:
            self._buffer = self._pieces[0]
        else:
            self._buffer = b"".join([leftover, *self._pieces])
        self._view = memoryview(self._buffer)
        self._pieces.clear()
        self._pos = 0
