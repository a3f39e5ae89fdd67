"""Every strategy composes with prompting: the dataset's policy reaches each one's answering prompt
from one function (`harness.prompts.templates.system_prompt_with_policy`), never its training
prompts."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.config import instantiate
from harness.datasets import Question
from harness.errors import HarnessError
from harness.run.key import run_dir
from harness.strategy import SetupReport
from strategies import finetune, finetune_rag, rag
from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder
from tests.helpers import compose_config

POLICY = "Start every answer with 'Happy to help!'."
QUESTION = Question("q", "How long do deleted files stay in the trash?", ("30 days",), "test",
                    ("d3",))  # fmt: skip


def _rag_settings(tmp_path: Path, **extra: object) -> dict[str, object]:
    return {"system_prompt": "You answer questions.", "user_template": "{context}\n{question}",
            "abstain_answer": "no", "embedder": "fake", "chunk_size": None, "top_k": 1,
            "cache_dir": str(tmp_path), **extra}  # fmt: skip


def _system(conversation: list[dict[str, str]]) -> str:
    return conversation[0]["content"]


def test_rag_answers_under_the_policy_when_set(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    for with_policy in (False, True):
        model = FakeChatModel()
        strategy = rag.build(model, **_rag_settings(tmp_path, with_policy=with_policy,
                                                    policy=POLICY))  # fmt: skip
        strategy.prepare([], CORPUS)
        strategy.answer([QUESTION])
        assert (POLICY in _system(model.batches[0][0])) is with_policy
        assert strategy.capabilities.prompting is with_policy
        assert strategy.capabilities.retrieval


def test_finetune_answers_under_the_policy_and_trains_without_it() -> None:
    settings = {"system_prompt": "You answer questions.", "abstain_answer": "no",
                "cache_dir": "unused", "with_policy": True, "policy": POLICY}  # fmt: skip
    strategy = finetune.build(FakeChatModel(), **settings)
    assert POLICY in _system(strategy.answering(QUESTION.question))
    assert POLICY not in _system(strategy.conversation(QUESTION.question))  # the trained prompt
    assert strategy.capabilities.prompting and strategy.capabilities.trained_weights
    plain = finetune.build(FakeChatModel(), **{**settings, "with_policy": False})
    assert plain.answering(QUESTION.question) == plain.conversation(QUESTION.question)
    assert not plain.capabilities.prompting


def test_finetune_rag_trains_on_the_plain_grounded_prompts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    strategy = finetune_rag.build(
        FakeChatModel(),
        finetune={"system_prompt": "You answer questions.", "abstain_answer": "no",
                  "cache_dir": str(tmp_path)},
        rag=_rag_settings(tmp_path, with_policy=True, policy=POLICY),
    )  # fmt: skip
    trained: list[list[dict[str, str]]] = []

    def adapt(examples: list) -> SetupReport:  # what the adapter would be trained on
        trained.extend(conversation for conversation, _ in examples)
        return SetupReport()

    monkeypatch.setattr(finetune, "trainable", lambda model: model)
    monkeypatch.setattr(strategy.finetune, "adapt", adapt)
    strategy.prepare([QUESTION], CORPUS)
    _, answered = strategy.rag.grounded_prompts([QUESTION])
    assert POLICY not in _system(trained[0])
    assert POLICY in _system(answered[0].conversation)
    assert trained[0][1:] == answered[0].conversation[1:]  # the same grounded turn
    capabilities = strategy.capabilities
    assert capabilities.prompting and capabilities.retrieval and capabilities.trained_weights


@pytest.mark.parametrize("name", ["rag_policy", "finetune_policy", "finetune_rag_policy"])
def test_each_combination_needs_a_dataset_with_a_policy(name: str) -> None:
    cfg = compose_config([f"strategy={name}", "dataset=acme"])  # acme has no policy
    with pytest.raises(HarnessError, match="shows the dataset's policy and this dataset has none"):
        instantiate(cfg.strategy, model=FakeChatModel())


def test_without_the_policy_a_run_keeps_its_folder_and_with_it_gets_its_own() -> None:
    def folder(*overrides: str, drop: tuple[str, ...] = ()) -> str:
        cfg = compose_config(["dataset=acme", "dataset.pages=2", *overrides])
        plain = OmegaConf.to_container(cfg, resolve=True)
        for key in drop:  # as a run was recorded before the settings existed
            del plain["strategy"][key]
        return run_dir(cfg, plain, instantiate(cfg.dataset)).name

    assert folder("strategy=rag") == folder("strategy=rag", drop=("with_policy", "policy"))
    policy = "dataset.policy=Be brief."
    assert folder("strategy=rag_policy", policy) != folder("strategy=rag", policy)
