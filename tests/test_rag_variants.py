"""strategy.cite and strategy.context on rag and finetune_rag: what reaches the prompt, what the
row records, what trains the adapter, and the run keys at the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from harness.config import instantiate
from harness.datasets import Question
from harness.errors import HarnessError
from harness.prompts.templates import CITE_INSTRUCTION
from harness.run.key import run_dir
from harness.run.settings import check_settings
from harness.strategy import SetupReport
from strategies import finetune, finetune_rag, rag
from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder
from tests.helpers import compose_config, write_jsonl

DEVICES = Question("q4", "How many devices can a Pebble account link?", ("3 devices",), "test",
                   ("d4",))  # fmt: skip
TRASH = Question("q3", "How long do deleted files stay in the trash?", ("30 days",), "test",
                 ("d3",))  # fmt: skip
TEMPLATE = "Context:\n{context}\n\nAnswer briefly.\n\nQuestion: {question}"


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rows = [{"value": "3 devices", "substitute": "8 devices"},
            {"value": "30 days", "substitute": "45 days"}]  # fmt: skip
    return write_jsonl(tmp_path / "substitutes.jsonl", rows)


def _settings(tmp_path: Path, **extra: object) -> dict[str, object]:
    return {"system_prompt": "You answer questions.", "user_template": TEMPLATE,
            "abstain_answer": "no", "embedder": "fake", "chunk_size": None, "top_k": 2,
            "cache_dir": str(tmp_path), **extra}  # fmt: skip


def _answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: list[Question],
              **extra: object) -> tuple[list[str], list]:  # fmt: skip
    """The user turns the model was given, and the answers."""
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    model = FakeChatModel()
    strategy = rag.build(model, **_settings(tmp_path, **extra))
    strategy.prepare([], CORPUS)
    answers = strategy.answer(questions)
    return [c[-1]["content"] for c in model.batches[0]], answers


def test_cite_shows_the_ids_and_asks_for_them_only_when_on(tmp_path, monkeypatch) -> None:
    plain, plain_answers = _answered(tmp_path, monkeypatch, [DEVICES])
    cited, cited_answers = _answered(tmp_path, monkeypatch, [DEVICES], cite=True)
    assert CITE_INSTRUCTION not in plain[0] and "[d4]" not in plain[0]
    assert CITE_INSTRUCTION in cited[0]
    assert "[d4] A Pebble account can link at most 3 devices" in cited[0]
    assert cited_answers[0].shown_chunks[0].startswith("[d4] ")
    assert cited_answers[0].prompt_variant == {"cite": True}
    assert plain_answers[0].prompt_variant is None  # a plain row is as rows were before


def test_context_none_is_the_same_prompt_without_the_documents(tmp_path, monkeypatch) -> None:
    plain, _ = _answered(tmp_path, monkeypatch, [DEVICES])
    empty, answers = _answered(tmp_path, monkeypatch, [DEVICES], context="none")
    assert "3 devices" in plain[0] and "Pebble account can link" not in empty[0]
    assert empty[0] == TEMPLATE.format(context="", question=DEVICES.question)
    assert answers[0].shown_doc_ids == [] and answers[0].shown_chunks == []
    assert answers[0].retrieved_doc_ids  # retrieval still ran: recall is still measured
    assert answers[0].prompt_variant == {"context": "none"}


def test_counterfactual_changes_only_the_gold_value_in_the_shown_chunk(
    tmp_path, monkeypatch, table: Path
) -> None:
    plain, plain_answers = _answered(tmp_path, monkeypatch, [DEVICES, TRASH])
    changed, answers = _answered(tmp_path, monkeypatch, [DEVICES, TRASH],
                                 context="counterfactual", substitutes=str(table))  # fmt: skip
    assert changed[0] == plain[0].replace("3 devices", "8 devices") != plain[0]
    assert changed[1] == plain[1].replace("30 days", "45 days") != plain[1]
    assert "3 devices" not in changed[0] and "45 days" not in changed[0]
    assert answers[0].shown_chunks == [c.replace("3 devices", "8 devices")
                                       for c in plain_answers[0].shown_chunks]  # fmt: skip
    assert answers[0].prompt_variant == {
        "context": "counterfactual",
        "substitutions": [{"original": "3 devices", "substitute": "8 devices", "occurrences": 1}],
    }


def test_counterfactual_records_when_no_gold_value_was_shown(
    tmp_path, monkeypatch, table: Path
) -> None:
    unseen = Question("q9", "How many devices can a Pebble account link?", ("30 days",), "test")
    nothing = Question("q0", "Who founded Acme?", (), "test")
    plain, _ = _answered(tmp_path, monkeypatch, [unseen, nothing], top_k=1)
    changed, answers = _answered(tmp_path, monkeypatch, [unseen, nothing], top_k=1,
                                 context="counterfactual", substitutes=str(table))  # fmt: skip
    assert changed == plain  # top_k=1 shows d4 only: "30 days" is not in it
    assert [a.prompt_variant["substitutions"] for a in answers] == [[], []]


def test_bad_context_settings_are_one_line_errors(tmp_path: Path, table: Path) -> None:
    with pytest.raises(HarnessError, match=r"^strategy\.context=memory: use one of retrieved, "
                                           r"none, counterfactual$"):  # fmt: skip
        rag.build(FakeChatModel(), **_settings(tmp_path, context="memory"))
    with pytest.raises(HarnessError) as error:
        rag.build(FakeChatModel(), **_settings(tmp_path, context="counterfactual"))
    assert "\n" not in str(error.value) and "dataset.substitutes=" in str(error.value)
    cfg = compose_config(["strategy=rag", "dataset=jsonl", "dataset.questions=q.jsonl",
                          "strategy.context=counterfactual"])  # fmt: skip
    with pytest.raises(HarnessError, match=r"set dataset\.substitutes=<substitutes\.jsonl>"):
        instantiate(cfg.strategy, model=FakeChatModel())
    for name in ("rag", "finetune_rag"):  # and before any model loads
        cfg = compose_config([f"strategy={name}", "dataset=jsonl", "dataset.questions=q.jsonl",
                              "strategy.context=counterfactual"])  # fmt: skip
        with pytest.raises(
            HarnessError, match=r"^strategy\.context=counterfactual needs .*'jsonl'"
        ):
            check_settings(cfg)
        check_settings(compose_config([f"strategy={name}", "dataset=acme",
                                       "strategy.context=counterfactual"]))  # fmt: skip


def test_a_gold_value_missing_from_the_table_is_named(tmp_path, monkeypatch, table) -> None:
    odd = Question("q5", "How many devices?", ("3 devices", "three devices"), "test", ("d4",))
    with pytest.raises(HarnessError, match=r"no substitute for 'three devices' .*q5"):
        _answered(tmp_path, monkeypatch, [odd], context="counterfactual",
                  substitutes=str(table))  # fmt: skip


def test_counterfactual_prompts_are_deterministic(tmp_path, monkeypatch, table) -> None:
    first = _answered(tmp_path, monkeypatch, [DEVICES, TRASH], context="counterfactual",
                      substitutes=str(table))  # fmt: skip
    second = _answered(tmp_path, monkeypatch, [DEVICES, TRASH], context="counterfactual",
                       substitutes=str(table))  # fmt: skip
    assert first[0] == second[0]
    assert [a.prompt_variant for a in first[1]] == [a.prompt_variant for a in second[1]]


@pytest.mark.parametrize("extra", [{"cite": True}, {"context": "none"},
                                   {"context": "counterfactual"}])  # fmt: skip
def test_finetune_rag_trains_on_prompts_without_the_variant(
    tmp_path, monkeypatch, table: Path, extra: dict
) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    strategies = []
    for settings in ({}, extra):
        strategy = finetune_rag.build(
            FakeChatModel(),
            finetune={"system_prompt": "You answer questions.", "abstain_answer": "no",
                      "cache_dir": str(tmp_path)},
            rag=_settings(tmp_path, substitutes=str(table), **settings),
        )  # fmt: skip
        trained: list = []

        def adapt(examples: list, into: list = trained) -> SetupReport:
            into.extend(examples)  # what the adapter would be trained on
            return SetupReport()

        monkeypatch.setattr(finetune, "trainable", lambda model: model)
        monkeypatch.setattr(strategy.finetune, "adapt", adapt)
        strategy.prepare([DEVICES, TRASH], CORPUS)
        strategies.append((strategy, trained))
    (_, plain_trained), (varied, varied_trained) = strategies
    assert plain_trained == varied_trained  # one adapter for every cell
    turns = [conversation[-1]["content"] for conversation, _ in varied_trained]
    assert not any(CITE_INSTRUCTION in t or "[d4]" in t or "8 devices" in t for t in turns)
    assert all("Context:\n\n" not in t for t in turns)  # never trained without documents
    _, answered = varied.rag.grounded_prompts([DEVICES])
    assert answered[0].conversation != plain_trained[0][0]  # the variant is shown when answering


def _folder(*overrides: str) -> str:
    cfg = compose_config(["dataset=acme", "dataset.pages=2", *overrides])
    plain = OmegaConf.to_container(cfg, resolve=True)
    return run_dir(cfg, plain, instantiate(cfg.dataset)).name


def _recorded_before(*overrides: str) -> str:
    """The folder as a run made before cite, context and substitutes existed was keyed."""
    cfg = compose_config(["dataset=acme", "dataset.pages=2", *overrides])
    plain = OmegaConf.to_container(cfg, resolve=True)
    del plain["dataset"]["substitutes"]
    nodes = [plain["strategy"]] + ([plain["strategy"]["rag"]] if "rag" in plain["strategy"] else [])
    for node in nodes:
        for key in ("cite", "cite_chunk_template", "cite_instruction", "context", "substitutes"):
            node.pop(key, None)
    return run_dir(cfg, plain, instantiate(cfg.dataset)).name


@pytest.mark.parametrize("strategy", ["rag", "finetune_rag"])
def test_the_defaults_keep_old_run_folders_and_each_variant_gets_its_own(strategy: str) -> None:
    name = f"strategy={strategy}"
    assert _folder(name) == _recorded_before(name)
    variants = {_folder(name, "strategy.cite=true"), _folder(name, "strategy.context=none"),
                _folder(name, "strategy.context=counterfactual")}  # fmt: skip
    assert len(variants) == 3 and _folder(name) not in variants


def test_the_substitution_table_is_keyed_by_content_at_counterfactual(tmp_path: Path) -> None:
    table = tmp_path / "table.jsonl"
    table.write_text(json.dumps({"value": "a", "substitute": "b"}) + "\n")
    at = ("strategy=rag", "strategy.context=counterfactual", f"dataset.substitutes={table}")
    before = _folder(*at)
    table.write_text(json.dumps({"value": "a", "substitute": "c"}) + "\n")
    assert _folder(*at) != before
    # at context=retrieved the table decides nothing, so it moves no folder
    assert _folder("strategy=rag", f"dataset.substitutes={table}") == _folder("strategy=rag")


def test_rows_keep_the_variant_and_an_empty_shown_list_and_old_rows_still_read() -> None:
    from harness.run.rows import PredictionRow, from_json

    old = {"id": "q", "prediction": "x", "answers": [], "batch": 0, "batch_seconds": 1.0,
           "latency_seconds": 1.0, "prompt_tokens": 1, "completion_tokens": 1}  # fmt: skip
    assert (
        from_json(old).prompt_variant is None and "prompt_variant" not in from_json(old).to_json()
    )
    variant = {"context": "none"}
    row = PredictionRow(**old, retrieved_doc_ids=["d1"], shown_doc_ids=[], prompt_variant=variant)
    stored = row.to_json()
    assert stored["shown_doc_ids"] == [] and stored["prompt_variant"] == variant
    read = from_json(json.loads(json.dumps(stored)))
    assert read.context_doc_ids == [] and read.prompt_variant == variant


class CharacterModel(FakeChatModel):
    """About 4 characters a token, as a real tokenizer counts a long run of one letter."""

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1


def test_a_substitute_cut_from_the_prompt_is_not_counted_and_rows_hold_what_was_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = write_jsonl(
        tmp_path / "long.jsonl", [{"value": "3 devices", "substitute": "x" * 60_000}]
    )
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    model = CharacterModel(context_window=200)
    strategy = rag.build(model, **_settings(tmp_path, context="counterfactual",
                                            substitutes=str(table)))  # fmt: skip
    strategy.prepare([], CORPUS)
    (answer,) = strategy.answer([DEVICES])
    prompt = model.batches[0][0][-1]["content"]
    assert "xxxx" not in prompt and answer.shown_chunks == ["A Pebble account can link at most"]
    assert answer.shown_chunks[0] in prompt
    assert answer.prompt_variant["substitutions"] == []  # the swap never reached the model


def test_a_chunk_cut_to_fit_is_recorded_as_cut(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    model = FakeChatModel(context_window=26)
    strategy = rag.build(model, **_settings(tmp_path))
    strategy.prepare([], CORPUS)
    (answer,) = strategy.answer([DEVICES])
    prompt = model.batches[0][0][-1]["content"]
    assert answer.shown_chunks and answer.shown_chunks[0] in prompt
    assert answer.shown_chunks[0] != CORPUS[3].text and CORPUS[3].text.startswith(
        answer.shown_chunks[0]
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [(["dataset=acme_behaviour", "strategy=rag", "strategy.with_policy=true"],
      r"strategy\.with_policy=true but strategy\.policy is not set .* use strategy=rag_policy, "
      r"or add strategy\.policy='\$\{dataset\.policy\}'"),
     (["strategy=rag", "strategy.retriever=bm52"], r"strategy\.retriever='bm52' .* bm25"),
     (["strategy=finetune_rag", "strategy.rag.retriever=dence"], r"strategy\.rag\.retriever="),
     (["strategy=rag", "strategy.context=counterfactual", "dataset.substitutes=/no/such.jsonl"],
      r"dataset\.substitutes=/no/such\.jsonl: cannot read it")],
)  # fmt: skip
def test_strategy_settings_are_refused_before_any_model_loads(
    overrides: list[str], named: str
) -> None:
    with pytest.raises(HarnessError, match=named):
        check_settings(compose_config(overrides))


def test_the_policy_override_the_error_names_works() -> None:
    cfg = compose_config(["dataset=acme_behaviour", "strategy=rag", "strategy.with_policy=true",
                          "strategy.policy=${dataset.policy}"])  # fmt: skip
    check_settings(cfg)
    strategy = instantiate(cfg.strategy, model=FakeChatModel())
    assert strategy.config.policy == cfg.dataset.policy and strategy.capabilities.prompting
