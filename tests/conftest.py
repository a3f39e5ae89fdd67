"""Shared fixtures: a tiny random-weight chat model and a tiny dataset, both built on the spot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from harness.config import CONF_DIR, register_configs

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


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


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


def compose_config(overrides: list[str]) -> DictConfig:
    """Compose `conf/config.yaml` with overrides, as `python -m harness` would."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


@pytest.fixture
def tiny_run_overrides(tiny_model_dir: Path, tiny_dataset: tuple[Path, Path], tmp_path: Path):
    """Overrides that run the harness on the tiny model and dataset, writing under tmp_path."""
    questions, corpus = tiny_dataset
    return [
        "model=hf",
        f"model.pretrained={tiny_model_dir}",
        "model.name=tiny",
        "model.max_new_tokens=4",
        "model.batch_size=2",
        "dataset=jsonl",
        f"dataset.questions={questions}",
        f"dataset.corpus={corpus}",
        f"paths.results_dir={tmp_path / 'results'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]
