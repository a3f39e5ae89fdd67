"""Named things of one kind, found by name: the one registry every plugin kind uses.

Schemas of strategies, models, datasets and prices (`harness.plugins`), metrics and feature
scorers (`harness.metrics`), retrievers (`harness.retrieval.retrievers`), behaviour check types
(`harness.scoring.behaviour`) and the judge's modes (`harness.scoring.model_judge`) are each a
`Registry`: lookup with a one-line "did you mean" for an unknown name, a listing in the order
things were added, and an optional loader run once before the first lookup (a package whose
modules register themselves when imported).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from harness.errors import HarnessError

Item = TypeVar("Item")


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """ " Did you mean: <nearest>?" for a misspelt name, or "" when nothing is close."""
    near = difflib.get_close_matches(name, list(choices), n=1)
    return f" Did you mean: {near[0]}?" if near else ""


class Registry(Generic[Item]):
    """Things of one `kind` by name. `setting` is the config key users choose one with (the
    message for an unknown name names it); `load` runs once, before the first lookup or listing."""

    def __init__(
        self, kind: str, setting: str | None = None, load: Callable[[], object] | None = None
    ) -> None:
        self.kind, self.setting = kind, setting
        self._items: dict[str, Item] = {}
        self._load, self._loaded = load, load is None

    def add(self, name: str, item: Item) -> Item:
        """Register `item` as `name`; the same item again is a no-op, another one is refused."""
        if name in self._items and self._items[name] != item:
            raise HarnessError(f"{self.kind} {name!r} is registered twice; give the new one "
                               "another name")  # fmt: skip
        self._items[name] = item
        return item

    def get(self, name: str) -> Item:
        """The item registered as `name`; a one-line HarnessError naming the choices if none."""
        if (problem := self.problem(name)) is not None:
            raise HarnessError(problem)
        return self._items[name]

    def find(self, name: str) -> Item | None:
        """The item registered as `name`, or None."""
        self._ensure_loaded()
        return self._items.get(name)

    def problem(self, name: str) -> str | None:
        """Why `name` is not a choice, as one line with the nearest name and every choice."""
        self._ensure_loaded()
        if name in self._items:
            return None
        shown = f"{self.setting}={name!r}" if self.setting else f"{self.kind} {name!r}"
        choices = self.names()
        return f"{shown} is unknown.{did_you_mean(name, choices)} Available: {', '.join(choices)}"

    def names(self) -> list[str]:
        """Every registered name, in the order they were added."""
        self._ensure_loaded()
        return list(self._items)

    def items(self) -> list[Item]:
        """Every registered item, in the order they were added."""
        self._ensure_loaded()
        return self.added()

    def added(self) -> list[Item]:
        """The items added so far, without loading more (for a check made while adding)."""
        return list(self._items.values())

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _ensure_loaded(self) -> None:
        if not self._loaded and self._load is not None:
            self._loaded = True  # first: a loaded module may look its own registry up
            self._load()
