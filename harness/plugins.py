"""Plugin discovery: strategies, model backends, dataset formats and the price table.

A plugin is a module that registers its own schema with `register_schema` when imported (as
Hydra's structured-config tutorial has a library store its own configs). The harness finds the
modules without naming them: every module of the packages in `PACKAGES`, the modules in
`MODULES`, and every module an installed distribution names in the `ragbench.plugins`
entry-point group. A plugin from outside the repository keeps its YAML in a `conf/` folder
beside its module (`conf/strategy/<name>.yaml`); that folder joins Hydra's search path
(`hydra_plugins/ragbench_searchpath`). Plugin modules import heavy libraries (torch, faiss,
peft) where they are used, so discovery stays fast.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from importlib import metadata
from pathlib import Path
from types import ModuleType

from hydra.core.config_store import ConfigStore

from harness.registry import Registry

log = logging.getLogger(__name__)

PACKAGES = ("strategies", "harness.models", "harness.datasets")
MODULES = ("harness.costs",)
ENTRY_POINT_GROUP = "ragbench.plugins"
SCHEMA_PREFIX = "base"  # a schema is the top-level config `base_<group>_<name>`

_loaded: dict[str, ModuleType] = {}  # plugin modules by name, in discovery order
# registered schemas by the `_target_` they default to
SCHEMAS: Registry[type] = Registry("schema")
_failed: dict[str, str] = {}  # plugin modules that failed to import: why, in one line
_conf_dirs: list[Path] = []  # `conf/` folders of the entry-point plugins found last


def register_schema(group: str, name: str, schema: type) -> str:
    """Store `schema` in Hydra's ConfigStore for a `<group>` YAML to extend; returns its name.

    The schema is a top-level config, not an option of `group`, so `--help` lists only the
    choices a user picks; a YAML extends it with `defaults: [/base_<group>_<name>@_here_, _self_]`.
    """
    stored = schema_name(group, name)
    ConfigStore.instance().store(name=stored, node=schema, provider="ragbench")
    target = getattr(schema, "_target_", None)  # a dataclass field's default is a class attribute
    if isinstance(target, str):
        SCHEMAS.add(target, schema)
    return stored


def schema_for(target: str) -> type | None:
    """The schema registered for the builder `target` names, importing its module if no schema
    was registered yet (a strategy found on `hydra.searchpath`); None for a builder without one."""
    if target not in SCHEMAS:
        module = target.rpartition(".")[0]
        try:
            importlib.import_module(module)
        except ImportError:  # reported where the builder is instantiated, with its own message
            return None
    return SCHEMAS.find(target)


def schema_name(group: str, name: str) -> str:
    """The ConfigStore name of a group's schema, e.g. `base_strategy_rag`."""
    return f"{SCHEMA_PREFIX}_{group}_{name}"


def discover() -> list[str]:
    """Import every plugin module once (each registers itself); the names of those imported.

    A module that fails to import is reported in one warning line and left out: the others, and
    every command that does not need it, go on.
    """
    for package in PACKAGES:
        _load(package)
        for found in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if not found.name.startswith("_"):
                _load(f"{package}.{found.name}")
    for module in MODULES:
        _load(module)
    # the folders of the entry points installed now (a test's temporary one leaves with it)
    folders = [_load_entry_point(e) for e in metadata.entry_points(group=ENTRY_POINT_GROUP)]
    _conf_dirs[:] = dict.fromkeys(folder for folder in folders if folder is not None)
    return list(_loaded)


def conf_dirs() -> list[Path]:
    """The `conf/` folders of the plugins installed through the entry-point group."""
    return list(_conf_dirs)


def failures() -> dict[str, str]:
    """The plugin modules that failed to import in `discover`, each with its one-line reason."""
    return dict(_failed)


def _load(name: str, where: str | None = None) -> ModuleType | None:
    """Import a plugin module once; None, with one warning line, if it fails to import."""
    if name not in _loaded and name not in _failed:
        try:
            _loaded[name] = importlib.import_module(name)
        except Exception as error:
            _failed[name] = (
                f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
            log.warning("plugin %s failed to import (%s); left out", where or name, _failed[name])
    return _loaded.get(name)


def _load_entry_point(entry_point: metadata.EntryPoint) -> Path | None:
    """Import the module an entry point names; its `conf/` folder, if it has one."""
    where = f"entry point {entry_point.name!r} = {entry_point.value!r} ({ENTRY_POINT_GROUP})"
    if entry_point.attr:
        log.warning("%s: name a module (package.module), not an object in one; left out", where)
        return None
    module = _load(entry_point.module, where)
    if module is None:
        return None
    folder = Path(module.__file__ or "").parent / "conf"
    return folder if folder.is_dir() else None
