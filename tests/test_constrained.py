"""Constrained decoding (`harness.models.constrained`): a random-weight model's replies are JSON
of the schema; an OpenAI-compatible server is sent the schema; a backend without support keeps
the prompt-and-parse path; the model judge asks for its verdict under a schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.generate.pipeline import facts_schema, unanswerable_schema
from harness.generate.questions import question_schema
from harness.generate.replies import Asker, array_schema, parse_strings
from harness.generate.settings import GenerateSettings
from harness.models import Generation
from harness.models.constrained import response_format, supports_schema
from harness.models.openai_compatible import load_openai_compatible
from harness.models.transformers import TransformersChatModel, load_transformers
from harness.scoring.model_judge import VERDICT_SCHEMA, ModelJudge
from tests.chat_server import ScriptedServer
from tests.fakes import FakeChatModel

TEXT = [
    "When did the bridge open? It opened in 1932, and the lamp pairs within 20 seconds.",
    'Who built it? {"question": "How much storage?"} The plan costs $12 per month!',
]


@pytest.fixture(scope="module")
def byte_model(tmp_path_factory: pytest.TempPathFactory) -> TransformersChatModel:
    """A 1-layer Llama with random weights and a byte-level BPE tokenizer (every string can be
    written, as in a real model's vocabulary)."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    trained = ByteLevelBPETokenizer()
    trained.train_from_iterator(TEXT * 20, vocab_size=320, special_tokens=["<pad>", "<eos>"])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained._tokenizer, pad_token="<pad>", eos_token="<eos>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=2048, pad_token_id=0, eos_token_id=1,
                         bos_token_id=1)  # fmt: skip
    folder = tmp_path_factory.mktemp("byte-model")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return load_transformers("byte", pretrained=str(folder), dtype="float32", device="cpu",
                             max_new_tokens=200, batch_size=3)  # fmt: skip


def conversations(count: int) -> list[list[dict[str, str]]]:
    """Requests of different lengths, so a batch is left-padded."""
    return [[{"role": "user", "content": "Write a question. " * (1 + i)}] for i in range(count)]


SETTINGS = GenerateSettings(facts_per_section=2, unanswerable_per_section=1, question_max_chars=40)
SCHEMAS = {
    "question": question_schema(None, 40),
    "question starting with the wh-word": question_schema("how much", 40),
    "unanswerable": unanswerable_schema(SETTINGS),
    "paraphrases": array_schema(question_schema(None, 40)["properties"]["question"], 2, 2),
    "verdict": VERDICT_SCHEMA,
}


@pytest.mark.parametrize("name", SCHEMAS)
def test_a_random_weight_model_under_a_schema_replies_json_of_it(
    byte_model: TransformersChatModel, name: str
) -> None:
    schema = SCHEMAS[name]
    unconstrained = byte_model.generate(conversations(1))[0].text
    with pytest.raises(ValueError):  # without the schema, random weights write no JSON
        json.loads(unconstrained)
    for reply in byte_model.generate_json(conversations(4), schema):
        value = json.loads(reply.text)
        jsonschema.validate(value, schema)
        assert reply.text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if name.startswith("question"):
        question = value["question"]
        assert question.endswith("?") and len(question) <= 40 and question.count("?") == 1
        assert question.startswith("How much ") == (name != "question")


def test_a_long_schema_is_cut_at_max_new_tokens(byte_model: TransformersChatModel) -> None:
    (reply,) = byte_model.generate_json(conversations(1), facts_schema(SETTINGS), 12)
    assert reply.completion_tokens == 12 and reply.text.startswith('{"items":[')
    with pytest.raises(ValueError):  # cut short: the parser rejects it, the asker retries
        json.loads(reply.text)


class QuestionServer(ScriptedServer):
    def answer(self, body: dict[str, Any]) -> str:
        return '{"question":"When did it open?"}'


def test_an_openai_compatible_server_is_sent_the_schema() -> None:
    schema = question_schema("when", 60)
    with QuestionServer() as server:
        chat = load_openai_compatible("scripted", "scripted", server.base_url, max_retries=0)
        assert supports_schema(chat)
        replies = chat.generate_json(conversations(2), schema, max_new_tokens=30)
        plain = chat.generate(conversations(1))
    assert [r.text for r in replies] == ['{"question":"When did it open?"}'] * 2
    sent = server.requests
    assert [r["response_format"] for r in sent[:2]] == [response_format(schema)] * 2
    assert [r["max_tokens"] for r in sent] == [30, 30, 48]
    assert "response_format" not in sent[2] and plain[0].text


class PlainModel(FakeChatModel):
    """A backend without constrained decoding: its replies are JSON only if it writes them."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply, self.asked = reply, 0

    def generate(self, conversations: list[list[dict[str, str]]]) -> list[Generation]:
        self.asked += len(conversations)
        return [Generation(self.reply, 3, 3) for _ in conversations]


def test_a_backend_without_schemas_keeps_the_prompt_and_parse_path(tmp_path: Path) -> None:
    model = PlainModel('["How much is it?", "What is the price?"]')
    assert not supports_schema(model)
    asker = Asker(model, {"name": "plain"}, tmp_path, "again: {problem}", max_retries=1)
    schema = SCHEMAS["paraphrases"]
    parsed, replies, problems = asker.ask_parsed(
        conversations(2), lambda text: parse_strings(text, 2), "paraphrases", schema
    )
    assert parsed == [["How much is it?", "What is the price?"]] * 2 and problems == {}
    # the cache key ignores a schema the backend could not use: the same reply either way
    assert asker.key(conversations(1)[0], schema) == asker.key(conversations(1)[0])
    model.reply = "Sure! Here they are."
    parsed, replies, problems = asker.ask_parsed(
        conversations(3)[2:], lambda text: parse_strings(text, 2), "paraphrases", schema
    )
    assert parsed == [None] and replies == 2 and problems == {"not_json": 2}


def test_the_judge_asks_for_its_verdict_under_the_schema(
    byte_model: TransformersChatModel, tmp_path: Path
) -> None:
    judge = ModelJudge(byte_model, "byte", "hf", tmp_path, {})
    items = [("What is the limit?", ["6.5 GB"], f"It is {n} GB.") for n in (2, 6.5, 9)]
    verdicts = judge.grade(items)
    assert None not in verdicts and judge.unparsed == 0  # random weights, every reply parsed
    plain = ModelJudge(PlainModel("Maybe."), "plain", "hf", tmp_path / "plain", {})
    assert plain.grade(items) == [None] * 3 and plain.unparsed == 3
