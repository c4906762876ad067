"""rstream 1.x's recovery module, for code that still imports from it.

Recovery is built into every producer and consumer here (`recovery=True`, the default); a
1.x strategy object passed as `recovery_strategy` is accepted with a DeprecationWarning and
changes nothing.
"""

from rstream_core.compat import BackOffRecoveryStrategy, RecoveryStrategy

__all__ = ["BackOffRecoveryStrategy", "RecoveryStrategy"]
