"""A report section beyond the main tables: a title, what it shows, its table and its findings."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from harness.training.distillation import configuration_key


@dataclass
class Section:
    """A table ready to show (every value already formatted), the note above it and the
    findings below it, one line each."""

    title: str
    note: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def key_without(config: dict[str, Any], run_keys: tuple[str, ...], strategy_keys: set[str]) -> str:
    """The configuration key (`harness.training.distillation.configuration_key`) of `config`
    without the
    `run` settings `run_keys` and, at any depth of the strategy node, the keys `strategy_keys`:
    runs that differ only there are one configuration."""
    kept = copy.deepcopy(config)
    for key in run_keys:
        kept.get("run", {}).pop(key, None)
    kept["strategy"] = _dropped(kept.get("strategy", {}), strategy_keys)
    return configuration_key(kept)


def _dropped(node: Any, names: set[str]) -> Any:
    if isinstance(node, dict):
        return {k: _dropped(v, names) for k, v in node.items() if k not in names}
    if isinstance(node, list):
        return [_dropped(v, names) for v in node]
    return node


def label_without(label: str, names: tuple[str, ...]) -> str:
    """A cell label ("strategy/model key=value,...") without the settings named `names`."""
    base, _, settings = label.partition(" ")
    kept = [s for s in settings.split(",") if s and s.split("=", 1)[0] not in names]
    return f"{base} {','.join(kept)}".strip()
