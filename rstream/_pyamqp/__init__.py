"""rstream 1.x's private AMQP package, for code that imports its message types from it (the
1.x single-active-consumer example does: `from rstream._pyamqp.message import Properties`)."""
