"""What names a run folder (harness/run/key.py): the settings deciding predictions, no others."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.config import instantiate
from harness.run.key import folder_safe, run_dir
from tests.helpers import compose_config


def _folder(overrides: list[str]) -> Path:
    cfg = compose_config(overrides)
    plain = OmegaConf.to_container(cfg, resolve=True)
    return run_dir(cfg, plain, instantiate(cfg.dataset))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "unkeyed",
    ["run.limit=2", "run.force=true", "run.threads=1", "pricing.hardware_usd_per_hour=9",
     "scoring.max_answer_words=3", "paths.cache_dir=/elsewhere"],
)  # fmt: skip
def test_settings_that_decide_no_prediction_keep_the_folder(
    tiny_run_overrides: list[str], unkeyed: str
) -> None:
    assert _folder([*tiny_run_overrides, unkeyed]) == _folder(tiny_run_overrides)


@pytest.mark.parametrize("keyed", ["model.max_new_tokens=5", "run.seed=1", "run.batch_size=3"])
def test_settings_that_decide_predictions_make_another_folder(
    tiny_run_overrides: list[str], keyed: str
) -> None:
    base = _folder(tiny_run_overrides)
    other = _folder([*tiny_run_overrides, keyed])
    assert other != base and other.parent == base.parent
    assert other.name.rsplit("-", 1)[0] == base.name.rsplit("-", 1)[0] == "jsonl-prompt-tiny"


def test_names_from_users_stay_one_folder_inside_the_runs_folder() -> None:
    assert folder_safe("../up") == "_up" and folder_safe("org/model") == "org_model"
    assert folder_safe("...") == "_"
