"""The built wheel holds the three packages, the typing marker and every entry point."""

from __future__ import annotations

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


def test_wheel_contents(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, timeout=300, cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("rstream-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("rstream", "rstream_core", "rstream_core/protocol", "rstream_plugins"):
        assert f"{package}/__init__.py" in names, package
    for plugin in BUILT_INS:
        assert f"rstream_plugins/{plugin}/__init__.py" in names, plugin
    assert {"rstream/py.typed", "rstream_core/py.typed", "rstream_plugins/py.typed"} <= names
    (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[rstream.plugins]" in text
    for plugin in BUILT_INS:
        assert f"{plugin} = rstream_plugins.{plugin}" in text
    assert "rstream = rstream_core.cli.main:main" in text
