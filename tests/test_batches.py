"""A training batch with its shared prefix run once gives the loss and gradients of each example
run alone; the training kernels change no arithmetic and leave the model as they found it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from harness.models import Conversation
from harness.models.transformers import TransformersChatModel, load_transformers
from harness.training.batches import (
    IGNORE,
    MIN_SHARED_PREFIX,
    Encoded,
    batch_loss,
    shared_prefix,
    training_kernels,
)
from harness.training.trainer import encode
from tests.fakes import PAIRS

SYSTEM = "answer in a few words . the pro plan upload limit is 37 gb . retention is 14 days ."


@pytest.fixture
def tiny(tiny_model_dir: Path) -> TransformersChatModel:
    return load_transformers("tiny", pretrained=str(tiny_model_dir), dtype="float32")


def batch(tiny: TransformersChatModel, count: int = 4) -> list[Encoded]:
    """`count` examples under one long system prompt, of different lengths."""
    turns: list[tuple[Conversation, str]] = [
        ([{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}], a)
        for q, a in PAIRS[:count]
    ]
    encoded = [encode(tiny.tokenizer, c, r, 256) for c, r in turns]
    assert len({len(e.input_ids) for e in encoded}) > 1  # the suffixes really are padded
    return encoded


def alone(model: torch.nn.Module, example: Encoded) -> torch.Tensor:
    """The summed reply-token loss of one example run by itself, no padding, no cache."""
    logits = model(input_ids=torch.tensor([example.input_ids])).logits[0, :-1]
    return torch.nn.functional.cross_entropy(
        logits, torch.tensor(example.labels[1:]), ignore_index=IGNORE, reduction="sum"
    )


def gradients(model: torch.nn.Module, loss: torch.Tensor) -> dict[str, torch.Tensor]:
    model.zero_grad(set_to_none=True)
    loss.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_shared_prefix_gives_each_examples_own_loss_and_gradients(
    tiny: TransformersChatModel,
) -> None:
    model, examples = tiny.model, batch(tiny)
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    result = batch_loss(model, examples, tiny.tokenizer.pad_token_id, share_prefix=True)
    prefix = shared_prefix(examples)
    assert prefix >= MIN_SHARED_PREFIX  # the cached path is the one under test
    width = max(len(e.input_ids) for e in examples) - prefix
    assert result.computed == prefix + len(examples) * width
    assert result.tokens == sum(len(e.input_ids) for e in examples)
    shared = gradients(model, result.loss)
    expected_loss = sum(alone(model, e) for e in examples)
    expected = gradients(model, expected_loss)
    assert result.loss.item() == pytest.approx(expected_loss.item(), rel=1e-5)
    assert result.labelled == sum(t != IGNORE for e in examples for t in e.labels)
    assert shared.keys() == expected.keys()
    for name, grad in expected.items():  # the prefix's gradient is summed back over the rows
        assert torch.allclose(shared[name], grad, rtol=1e-4, atol=1e-6), name


def test_the_prefix_stops_before_the_token_that_predicts_the_first_reply_token() -> None:
    same = Encoded(list(range(20)), [IGNORE] * 15 + list(range(15, 20)))
    assert shared_prefix([same, same]) == 14
    other = Encoded([*range(5), 99, *range(6, 20)], same.labels)
    assert shared_prefix([same, other]) == 5


def test_a_short_common_prefix_runs_every_row_whole(tiny: TransformersChatModel) -> None:
    first = Encoded(list(range(3, 13)), [IGNORE] * 8 + [3, 4])
    second = Encoded([3, 4, *range(30, 38)], [IGNORE] * 8 + [5, 6])
    assert shared_prefix([first, second]) < MIN_SHARED_PREFIX
    result = batch_loss(tiny.model, [first, second], tiny.tokenizer.pad_token_id)
    assert result.computed == 20  # two rows of ten, nothing cached
    expected = alone(tiny.model, first) + alone(tiny.model, second)
    assert result.loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_precast_weights_change_no_arithmetic_and_are_put_back(
    tiny: TransformersChatModel,
) -> None:
    model, examples = tiny.model, batch(tiny)
    model.requires_grad_(False)  # frozen, as under a LoRA adapter: only those are precast
    pad = tiny.tokenizer.pad_token_id
    weights = {n: p for n, p in model.named_parameters()}
    with torch.no_grad():
        recast = batch_loss(model, examples, pad, bf16=True).loss.item()
        with training_kernels(model, "model", precast=True):  # the loaded attention: sdpa
            linear = model.model.layers[0].self_attn.q_proj.weight
            assert linear.dtype == torch.bfloat16
            assert model.model.embed_tokens.weight.dtype == torch.float32  # tied, left alone
            precast = batch_loss(model, examples, pad, bf16=True).loss.item()
        with training_kernels(model, "auto", precast=False):  # eager on CPU
            assert model.config._attn_implementation == "eager"
            eager = batch_loss(model, examples, pad).loss.item()
        plain = batch_loss(model, examples, pad).loss.item()
    assert precast == recast  # autocast rounds the float32 weights the same way
    assert eager == pytest.approx(plain, rel=1e-5)  # another kernel, the same attention
    after = dict(model.named_parameters())
    assert all(after[n] is p and p.dtype == torch.float32 for n, p in weights.items())
    assert model.config._attn_implementation != "eager"  # as it was loaded (sdpa)


def test_an_unknown_attention_setting_is_one_line() -> None:
    from harness.errors import HarnessError
    from harness.training.trainer import TrainingSettings

    with pytest.raises(HarnessError, match=r"strategy.training.attention='flash': use one of"):
        TrainingSettings(attention="flash").check()


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"validation_fraction": 0.99}, r"validation_fraction=0.99 holds out every one of the"),
        ({"max_seq_length": 1}, r"max_seq_length=1 cuts every example before its reply"),
    ],
)
def test_knobs_that_leave_nothing_to_train_are_named(
    tiny: TransformersChatModel, tmp_path: Path, knobs: dict[str, float], message: str
) -> None:
    from harness.errors import HarnessError
    from harness.training.trainer import TrainingSettings, fit
    from tests.fakes import examples

    settings = TrainingSettings(target_modules=["q_proj"], max_steps=1, **knobs)
    with pytest.raises(HarnessError, match=rf"^strategy\.training\.{message}"):
        fit(tiny.model, tiny.tokenizer, examples(), settings)


def test_a_validation_fraction_holding_out_every_train_question_is_refused_before_the_model(
    tiny_run_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.errors import HarnessError
    from harness.run import runner
    from tests.helpers import compose_config

    built = runner.instantiate

    def no_model(node: Any, **kwargs: Any) -> Any:
        assert ".models." not in str(node.get("_target_")), "a model loaded"
        return built(node, **kwargs)

    monkeypatch.setattr(runner, "instantiate", no_model)
    cfg = compose_config([*tiny_run_overrides, "strategy=finetune_rag",
                          "strategy.finetune.training.validation_fraction=0.99"])  # fmt: skip
    with pytest.raises(HarnessError, match=r"^strategy\.finetune\.training\.validation_fraction"):
        runner.run(cfg)
