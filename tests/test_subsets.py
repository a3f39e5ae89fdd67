"""The train subset fine-tuning's data curve uses: drawn by fact, seeded, nested, deterministic."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from harness.datasets import Question, load_jsonl
from harness.errors import HarnessError
from harness.run.key import run_dir
from harness.run.subsets import draw_facts, fact_key, facts, sample_questions
from strategies import finetune
from tests.fakes import FakeChatModel
from tests.helpers import compose_config

ACME = Path(__file__).resolve().parents[1] / "data" / "acme" / "rev1"


def _train() -> list[Question]:
    data = load_jsonl("acme", ACME / "behaviour_questions.jsonl", ACME / "corpus.jsonl")
    return data.split("train")


def test_paraphrases_of_a_fact_share_a_key_and_unanswerable_questions_stand_alone() -> None:
    first = Question("a", "How much is Pebble?", ("$0",), "train", ("doc-001",))
    again = Question("b", "What does Pebble cost?", ("$0",), "train", ("doc-001",))
    other = Question("c", "How big can a file be?", ("2 GB",), "train", ("doc-001",))
    off_topic = [Question(f"o{i}", "Tell me a joke", (), "train") for i in range(2)]
    assert fact_key(first) == fact_key(again) != fact_key(other)
    assert fact_key(off_topic[0]) != fact_key(off_topic[1])
    assert len(facts([first, again, other, *off_topic])) == 4


def test_the_draw_keeps_paraphrases_together_and_counts_facts() -> None:
    train = _train()
    drawn = draw_facts(train, 25, seed=0, setting="strategy.train_facts")
    groups = facts(drawn)
    assert len(groups) == 25
    everything = facts(train)
    for key, questions in groups.items():  # every phrasing of a drawn fact, none of the others
        assert [q.id for q in questions] == [q.id for q in everything[key]]
    assert [q.id for q in drawn] == [q.id for q in train if fact_key(q) in groups]  # file order


def test_the_draw_is_seeded_deterministic_nested_and_independent_of_file_order() -> None:
    train = _train()
    ids = lambda questions: {q.id for q in questions}  # noqa: E731
    small = draw_facts(train, 25, seed=0, setting="s")
    assert ids(small) == ids(draw_facts(train, 25, seed=0, setting="s"))
    shuffled = random.Random(1).sample(train, len(train))
    assert ids(small) == ids(draw_facts(shuffled, 25, seed=0, setting="s"))
    assert ids(small) != ids(draw_facts(train, 25, seed=1, setting="s"))
    assert ids(small) < ids(draw_facts(train, 100, seed=0, setting="s"))  # nested sizes
    assert ids(draw_facts(train, len(facts(train)), seed=3, setting="s")) == ids(train)


@pytest.mark.parametrize("n", [0, -1, 10_000])
def test_a_size_outside_the_facts_is_one_line_naming_the_setting(n: int) -> None:
    with pytest.raises(HarnessError, match=rf"strategy.train_facts={n}: the train split has \d+ "
                                           r"facts.*use 1 to \d+, or null"):  # fmt: skip
        draw_facts(_train(), n, seed=0, setting="strategy.train_facts")


def test_finetune_trains_on_the_drawn_questions_and_records_the_draw() -> None:
    settings = {"system_prompt": "s", "abstain_answer": "no", "cache_dir": "unused"}
    train = _train()
    every = finetune.build(FakeChatModel(), **settings)
    assert every.training_questions(train) == train
    assert every.drawn == {"facts": len(facts(train)), "of_facts": len(facts(train)),
                           "questions": len(train), "seed": 0}  # fmt: skip
    subset = finetune.build(FakeChatModel(), **settings, train_facts=50, train_facts_seed=2)
    questions = subset.training_questions(train)
    assert questions == draw_facts(train, 50, seed=2, setting="s")
    assert subset.drawn["facts"] == 50 and subset.drawn["questions"] == len(questions)


def test_train_facts_reaches_finetune_rag_and_only_a_subset_changes_the_run_folder() -> None:
    def folder(*overrides: str) -> str:
        cfg = compose_config(["dataset=acme", "dataset.pages=2", *overrides])
        plain = OmegaConf.to_container(cfg, resolve=True)
        return run_dir(cfg, plain, instantiate(cfg.dataset)).name

    cfg = compose_config(["strategy=finetune_rag", "strategy.train_facts=7"])
    assert cfg.strategy.finetune.train_facts == 7
    for strategy in ("finetune", "finetune_rag"):
        plain = folder(f"strategy={strategy}")
        assert plain == folder(f"strategy={strategy}", "strategy.train_facts=null")
        assert plain != folder(f"strategy={strategy}", "strategy.train_facts=3")


@pytest.mark.parametrize("strategy", ["finetune", "finetune_rag"])
def test_a_non_positive_size_is_refused_before_any_model_loads(strategy: str) -> None:
    from harness.run import runner

    cfg = compose_config([f"strategy={strategy}", "strategy.train_facts=0"])
    with pytest.raises(HarnessError, match=r"strategy\.train_facts=0: use a positive number"):
        runner.check_settings(cfg)
    runner.check_settings(compose_config([f"strategy={strategy}", "strategy.train_facts=5"]))


def test_more_facts_than_the_train_split_holds_are_refused_once_the_data_loads() -> None:
    from harness.run.settings import check_against_data

    train = _train()
    total = len(facts(train))
    for strategy in ("finetune", "finetune_rag"):
        cfg = compose_config([f"strategy={strategy}", f"strategy.train_facts={total + 1}"])
        with pytest.raises(HarnessError, match=rf"train_facts={total + 1}: the train split has "
                                               rf"{total} facts"):  # fmt: skip
            check_against_data(cfg, train)
        every = compose_config([f"strategy={strategy}", f"strategy.train_facts={total}"])
        check_against_data(every, train)


def _acme_test() -> list[Question]:
    data = load_jsonl("acme", ACME / "questions.jsonl", ACME / "corpus.jsonl")
    return data.split("test")


def test_a_sample_holds_the_answerable_questions_asked_and_the_unanswerable_in_share() -> None:
    test = _acme_test()
    answerable = [q for q in test if q.answers]
    drawn = sample_questions(test, 100)
    assert sum(bool(q.answers) for q in drawn) == 100
    unanswerable = len(test) - len(answerable)
    assert sum(not q.answers for q in drawn) == round(100 / len(answerable) * unanswerable)
    assert [q.id for q in drawn] == [q.id for q in test if q in drawn]  # the split's order
    # seeded and independent of the file's order; a size at or past the split's is all of it
    shuffled = random.Random(7).sample(test, len(test))
    assert {q.id for q in sample_questions(shuffled, 100)} == {q.id for q in drawn}
    assert sample_questions(test, len(answerable)) == test
    assert {q.id for q in sample_questions(test, 50)} != {q.id for q in drawn[:57]}
