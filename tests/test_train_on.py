"""What an adapter trains on (`strategy.train_on`): documents packed exactly, the loss on every
token of the text, paraphrases checked, an empty train split trained on documents, cache keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from harness.errors import HarnessError
from harness.models import Conversation, Generation
from harness.models.transformers import TransformersChatModel, load_transformers
from harness.report.decision import kind_label
from harness.run import runner
from harness.run.runner import run
from harness.training import adapters, documents, paraphrases
from harness.training.batches import IGNORE, batch_loss
from harness.training.trainer import TrainingSettings, encode
from tests.helpers import compose_config, write_jsonl

LONG = " ".join(["what is the pro plan upload limit ?"] * 6)  # 48 tokens
SECTIONS = [
    ("d1", "The pro plan upload limit is 37 gb ."),
    ("d2", LONG),
    ("d3", "Retention is 14 days ."),
    ("d4", "paris"),
    ("d5", "how many days ? 14 days ."),
]
SECTION = (
    "Reef plan\nThe Reef plan costs $12 per month since 14 March 2024. Uploads go to "
    "POST /api/v2/files, and refunds are approved by Dana Whitfield. Error E404 means the "
    "folder is gone."
)
FAITHFUL = (
    "Reef plan\nSince 14 March 2024 the Reef plan has cost $12 per month. Files are uploaded "
    "with POST /api/v2/files; Dana Whitfield approves any refund. Error E404 says the folder "
    "no longer exists."
)


@pytest.fixture
def tiny(tiny_model_dir: Path) -> TransformersChatModel:
    return load_transformers(
        "tiny", pretrained=str(tiny_model_dir), max_new_tokens=4, dtype="float32"
    )


@pytest.fixture
def no_train_split(tiny_run_overrides: list[str], tmp_path: Path) -> list[str]:
    """The tiny run's overrides on a dataset whose questions are all test questions."""
    rows = [json.loads(line) for line in (tmp_path / "questions.jsonl").read_text().splitlines()]
    questions = write_jsonl(tmp_path / "test_only.jsonl", [r for r in rows if r["split"] == "test"])
    return [*tiny_run_overrides, f"dataset.questions={questions}", "strategy=finetune",
            "strategy.forgetting_questions=null", "strategy.training.epochs=1",
            "strategy.training.batch_size=2", "strategy.training.max_seq_length=16"]  # fmt: skip


@pytest.mark.parametrize("length", [4, 9, 16, 64])
def test_packing_keeps_every_section_once_exactly_within_the_length(
    tiny: TransformersChatModel, length: int
) -> None:
    tokenizer = tiny.tokenizer
    groups = documents.packed_texts(tokenizer, SECTIONS, length)
    pieces = [piece for group in groups for piece in group]
    for section, text in SECTIONS:  # each section's pieces, in order, join back into it
        own = [p for p in pieces if p.section == section]
        assert "".join(p.text for p in own) == text
        assert all(text[p.start : p.end] == p.text and p.text for p in own)
        assert [p.start for p in own] == sorted(p.start for p in own)
    assert [p.section for p in pieces] == sorted(p.section for p in pieces)  # corpus order kept
    made = documents.examples(tokenizer, SECTIONS, length)
    assert len(made) == len(groups)
    for (conversation, text), group in zip(made, groups, strict=True):
        assert conversation == [] and text == tokenizer.eos_token.join(p.text for p in group)
        encoded = encode(tokenizer, conversation, text, length)
        assert not encoded.truncated and len(encoded.input_ids) <= length
    if length >= 16:  # short sections share an example; the long one is cut
        assert any(len(group) > 1 for group in groups)
    cut = [p for p in pieces if p.section == "d2"]  # 48 tokens: cut unless 48 + 1 fit
    assert len(cut) == (1 if length > 48 else -(-48 // (length - 1)))


def test_a_document_example_has_the_loss_on_every_token_and_none_on_padding(
    tiny: TransformersChatModel,
) -> None:
    tokenizer = tiny.tokenizer
    texts = ["The pro plan upload limit is 37 gb .", "Retention is 14 days ."]
    batch = [encode(tokenizer, [], text, 64, "documents") for text in texts]
    for encoded, text in zip(batch, texts, strict=True):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert encoded.input_ids == [tokenizer.eos_token_id, *ids]  # no chat template
        assert encoded.labels == [IGNORE, *ids] and encoded.source == "documents"
    result = batch_loss(tiny.model, batch, tokenizer.pad_token_id)
    assert result.labelled == sum(len(e.input_ids) - 1 for e in batch)  # padding: none
    expected = 0.0
    for e in batch:
        logits = tiny.model(input_ids=torch.tensor([e.input_ids])).logits[0, :-1]
        expected += torch.nn.functional.cross_entropy(
            logits, torch.tensor(e.labels[1:]), reduction="sum"
        ).item()
    assert result.loss.item() == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    ("rewrite", "kept", "why"),
    [
        (FAITHFUL, True, ""),
        (FAITHFUL.replace("$12", "twelve dollars"), False, "missing"),  # a price lost
        (FAITHFUL.replace("14 March 2024", "March"), False, "missing"),  # a date
        (FAITHFUL.replace("POST /api/v2/files", "the upload call"), False, "missing"),  # a code
        (FAITHFUL.replace("Dana Whitfield", "the billing team"), False, "missing"),  # a name
        (FAITHFUL + " It stores 5 GB.", False, "invented"),  # a value the section lacks
        (SECTION, False, "copy"),
    ],
)
def test_the_paraphrase_check_keeps_faithful_rewrites_only(
    rewrite: str, kept: bool, why: str
) -> None:
    verdict = paraphrases.check(SECTION, rewrite)
    assert verdict.kept is kept
    if why:
        assert getattr(verdict, why)


class Rewriter:
    """A chat model that answers every rewrite prompt with the same text, counting its calls."""

    name = "rewriter"
    max_new_tokens = 8

    def __init__(self, text: str) -> None:
        self.text, self.asked = text, 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        self.asked += len(conversations)
        assert self.max_new_tokens > 8  # room for a whole rewrite
        return [Generation(self.text, 1, 1) for _ in conversations]


def test_rewrites_are_checked_counted_and_cached(tmp_path: Path) -> None:
    model = Rewriter(FAITHFUL)
    made = paraphrases.rewrite(model, "m", [("s1", SECTION)], 2, str(tmp_path))  # type: ignore[arg-type]
    assert made.kept == {"s1": [FAITHFUL, FAITHFUL]} and model.asked == 2
    again = paraphrases.rewrite(model, "m", [("s1", SECTION)], 3, str(tmp_path))  # type: ignore[arg-type]
    assert model.asked == 3 and len(again.kept["s1"]) == 3  # only the third style generated
    lossy = paraphrases.rewrite(Rewriter("a plan"), "other", [("s1", SECTION)], 1, str(tmp_path))  # type: ignore[arg-type]
    assert lossy.record() == {"made": 1, "kept": 0, "sections_with_one": 0,
                              "dropped": {"lost a value or name": 1, "made up a value": 0,
                                          "copied the section": 0}}  # fmt: skip


def test_an_empty_train_split_trains_on_documents_and_answers(no_train_split: list[str]) -> None:
    summary = run(compose_config([*no_train_split, "strategy.train_on=documents"]))
    assert summary["complete"]
    rows = (Path(summary["folder"]) / "predictions.jsonl").read_text().splitlines()
    assert len(rows) == 4 and all(json.loads(r)["prediction"] is not None for r in rows)
    details = summary["setup"]["details"]
    assert details["trained_on"] == "documents" and details["train_subset"] is None
    assert details["sources"]["documents"]["tokens"] > 0
    assert details["sources"]["documents"]["examples"] == details["examples"] >= 1
    assert kind_label(_row(False, "documents")) == "fine-tuning on documents"
    with pytest.raises(HarnessError, match=r"or train on the corpus: strategy\.train_on=documents"):
        run(compose_config(no_train_split))


def _row(retrieval: bool, trained_on: str | None) -> Any:
    """A report-table row as `kind_label` reads it."""
    return type(
        "Row", (), {"retrieval": retrieval, "trained_weights": True, "trained_on": trained_on}
    )


def test_the_kind_says_what_a_trained_cell_learnt() -> None:
    assert kind_label(_row(True, "documents")) == "fine-tuning on documents with retrieval"
    assert kind_label(_row(False, "documents+paraphrases")) == (
        "fine-tuning on documents and paraphrases"
    )
    assert kind_label(_row(False, "questions")) == kind_label(_row(False, None)) == "fine-tuning"


def test_finetune_rag_trains_on_documents_without_train_questions(
    no_train_split: list[str],
) -> None:
    overrides = [o.replace("strategy.", "strategy.finetune.", 1) if o.startswith("strategy.")
                 else o for o in no_train_split if o != "strategy=finetune"]  # fmt: skip
    summary = run(
        compose_config([*overrides, "strategy=finetune_rag", "strategy.train_on=documents"])
    )
    assert summary["complete"] and summary["setup"]["details"]["trained_on"] == "documents"
    assert set(summary["setup"]["details"]["sources"]) == {"documents"}


def test_adapter_keys_differ_by_source(tiny: TransformersChatModel) -> None:
    identity = adapters.model_identity(tiny.model, tiny.tokenizer)
    settings = TrainingSettings()
    asked = [([{"role": "user", "content": "upload limit ?"}], "37 gb")]
    text = documents.examples(tiny.tokenizer, SECTIONS[:1], 64)
    keys = {
        adapters.adapter_key(identity, asked, settings),
        adapters.adapter_key(identity, text, settings, ["documents"]),
        adapters.adapter_key(identity, text, settings, ["paraphrases"]),
        adapters.adapter_key(identity, asked + text, settings, ["questions", "documents"]),
    }
    assert len(keys) == 4
    # question-only examples hash as before sources existed: their cached adapters are found
    assert adapters.adapter_key(identity, asked, settings, ["questions"]) == adapters.adapter_key(
        identity, asked, settings
    )


@pytest.mark.parametrize("strategy", ["finetune", "finetune_rag"])
def test_an_unknown_source_is_one_line_before_anything_loads(
    tiny_run_overrides: list[str], strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing_loads(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("checked before anything loads")

    monkeypatch.setattr(runner, "instantiate", nothing_loads)
    cfg = compose_config([*tiny_run_overrides, f"strategy={strategy}", "strategy.train_on=docs"])
    with pytest.raises(HarnessError) as error:
        run(cfg)
    message = str(error.value)
    assert "\n" not in message and message.count("strategy.train_on='docs'") == 1
    assert "questions, documents, documents+paraphrases, documents+questions" in message
