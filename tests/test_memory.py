"""Cells of a grid run one after another in one process: each must leave nothing of its own alive
(model, adapter, index, strategy), or a 12-cell grid holds twelve cells' memory at its end."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import pytest

from harness import runner
from harness.__main__ import release_memory
from tests.helpers import compose_config


def test_after_a_cell_its_model_strategy_and_dataset_are_freed(
    tiny_run_overrides: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[tuple[str, weakref.ref]] = []
    real = runner.instantiate

    def recording(node: Any, **kwargs: Any) -> Any:
        made = real(node, **kwargs)
        built.append((type(made).__name__, weakref.ref(made)))
        return made

    monkeypatch.setattr(runner, "instantiate", recording)
    train = ["strategy.training.epochs=1", "strategy.forgetting_questions=null"]
    for cell in (["strategy=prompt"], ["strategy=finetune", *train]):
        runner.run(compose_config([*tiny_run_overrides, *cell]))
    release_memory()  # what python -m harness -m does between cells
    kinds = {name for name, _ in built}
    assert {"TransformersChatModel", "PromptStrategy", "FinetuneStrategy", "Dataset"} <= kinds
    alive = sorted(name for name, ref in built if ref() is not None and name != "Pricing")
    assert alive == []
