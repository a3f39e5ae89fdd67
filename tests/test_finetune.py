"""LoRA fine-tuning on the tiny random-weight model: masking, training, adapter cache, errors."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

from harness.config import instantiate
from harness.datasets import Dataset
from harness.errors import HarnessError
from harness.models import Conversation
from harness.models.transformers import TransformersChatModel, load_transformers
from harness.run.runner import run
from harness.strategy import SetupReport
from harness.training import adapters, trainer
from harness.training.batches import IGNORE, batch_loss
from harness.training.trainer import TrainingSettings, encode
from tests.fakes import examples
from tests.helpers import compose_config, write_jsonl


@pytest.fixture
def tiny(tiny_model_dir: Path) -> TransformersChatModel:
    return load_transformers(
        "tiny", pretrained=str(tiny_model_dir), max_new_tokens=4, dtype="float32"
    )


@pytest.fixture
def finetune_overrides(tiny_run_overrides: list[str]) -> list[str]:
    return [*tiny_run_overrides, "strategy=finetune", "strategy.forgetting_questions=null",
            "strategy.training.epochs=2", "strategy.training.batch_size=2",
            "strategy.training.validation_fraction=0",
            "strategy.training.learning_rate=1e-2"]  # fmt: skip


def prepared(overrides: list[str]) -> tuple[Any, SetupReport, Dataset]:
    """Compose, load a fresh tiny model, build the strategy and prepare it on the train split."""
    cfg = compose_config(overrides)
    dataset = instantiate(cfg.dataset)
    strategy = instantiate(cfg.strategy, model=instantiate(cfg.model))
    return strategy, strategy.prepare(dataset.split("train"), dataset.corpus), dataset


def test_labels_cover_exactly_the_reply_tokens(tiny: TransformersChatModel) -> None:
    turns, reply = examples()[0]
    encoded = encode(tiny.tokenizer, turns, reply, max_length=256)
    prompt_ids = tiny.tokenizer(tiny.render(turns), add_special_tokens=False)["input_ids"]
    reply_ids = tiny.tokenizer(reply, add_special_tokens=False)["input_ids"]
    assert encoded.input_ids == prompt_ids + reply_ids  # the prompt exactly as at inference
    assert encoded.labels == [IGNORE] * len(prompt_ids) + reply_ids
    assert tiny.tokenizer.decode(reply_ids) == "acme gb"


def test_batch_loss_with_left_padding_equals_the_loss_of_each_example_alone(
    tiny: TransformersChatModel,
) -> None:
    batch = [encode(tiny.tokenizer, c, r, 256) for c, r in examples()[:3]]
    assert len({len(e.input_ids) for e in batch}) > 1  # padding is really exercised
    result = batch_loss(tiny.model, batch, tiny.tokenizer.pad_token_id)
    loss, labelled, tokens = result.loss, result.labelled, result.tokens
    expected = 0.0
    for e in batch:
        logits = tiny.model(input_ids=torch.tensor([e.input_ids])).logits[0, :-1]
        expected += torch.nn.functional.cross_entropy(
            logits, torch.tensor(e.labels[1:]), ignore_index=IGNORE, reduction="sum"
        ).item()
    assert loss.item() == pytest.approx(expected, rel=1e-4)
    assert labelled == sum(t != IGNORE for e in batch for t in e.labels)
    assert tokens == sum(len(e.input_ids) for e in batch)


def test_a_few_steps_lower_the_loss(tiny: TransformersChatModel, tmp_path: Path) -> None:
    settings = TrainingSettings(
        rank=8, target_modules=("q_proj", "v_proj", "lm_head"), learning_rate=3e-2, max_steps=20,
        batch_size=3, logging_steps=1, validation_fraction=0, warmup_ratio=0, dropout=0,
    )  # fmt: skip
    # lm_head too: the random model's logits are near zero and only it moves them quickly
    adapter = adapters.load_or_train(
        tiny.model, tiny.tokenizer, examples(), settings, str(tmp_path)
    )
    losses = [point["loss"] for point in adapter.meta["loss_curve"]["train"]]
    assert len(losses) == 20
    assert sum(losses[-3:]) / 3 < 0.5 * losses[0]
    assert adapter.meta["tokens"] > 0 and adapter.meta["peak_rss_mb"] > 0


def test_over_long_examples_are_cut_and_counted(
    tiny: TransformersChatModel, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lengths = [len(encode(tiny.tokenizer, c, r, 256).input_ids) for c, r in examples()]
    limit = sorted(lengths)[len(lengths) // 2]  # about half the examples are longer
    settings = TrainingSettings(target_modules=["q_proj"], max_steps=1, max_seq_length=limit,
                                validation_fraction=0)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="harness.training.trainer"):
        adapter = adapters.load_or_train(
            tiny.model, tiny.tokenizer, examples(), settings, str(tmp_path)
        )
    assert adapter.meta["truncated"] == sum(n > limit for n in lengths) > 0
    assert adapter.meta["skipped"] > 0  # cut inside the prompt: nothing left to learn
    assert "longer than strategy.training.max_seq_length" in caplog.text


def test_second_prepare_loads_the_adapter_and_trains_nothing(
    finetune_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first, _ = prepared(finetune_overrides)
    assert not first.cache_hit and first.details["steps"] > 0

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cache hit must not train")

    monkeypatch.setattr(trainer, "train", no_training)
    _, second, _ = prepared(finetune_overrides)
    assert second.cache_hit
    assert second.details["adapter_key"] == first.details["adapter_key"]
    assert second.build_seconds == first.build_seconds  # the training cost, from the meta
    with pytest.raises(AssertionError, match="must not train"):
        prepared([*finetune_overrides, "strategy.training.rank=4"])  # another knob: another key


def test_training_and_loading_an_adapter_warn_of_nothing_a_user_can_change(
    finetune_overrides: list[str],
) -> None:
    """peft's read of a deprecated transformers property printed a FutureWarning in every
    fine-tuned cell of `make run`; other warnings still show."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared(finetune_overrides)  # trains
        prepared(finetune_overrides)  # loads the cached adapter
        warnings.warn("a warning of ours", FutureWarning, stacklevel=1)
    future = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
    assert future == ["a warning of ours"]


@pytest.mark.parametrize(
    ("file", "damage", "problem"),
    [
        (adapters.WEIGHTS_FILE, "delete", "adapter_model.safetensors is missing"),
        (adapters.WEIGHTS_FILE, "garble", "adapter_model.safetensors changed since"),
        (adapters.WEIGHTS_FILE, "truncate", "adapter_model.safetensors changed since"),
        (adapters.CONFIG_FILE, "delete", "adapter_config.json is missing"),
        (adapters.META_FILE, "truncate", "meta.json changed since"),
        # valid tensors of the right names and shapes, but not the trained ones
        (adapters.WEIGHTS_FILE, "zero the weights", "adapter_model.safetensors changed since"),
    ],
)
def test_a_corrupt_cache_entry_is_trained_again(
    finetune_overrides: list[str],
    caplog: pytest.LogCaptureFixture,
    file: str,
    damage: str,
    problem: str,
) -> None:
    _, first, _ = prepared(finetune_overrides)
    path = Path(first.details["adapter_folder"]) / file
    if damage == "delete":
        path.unlink()
    elif damage == "garble":
        path.write_bytes(b"not a safetensors file")
    elif damage == "zero the weights":
        from safetensors.torch import load_file, save_file

        save_file({name: t.zero_() for name, t in load_file(path).items()}, path)
    else:  # what a full disk or a copy cut short leaves
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="harness.training.trainer"):
        _, second, _ = prepared(finetune_overrides)
    assert not second.cache_hit and f"is unusable ({problem}" in caplog.text
    assert (Path(second.details["adapter_folder"]) / file).is_file()
    _, third, _ = prepared(finetune_overrides)
    assert third.cache_hit  # the retrained entry is whole


def test_loaded_adapter_changes_the_outputs_and_merging_keeps_them(
    finetune_overrides: list[str], tiny: TransformersChatModel
) -> None:
    prepared(finetune_overrides)  # trains and caches
    ids = torch.tensor([tiny.tokenizer("what is the upload limit ?")["input_ids"]])
    with torch.no_grad():
        base = tiny.model(input_ids=ids).logits
        unmerged, report, _ = prepared([*finetune_overrides, "strategy.merge=false"])
        merged, _, _ = prepared(finetune_overrides)
        with_adapter = unmerged.model.model(input_ids=ids).logits
        with_merged = merged.model.model(input_ids=ids).logits
    assert report.cache_hit and not report.details["merged"]
    assert not torch.allclose(base, with_adapter, atol=1e-4)
    assert torch.allclose(with_adapter, with_merged, atol=1e-4)


def test_unknown_target_modules_fail_naming_valid_ones(finetune_overrides: list[str]) -> None:
    with pytest.raises(HarnessError, match=r"attn_proj not in this model.*q_proj"):
        prepared([*finetune_overrides, "strategy.training.target_modules=[q_proj,attn_proj]"])


def test_bad_input_gets_one_line_errors(
    finetune_overrides: list[str], tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    questions, _ = tiny_dataset
    test_only = write_jsonl(tmp_path / "test_only.jsonl", [
        json.loads(line) for line in questions.read_text().splitlines()
        if json.loads(line)["split"] == "test"
    ])  # fmt: skip
    with pytest.raises(HarnessError, match="has none; mark some questions"):
        prepared([*finetune_overrides, f"dataset.questions={test_only}"])
    with pytest.raises(
        HarnessError, match=r"strategy\.training\.rank=0.*strategy\.training\.dropout=1\.5"
    ):
        prepared([*finetune_overrides, "strategy.training.rank=0", "strategy.training.dropout=1.5"])
    strategy = instantiate(compose_config(finetune_overrides).strategy, model=FakeApiModel())
    with pytest.raises(HarnessError, match="fine-tuning is not supported"):
        strategy.prepare([], [])


class FakeApiModel:
    name, context_window, max_new_tokens = "api", 2048, 8


def test_run_reports_setup_and_forgetting_then_reuses_them(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    general = write_jsonl(tmp_path / "general.jsonl", [
        {"id": "g1", "question": "what is the capital of france ?", "answers": ["paris"],
         "split": "test"},
        {"id": "g2", "question": "how many days ?", "answers": ["14 days"], "split": "test"},
    ])  # fmt: skip
    overrides = [*tiny_run_overrides, "strategy=finetune", "strategy.training.epochs=1",
                 f"strategy.forgetting_questions={general}"]  # fmt: skip
    summary = run(compose_config(overrides))
    setup = summary["setup"]
    stored = setup["forgetting"]  # raw generations only; judged when evaluated
    assert summary["complete"] and setup["tokens"] > 0 and not setup["cache_hit"]
    assert [p["id"] for p in stored["predictions"]] == ["g1", "g2"]
    assert {"base", "adapted", "answers"} <= set(stored["predictions"][0])
    forgetting = summary["forgetting"]
    assert forgetting["questions"] == 2
    assert forgetting["change"] == forgetting["adapted_accuracy"] - forgetting["base_accuracy"]
    _, again, _ = prepared(overrides)
    assert again.cache_hit and again.forgetting == stored  # not generated again


def test_finetune_rag_trains_on_rag_prompts_and_answers_from_retrieved_documents(
    finetune_overrides: list[str], trained_on: list[list[tuple[Conversation, str]]]
) -> None:
    nested = [o.replace("strategy.", "strategy.finetune.", 1) if o.startswith("strategy.") else o
              for o in finetune_overrides if o != "strategy=finetune"]  # fmt: skip
    overrides = [*nested, "strategy=finetune_rag"]
    seen = trained_on
    strategy, first, dataset = prepared(overrides)
    ((prompt, reply),) = seen[0]  # the tiny dataset's one train question
    assert "upload limit is 37 gb" in prompt[-1]["content"]  # its retrieved document
    assert reply == "37 gb" and not first.details["finetune"]["cache_hit"]
    answers = strategy.answer(dataset.split("test"))
    assert len(answers) == 4 and all(a.retrieved_doc_ids for a in answers)
    _, second, _ = prepared(overrides)
    assert (
        second.cache_hit
        and second.details["finetune"]["adapter_key"] == (first.details["finetune"]["adapter_key"])
    )
    with pytest.raises(HarnessError, match=r"set strategy\.finetune\.train_questions"):
        prepared([*overrides, "strategy.train_corpus=corpus.jsonl"])


def test_a_train_subset_trains_its_own_adapter_on_the_drawn_questions(
    finetune_overrides: list[str], tmp_path: Path
) -> None:
    rows = [
        {
            "id": f"t{i}",
            "question": f"{phrasing} ?",
            "answers": [answer],
            "split": "train",
            "doc_ids": [doc],
        }
        for i, (phrasing, answer, doc) in enumerate(
            [
                ("what is the upload limit", "37 gb", "d1"),
                ("how big can an upload be", "37 gb", "d1"),
                ("how long is retention", "14 days", "d2"),
                ("retention period", "14 days", "d2"),
            ]
        )
    ]
    rows.append({"id": "q1", "question": "upload limit ?", "answers": ["37 gb"], "split": "test",
                 "doc_ids": ["d1"]})  # fmt: skip
    questions = write_jsonl(tmp_path / "four.jsonl", rows)
    overrides = [*finetune_overrides, f"dataset.questions={questions}"]
    _, every, _ = prepared(overrides)
    assert every.details["train_subset"] == {"facts": 2, "of_facts": 2, "questions": 4, "seed": 0}
    _, subset, _ = prepared([*overrides, "strategy.train_facts=1"])
    assert subset.details["train_subset"]["facts"] == 1
    assert subset.details["examples"] == subset.details["train_subset"]["questions"] == 2
    assert subset.details["adapter_key"] != every.details["adapter_key"]
    with pytest.raises(HarnessError, match=r"strategy\.train_facts=3: the train split has 2 facts"):
        prepared([*overrides, "strategy.train_facts=3"])
