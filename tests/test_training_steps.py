"""`training.planned_steps` against the optimizer steps a training really takes (tiny model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from harness.models.transformers import load_transformers
from harness.prompts.templates import conversation
from harness.training import adapters
from harness.training.trainer import TrainingSettings, planned_steps
from tests import fakes

# the shared pairs and one more, so 7 examples leave a remainder for the step counts below
PAIRS = [*fakes.PAIRS, ("what is the capital ?", "paris")]


@pytest.fixture
def optimizer_steps(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """One entry per `AdamW.step` call made while the test runs."""
    calls: list[None] = []
    step = torch.optim.AdamW.step

    def counted(self: torch.optim.AdamW, *args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", counted)
    return calls


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        # 7 examples, 2 held out: 2 epochs of ceil(5 / 2) (not of ceil(7 / 2), the hold-out counts)
        ({"epochs": 2, "batch_size": 2, "validation_fraction": 0.3}, 6),
        # a step is batch_size * grad_accumulation examples: 3 epochs of ceil(7 / 2)
        ({"epochs": 3, "batch_size": 1, "grad_accumulation": 2, "validation_fraction": 0}, 12),
        # max_steps replaces epochs, and runs past the first epoch's ceil(5 / 3) = 2 steps
        ({"epochs": 1, "max_steps": 4, "batch_size": 3, "validation_fraction": 0.3}, 4),
    ],
)
def test_planned_steps_are_the_steps_training_takes(
    knobs: dict[str, Any],
    expected: int,
    tiny_model_dir: Path,
    tmp_path: Path,
    optimizer_steps: list[None],
) -> None:
    settings = TrainingSettings(target_modules=["q_proj"], logging_steps=1, **knobs)
    tiny = load_transformers(
        "tiny", pretrained=str(tiny_model_dir), max_new_tokens=4, dtype="float32"
    )
    examples = [(conversation("answer in a few words .", "{question}", q), a) for q, a in PAIRS]

    meta = adapters.load_or_train(
        tiny.model, tiny.tokenizer, examples, settings, str(tmp_path)
    ).meta

    assert meta["skipped"] == 0  # every example is usable, so `examples` is len(PAIRS)
    assert planned_steps(settings, len(PAIRS)) == expected
    assert len(optimizer_steps) == meta["steps"] == expected
    assert len(meta["loss_curve"]["train"]) == expected  # one point per step at logging_steps=1
