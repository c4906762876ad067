"""rstream 1.x's recovery module, for code that still imports from it.

Recovery is built into every producer and consumer here (`recovery=True`, the default); a
1.x strategy object passed as `recovery_strategy` is accepted with a DeprecationWarning and
changes nothing.
"""

from __future__ import annotations

__all__ = ["BackOffRecoveryStrategy", "RecoveryStrategy"]


class RecoveryStrategy:
    """What rstream 1.x's strategies were; kept so that 1.x code imports and runs."""

    def __init__(self, enable: bool = True, max_retries: int = 10) -> None:
        self.enabled = enable
        self.max_retries = max_retries


class BackOffRecoveryStrategy(RecoveryStrategy):
    """rstream 1.x's back-off strategy: recovery here always backs off (0.2 s doubling up to
    5 s), so its settings are kept only to be read back."""

    def __init__(self, enable: bool = True, jitter: int = 8) -> None:
        super().__init__(enable)
        self.jitter = jitter
