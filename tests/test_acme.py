"""The committed acme dataset keeps the properties the benchmark relies on."""

from __future__ import annotations

from collections import defaultdict

import pytest

from harness.config import ROOT
from harness.datasets import Dataset, load_acme

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
