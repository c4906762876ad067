"""Only the optional C extensions; all metadata is in pyproject.toml.

`optional=True`: without a working C compiler the build skips it and the package installs
without them (the modules that load them then use their pure-Python paths).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "rstream_core._speedups",
            sources=["rstream_core/_speedups.c"],
            optional=True,
        ),
        Extension(
            "rstream_core.protocol._speedups",
            sources=["rstream_core/protocol/_speedups.c"],
            optional=True,
        ),
        Extension(
            "rstream_plugins.codec_amqp._speedups",
            sources=["plugins/codec_amqp/_speedups.c"],
            optional=True,
        ),
        Extension(
            "rstream_plugins.codec_amqp._message",
            sources=["plugins/codec_amqp/_message.c"],
            optional=True,
        ),
    ]
)
