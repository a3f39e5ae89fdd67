"""Checks that a question really asks for its answer (`harness.generate.verify`): each rejection
reason one at a time with a scripted reader, then answer-first and template-only runs end to end
against a scripted chat server (near duplicates merged, bad paraphrases dropped, resume without
new calls), and the template's questions on constructed sentences (`harness.generate.template`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.generate.__main__ import run
from harness.generate.candidates import candidates
from harness.generate.checks import Fact
from harness.generate.records import Section, Tally
from harness.generate.replies import Asker
from harness.generate.settings import load_settings
from harness.generate.template import template_question
from harness.generate.verify import (
    Checks,
    Reader,
    section_retriever,
    verify_facts,
    verify_paraphrases,
)
from harness.models import Conversation, Generation
from harness.scoring import ScoringRules
from tests.chat_server import ScriptedServer
from tests.fakes import FakeEmbedder
from tests.helpers import write_jsonl

READER_MARK = "Using only the context"
# fmt: off
SECTIONS = [
    Section("pebble#storage", "pebble", "Pebble > Storage",
            "Every Pebble account includes 6.5 GB of storage."),
    Section("cove#price", "cove", "Cove > Price", "Cove costs $7.35 per month."),
    Section("trash#days", "trash", "Trash", "Deleted files stay in the trash for 30 days."),
]
# fmt: on


class ScriptedReader:
    """A chat model that answers the reader's request by its question, from `replies`."""

    name = "scripted-reader"
    context_window = 2048
    max_new_tokens = 16

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.asked: list[str] = []

    def prompt_tokens(self, conversation: Conversation) -> int:
        return sum(len(turn["content"].split()) for turn in conversation)

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        questions = [re.search(r"Question: (.*)", c[-1]["content"])[1] for c in conversations]  # type: ignore[index]
        self.asked += questions
        return [Generation(self.replies.get(q, "I don't know"), 10, 2) for q in questions]


def reader(replies: dict[str, str], cache: Path) -> tuple[Reader, ScriptedReader]:
    model = ScriptedReader(replies)
    settings = load_settings([])
    asker = Asker(model, {"name": model.name}, cache, settings.retry_prompt, 0)  # type: ignore[arg-type]
    return Reader(asker, ScoringRules(), settings.reader_prompt), model


def test_each_check_rejects_with_its_reason(tmp_path: Path) -> None:
    by_id = {s.id: s for s in SECTIONS}
    retriever = section_retriever(SECTIONS, FakeEmbedder(), tmp_path / "cache")
    facts = [
        Fact("pebble#storage", "pebble", "How much storage does every Pebble account include?",
             "6.5 GB", SECTIONS[0].text),  # passes
        Fact("pebble#storage", "pebble", "How much does Cove cost per month?", "6.5 GB",
             SECTIONS[0].text),  # asks about another section: not retrieved in the top 1
        Fact("cove#price", "cove", "What does Cove cost per month?", "$7.35",
             SECTIONS[1].text),  # the reader answers another value
        Fact("trash#days", "trash", "How long do deleted files stay in the trash?", "30 days",
             SECTIONS[2].text),  # the reader declines
    ]  # fmt: skip
    replies = {facts[0].question: "6.5 GB of storage", facts[2].question: "$9 a month",
               "Which storage does a Pebble account include?": "About 6.5 GB.",
               "What is the Pebble storage?": "10 GB"}  # fmt: skip
    checker, model = reader(replies, tmp_path / "cache")
    tally = Tally()
    kept = verify_facts(facts, Checks(by_id, retriever, checker, 1), tally)
    assert kept == [facts[0]]
    assert tally.rejected == {"evidence_not_retrieved": 1, "reader_wrong": 1,
                              "reader_abstained": 1}  # fmt: skip
    assert tally.counts["facts_retrieved"] == 3 and tally.counts["facts_read"] == 1
    assert facts[1].question not in model.asked  # not retrieved: never read
    # paraphrases meet the same checks, their reasons prefixed
    kept[0].paraphrases = ["Which storage does a Pebble account include?",
                           "What is the Pebble storage?", "What does Cove cost?"]  # fmt: skip
    verify_paraphrases(kept, Checks(by_id, retriever, checker, 1), tally)
    assert kept[0].paraphrases == ["Which storage does a Pebble account include?"]
    assert tally.rejected["paraphrase_reader_wrong"] == 1
    assert tally.rejected["paraphrase_evidence_not_retrieved"] == 1
    assert tally.counts["paraphrases_kept"] == 1
    # without a reader only retrieval is checked
    assert len(verify_facts(facts, Checks(by_id, retriever, None, 1), Tally())) == 3


# fmt: off
CORPUS = [
    {"id": "pebble#storage", "title": "Pebble > Storage",
     "text": "Every Pebble account includes 6.5 GB of storage. The plan was launched in 2019."},
    {"id": "cove#price", "title": "Cove > Price",
     "text": "Cove costs $7.35 per month when billed monthly."},
]
# the answer -> the model's question
QUESTIONS = {
    "2019": "When was the Pebble plan launched?",
    "6.5 GB": "How much storage does every Pebble account include?",
    "Pebble": "How much storage does every account include?",  # a near duplicate
    "$7.35": "How much does Cove cost per month?",  # the reader answers another price
}
# the question (a paraphrase "Say: Q" read as Q unless listed) -> the reader's reply
READS = {
    "When was the Pebble plan launched?": "In 2019.",
    "Say: When was the Pebble plan launched?": "In 2020.",
    "How much storage does every Pebble account include?": "6.5 GB",
    "How much does Cove cost per month?": "$9",
    "When was the plan launched?": "In 2019.",
    "Cove costs how much per month when billed monthly?": "$7.35",
}
# fmt: on


class CheckServer(ScriptedServer):
    """Question requests from QUESTIONS, paraphrases (one keeps its answer out, one gives it
    away, one the reader gets wrong), the reader from READS."""

    def answer(self, body: dict[str, Any]) -> str:
        last = body["messages"][-1]["content"]
        if READER_MARK in last:
            question = re.search(r"Question: (.*)", last)[1]  # type: ignore[index]
            return READS.get(question, READS.get(question.split(": ", 1)[-1], "I don't know"))
        if "different ways to ask" in last:
            question = re.search(r"Question: (.*)", last)[1]  # type: ignore[index]
            answer = re.search(r"Answer: (.*)", last)[1]  # type: ignore[index]
            return json.dumps({"items": [f"Say: {question}", f"Is it {answer}?"]})
        answer = re.search(r"fills the blank \((.*)\)\.", last)[1]  # type: ignore[index]
        return json.dumps({"question": QUESTIONS.get(answer, "What is unscripted?")})


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.retrieval.embedders.load_embedder", lambda *a, **k: FakeEmbedder())


@pytest.fixture
def server() -> Iterator[CheckServer]:
    with CheckServer() as started:
        yield started


def overrides(server: ScriptedServer, cache: Path, *more: str) -> list[str]:
    return [
        "model=openai_compatible", "model.model=scripted", f"model.base_url={server.base_url}",
        "model.batch_size=4", "model.max_retries=0", f"paths.cache_dir={cache}",
        "generate.unanswerable_per_section=0", "generate.duplicate_threshold=0.8",
        "generate.check_top_k=1", *more,
    ]  # fmt: skip


def test_answer_first_counts_every_check_and_resumes_without_calls(
    server: CheckServer, tmp_path: Path
) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", CORPUS)
    answer_first = overrides(server, tmp_path / "cache", "generate.mode=answer_first")
    report = run(corpus, tmp_path / "out", answer_first)
    assert report["settings"]["reader"] == "same"  # auto: the generating model, in answer_first
    assert report["rejected"] == {
        "duplicate_question": 1,  # Pebble's question, near the 6.5 GB one
        "reader_wrong": 1,  # "$9" for $7.35
        "paraphrase_contains_answer": 2,  # "Is it 2019?", "Is it 6.5 GB?"
        "paraphrase_reader_wrong": 1,  # "In 2020." for 2019
    }
    assert report["yield"]["facts_after_merge"] == 3 and report["yield"]["facts_kept"] == 2
    assert report["yield"]["facts_read"] == 2 and report["yield"]["paraphrases_kept"] == 1
    facts = [json.loads(line) for line in (tmp_path / "out" / "facts.jsonl").open()]
    kept = "Say: How much storage does every Pebble account include?"
    assert [(f["answer"], f["paraphrases"]) for f in facts] == [("2019", []), ("6.5 GB", [kept])]
    read = [r for r in server.requests if READER_MARK in r["messages"][-1]["content"]]
    assert len(read) == 3 + 2  # three questions, two paraphrases left after their own checks
    assert all(r["max_tokens"] == 32 for r in read)  # generate.reader_max_new_tokens
    sent = len(server.requests)
    again = run(corpus, tmp_path / "out", answer_first)
    assert len(server.requests) == sent and again["usage"]["calls"] == 0  # all from the cache
    assert again["rejected"] == report["rejected"]


def test_template_mode_asks_the_reader_only(server: CheckServer, tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", CORPUS)
    report = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache",
                 "generate.mode=template", "generate.reader=same"))  # fmt: skip
    assert report["mode"] == "template" and "questions_parsed" not in report["yield"]
    assert report["yield"]["candidates"] == report["yield"]["template_questions"] == 4
    assert report["rejected"] == {"reader_abstained": 2}  # the 6.5 GB and Pebble questions
    questions = [json.loads(line)["question"] for line in (tmp_path / "out" / "facts.jsonl").open()]
    assert questions == ["When was the plan launched?",
                         "Cove costs how much per month when billed monthly?"]  # fmt: skip
    asked = [r["messages"][-1]["content"] for r in server.requests]
    assert asked and all(READER_MARK in text for text in asked)  # no question, no paraphrase
    none = run(corpus, tmp_path / "none", overrides(server, tmp_path / "cache",
               "generate.mode=template", "generate.reader=none"))  # fmt: skip
    assert none["yield"]["facts_kept"] == 4 and len(server.requests) == len(asked)
    assert "facts_read" not in none["yield"]  # no reader, no reader row
    # the default: template mode, and `auto` reads nothing in it
    default = run(corpus, tmp_path / "default", overrides(server, tmp_path / "cache"))
    assert default["mode"] == "template" and default["settings"]["reader"] == "none"
    assert default["yield"]["facts_kept"] == 4 and len(server.requests) == len(asked)


@pytest.mark.parametrize(
    ("title", "text", "answer", "question"),
    [("Museum > History", "The observatory was built by Professor Anna Kell.",
      "Professor Anna Kell", "Who was the observatory built by?"),
     ("Plant", "The plant was opened in 1999.", "1999", "When was the plant opened?"),
     ("Gates", "BK-7 opens the north gate.", "BK-7", "Which opens the north gate?"),
     ("Cove > Price", "Cove costs $7.35 per month.", "$7.35", "Cove costs how much per month?"),
     ("Lamp", "The lamp can pair with the app within 20 seconds.", "20 seconds",
      "How long can the lamp pair with the app?"),
     ("Paper", "The Scholastic is the oldest publication in the United States.",
      "United States", "What is the Scholastic the oldest publication in?"),
     ("Fixes", "It fixes a bug where the display stayed lit after midnight.", "midnight",
      "It fixes a bug where the display stayed lit after what time?")],
)  # fmt: skip
def test_template_questions_by_rules(title: str, text: str, answer: str, question: str) -> None:
    found = candidates([Section("s#1", "s", title, text)], per_section=5)
    (candidate,) = [c for c in found if c.answer == answer]
    assert template_question(candidate, 100) == question


def test_a_long_sentence_is_cut_to_the_clause_of_its_answer() -> None:
    text = ("The college was opened in 1842, and it has stood by the lake ever since, as the "
            "monks who founded it had planned.")  # fmt: skip
    (candidate,) = candidates([Section("s#1", "s", "College", text)], per_section=1)
    assert candidate.answer == "1842"
    assert template_question(candidate, 60) == "When was the college opened?"
    assert template_question(candidate, 200).endswith("as the monks who founded it had planned?")
