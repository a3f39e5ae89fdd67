"""Answer-first generation (`generate.mode=answer_first`, the default): answers found in code, the
model phrasing each question under a schema, against a scripted chat server; and the requests'
forms (`harness.generate.questions`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.datasets import load_jsonl
from harness.generate.__main__ import run
from harness.generate.candidates import Candidate, candidates
from harness.generate.pipeline import Section
from harness.generate.questions import (
    FORMS,
    QUESTION_REASONS,
    conversation,
    parse_question,
    question_problem,
    question_schema,
)
from harness.generate.records import Tally
from harness.generate.replies import ReplyError
from harness.generate.settings import load_settings
from harness.generate.template import template_questions
from harness.models.constrained import response_format
from tests.chat_server import ScriptedServer
from tests.fakes import FakeEmbedder
from tests.helpers import write_jsonl

# fmt: off
SECTIONS = [
    {"id": "pebble#storage", "title": "Pebble > Storage",
     "text": "Every Pebble account includes 6.5 GB of storage. Files may be at most 310 MB each."},
    {"id": "cove#price", "title": "Cove > Price",
     "text": "Cove costs $7.35 per month when billed monthly. Refunds are paid within 14 days."},
]
# the answer in the request -> the replies by attempt (the last repeats)
QUESTIONS = {
    "6.5 GB": ['{"question":"How much storage does every Pebble account include?"}'],
    "310 MB": ['{"question":"How much is 310 MB?"}'],  # gives its answer away
    "Pebble": ["It is Pebble.", '{"question":"What account includes 6.5 GB of storage?"}'],
    "$7.35": ['{"question":"How much does Cove cost per month?"}'],
    "14 days": ["Refunds take 14 days."],  # never a question: unparsable after the retries
}
# the reader's reply to each question (a paraphrase "Tell me: Q" is read as Q)
READS = {
    "How much storage does every Pebble account include?": "6.5 GB",
    "What account includes 6.5 GB of storage?": "The Pebble account.",
    "How much does Cove cost per month?": "It costs $7.35.",
}
# fmt: on


class QuestionServer(ScriptedServer):
    """Answers question requests from QUESTIONS, paraphrase requests with two questions."""

    def answer(self, body: dict[str, Any]) -> str:
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        if "Using only the context" in users[-1]:  # the reader (harness.generate.verify)
            question = re.search(r"Question: (.*)", users[-1])[1]  # type: ignore[index]
            return READS.get(question.split(": ", 1)[-1], "I don't know")
        if "different ways to ask" in users[-1]:
            question = re.search(r"Question: (.*)", users[-1])[1]  # type: ignore[index]
            return json.dumps({"items": [f"Tell me: {question}", f"Please say: {question}"]})
        asked = [u for u in users if "fills the blank" in u][-1]  # after the worked examples
        answer = re.search(r"fills the blank \((.*)\)\.", asked)[1]  # type: ignore[index]
        retries = sum(u.startswith("That reply") for u in users)
        replies = QUESTIONS.get(answer, ["unscripted"])
        return replies[min(retries, len(replies) - 1)]


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.retrieval.embedders.load_embedder", lambda *a, **k: FakeEmbedder())


@pytest.fixture
def server() -> Iterator[QuestionServer]:
    with QuestionServer() as started:
        yield started


def overrides(server: ScriptedServer, cache: Path) -> list[str]:
    return [
        "model=openai_compatible", "model.model=scripted", f"model.base_url={server.base_url}",
        "model.batch_size=2", "model.max_retries=0", f"paths.cache_dir={cache}",
        "generate.unanswerable_per_section=0", "generate.test_fraction=0.5",
        "generate.mode=answer_first",
    ]  # fmt: skip


def test_answer_first_keeps_exact_answers_and_counts_every_rejection(
    server: QuestionServer, tmp_path: Path
) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", SECTIONS)
    report = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache"))
    assert report["mode"] == "answer_first"
    assert report["rejected"] == {"answer_in_question": 1, "question_reply_unparsable": 1}
    assert report["reply_problems"] == {"questions: not_json": 1 + 3}  # Pebble once, 14 days 3x
    assert report["yield"]["candidates"] == 5 and report["yield"]["questions_parsed"] == 4
    assert report["yield"]["facts_kept"] == 3 and report["yield"]["paraphrases_kept"] == 6
    facts = [json.loads(line) for line in (tmp_path / "out" / "facts.jsonl").open()]
    texts = {s["id"]: s["text"] for s in SECTIONS}
    for fact in facts:  # answer and evidence exact by construction, the kind recorded
        assert fact["answer"] in fact["evidence"] and fact["evidence"] in texts[fact["section_id"]]
    assert [(f["answer"], f["kind"]) for f in facts] == [
        ("6.5 GB", "quantity"), ("Pebble", "name"), ("$7.35", "money")]  # fmt: skip
    # every question request carried its schema, the wh-word in its pattern; the reader's none
    read = [r for r in server.requests if "Using only the context" in r["messages"][-1]["content"]]
    assert len(read) == 3 + 6 and not any(r.get("response_format") for r in read)
    formats = [r.get("response_format") for r in server.requests if r not in read]
    assert all(formats)
    schemas = [f["json_schema"]["schema"]["properties"] for f in formats]
    patterns = {s["question"]["pattern"] for s in schemas if "question" in s}
    assert {p.split(" ")[0] for p in patterns} == {"^How", "^What"}
    dataset = load_jsonl("generated", str(tmp_path / "out" / "questions.jsonl"), str(corpus))
    assert len(dataset.questions) == 3 * 3
    sent = len(server.requests)
    again = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache"))
    assert len(server.requests) == sent and again["usage"]["cached"] == sent  # resumed: no calls


def test_each_form_shows_what_it_names() -> None:
    section = Section("s#1", "s", "Cove > Price", "Cove costs $7.35 per month.")
    (found,) = candidates([section], per_section=1)
    shown = {name: conversation(found, form) for name, form in FORMS.items()}
    last = {name: turns[-1]["content"] for name, turns in shown.items()}
    assert "Sentence: Cove costs ___ per month." in last["blank"]
    assert "Sentence: Cove costs $7.35 per month." in last["instruction"]
    assert 'Start the question with "How much"' in last["wh"]
    assert len(shown["examples"]) > len(shown["instruction"]) == 2  # system, the request
    assert all("Section: Cove > Price" in text for text in last.values())
    schema = question_schema("how much", 60)
    assert response_format(schema)["json_schema"]["schema"] is schema


@pytest.mark.parametrize(
    ("reply", "kind"),
    [("Sure: What is it?", "not_json"), ('{"question":"What is it"}', "not_a_question"),
     ('{"q":"What is it?"}', "wrong_keys"), ('["What is it?"]', "wrong_keys")],
)  # fmt: skip
def test_a_reply_that_is_not_one_question_is_a_named_problem(reply: str, kind: str) -> None:
    with pytest.raises(ReplyError) as error:
        parse_question(reply)
    assert error.value.kind == kind
    assert parse_question('{"question":"What  is it?"}') == "What is it?"


def _candidate(answer: str, kind: str) -> Candidate:
    evidence = f"It is {answer}."
    return Candidate(answer, kind, evidence, 6, 6 + len(answer), 0, "s#1", "s", (), 1.0)


@pytest.mark.parametrize(
    ("question", "answer", "kind", "problem"),
    [
        ("Which body licenses the pilots of the port?", "HPA", "name", None),
        ("Members of the Harbor Pilots Association are known by what?", "HPA", "name",
         "answer_spelled_out_in_question"),
        ("Staff of the Department of Defense call it what?", "DOD", "name",
         "answer_spelled_out_in_question"),  # a small word giving its letter
        ("Students finish with a Bachelor of Fine Arts ( what?", "BFA", "name",
         "answer_spelled_out_in_question"),
        ("Which agency built the rover for the Ohio team?", "NASA", "name", None),
        ("Which Harbor Pilots license the port?", "HPA", "name", None),  # two of its three words
        ("What helps planes arrive on time?", "HPA", "name", None),  # initials, not capitalised
        ("The Rev. Ann Hale, O.P., ( when?", "1901–1980", "date", "wh_in_brackets"),
        ("Ann Hale (1901–1980) led the order how long?", "12 years", "duration", None),
        ("The latest[when?] appeal raised how much?", "$2 million", "money", None),  # closed
        ("The mill (built by whom?) stood where?", "Leeds", "name", None),  # not its wh-word
        ("Who?", "Captain Ada Moss", "person", "question_too_short"),
        ("In 1907, what?", "Harbour Hall", "name", "question_too_short"),
        ("The Rev. what?", "Ann Hale", "name", "question_too_short"),
        ("When was it built?", "1907", "date", "question_too_short"),  # which "it"?
        ("Who founded the mill?", "Captain Ada Moss", "person", None),
        ("How long did the war last?", "six years", "duration", None),
        ("What time does it open?", "09:00", "time", "question_too_short"),  # "time" is its wh
    ],
)  # fmt: skip
def test_each_question_check(question: str, answer: str, kind: str, problem: str | None) -> None:
    assert question_problem(question, _candidate(answer, kind)) == problem
    assert problem is None or problem in QUESTION_REASONS


def _in_sentence(sentence: str, answer: str, kind: str) -> Candidate:
    at = sentence.index(answer)
    return Candidate(answer, kind, sentence, at, at + len(answer), 0, "s#1", "s", (), 1.0)


@pytest.mark.parametrize(
    ("sentence", "answer", "kind", "question", "problem"),
    [
        ("Connect the two wires to terminals OT1 and OT2.", "OT1", "code",
         "Connect the two wires to terminals which and OT2?", "sibling_code_in_question"),
        ("Connect the two wires to terminals OT1 and OT2.", "OT1", "code",
         "Which terminal takes the first wire?", None),
        ("Errors BK-7 and HT-2 stop an upload.", "BK-7", "code",
         "Which error and HT-2 stop an upload?", None),  # another code, not a sibling
        ("The library has branches for Architecture, Chemistry & Physics, Engineering and Law.",
         "Architecture", "name", "The library has branches for what?", "answer_cut_from_list"),
        ("The library has branches for Architecture, Chemistry & Physics, Engineering and Law.",
         "Chemistry & Physics", "name",
         "The library has branches for Architecture, what, Engineering and Law?", None),
        ("The library has branches for Architecture, Chemistry & Physics, Engineering and Law.",
         "Law", "name", "The library has branches for Architecture, Chemistry & Physics, "
         "Engineering and what?", None),  # the last item: the question names the rest
        ("He built the Science Hall, the Fisher Hall and the Morris Inn.", "Science Hall",
         "name", "Cavanaugh built the what first?", "answer_cut_from_list"),  # article, next item
        ("The school stands in South Bend, Indiana, near the lake.", "South Bend", "name",
         "Where in Indiana does the school stand?", None),  # a place, not a list
        ("He hired Ann Hale and seven brothers.", "Ann Hale", "person",
         "Who did he hire with seven brothers?", None),  # the next word is not a name
    ],
)  # fmt: skip
def test_siblings_and_lists(
    sentence: str, answer: str, kind: str, question: str, problem: str | None
) -> None:
    assert question_problem(question, _in_sentence(sentence, answer, kind)) == problem
    assert problem is None or problem in QUESTION_REASONS


def test_template_questions_count_each_rejection() -> None:
    texts = [
        "The Rev. Ann Hale, O.P., (1901–1980) led the order for twelve years in the north.",
        "In 1907, Harbour Hall opened its doors to sailors from the whole coast.",
    ]
    sections = [Section(f"s#{i}", "s", "Order", text) for i, text in enumerate(texts)]
    tally = Tally()
    settings = load_settings(["generate.question_max_chars=40"])
    facts = template_questions(sections, settings, tally)
    # 1901–1980 ("... O.P., ( when?"); 1907 ("When?") and Ann Hale ("The Rev. what?")
    assert tally.rejected == {"wh_in_brackets": 1, "question_too_short": 2}
    assert {"twelve years", "Harbour Hall"} <= {f.answer for f in facts}
