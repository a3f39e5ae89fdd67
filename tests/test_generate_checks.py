"""The checks of `harness.generate` one at a time: normalised matching, each fact check, strict
parsing, duplicate merging, the per-document cap, paraphrase checks and the split by fact."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from harness.generate.checks import (
    Fact,
    fact_problem,
    merge_duplicates,
    normalise,
    occurs,
    paraphrase_problem,
    spread_over_documents,
)
from harness.generate.output import split_rows
from harness.generate.replies import ReplyError, parse_objects, parse_strings
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize(
    ("needle", "haystack", "found"),
    [("“Every” plan — 6.5 GB.", 'every  "every" PLAN - 6.5 gb', True),
     ("3", "released in 2023", False), ("310 MB", "at most 310 MB each", True),
     ("$7.35", "costs $7.35 per month", True), ("", "anything", False)],
)  # fmt: skip
def test_occurs_after_normalisation_on_word_boundaries(
    needle: str, haystack: str, found: bool
) -> None:
    assert occurs(needle, haystack) is found
    assert normalise("A\u2019s \u2013 B\n\tC") == "a's - b c"


@pytest.mark.parametrize(
    ("question", "answer", "evidence", "problem"),
    [("How big?", "6.5 GB", "includes 6.5 GB of storage", None),
     ("How big?", "...", "includes 6.5 GB", "answer_unscorable"),
     ("How big?", "6.5 GB", "includes 7 GB", "evidence_not_in_section"),
     ("How big?", "7 GB", "includes 6.5 GB", "answer_not_in_section"),
     ("How big?", "storage", "includes 6.5 GB", "answer_not_in_evidence"),
     ("Is it 6.5 GB big?", "6.5 GB", "includes 6.5 GB", "answer_in_question")],
)  # fmt: skip
def test_each_fact_check(question: str, answer: str, evidence: str, problem: str | None) -> None:
    section = "Every Pebble account includes 6.5 GB of storage."
    assert fact_problem(Fact("s", "d", question, answer, evidence), section) == problem


def test_parsing_is_strict() -> None:
    keys = ("question", "answer")
    good = '[{"question": "q", "answer": "a"}]'
    assert parse_objects(good, keys) == [{"question": "q", "answer": "a"}]
    assert parse_objects(f"```json\n{good}\n```", keys) == [{"question": "q", "answer": "a"}]
    for bad, kind in ((f"Sure! {good}", "not_json"), ('{"question": "q"}', "not_array"),
                      ('[{"question": "q"}]', "wrong_keys"),
                      ('[{"question": "q", "answer": " "}]', "empty_field"),
                      (f"{good}\nQ: another?", "not_json")):  # fmt: skip
        with pytest.raises(ReplyError) as error:
            parse_objects(bad, keys)
        assert error.value.kind == kind
    with pytest.raises(ReplyError):
        parse_strings('["one"]', 2)


def test_duplicates_merge_and_documents_are_capped_round_robin() -> None:
    facts = [
        Fact("a#1", "a", "How much storage?", "6 GB", "has 6 GB"),
        Fact("a#1", "a", "What storage is there?", "6 GB", "has 6 GB"),  # same fact
        Fact("a#1", "a", "How much storage?", "6 GB", "6 GB"),  # same question
        Fact("a#1", "a", "How many seats?", "4", "4 seats"),
        Fact("a#2", "a", "Which region?", "Oslo", "in Oslo"),
        Fact("b#1", "b", "What colour?", "red", "is red"),
    ]
    rejected: Counter[str] = Counter()
    merged = merge_duplicates(facts, FakeEmbedder(), 0.92, rejected)
    assert [f.question for f in merged] == ["How much storage?", "How many seats?",
                                           "Which region?", "What colour?"]  # fmt: skip
    kept = spread_over_documents(merged, 2, rejected)
    assert [f.question for f in kept] == ["How much storage?", "Which region?", "What colour?"]
    assert rejected == {"duplicate_fact": 1, "duplicate_question": 1, "over_document_cap": 1}


def test_paraphrase_checks() -> None:
    fact = Fact("s", "d", "How much storage?", "6 GB", "has 6 GB")
    assert paraphrase_problem("Is it 6 GB?", fact, []) == "paraphrase_contains_answer"
    assert paraphrase_problem("how much  STORAGE?", fact, []) == "paraphrase_duplicate"
    assert paraphrase_problem("What space?", fact, ["what space?"]) == "paraphrase_duplicate"
    assert paraphrase_problem("What space?", fact, []) is None


def test_the_split_is_by_fact_and_seeded() -> None:
    facts = [Fact(f"s{i}", "d", f"question {i}?", f"answer {i}", "e", [f"q{i} b?", f"q{i} c?"])
             for i in range(40)]  # fmt: skip
    rows = split_rows(facts, [], 0.25, seed=3)
    by_answer: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_answer.setdefault(row["answers"][0], []).append(row)
    test_facts = [group for group in by_answer.values() if any(r["split"] == "test" for r in group)]
    assert len(test_facts) == 10
    for group in test_facts:  # one test phrasing per fact, its paraphrases in train
        assert sorted(r["split"] for r in group) == ["test", "train", "train"]
    train_questions = {r["question"] for r in rows if r["split"] == "train"}
    assert not train_questions & {r["question"] for r in rows if r["split"] == "test"}
    drawn = {r["question"] for r in rows if r["split"] == "test"}
    assert drawn - {f.question for f in facts}, "the test phrasing is drawn, not always the first"
    assert split_rows(facts, [], 0.25, seed=3) == rows
    assert split_rows(facts, [], 0.25, seed=4) != rows


@pytest.mark.parametrize(
    ("question", "guess", "problem"),
    [  # the section's own sentence, cut off and given a `?`, as SmolLM2-135M wrote them
     ("The Cove plan was launched in 2019 by the founders,?", "2020", "unanswerable_copies_corpus"),
     ("Cove costs $7.35 per month?", "$9", "unanswerable_copies_corpus"),
     ("How long is the Cove refund window?", "$7.35", "unanswerable_guess_in_corpus"),
     ("How long is the Cove refund window?", "30 days", None)],
)  # fmt: skip
def test_an_unanswerable_question_copied_from_the_corpus_is_rejected(
    question: str, guess: str, problem: str | None
) -> None:
    from harness.generate.pipeline import unanswerable_problem
    from harness.generate.records import Section, Unanswerable

    sections = [
        Section("cove#price", "cove", "Cove > Price", "Cove costs $7.35 per month."),
        Section("cove#history", "cove", "Cove > History",
                "The Cove plan was launched in 2019 by the founders, who ran it alone."),
    ]  # fmt: skip
    proposal = Unanswerable("cove#price", question, guess)
    assert unanswerable_problem(proposal, [], sections) == problem
