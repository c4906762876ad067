"""Only the optional C extension; all metadata is in pyproject.toml.

`optional=True`: without a working C compiler the build skips it and the package installs
without it (fast_sections then uses its pure-Python paths).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "rstream_plugins.codec_amqp._speedups",
            sources=["plugins/codec_amqp/_speedups.c"],
            optional=True,
        )
    ]
)
