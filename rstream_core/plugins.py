"""The plugin registry: loads the `rstream.plugins` entry points and answers lookups by name.

Built-in plugins (`rstream_plugins.*`) are declared in the same entry-point group as third-party
ones, so they load the same way. Consequently `RSTREAM_DISABLE_PLUGIN_AUTOLOAD=1` skips *every*
entry point, built-ins included: only the plugins passed as `extra_plugins` are registered (as
pytest does with `PYTEST_DISABLE_PLUGIN_AUTOLOAD`).

Each entry point is loaded in its own try/except. A plugin that fails to import, does not
validate against the hookspecs, or raises in its hook is left out and recorded in
`PluginRegistry.load_errors`; asking for a name nobody provides then raises `PluginLoadError`,
which names the failed plugins and their errors. Other names keep working.

`get_registry()` builds the registry once and caches it; callers look names up at set-up time
(a producer, a connection), never per message. Factories run on the first lookup of their name.
"""

from __future__ import annotations

import enum
import functools
import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, NoReturn, TypeVar

import pluggy

from rstream_core import hookspecs
from rstream_core.errors import (
    MissingDependencyError,
    PluginConflictError,
    PluginLoadError,
    UnknownPluginError,
)
from rstream_core.plugin_api import (
    CompressionCodec,
    ICompressionCodec,
    LoadBalancer,
    MessageCodec,
    SaslMechanism,
    as_compression_codec,
)

__all__ = [
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "PluginConflictError",
    "PluginKind",
    "PluginLoadError",
    "PluginRegistry",
    "build_registry",
    "get_registry",
    "reset_registry",
]

ENTRY_POINT_GROUP = "rstream.plugins"
DISABLE_AUTOLOAD_ENV = "RSTREAM_DISABLE_PLUGIN_AUTOLOAD"
RUNTIME_PLUGIN = "<runtime>"
"""The plugin name of what application code adds after the registry is built."""

PluginKind = Literal["codec", "compression", "sasl", "load_balancer"]

_HOOKS = (
    "rstream_register_codecs",
    "rstream_register_compressions",
    "rstream_register_sasl_mechanisms",
    "rstream_register_load_balancers",
)
_MAX_COMPRESSION_CODE = 7  # the compression id is 3 bits in a sub-entry header

T = TypeVar("T")



@dataclass(slots=True)
class _Entry(Generic[T]):
    name: str
    plugin: str
    factory: Callable[[], T]
    code: int | None = None
    extra: str | None = None
    instance: T | None = None


class _Table(Generic[T]):
    """The entries of one plugin kind, keyed by case-folded name."""

    def __init__(self, kind: str, protocol: type[Any]) -> None:
        self.kind = kind
        self._protocol = protocol
        self.by_name: dict[str, _Entry[T]] = {}

    def add(self, entry: _Entry[T], replace: bool) -> None:
        taken = self.by_name.get(entry.name.casefold())
        if taken is not None and not replace:
            raise PluginConflictError(
                f"{self.kind} {entry.name!r} from plugin {entry.plugin!r} is already "
                f"registered by plugin {taken.plugin!r}"
            )
        self.by_name[entry.name.casefold()] = entry

    def find(self, name: str) -> _Entry[T] | None:
        return self.by_name.get(name.casefold())

    def instance(self, entry: _Entry[T]) -> T:
        """The entry's object, made by its factory on first use and then cached."""
        if entry.instance is None:
            made = entry.factory()
            if not isinstance(made, self._protocol):
                raise TypeError(
                    f"plugin {entry.plugin!r}: the factory of {self.kind} {entry.name!r} "
                    f"returned {type(made).__name__}, not a {self._protocol.__name__}"
                )
            entry.instance = made
        return entry.instance

    def remove_plugin(self, plugin: str) -> None:
        for key in [k for k, e in self.by_name.items() if e.plugin == plugin]:
            del self.by_name[key]

    def describe(self) -> str:
        """Every name, sorted, each with a hint when its library is missing."""
        return ", ".join(self._describe(e) for e in sorted(self.by_name.values(), key=_name))

    def _describe(self, entry: _Entry[T]) -> str:
        if entry.extra is None:
            return entry.name
        try:
            self.instance(entry)
        except MissingDependencyError:
            return f"{entry.name} (needs rstream[{entry.extra}])"
        except Exception:  # reported in full when the name itself is asked for
            return f"{entry.name} (broken)"
        return entry.name


def _name(entry: _Entry[Any]) -> str:
    return entry.name.casefold()


class PluginRegistry:
    """Plugins by kind and name. Built by `build_registry`; implements `plugin_api.Registry`.

    Names are case-insensitive. Lookups raise `UnknownPluginError` (or its subclass
    `PluginLoadError`) listing what is available, and `MissingDependencyError` when the
    plugin's optional library is not installed.
    """

    def __init__(self, load_errors: Mapping[str, BaseException] | None = None) -> None:
        self.load_errors: dict[str, BaseException] = dict(load_errors or {})
        self._codecs = _Table[MessageCodec]("codec", MessageCodec)
        self._compressions = _Table[CompressionCodec]("compression", CompressionCodec)
        self._compression_codes: dict[int, _Entry[CompressionCodec]] = {}
        self._sasl = _Table[SaslMechanism]("SASL mechanism", SaslMechanism)
        self._load_balancers = _Table[LoadBalancer]("load balancer", LoadBalancer)

    def __repr__(self) -> str:
        kinds: tuple[PluginKind, ...] = ("codec", "compression", "sasl", "load_balancer")
        listed = "; ".join(f"{kind}: {', '.join(self.names(kind))}" for kind in kinds)
        return f"<PluginRegistry {listed}>"

    # ------------------------------------------------------------------ adding

    def add_codec(
        self,
        name: str,
        factory: Callable[[], MessageCodec],
        *,
        plugin: str = RUNTIME_PLUGIN,
        replace: bool = False,
    ) -> None:
        """Add a message codec. `replace=True` lets application code override a name."""
        self._codecs.add(_Entry(name, plugin, factory), replace)

    def add_compression(
        self,
        name: str,
        code: int,
        factory: Callable[[], CompressionCodec],
        extra: str | None = None,
        *,
        plugin: str = RUNTIME_PLUGIN,
        replace: bool = False,
    ) -> None:
        """Add a compression under a name and a wire code (0..7), both unique.

        `replace=True` first removes whatever holds that name or that code.
        """
        if isinstance(code, bool) or not 0 <= code <= _MAX_COMPRESSION_CODE:
            raise ValueError(f"compression code must be 0..{_MAX_COMPRESSION_CODE}, got {code!r}")
        entry = _Entry(name, plugin, factory, code=code, extra=extra)
        taken = self._compression_codes.get(code)
        if taken is not None and not replace:
            raise PluginConflictError(
                f"compression code {code} of {name!r} from plugin {plugin!r} is already used by "
                f"{taken.name!r} from plugin {taken.plugin!r}"
            )
        if replace:
            self._remove_compression(name, code)
        self._compressions.add(entry, replace=False)
        self._compression_codes[code] = entry

    def register_compression_codec(
        self, codec: ICompressionCodec | CompressionCodec, name: str | None = None
    ) -> None:
        """Use `codec` for its wire code from now on, replacing any codec with that code.

        This is how a seed-style `ICompressionCodec` is installed at runtime. The name
        defaults to the name of the codec it replaces ("zstd" for code 4), else its own name.
        """
        adapted = as_compression_codec(codec, name)
        previous = self._compression_codes.get(adapted.code)
        chosen = name or (previous.name if previous is not None else adapted.name)
        self.add_compression(chosen, adapted.code, lambda: adapted, replace=True)

    def add_sasl(
        self,
        name: str,
        factory: Callable[[], SaslMechanism],
        *,
        plugin: str = RUNTIME_PLUGIN,
        replace: bool = False,
    ) -> None:
        """Add a SASL mechanism, named as the server names it (e.g. "PLAIN")."""
        self._sasl.add(_Entry(name, plugin, factory), replace)

    def add_load_balancer(
        self,
        name: str,
        factory: Callable[[], LoadBalancer],
        *,
        plugin: str = RUNTIME_PLUGIN,
        replace: bool = False,
    ) -> None:
        """Add a load-balancer strategy."""
        self._load_balancers.add(_Entry(name, plugin, factory), replace)

    def remove_plugin(self, plugin: str) -> None:
        """Forget everything `plugin` added."""
        for table in self._tables():
            table.remove_plugin(plugin)
        self._compression_codes = {
            code: e for code, e in self._compression_codes.items() if e.plugin != plugin
        }

    # ----------------------------------------------------------------- lookups

    def codec(self, name: str) -> MessageCodec:
        """The message codec called `name` ("amqp", "binary", ...)."""
        return self._lookup(self._codecs, name)

    def compression(self, key: str | int | enum.Enum) -> CompressionCodec:
        """The compression for a name ("zstd"), a wire code (4) or an enum member.

        An enum member is looked up by its value when that is an int or a str (so
        `CompressionType.Zstd` with value 4 works), else by its member name.
        """
        if isinstance(key, enum.Enum):
            value = key.value
            key = value if isinstance(value, int | str) else key.name
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise TypeError(f"a compression is a name, a code or an enum, not {key!r}")
        if isinstance(key, int):
            return self.compression_by_code(key)
        return self._lookup(self._compressions, key)

    def compression_by_code(self, code: int) -> CompressionCodec:
        """The compression whose wire id is `code` (what a consumer reads in a sub-entry)."""
        entry = self._compression_codes.get(code)
        if entry is None:
            codes = ", ".join(f"{c} {e.name}" for c, e in sorted(self._compression_codes.items()))
            self._raise_unknown(f"no compression with code {code}; available: {codes}")
        return self._compressions.instance(entry)

    def sasl(self, name: str) -> SaslMechanism:
        """The SASL mechanism called `name` (case-insensitive: "plain" finds PLAIN)."""
        return self._lookup(self._sasl, name)

    def load_balancer(self, name: str) -> LoadBalancer:
        """The load-balancer strategy called `name` ("direct", "load-balancer", ...)."""
        return self._lookup(self._load_balancers, name)

    def names(self, kind: PluginKind) -> list[str]:
        """The registered names of one kind, sorted."""
        table: _Table[Any] = self._table(kind)
        return sorted((e.name for e in table.by_name.values()), key=str.casefold)

    # ---------------------------------------------------------------- helpers

    def _lookup(self, table: _Table[T], name: str) -> T:
        entry = table.find(name)
        if entry is None:
            self._raise_unknown(f"no {table.kind} {name!r}; available: {table.describe()}")
        return table.instance(entry)

    def _raise_unknown(self, message: str) -> NoReturn:
        if not self.load_errors:
            raise UnknownPluginError(message)
        failed = "; ".join(
            f"{plugin!r} ({type(error).__name__}: {error})"
            for plugin, error in self.load_errors.items()
        )
        cause = next(iter(self.load_errors.values()))
        raise PluginLoadError(
            f"{message}; plugins that failed to load: {failed}", self.load_errors
        ) from cause

    def _remove_compression(self, name: str, code: int) -> None:
        for entry in (self._compressions.find(name), self._compression_codes.get(code)):
            if entry is not None and entry.code is not None:
                self._compressions.by_name.pop(entry.name.casefold(), None)
                self._compression_codes.pop(entry.code, None)

    def _table(self, kind: PluginKind) -> _Table[Any]:
        tables: dict[str, _Table[Any]] = {
            "codec": self._codecs,
            "compression": self._compressions,
            "sasl": self._sasl,
            "load_balancer": self._load_balancers,
        }
        if kind not in tables:
            raise ValueError(f"unknown plugin kind {kind!r}; kinds: {', '.join(tables)}")
        return tables[kind]

    def _tables(self) -> tuple[_Table[Any], ...]:
        return (self._codecs, self._compressions, self._sasl, self._load_balancers)


class _PluginScope:
    """The `Registry` one plugin's hook is handed: it signs additions with the plugin's name,
    so that a conflict can name both plugins."""

    def __init__(self, registry: PluginRegistry, plugin: str) -> None:
        self._registry = registry
        self._plugin = plugin

    def add_codec(self, name: str, factory: Callable[[], MessageCodec]) -> None:
        self._registry.add_codec(name, factory, plugin=self._plugin)

    def add_compression(
        self,
        name: str,
        code: int,
        factory: Callable[[], CompressionCodec],
        extra: str | None = None,
    ) -> None:
        self._registry.add_compression(name, code, factory, extra, plugin=self._plugin)

    def add_sasl(self, name: str, factory: Callable[[], SaslMechanism]) -> None:
        self._registry.add_sasl(name, factory, plugin=self._plugin)

    def add_load_balancer(self, name: str, factory: Callable[[], LoadBalancer]) -> None:
        self._registry.add_load_balancer(name, factory, plugin=self._plugin)


# -------------------------------------------------------------------- building


def build_registry(
    extra_plugins: Iterable[object | str] = (),
    blocked: Iterable[str] = (),
    *,
    autoload: bool | None = None,
) -> PluginRegistry:
    """Build a fresh registry (tests use this; everything else calls `get_registry`).

    :param extra_plugins: plugin objects (usually modules with `@hookimpl` functions), or
        importable module names, registered in addition to the entry points.
    :param blocked: plugin (entry-point) names not to load, as pytest's `-p no:NAME`.
    :param autoload: load the `rstream.plugins` entry points; by default, unless the
        environment sets `RSTREAM_DISABLE_PLUGIN_AUTOLOAD`.
    :raises PluginConflictError: two plugins register the same name or compression code.
    """
    manager = pluggy.PluginManager("rstream")
    manager.add_hookspecs(hookspecs)
    for name in blocked:
        manager.set_blocked(name)
    failures: dict[str, BaseException] = {}
    if _autoload_enabled() if autoload is None else autoload:
        _load_entry_points(manager, failures)
    for plugin in extra_plugins:
        _register_extra(manager, plugin)
    _check_pending(manager, failures)
    registry = PluginRegistry(failures)
    _run_hooks(manager, registry)
    return registry


def get_registry(
    extra_plugins: Iterable[object | str] = (), blocked: Iterable[str] = ()
) -> PluginRegistry:
    """The registry of installed plugins, built on first call and then cached.

    With `extra_plugins` or `blocked`, a fresh, uncached registry is built instead.
    """
    extra_plugins, blocked = tuple(extra_plugins), tuple(blocked)
    if extra_plugins or blocked:
        return build_registry(extra_plugins, blocked)
    return _cached_registry()


def reset_registry() -> None:
    """Forget the cached registry, so the next `get_registry()` loads plugins again."""
    _cached_registry.cache_clear()


@functools.cache
def _cached_registry() -> PluginRegistry:
    return build_registry()


def _autoload_enabled() -> bool:
    setting = os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower()
    return setting in ("", "0", "false", "no")


def _load_entry_points(manager: pluggy.PluginManager, failures: dict[str, BaseException]) -> None:
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        name = entry_point.name
        if manager.is_blocked(name):
            continue
        if manager.has_plugin(name):
            # pluggy would skip it silently; two distributions using one name is a conflict.
            failures[f"{name} ({entry_point.value})"] = PluginConflictError(
                f"entry point name {name!r} is already used by another plugin"
            )
            continue
        try:
            manager.register(entry_point.load(), name=name)
        except Exception as error:  # one broken plugin must not break the others
            failures[name] = error


def _register_extra(manager: pluggy.PluginManager, plugin: object | str) -> None:
    if isinstance(plugin, str):
        plugin = importlib.import_module(plugin)
    if not manager.is_registered(plugin):
        manager.register(plugin)


def _check_pending(manager: pluggy.PluginManager, failures: dict[str, BaseException]) -> None:
    """Drop, and record, every plugin implementing a hook that does not exist."""
    while True:
        try:
            manager.check_pending()
        except pluggy.PluginValidationError as error:
            failures[manager.get_name(error.plugin) or repr(error.plugin)] = error
            manager.unregister(error.plugin)
        else:
            return


def _run_hooks(manager: pluggy.PluginManager, registry: PluginRegistry) -> None:
    # Each implementation is called on its own, with its own scope, so that every addition is
    # attributed to its plugin and a plugin that raises can be dropped without the others.
    # The hooks are plain registration functions: wrappers have nothing to wrap.
    for hook_name in _HOOKS:
        for impl in getattr(manager.hook, hook_name).get_hookimpls():  # registration order
            if impl.plugin_name in registry.load_errors:
                continue
            try:
                if impl.wrapper or impl.hookwrapper:
                    raise TypeError(f"{hook_name} cannot be implemented as a wrapper")
                scope = _PluginScope(registry, impl.plugin_name)
                impl.function(**dict.fromkeys(impl.argnames, scope))
            except PluginConflictError:
                raise
            except Exception as error:
                registry.load_errors[impl.plugin_name] = error
                registry.remove_plugin(impl.plugin_name)
