"""The committed acme dataset, and its behaviour variant, keep the properties the benchmark
relies on."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate
from omegaconf import OmegaConf

from harness.config import ROOT
from harness.datasets import Dataset, load_acme
from harness.errors import HarnessError
from harness.run.key import content as _content
from harness.scoring import ScoringRules, judge
from harness.scoring.behaviour import Check
from harness.scoring.correctness import states_answer
from tests.helpers import compose_config

DATA = str(ROOT / "data" / "acme")


@pytest.fixture(scope="module")
def rev1() -> Dataset:
    return load_acme(data_dir=DATA, corpus_revision=1)


@pytest.fixture(scope="module")
def rev2() -> Dataset:
    return load_acme(data_dir=DATA, corpus_revision=2)


def test_size(rev1: Dataset) -> None:
    assert len(rev1.corpus) >= 60
    assert len(rev1.questions) >= 600


def test_test_split_has_at_least_ten_percent_unanswerable(rev1: Dataset) -> None:
    test = rev1.split("test")
    assert sum(not q.answerable for q in test) / len(test) >= 0.10
    assert any(not q.answerable for q in rev1.split("train"))  # fine-tuning can learn to abstain


def test_every_test_fact_has_two_other_train_phrasings(rev1: Dataset) -> None:
    train_phrasings: dict[tuple, set[str]] = defaultdict(set)
    for q in rev1.split("train"):
        train_phrasings[(q.doc_ids, q.answers)].add(q.question)
    for q in rev1.split("test"):
        if q.answerable:
            phrasings = train_phrasings[(q.doc_ids, q.answers)]
            assert len(phrasings) >= 2, q.id
            assert q.question not in phrasings, q.id


def test_gold_answers_appear_in_their_documents(rev1: Dataset, rev2: Dataset) -> None:
    for dataset in (rev1, rev2):
        texts = {d.id: " ".join(d.text.lower().split()) for d in dataset.corpus}
        for q in dataset.questions:
            if q.answerable:
                assert any(a.lower() in texts[q.doc_ids[0]] for a in q.answers), q.id


def test_revision_two_changes_at_least_ten_percent_of_test_facts(
    rev1: Dataset, rev2: Dataset
) -> None:
    old = {q.id: q for q in rev1.split("test") if q.answerable}
    new = {q.id: q for q in rev2.split("test") if q.answerable}
    assert old.keys() == new.keys()
    changed = [i for i in old if old[i].answers != new[i].answers]
    assert len(changed) / len(old) >= 0.10
    texts = {d.id: d.text.lower() for d in rev2.corpus}
    for i in changed:  # the revised documents state the new value, not the old one
        assert old[i].answers[0].lower() not in texts[new[i].doc_ids[0]], i


# ------------------------------------------------------------------ the behaviour variant

REVISIONS = (1, 2)
GENERATED = [
    *(f"rev{r}/{name}" for r in REVISIONS
      for name in ("corpus.jsonl", "questions.jsonl", "behaviour_questions.jsonl")),
    "stats.json",
    "behaviour_stats.json",
]  # fmt: skip


@pytest.fixture(scope="module")
def behaviour() -> dict[int, Dataset]:
    """Each revision's behaviour variant, through the real loader (so every check parses)."""
    return {r: load_acme(data_dir=DATA, corpus_revision=r, behaviour=True) for r in REVISIONS}


@pytest.fixture(scope="module")
def material() -> dict:
    return yaml.safe_load((Path(DATA) / "facts" / "behaviour.yaml").read_text(encoding="utf-8"))


def test_prepare_writes_every_committed_file_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # prepare.py adds its folders to the path
    spec = importlib.util.spec_from_file_location("acme_prepare", Path(DATA) / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "acme_prepare", prepare)
    try:
        spec.loader.exec_module(prepare)
        prepare.main(["--out", str(tmp_path)])
    finally:
        sys.modules.pop("behaviour", None)  # data/acme/behaviour.py, which prepare.py imports
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json*"))
    assert written == sorted(GENERATED)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (Path(DATA) / name).read_bytes(), name
    assert "behaviour variant (behaviour_questions.jsonl): 831 questions" in capsys.readouterr().out


def test_plain_acme_carries_no_checks_and_no_references(rev1: Dataset, rev2: Dataset) -> None:
    for dataset in (rev1, rev2):
        assert not any(q.checks or q.reference is not None for q in dataset.questions)
        assert dataset.policy is None
    content = _content(rev1.questions[0])  # hashed as before either field existed
    assert "reference" not in content and "checks" not in content


def test_behaviour_variant_holds_every_question_of_its_revision_unchanged(
    rev1: Dataset, rev2: Dataset, behaviour: dict[int, Dataset]
) -> None:
    for plain, variant in ((rev1, behaviour[1]), (rev2, behaviour[2])):
        same = variant.questions[: len(plain.questions)]
        fields = [(q.id, q.question, q.answers, q.split, q.doc_ids) for q in plain.questions]
        assert [(q.id, q.question, q.answers, q.split, q.doc_ids) for q in same] == fields
        assert [d for d in variant.corpus] == plain.corpus
        extra = variant.questions[len(plain.questions) :]
        assert all(q.id.startswith("b-") and not q.answers and not q.doc_ids for q in extra)
        test = variant.split("test")
        assert sum(q.answerable for q in test) == sum(q.answerable for q in plain.split("test"))
        assert sum(q.answerable for q in test) == 162  # answerable accuracy: the same questions


def test_behaviour_questions_counts_and_split(
    behaviour: dict[int, Dataset], material: dict
) -> None:
    extra = [q for q in behaviour[1].questions if q.id.startswith("b-")]
    bait = [q for q in extra if q.checks[0].type == "not_contains"]
    off_topic = [q for q in extra if q.checks[0].type == "fallback"]
    assert (len(off_topic), len(bait)) == (60, 40)
    assert [q.question for q in off_topic] == [
        t for ts in material["off_topic"].values() for t in ts
    ]
    assert [q.question for q in bait] == material["competitor_bait"]
    assert sum(q.split == "test" for q in off_topic) == 24
    assert sum(q.split == "test" for q in bait) == 16
    start = 0
    for texts in material["off_topic"].values():  # every kind in both splits, 6 of 15 in test
        kind = off_topic[start : start + len(texts)]
        assert sum(q.split == "test" for q in kind) == 6, texts[0]
        start += len(texts)
    assert [(q.id, q.split) for q in behaviour[2].questions] == [
        (q.id, q.split) for q in behaviour[1].questions
    ]
    stats = json.loads((Path(DATA) / "behaviour_stats.json").read_text(encoding="utf-8"))
    total = stats["questions"]["total"]
    assert (total["train"], total["test"]) == (
        len(behaviour[1].split("train")), len(behaviour[1].split("test")))  # fmt: skip
    assert stats["questions"]["competitor_bait"] == {"train": 24, "test": 16}


def test_every_check_has_its_kind_and_only_train_rows_carry_a_reference(
    behaviour: dict[int, Dataset], material: dict
) -> None:
    style = material["house_style"]
    house = {"contains", "max_sentences", "max_words", "starts_with", "ends_with"}
    for dataset in behaviour.values():
        for q in dataset.questions:
            assert (q.reference is not None) == (q.split == "train"), q.id
            kinds = {check.type for check in q.checks}
            if q.answerable:
                assert kinds == house, q.id
                assert not all(c.passes(q.answers[0]) for c in q.checks)  # the bare value: no
            elif q.checks[0].type == "not_contains":
                assert q.checks[0].value == material["competitors"]  # all names, not one
                assert not q.checks[0].passes(q.question)  # it names a competitor
            else:
                assert q.checks == (Check("fallback", material["fallback"]),), q.id
    assert style["opener"] and style["sign_off"] in material["policy"]


def test_every_train_reference_keeps_its_checks_and_is_judged_as_its_value(
    behaviour: dict[int, Dataset],
) -> None:
    rules = ScoringRules()
    for dataset in behaviour.values():
        for q in dataset.split("train"):
            assert all(check.passes(q.reference) for check in q.checks), (q.id, q.reference)
            verdict = judge(q.reference, q.answers, q.question, rules)
            if not q.answerable:
                assert verdict.outcome == "abstained", q.id
            else:
                assert states_answer(q.answers[0], q.answers, q.question), q.id  # bare value
                assert verdict.outcome == "correct", (q.id, q.reference)


def test_dataset_acme_behaviour_composes_with_the_policy_of_its_facts(material: dict) -> None:
    cfg = compose_config(["dataset=acme_behaviour", "strategy=prompt_policy"])
    OmegaConf.to_container(cfg, resolve=True)
    assert cfg.dataset.policy == material["policy"] == cfg.strategy.policy
    assert cfg.dataset.abstain_answer == material["fallback"] == cfg.strategy.abstain_answer
    assert "I don't know" not in cfg.dataset.system_prompt
    dataset = instantiate(cfg.dataset)
    assert (dataset.name, len(dataset.questions), dataset.policy) == (
        "acme_behaviour", 831, material["policy"])  # fmt: skip
    plain = compose_config([]).dataset  # dataset=acme stays as it was
    assert (plain.name, plain.behaviour, plain.policy) == ("acme", False, None)
    assert "I don't know" in plain.system_prompt


def test_pages_keeps_the_questions_about_the_first_pages_and_the_whole_corpus(
    rev1: Dataset,
) -> None:
    small = load_acme(data_dir=DATA, pages=15)
    first = {d.id for d in rev1.corpus[:15]}
    assert small.corpus == rev1.corpus  # retrieval searches every page, as in the full set
    documented = [q for q in small.questions if q.doc_ids]
    assert documented and all(set(q.doc_ids) <= first for q in documented)
    # every question about those pages is kept, in file order, and none about a later page
    assert documented == [q for q in rev1.questions if q.doc_ids and set(q.doc_ids) <= first]
    for split in ("train", "test"):
        undocumented = [q for q in rev1.split(split) if not q.doc_ids]
        kept = [q for q in small.split(split) if not q.doc_ids]
        assert kept == undocumented[: round(15 / 67 * len(undocumented))]
        assert kept  # the unanswerable share survives the cut


def test_a_bad_page_count_is_one_line() -> None:
    with pytest.raises(HarnessError, match=r"^dataset\.pages=0: use a number from 1 to 67 "):
        load_acme(data_dir=DATA, pages=0)
