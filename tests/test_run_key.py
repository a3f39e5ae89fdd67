"""What names a run folder (harness/run/key.py): the settings deciding predictions, no others."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.config import ROOT, instantiate
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


# Run folders of the packaged configs as the code before the layer packages and the strategies'
# own keying (commit 6261d19) named them, with the checkout's path written as /ROOT: a change of
# the key would orphan every stored run, so any change here must be deliberate.
EARLIER_FOLDERS = {
    "strategy=prompt": "acme-prompt-smollm2-135m-42109156d4",
    "strategy=rag": "acme-rag-smollm2-135m-1ff0ab5784",
    "strategy=finetune": "acme-finetune-smollm2-135m-e716b77bc8",
    "strategy=finetune_rag": "acme-finetune_rag-smollm2-135m-f554e2a289",
    "strategy=prompt_policy": "acme-prompt_policy-smollm2-135m-21c7fa647b",
    "strategy=rag_policy": "acme-rag_policy-smollm2-135m-9031a64109",
    "strategy=finetune_policy": "acme-finetune_policy-smollm2-135m-d7b557ed83",
    "strategy=rag strategy.cite=true": "acme-rag-smollm2-135m-ea708c1be7",
    "strategy=rag strategy.context=counterfactual": "acme-rag-smollm2-135m-96d90b7d26",
    "strategy=rag strategy.retriever=hybrid": "acme-rag-smollm2-135m-8a7c95d4ec",
    "strategy=finetune strategy.train_facts=10": "acme-finetune-smollm2-135m-6c18830eaf",
    "strategy=finetune_rag strategy.context=none": "acme-finetune_rag-smollm2-135m-8ce10f3d0d",
    "strategy=prompt strategy.few_shot=3": "acme-prompt-smollm2-135m-c133614e6c",
    "strategy=rag strategy.embedder_device=cpu": "acme-rag-smollm2-135m-1ff0ab5784",
    "strategy=finetune_rag strategy.rag.top_k=3": "acme-finetune_rag-smollm2-135m-57e06ccd01",
    "strategy=prompt dataset=acme_behaviour": "acme_behaviour-prompt-smollm2-135m-b02b786604",
}


def _path_free(node: object) -> object:
    if isinstance(node, dict):
        return {key: _path_free(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_path_free(value) for value in node]
    return node.replace(str(ROOT), "/ROOT") if isinstance(node, str) else node


@pytest.mark.parametrize("cell", list(EARLIER_FOLDERS))
def test_stored_runs_keep_their_folders(cell: str) -> None:
    cfg = compose_config(cell.split())
    plain = _path_free(OmegaConf.to_container(cfg, resolve=True))
    folder = run_dir(cfg, plain, _dataset(cfg.dataset.name, cfg))  # type: ignore[arg-type]
    assert folder.name == EARLIER_FOLDERS[cell]


_DATASETS: dict[str, object] = {}


def _dataset(name: str, cfg: object) -> object:
    if name not in _DATASETS:
        _DATASETS[name] = instantiate(cfg.dataset)  # type: ignore[attr-defined]
    return _DATASETS[name]
