"""A separately built third-party plugin distribution is found and used through its entry points.

The fixture distribution (tests/fixtures/thirdparty_plugin) is packed into a wheel here,
installed by pip into a temporary directory, and used from a fresh interpreter that has that
directory on its path. Its second entry point cannot be imported, on purpose.

The wheel is assembled with zipfile from the fixture's pyproject.toml rather than by a build
backend: the venv's setuptools (65) cannot build wheels without the `wheel` package, and a
test must not download build dependencies. pip still validates and installs it as usual.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from rstream_core.errors import UnknownPluginError
from rstream_core.plugins import get_registry

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "thirdparty_plugin"

PROBE = """
import json
from rstream_core.plugins import PluginLoadError, get_registry

registry = get_registry()
reverse = registry.compression("reverse")
result = {
    "reverse": [reverse.name, reverse.code, registry.compression(7) is reverse],
    "compressed": reverse.compress(b"abc").decode(),
    "round_trip": reverse.decompress(reverse.compress(b"abcdef"), 6).decode(),
    "noop": registry.sasl("test-noop").initial_response("user", "pw").decode(),
    "gzip": registry.compression("gzip").name,
    "plain": registry.sasl("PLAIN").name,
    "load_errors": {name: repr(error) for name, error in registry.load_errors.items()},
}
try:
    registry.compression("brotli")
except PluginLoadError as error:
    result["unknown"] = str(error)
print(json.dumps(result))
"""


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def entry_points_txt(project: dict[str, object]) -> str:
    groups = project["entry-points"]
    assert isinstance(groups, dict)
    lines = []
    for group, points in groups.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in points.items()]
    return "\n".join(lines) + "\n"


def build_wheel(source: Path, out_dir: Path) -> Path:
    """A pure-Python wheel (PEP 427) of the fixture: its package plus dist-info metadata."""
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in sorted((source / "rstream_testplugin").glob("*.py"))
    }
    files[f"{dist}.dist-info/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    )
    files[f"{dist}.dist-info/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: rstream-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{dist}.dist-info/entry_points.txt"] = entry_points_txt(project).encode()
    record = f"{dist}.dist-info/RECORD"
    rows = [f"{path},{record_hash(data)},{len(data)}" for path, data in files.items()]
    files[record] = ("\n".join([*rows, f"{record},,"]) + "\n").encode()
    wheel = out_dir / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("thirdparty")
    wheel = build_wheel(FIXTURE, work)
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(target), str(wheel)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return target


def run_probe(site: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("RSTREAM_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def test_the_plugin_is_not_installed_in_this_interpreter() -> None:
    with pytest.raises(UnknownPluginError):
        get_registry().compression("reverse")


def test_an_installed_third_party_plugin_is_found_and_used(installed_plugin: Path) -> None:
    assert (installed_plugin / "rstream_testplugin" / "__init__.py").is_file()
    result = run_probe(installed_plugin)
    assert result["reverse"] == ["reverse", 7, True]
    assert result["compressed"] == "cba"
    assert result["round_trip"] == "abcdef"
    assert result["noop"] == "noop"


def test_a_broken_third_party_plugin_is_reported_by_name(installed_plugin: Path) -> None:
    result = run_probe(installed_plugin)
    load_errors = result["load_errors"]
    assert isinstance(load_errors, dict)
    assert list(load_errors) == ["testplugin_broken"]
    assert "no-such-package" in load_errors["testplugin_broken"]
    # The other plugins, built-in or from the same distribution, keep working.
    assert (result["gzip"], result["plain"], result["noop"]) == ("gzip", "PLAIN", "noop")
    unknown = result["unknown"]
    assert isinstance(unknown, str)
    assert unknown.startswith("no compression 'brotli'; available: ")
    assert "reverse" in unknown
    assert "'testplugin_broken' (ImportError: rstream_testplugin.broken needs" in unknown
