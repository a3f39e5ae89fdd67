"""Shared fixtures: a tiny random-weight chat model, a tiny dataset and a tiny results folder.

Plain helpers live in tests/helpers.py and shared stand-ins in tests/fakes.py (import those,
not this file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.models import Conversation
from harness.training import adapters
from tests.fakes import write_fake_run
from tests.helpers import write_jsonl

WORDS = " ".join(
    [
        "what is the capital of france paris how many days retention acme pro plan upload limit",
        "gb who ceo i don't know answer question context using only say in a few words",
    ]
).split()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer Llama with random weights and a word-level tokenizer with a chat template."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(["<pad>", "<eos>", "<unk>", *sorted(set(WORDS))])}
    for extra in ("system:", "user:", "assistant:", ":", ".", "?", "'", ","):
        vocab.setdefault(extra, len(vocab))
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }} {% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=1,
    )
    folder = tmp_path_factory.mktemp("tiny-model")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> tuple[Path, Path]:
    """Five questions (one unanswerable, one train) and two documents."""
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"id": "d1", "title": "Limits", "text": "The pro plan upload limit is 37 gb ."},
            {"id": "d2", "title": "Retention", "text": "Retention is 14 days ."},
        ],
    )
    questions = write_jsonl(
        tmp_path / "questions.jsonl",
        [
            {"id": "q1", "question": "what is the pro plan upload limit ?", "answers": ["37 gb"],
             "split": "test", "doc_ids": ["d1"]},
            {"id": "q2", "question": "how many days retention ?", "answers": ["14 days"],
             "split": "test", "doc_ids": ["d2"]},
            {"id": "q3", "question": "what is the capital of france ?", "answers": ["paris"],
             "split": "test"},
            {"id": "q4", "question": "who is the acme ceo ?", "answers": [], "split": "test"},
            {"id": "q5", "question": "what is the upload limit ?", "answers": ["37 gb"],
             "split": "train", "doc_ids": ["d1"]},
        ],
    )  # fmt: skip
    return questions, corpus


@pytest.fixture
def tiny_run_overrides(tiny_model_dir: Path, tiny_dataset: tuple[Path, Path], tmp_path: Path):
    """Overrides that run the harness on the tiny model and dataset, writing under tmp_path."""
    questions, corpus = tiny_dataset
    return [
        "model=hf",
        f"model.pretrained={tiny_model_dir}",
        "model.name=tiny",
        "model.dtype=float32",  # the same numbers on every CPU; bfloat16 has its own test
        "model.max_new_tokens=4",
        "model.batch_size=2",
        "dataset=jsonl",
        f"dataset.questions={questions}",
        f"dataset.corpus={corpus}",
        f"paths.results_dir={tmp_path / 'results'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]


@pytest.fixture
def fake_results(tmp_path: Path) -> Path:
    """Two finished runs of model `m` on eleven questions: prompt gets 0 of 10, rag 8 of 10."""
    write_fake_run(tmp_path, "prompt", [False] * 10 + [True], seconds=0.1, setup=0.0)
    write_fake_run(tmp_path, "rag", [True] * 8 + [False] * 2 + [True], seconds=0.4, setup=100.0)
    return tmp_path


@pytest.fixture
def trained_on(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[Conversation, str]]]:
    """The examples every adapter of the test was trained or loaded on."""
    seen: list[list[tuple[Conversation, str]]] = []
    real = adapters.load_or_train

    def spy(model: Any, tokenizer: Any, examples: list, *args: Any) -> adapters.Adapter:
        seen.append(examples)
        return real(model, tokenizer, examples, *args)

    monkeypatch.setattr(adapters, "load_or_train", spy)
    return seen
