"""The plugin registry: entry-point loading, lookups, conflicts, failures, runtime additions."""

from __future__ import annotations

import ast
import enum
import gzip
import importlib.metadata
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rstream_core import hookspecs
from rstream_core.errors import MissingDependencyError, ProtocolError, UnknownPluginError
from rstream_core.plugin_api import ICompressionCodec, as_compression_codec, hookimpl
from rstream_core.plugins import (
    DISABLE_AUTOLOAD_ENV,
    ENTRY_POINT_GROUP,
    PluginConflictError,
    PluginLoadError,
    PluginRegistry,
    build_registry,
    get_registry,
    reset_registry,
)

PLUGINS_DIR = Path(__file__).resolve().parents[3] / "plugins"
MY_PLUGINS = [
    "compression_none",
    "compression_gzip",
    "compression_snappy",
    "compression_lz4",
    "compression_zstd",
    "auth_plain",
    "auth_external",
    "auth_anonymous",
    "lb_direct",
    "lb_advertised",
]


class Reverse:
    """A toy compression for the tests."""

    def __init__(self, name: str = "reverse", code: int = 7) -> None:
        self.name = name
        self.code = code

    def compress(self, data: bytes) -> bytes:
        return data[::-1]

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        return data[::-1]


def fake_plugin(name: str, **hooks: Callable[..., None]) -> ModuleType:
    """A module whose functions are hook implementations, as a plugin module would be."""
    module = ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def compressions(*entries: tuple[str, int]) -> Callable[..., None]:
    def register(registry: Any) -> None:
        for name, code in entries:
            registry.add_compression(name, code, lambda n=name, c=code: Reverse(n, c))

    return register


def isolated(*plugins: object) -> PluginRegistry:
    return build_registry(plugins, autoload=False)


# ------------------------------------------------------------------ built-ins


def test_builtin_plugins_are_loaded_from_entry_points() -> None:
    registry = get_registry()
    assert registry.names("compression") == ["gzip", "lz4", "none", "snappy", "zstd"]
    assert registry.names("sasl") == ["AMQPLAIN", "ANONYMOUS", "EXTERNAL", "PLAIN"]
    assert registry.names("load_balancer") == ["direct", "load-balancer"]
    assert not set(MY_PLUGINS) & set(registry.load_errors)


def test_builtins_are_declared_as_entry_points_like_third_party_plugins() -> None:
    declared = {
        ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    }
    for folder in MY_PLUGINS:
        assert declared[folder] == f"rstream_plugins.{folder}"


def test_get_registry_is_built_once_and_cached() -> None:
    first = get_registry()
    assert get_registry() is first
    assert first.compression("gzip") is first.compression("gzip")
    reset_registry()
    assert get_registry() is not first


def test_extra_or_blocked_plugins_give_a_fresh_uncached_registry() -> None:
    registry = get_registry(blocked=["compression_zstd"])
    assert registry is not get_registry()
    assert "zstd" not in registry.names("compression")
    assert "zstd" in get_registry().names("compression")


# --------------------------------------------------------------------- lookups


class SeedCompressionType(enum.Enum):
    No = 0
    Gzip = 1
    Zstd = 4


class NamedCompression(enum.StrEnum):
    GZIP = "gzip"


class OpaqueCompression(enum.Enum):
    Lz4 = (3, "lz4")


def test_compression_lookup_by_name_code_and_enum() -> None:
    registry = get_registry()
    zstd = registry.compression("zstd")
    assert zstd.name == "zstd"
    assert zstd.code == 4
    assert registry.compression("ZStd") is zstd
    assert registry.compression(4) is zstd
    assert registry.compression_by_code(4) is zstd
    assert registry.compression(SeedCompressionType.Zstd) is zstd
    assert registry.compression(SeedCompressionType.No).name == "none"
    assert registry.compression(NamedCompression.GZIP).name == "gzip"
    assert registry.compression(OpaqueCompression.Lz4).name == "lz4"


def test_compression_lookup_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        get_registry().compression(True)
    with pytest.raises(TypeError):
        get_registry().compression(1.0)  # type: ignore[arg-type]


def test_sasl_and_load_balancer_lookups_are_case_insensitive() -> None:
    registry = get_registry()
    assert registry.sasl("plain") is registry.sasl("PLAIN")
    assert registry.sasl("plain").name == "PLAIN"
    assert registry.load_balancer("Direct").name == "direct"


def test_unknown_name_lists_what_is_available() -> None:
    with pytest.raises(UnknownPluginError) as caught:
        get_registry().compression("brotli")
    assert str(caught.value) == "no compression 'brotli'; available: gzip, lz4, none, snappy, zstd"
    assert isinstance(caught.value, LookupError)
    available = r"available: AMQPLAIN, ANONYMOUS, EXTERNAL, PLAIN$"
    with pytest.raises(UnknownPluginError, match=available):
        get_registry().sasl("SCRAM-SHA-256")
    with pytest.raises(UnknownPluginError, match=r"no load balancer 'x'; available: direct"):
        get_registry().load_balancer("x")


def test_unknown_code_lists_codes() -> None:
    with pytest.raises(UnknownPluginError) as caught:
        get_registry().compression_by_code(6)
    assert str(caught.value) == (
        "no compression with code 6; available: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd"
    )


def test_unknown_name_marks_compressions_whose_library_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    registry = build_registry()
    with pytest.raises(UnknownPluginError) as caught:
        registry.compression("brotli")
    assert "available: gzip, lz4, none, snappy, zstd (needs rstream[zstd])" in str(caught.value)


def test_names_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown plugin kind"):
        get_registry().names("compressions")  # type: ignore[arg-type]


def test_repr_lists_the_names() -> None:
    text = repr(get_registry())
    assert "compression: gzip, lz4, none, snappy, zstd" in text
    assert "load_balancer: direct, load-balancer" in text


# ------------------------------------------------------------------- factories


def test_factories_run_on_first_lookup_only() -> None:
    calls: list[str] = []

    def factory() -> Reverse:
        calls.append("made")
        return Reverse()

    plugin = fake_plugin(
        "lazy",
        rstream_register_compressions=lambda registry: registry.add_compression(
            "reverse", 7, factory
        ),
    )
    registry = isolated(plugin)
    assert calls == []
    first = registry.compression("reverse")
    assert registry.compression_by_code(7) is first
    assert calls == ["made"]


def test_a_factory_returning_the_wrong_type_is_reported_with_the_plugin_name() -> None:
    plugin = fake_plugin(
        "wrongtype",
        rstream_register_load_balancers=lambda registry: registry.add_load_balancer(
            "odd", lambda: object()
        ),
    )
    registry = isolated(plugin)
    with pytest.raises(TypeError, match=r"plugin 'wrongtype'.*'odd'.*not a LoadBalancer"):
        registry.load_balancer("odd")


def test_missing_dependency_is_raised_on_lookup_and_not_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zstandard = pytest.importorskip("zstandard")
    registry = build_registry()
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(MissingDependencyError):
        registry.compression("zstd")
    monkeypatch.setitem(sys.modules, "zstandard", zstandard)  # as if installed meanwhile
    assert registry.compression("zstd").name == "zstd"


# ------------------------------------------------------------------- conflicts


def test_duplicate_names_name_both_plugins() -> None:
    first = fake_plugin("first", rstream_register_compressions=compressions(("dup", 6)))
    second = fake_plugin("second", rstream_register_compressions=compressions(("DUP", 7)))
    with pytest.raises(PluginConflictError) as caught:
        isolated(first, second)
    assert str(caught.value) == (
        "compression 'DUP' from plugin 'second' is already registered by plugin 'first'"
    )


def test_duplicate_compression_codes_name_both_plugins() -> None:
    first = fake_plugin("first", rstream_register_compressions=compressions(("a", 6)))
    second = fake_plugin("second", rstream_register_compressions=compressions(("b", 6)))
    with pytest.raises(PluginConflictError) as caught:
        isolated(first, second)
    assert str(caught.value) == (
        "compression code 6 of 'b' from plugin 'second' is already used by 'a' from plugin 'first'"
    )


def test_a_third_party_plugin_cannot_take_a_builtin_name() -> None:
    rogue = fake_plugin("rogue", rstream_register_compressions=compressions(("gzip", 6)))
    with pytest.raises(PluginConflictError, match="compression_gzip"):
        build_registry([rogue])


def test_compression_codes_are_three_bits() -> None:
    registry = isolated()
    with pytest.raises(ValueError, match=r"0\.\.7"):
        registry.add_compression("big", 8, Reverse)
    with pytest.raises(ValueError, match=r"0\.\.7"):
        registry.add_compression("negative", -1, Reverse)


def test_duplicate_sasl_name_is_case_insensitive() -> None:
    registry = isolated()
    registry.add_sasl("PLAIN", object)  # type: ignore[arg-type]
    with pytest.raises(PluginConflictError):
        registry.add_sasl("plain", object)  # type: ignore[arg-type]


# -------------------------------------------------------------------- failures


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Replace the installed entry points with the list this fixture yields."""
    points: list[Any] = []

    def entry_points(**selection: str) -> list[Any]:
        assert selection == {"group": ENTRY_POINT_GROUP}
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    yield points


def entry_point(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_a_plugin_that_fails_to_import_is_reported_by_name(
    monkeypatch: pytest.MonkeyPatch, fake_entry_points: list[Any]
) -> None:
    good = fake_plugin("rstream_fake_good", rstream_register_compressions=compressions(("rev", 7)))
    monkeypatch.setitem(sys.modules, "rstream_fake_good", good)
    fake_entry_points += [
        entry_point("broken", "rstream_fake_module_that_does_not_exist"),
        entry_point("good", "rstream_fake_good"),
    ]
    registry = build_registry()
    assert registry.compression("rev").code == 7
    assert list(registry.load_errors) == ["broken"]
    assert isinstance(registry.load_errors["broken"], ModuleNotFoundError)
    with pytest.raises(PluginLoadError) as caught:
        registry.compression("brotli")
    message = str(caught.value)
    assert message.startswith("no compression 'brotli'; available: rev;")
    assert "'broken' (ModuleNotFoundError: No module named" in message
    assert caught.value.__cause__ is registry.load_errors["broken"]
    assert caught.value.failures == registry.load_errors
    assert isinstance(caught.value, UnknownPluginError)


def test_two_distributions_with_one_entry_point_name_are_reported(
    monkeypatch: pytest.MonkeyPatch, fake_entry_points: list[Any]
) -> None:
    plugin = fake_plugin("rstream_fake_one", rstream_register_compressions=compressions(("a", 6)))
    monkeypatch.setitem(sys.modules, "rstream_fake_one", plugin)
    fake_entry_points += [entry_point("same", "rstream_fake_one"), entry_point("same", "other")]
    registry = build_registry()
    assert registry.names("compression") == ["a"]
    assert isinstance(registry.load_errors["same (other)"], PluginConflictError)


def test_an_implementation_of_an_unknown_hook_is_dropped_and_reported() -> None:
    typo = fake_plugin(
        "typo",
        rstream_register_compressions=compressions(("a", 6)),
        rstream_register_compresions=compressions(("b", 5)),
    )
    good = fake_plugin("good", rstream_register_compressions=compressions(("c", 7)))
    registry = isolated(typo, good)
    assert registry.names("compression") == ["c"]
    assert "unknown hook" in str(registry.load_errors["typo"])


def test_a_hook_that_raises_is_dropped_with_what_it_added() -> None:
    def half_done(registry: Any) -> None:
        registry.add_compression("half", 6, Reverse)
        raise RuntimeError("boom")

    faulty = fake_plugin("faulty", rstream_register_compressions=half_done)
    good = fake_plugin("good", rstream_register_compressions=compressions(("c", 7)))
    registry = isolated(faulty, good)
    assert registry.names("compression") == ["c"]
    assert str(registry.load_errors["faulty"]) == "boom"
    with pytest.raises(PluginLoadError, match=r"'faulty' \(RuntimeError: boom\)"):
        registry.compression("half")


def test_blocked_plugins_are_not_loaded() -> None:
    registry = build_registry(blocked=["compression_lz4", "auth_anonymous"])
    assert registry.names("compression") == ["gzip", "none", "snappy", "zstd"]
    assert registry.names("sasl") == ["AMQPLAIN", "EXTERNAL", "PLAIN"]


@pytest.mark.parametrize("setting", ["1", "true", "yes"])
def test_autoload_can_be_disabled_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, setting)
    assert build_registry().names("compression") == []
    only_gzip = build_registry(["rstream_plugins.compression_gzip"])
    assert only_gzip.names("compression") == ["gzip"]


@pytest.mark.parametrize("setting", ["", "0", "false"])
def test_autoload_stays_on_for_false_settings(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, setting)
    assert "gzip" in build_registry().names("compression")


def test_a_plugin_passed_twice_is_registered_once() -> None:
    import rstream_plugins.compression_gzip as gzip_plugin

    registry = build_registry([gzip_plugin, "rstream_plugins.compression_gzip"])
    assert registry.compression("gzip").code == 1


# ------------------------------------------------------- ICompressionCodec (seed)


class SeedGzipCodec(ICompressionCodec):
    """Written the way the seed's users wrote codecs: stateful, framing the messages itself."""

    def __init__(self) -> None:
        self.buffer = b""
        self.size = 0
        self.count = 0

    def compress(self, messages: list[Any]) -> None:
        framed = b"".join(len(m).to_bytes(4, "big") + bytes(m) for m in messages)
        self.count = len(messages)
        self.size = len(framed)
        self.buffer = gzip.compress(framed)

    def uncompress(self, compressed_data: bytes, uncompressed_data_size: int) -> bytes:
        return gzip.decompress(compressed_data)

    def compressed_size(self) -> int:
        return len(self.buffer)

    def uncompressed_size(self) -> int:
        return self.size

    def messages_count(self) -> int:
        return self.count

    def compression_type(self) -> int:
        return 1

    def data(self) -> bytes:
        return self.buffer


def batch(*messages: bytes) -> bytes:
    return b"".join(len(m).to_bytes(4, "big") + m for m in messages)


def test_a_seed_codec_is_adapted_to_a_compression_codec() -> None:
    codec = as_compression_codec(SeedGzipCodec())
    assert (codec.name, codec.code) == ("seedgzipcodec", 1)
    data = batch(b"one", b"", b"three" * 100)
    compressed = codec.compress(data)
    # What the seed codec wrote is a normal gzip batch, readable by the built-in plugin.
    assert get_registry().compression("gzip").decompress(compressed, len(data)) == data
    assert codec.decompress(compressed, len(data)) == data
    with pytest.raises(ProtocolError):
        codec.decompress(compressed, len(data) + 1)
    with pytest.raises(ProtocolError):
        codec.decompress(b"not gzip", 3)


def test_the_adapter_refuses_a_truncated_batch() -> None:
    codec = as_compression_codec(SeedGzipCodec())
    with pytest.raises(ProtocolError, match="ends inside a message"):
        codec.compress(batch(b"abc")[:-1])
    with pytest.raises(ProtocolError, match="ends inside a message"):
        codec.compress(b"\x00\x00")


def test_register_compression_codec_replaces_the_codec_of_that_code() -> None:
    registry = build_registry()
    seed = SeedGzipCodec()
    registry.register_compression_codec(seed)
    replaced = registry.compression("gzip")
    assert registry.compression(1) is replaced
    assert "SeedGzipCodec" in repr(replaced)
    assert registry.names("compression") == ["gzip", "lz4", "none", "snappy", "zstd"]
    assert "SeedGzipCodec" not in repr(get_registry().compression("gzip"))


def test_register_compression_codec_with_a_new_code_and_name() -> None:
    registry = build_registry()
    registry.register_compression_codec(Reverse("backwards", 6))
    assert registry.compression(6).name == "backwards"
    assert registry.compression("backwards").code == 6


def test_adapting_something_else_fails() -> None:
    reverse = Reverse()
    assert as_compression_codec(reverse) is reverse
    with pytest.raises(TypeError):
        as_compression_codec(object())  # type: ignore[arg-type]


def test_a_seed_codec_must_give_a_wire_code() -> None:
    class Broken(SeedGzipCodec):
        def compression_type(self) -> int:
            return 9

    with pytest.raises(ValueError, match=r"0\.\.7"):
        as_compression_codec(Broken())


def test_a_seed_codec_may_give_an_enum_as_its_type() -> None:
    class Zstd(SeedGzipCodec):
        def compression_type(self) -> Any:
            return SeedCompressionType.Zstd

    assert as_compression_codec(Zstd()).code == 4


# ---------------------------------------------------------- hookspecs and rules


def test_each_hook_takes_the_registry_keyword_and_documents_its_contract() -> None:
    hooks = [name for name in dir(hookspecs) if name.startswith("rstream_")]
    assert sorted(hooks) == [
        "rstream_register_codecs",
        "rstream_register_compressions",
        "rstream_register_load_balancers",
        "rstream_register_sasl_mechanisms",
    ]
    for name in hooks:
        function = getattr(hookspecs, name)
        assert list(inspect.signature(function).parameters) == ["registry"]
        assert "registry" in (function.__doc__ or "")


@pytest.mark.parametrize("folder", MY_PLUGINS)
def test_builtin_plugins_import_only_the_plugin_api(folder: str) -> None:
    imported: set[str] = set()
    for path in (PLUGINS_DIR / folder).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert {m for m in imported if m.startswith("rstream")} == {"rstream_core.plugin_api"}
