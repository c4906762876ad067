"""ApplicationProperties: the dict a decoded application-properties section comes as.

rstream 1.x decoded AMQP strings as bytes, so code written for it reads
``message.application_properties[b"region"]``. Strings are decoded as str now (what the
spec and other clients do), and the keys of an application-properties map are strings; a
decoded map still answers a bytes key through its UTF-8 str key, with a DeprecationWarning
(once per process), so that such code keeps working while it is moved to str keys.

Only ``map[key]`` does: ``.get(b"k")`` and ``b"k" in map`` do not, as a dict's
``__missing__`` is only consulted by ``[]`` on a miss. So `__getitem__`, `get` and
`__contains__` stay dict's own and a str lookup does what a dict's does (CPython still makes
any dict subclass ~10 ns slower per lookup: its fastest paths are for exact dicts). The map is
a plain dict in every other way: equal to a dict with the same items, shown like one, copied
and pickled as one (as an ApplicationProperties). A map the user builds is left as it is.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["ApplicationProperties"]

_BYTES_KEY_WARNING = (
    "AMQP strings are decoded as str: application property keys are str, not bytes; "
    'use the str key (e.g. msg.application_properties["region"])'
)
# Set once the warning has been given: code that reads bytes keys does so on every message,
# and one warning per process says it all.
_warned = False
_ABSENT = object()


class ApplicationProperties(dict[str, Any]):
    """A decoded application-properties map: a dict that also finds a str key by its bytes.

    ``properties[b"region"]`` is ``properties["region"]`` (deprecated: see the module).
    """

    # No __dict__: as small and as quick to make as a subclass gets. Neither __new__ nor
    # __init__ is defined: the C extension makes instances with dict's tp_new alone.
    __slots__ = ()

    def __missing__(self, key: object) -> Any:
        """The value of the str key that bytes `key` is the UTF-8 encoding of (rstream 1.x)."""
        if not isinstance(key, bytes):
            raise KeyError(key)
        _warn_bytes_key()
        try:
            text = key.decode()
        except UnicodeDecodeError:
            raise KeyError(key) from None
        value = self.get(text, _ABSENT)  # not self[text]: a miss would report the str key
        if value is _ABSENT:
            raise KeyError(key)
        return value


def _warn_bytes_key() -> None:
    global _warned
    if not _warned:
        _warned = True  # first: a warning turned into an error is still given once
        # 3: this function, __missing__ (dict's own lookup adds no Python frame), the caller.
        warnings.warn(_BYTES_KEY_WARNING, DeprecationWarning, stacklevel=3)
