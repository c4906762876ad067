"""One line for each way a command can fail, naming what failed and why."""

from __future__ import annotations

import argparse
import ssl

from rstream_core.cli.connection import ConnectionOptions
from rstream_core.errors import (
    AuthenticationError,
    ConnectionClosedError,
    MissingDependencyError,
    PreconditionFailed,
    RStreamError,
    StreamAlreadyExists,
    StreamDoesNotExist,
    VirtualHostAccessFailure,
)


def describe(error: BaseException, args: argparse.Namespace, where: ConnectionOptions) -> str:
    """The message after "rstream: "; never a credential."""
    kind = "super stream" if getattr(args, "command", "") == "super-streams" else "stream"
    name = getattr(args, "name", None) or getattr(args, "stream", None)
    if isinstance(error, StreamDoesNotExist):
        return f"{kind} '{name}' does not exist" if name else "the stream does not exist"
    if isinstance(error, PreconditionFailed) and getattr(args, "action", "") == "create":
        return f"{kind} '{name}' already exists with other arguments"
    if isinstance(error, StreamAlreadyExists):
        return f"{kind} '{name}' already exists" if name else "the stream already exists"
    if isinstance(error, VirtualHostAccessFailure):
        return (f"user '{where.user}' may not use virtual host '{where.virtual_host}' "
                f"on {where.where}")
    if isinstance(error, AuthenticationError):
        return (f"authentication failed for user '{where.user}' on {where.where} "
                f"({where.sasl_mechanism})")
    if isinstance(error, ConnectionClosedError) and str(error).startswith("connection closed: "):
        return str(error).removeprefix("connection closed: ")
    if isinstance(error, ssl.SSLError):
        return f"TLS with {where.where} failed: {error.reason or error}"
    if isinstance(error, MissingDependencyError | RStreamError):
        return str(error)
    if isinstance(error, OSError) and error.filename:  # a file named in the options
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, OSError):
        return f"{where.where}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"
