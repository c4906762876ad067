"""The built wheel holds the three packages, the typing marker, every entry point and, when a C
compiler is there, the optional extensions; without a compiler it builds and works without them.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILT_INS = [
    "codec_amqp", "codec_binary", "compression_none", "compression_gzip", "compression_snappy",
    "compression_lz4", "compression_zstd", "auth_plain", "auth_external", "auth_anonymous",
    "auth_amqplain", "lb_direct", "lb_advertised",
]


EXTENSIONS = [
    "rstream_core/_speedups", "rstream_core/protocol/_speedups",
    "rstream_plugins/codec_amqp/_speedups", "rstream_plugins/codec_amqp/_message",
]


# What a build must not reuse from the working tree (a build/ left by an earlier build would
# bring its compiled extensions along).
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", ".venv-*", ".benchvenv", "build", "dist", "*.egg-info", "*.so", "__pycache__",
    ".mypy_cache", ".mypy_path", ".pytest_cache", ".ruff_cache", ".hypothesis",
)


def build_wheel(directory: Path, **environment: str) -> Path:
    """A wheel built from a clean copy of the sources."""
    sources = directory / "sources"
    shutil.copytree(ROOT, sources, ignore=NOT_SOURCES, symlinks=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(directory), str(sources)],
        check=True, timeout=300, cwd=directory, env={**os.environ, **environment},
    )
    (wheel,) = directory.glob("rstream-*.whl")
    return wheel


def compiled(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names if name.endswith(".so")}


def test_wheel_contents(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert compiled(names) == set(EXTENSIONS)
    packages = ("rstream", "rstream/_pyamqp", "rstream_core", "rstream_core/protocol",
                "rstream_plugins")
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    assert "rstream/recovery.py" in names  # rstream 1.x imports it
    for plugin in BUILT_INS:
        assert f"rstream_plugins/{plugin}/__init__.py" in names, plugin
    assert {"rstream/py.typed", "rstream_core/py.typed", "rstream_plugins/py.typed"} <= names
    (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[rstream.plugins]" in text
    for plugin in BUILT_INS:
        assert f"{plugin} = rstream_plugins.{plugin}" in text
    assert "rstream = rstream_core.cli.main:main" in text


def test_without_a_compiler_the_wheel_builds_and_runs_in_pure_python(tmp_path: Path) -> None:
    # CC=false: every compile fails, and the optional extensions are left out.
    wheel = build_wheel(tmp_path, CC="false", LDSHARED="false")
    archive = zipfile.ZipFile(wheel)
    assert compiled(set(archive.namelist())) == set()
    unpacked = tmp_path / "unpacked"
    archive.extractall(unpacked)
    # -S: without site's .pth files, so that this checkout's editable install stays out; the
    # dependencies come from site-packages, added as a plain directory.
    code = (
        "import sys\n"
        "sys.path[:0] = [sys.argv[1]]; sys.path += sys.argv[2:]\n"
        "from rstream import AMQPMessage, amqp_decoder\n"
        "from rstream_core import speedups\n"
        "from rstream_core.protocol import speedups as protocol_speedups\n"
        "from rstream_plugins import codec_amqp\n"
        "from rstream_plugins.codec_amqp import message\n"
        "assert speedups.__file__.startswith(sys.argv[1]), speedups.__file__\n"
        "m = amqp_decoder(bytes(AMQPMessage(b'x', publishing_id=1)))\n"
        "print(speedups.SPEEDUPS, protocol_speedups.SPEEDUPS, codec_amqp.SPEEDUPS,\n"
        "      message.MESSAGE_SPEEDUPS, m.body)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "RSTREAM_NO_EXTENSIONS"}
    output = subprocess.run(
        [sys.executable, "-S", "-c", code, str(unpacked), *site.getsitepackages()],
        check=True, capture_output=True, text=True, env=environment,
    ).stdout
    assert output.split() == ["False", "False", "False", "False", "b'x'"]
