"""Optional C storage for AMQPMessage (see _message.c): the same contract as
message._MessageBase, which message.py uses when this extension is not built."""

from collections.abc import Callable
from typing import Any

class MessageBase: ...

def init(
    message: type[Any],
    amqp_value: type[Any],
    unwrap: Callable[[Any], Any],
    python_encode: Callable[[Any], bytes],
    python_decode: Callable[[bytes], Any],
    /,
) -> None: ...
def decode(data: bytes, /) -> Any: ...
