"""`python -m harness.generate` end to end: every rejection reason counted, retries, resume, the
cost estimate and limits, that the output loads as a harness dataset, and the review sheet.
The checks one at a time are in tests/test_generate_checks.py.

A scripted chat server (tests/chat_server.py) plays the model; each reply is chosen by markers
in the conversation's first user turn and by the attempt (retries add user turns).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.datasets import load_jsonl
from harness.errors import HarnessError
from harness.generate.__main__ import main, run
from harness.generate.review import APPLIES, FIELDS
from harness.generate.review import main as review
from tests.chat_server import ScriptedServer
from tests.fakes import FakeEmbedder
from tests.helpers import write_jsonl

FACTS, PARAPHRASES, UNANSWERABLE = "Write up to", "different ways to ask", "does NOT"
# fmt: off
SECTIONS = [
    {"id": "pebble#storage", "title": "Pebble > Storage",
     "text": "Every Pebble account includes 6.5 GB of storage. Files may be at most 310 MB each."},
    {"id": "pebble#devices", "title": "Pebble > Devices",
     "text": "A Pebble account can be linked to at most 3 devices at the same time."},
    {"id": "cove#price", "title": "Cove > Price",
     "text": "Cove costs $7.35 per month when billed monthly."},
    {"id": "trash", "title": "Trash",
     "text": "Deleted files stay in the trash for 30 days before they are removed for good."},
    {"id": "cove#limits", "title": "Cove > Limits",
     "text": "Each Cove file may be as large as 22 GB."},
]
STORAGE_Q = "How much storage is included in every Pebble account?"
# fmt: on


def fact(question: str, answer: str, evidence: str) -> dict[str, str]:
    return {"question": question, "answer": answer, "evidence": evidence}


def guess(question: str, guessed: str) -> dict[str, str]:
    return {"question": question, "guess": guessed}


# (markers that must all be in the first user turn, replies by attempt: the last one repeats)
# fmt: off
SCRIPT: list[tuple[tuple[str, ...], list[Any]]] = [
    (
        (FACTS, "6.5 GB"),
        [
            [
                fact(STORAGE_Q, "6.5 GB", "every pebble account includes 6.5 GB of storage"),
                fact(
                    "What is the largest file a Pebble user may upload?",
                    "310 MB",
                    "Files may be at most 310 MB each",
                ),
                fact(
                    "How much storage does Pebble give?",
                    "10 GB",
                    "Pebble includes 10 GB of storage.",
                ),
                fact("Over the section limit?", "310 MB", "Files may be at most 310 MB each"),
            ]
        ],
    ),
    (
        (FACTS, "3 devices"),
        [
            'Here are the facts:\n[{"question": "q", "answer": "a", "evidence": "e"}]',
            [
                fact(
                    "How many devices can one Pebble account use at once?",
                    "3",
                    "can be linked to at most 3 devices",
                ),
                fact(
                    "Can a Pebble account be linked to 3 devices?",
                    "3 devices",
                    "at most 3 devices at the same time",
                ),
                fact("What is the Pebble device limit?", "3", "can be linked to at most 3 devices"),
            ],
        ],
    ),
    (
        (FACTS, "$7.35"),
        [
            [
                fact("What does Cove cost per month?", "$7.35", "Cove costs $7.35 per month"),
                fact("What does Cove cost per year?", "$80", "Cove costs $7.35 per month"),
                fact("How is Cove billed?", "monthly", "Cove costs $7.35 per month"),
            ]
        ],
    ),
    ((FACTS, "30 days"), ["I cannot do that."]),
    (
        (FACTS, "22 GB"),
        [
            [
                fact(STORAGE_Q, "22 GB", "Each Cove file may be as large as 22 GB."),
                fact("What punctuation ends it?", "?!", "as large as 22 GB"),
            ]
        ],
    ),
    (
        (PARAPHRASES, STORAGE_Q),
        [
            [
                "What amount of storage comes with a Pebble account?",
                "How much space do Pebble accounts get?",
            ]
        ],
    ),
    (
        (PARAPHRASES, "How many devices"),
        [
            [
                "How many devices may a Pebble account link at once?",
                "Can Pebble link 3 devices?",
            ]
        ],
    ),
    (
        (PARAPHRASES, "What does Cove cost"),
        [
            ["only one"],
            ["What is the monthly price of Cove?", "What is the monthly price of Cove?"],
        ],
    ),
    ((UNANSWERABLE, "6.5 GB"), [[guess("How much does extra Pebble storage cost?", "$2 a month")]]),
    (
        (UNANSWERABLE, "3 devices"),
        [[guess("Which devices can a Pebble account be linked to?", "3 devices")]],
    ),
    ((UNANSWERABLE, "$7.35"), [[guess("How long is the Cove refund window?", "30 days")]]),
    ((UNANSWERABLE, "30 days"), [[guess(STORAGE_Q, "unlimited")]]),
    (
        (UNANSWERABLE, "22 GB"),
        [
            [
                guess("Can Cove files be shared publicly?", "yes, through a link"),
                guess("How much does extra Pebble storage cost?", "$3"),
                guess("Over the limit?", "maybe"),
            ]
        ],
    ),
]
# fmt: on
# What the script makes of the corpus, worked out by hand from the checks' rules.
EXPECTED_REJECTED = {
    "over_section_limit": 1,
    "evidence_not_in_section": 1,
    "answer_in_question": 1,
    "duplicate_fact": 1,
    "answer_not_in_section": 1,
    "answer_not_in_evidence": 1,
    "duplicate_question": 1,
    "answer_unscorable": 1,
    "facts_reply_unparsable": 1,
    "over_document_cap": 1,
    "paraphrase_contains_answer": 1,
    "paraphrase_duplicate": 1,
    "unanswerable_answered_by_retrieved_section": 1,
    "unanswerable_guess_in_corpus": 1,
    "unanswerable_near_answerable_question": 1,
    "unanswerable_duplicate": 1,
    "unanswerable_over_section_limit": 1,
}
# 5 fact requests + 1 retry (devices) + 2 retries (trash), 3 + 1 retry paraphrase requests,
# 5 unanswerable requests
TOTAL_REQUESTS = 17


class GeneratorServer(ScriptedServer):
    """Replies from SCRIPT; an unscripted conversation gets a reply no parser accepts."""

    def answer(self, body: dict[str, Any]) -> str:
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        for markers, replies in SCRIPT:
            if all(marker in users[0] for marker in markers):
                reply = replies[min(len(users) - 1, len(replies) - 1)]
                return reply if isinstance(reply, str) else json.dumps(reply)
        return "unscripted"


@pytest.fixture
def server() -> Iterator[GeneratorServer]:
    with GeneratorServer() as started:
        yield started


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.retrieval.embedders.load_embedder", lambda *a, **k: FakeEmbedder())


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "corpus.jsonl", SECTIONS)


def overrides(server: ScriptedServer, cache: Path, *extra: str) -> list[str]:
    return [
        "model=openai_compatible", "model.model=scripted", f"model.base_url={server.base_url}",
        "model.batch_size=1", "model.max_retries=0", f"paths.cache_dir={cache}",
        "generate.max_facts_per_document=2", "generate.unanswerable_per_section=2",
        "generate.retrieval_top_k=1", "generate.test_fraction=0.5", "generate.mode=fact_first",
        *extra,
    ]  # fmt: skip


def test_every_check_and_rejection_reason_is_counted(
    server: GeneratorServer, corpus: Path, tmp_path: Path
) -> None:
    report = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache"))
    assert report["rejected"] == EXPECTED_REJECTED
    assert report["reply_problems"] == {"facts: not_json": 4, "paraphrases: wrong_count": 1}
    assert report["yield"] == {
        "sections": 5, "fact_replies": 8, "fact_replies_parsed": 4, "facts_parsed": 12,
        "facts_verified": 6, "facts_after_merge": 4, "facts_kept": 3, "paraphrases_kept": 4,
        "unanswerable_parsed": 6, "unanswerable_kept": 2,
    }  # fmt: skip
    assert len(server.requests) == TOTAL_REQUESTS
    facts = [json.loads(line) for line in (tmp_path / "out" / "facts.jsonl").open()]
    assert [f["answer"] for f in facts] == ["6.5 GB", "3", "$7.35"]


def test_the_output_loads_as_a_harness_dataset(
    server: GeneratorServer, corpus: Path, tmp_path: Path
) -> None:
    run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache"))
    dataset = load_jsonl("generated", str(tmp_path / "out" / "questions.jsonl"), str(corpus))
    assert len(dataset.questions) == 3 + 4 + 2  # facts, their kept paraphrases, unanswerable
    assert [q.answerable for q in dataset.split("test")].count(True) == 2  # round(0.5 * 3)
    assert {d for q in dataset.questions for d in q.doc_ids} <= {s["id"] for s in SECTIONS}


def test_a_reply_that_never_parses_is_asked_max_retries_more_times(
    server: GeneratorServer, corpus: Path, tmp_path: Path
) -> None:
    for retries in (0, 3):
        server.requests.clear()
        cache = tmp_path / f"cache-{retries}"
        run(corpus, tmp_path / "out", overrides(server, cache, f"generate.max_retries={retries}"))
        asked = [r for r in server.requests if "30 days before" in r["messages"][1]["content"]]
        facts_asks = [r for r in asked if FACTS in r["messages"][1]["content"]]
        assert len(facts_asks) == 1 + retries
        retry_turns = [r["messages"][-1]["content"] for r in facts_asks[1:]]
        assert all("could not be used: it is not valid JSON" in turn for turn in retry_turns)


def test_a_killed_run_resumes_making_only_the_missing_calls(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with GeneratorServer() as failing:
        failing.fail_after = 6  # the 7th request fails: the run stops as if killed
        with pytest.raises(HarnessError, match="HTTP 500"):
            run(corpus, tmp_path / "out", overrides(failing, cache))
        assert len(failing.successes) == 6
    with GeneratorServer() as restarted:
        run(corpus, tmp_path / "out", overrides(restarted, cache))
        assert len(restarted.requests) == TOTAL_REQUESTS - 6
    with GeneratorServer() as again:
        report = run(corpus, tmp_path / "out", overrides(again, cache))
        assert again.requests == [] and report["usage"]["cached"] == TOTAL_REQUESTS


def test_the_estimate_prices_tokens_from_the_table_and_bounds_the_run(
    server: GeneratorServer, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    price = "+pricing.token_prices.scripted={input: 1000.0, output: 2000.0, taken: today}"
    report = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache", price))
    plan = report["estimate"]
    # 5 fact calls, 5 unanswerable calls, paraphrases: min(sections x 3 facts, cap 2) per document
    assert plan["calls"] == 5 + 5 + (2 + 2 + 2) and plan["cached"] == 0
    assert plan["completion_tokens"] == plan["calls"] * 384
    assert plan["cost_usd"] == pytest.approx(
        (plan["prompt_tokens"] * 1000 + plan["completion_tokens"] * 2000) / 1e6
    )
    usage = report["usage"]  # the scripted server reports 11 prompt + 3 completion tokens a call
    assert usage["cost_usd"] == pytest.approx(TOTAL_REQUESTS * (11 * 1000 + 3 * 2000) / 1e6)
    assert (
        usage["calls"] <= plan["max_calls_with_retries"] and usage["cost_usd"] <= plan["cost_usd"]
    )
    assert f"calls: up to {plan['calls']}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("limit", "named"),
    [("generate.max_calls=15", "generate.max_calls=15: this run may need 16 calls"),
     ("generate.max_cost_usd=0.01", "generate.max_cost_usd=0.01: this run may cost")],
)  # fmt: skip
def test_a_run_over_its_limit_refuses_to_start(
    server: GeneratorServer, corpus: Path, tmp_path: Path, limit: str, named: str
) -> None:
    price = "+pricing.token_prices.scripted={input: 1000.0, output: 2000.0, taken: today}"
    with pytest.raises(HarnessError, match=named):
        run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache", price, limit))
    assert server.requests == []


def test_a_local_model_is_priced_by_one_measured_batch(
    server: GeneratorServer, corpus: Path, tmp_path: Path
) -> None:
    batch = "model.batch_size=3"
    report = run(corpus, tmp_path / "out", overrides(server, tmp_path / "cache", batch))
    assert "compute time" in report["estimate"]["priced_by"]
    assert report["estimate"]["cached"] == 3  # the measured batch, then read from the cache
    assert report["estimate"]["calls"] == 5 + 5 + 6 - 3
    assert len(server.requests) == TOTAL_REQUESTS  # measuring cost no extra request


def test_a_bad_setting_is_one_line_naming_it(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad, named in (("generate.paraphrasess=2", "generate.paraphrasess"),
                       ("generate.test_fraction=2", "generate.test_fraction=2.0: use a number"),
                       ("generate.reader=smollm2", "generate.reader=smollm2: use auto, same, "
                        "none or a conf/model name (gpt-4o-mini"),
                       ("model=gpt4o-mini", "Unknown model 'gpt4o-mini'")):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            main(["--corpus", str(corpus), "--out", str(tmp_path / "o"), bad])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and named in err and len(err.strip().splitlines()) == 1


def test_a_review_sheet_is_sampled_then_counted(
    server: GeneratorServer, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run(corpus, out, overrides(server, tmp_path / "cache"))
    review(["--corpus", str(corpus), "--sample", "5", str(out)])
    with (out / "review.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 and all(row["section"] for row in rows)
    for row in rows:  # a reader's verdicts: every applicable one yes, but the first row's no
        for verdict in APPLIES[row["kind"]]:
            row[verdict] = "n" if row is rows[0] else "y"
    with (out / "review.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    review([str(out)])
    counts = json.loads((out / "review.json").read_text())
    kinds = Counter(row["kind"] for row in rows)
    first = set(APPLIES[rows[0]["kind"]])
    expected_yes = kinds["question"] + kinds["paraphrase"] - ("answer_right" in first)
    assert counts["answer_right"] == {"yes": expected_yes, "no": int("answer_right" in first),
                                      "blank": 0}  # fmt: skip
    assert counts["questions"] == 5 and "wrote 5 questions" in capsys.readouterr().out


# ---- issue 38: hostile replies, servers and sheets ----


def test_a_fence_and_thousands_of_blank_lines_is_rejected_at_once() -> None:
    import time

    from harness.generate.replies import ReplyError, parse_objects

    started = time.perf_counter()
    for reply in ("```json" + "\n" * 2000 + "]", "```json\n" + "\n" * 2000 + "[1]```"):
        with pytest.raises(ReplyError, match="not valid JSON"):
            parse_objects(reply, ("question",))
    # a pattern that backtracked took 1.6 s over 1,000 lines here, growing as their cube
    assert time.perf_counter() - started < 1
    fenced = '```json\n[{"question": "Why?"}]\n```'
    assert parse_objects(fenced, ("question",)) == [{"question": "Why?"}]
    assert parse_objects(f"  {fenced.replace('json', '')}\n\n", ("question",)) == [
        {"question": "Why?"}
    ]


PRICE = "+pricing.token_prices.scripted={input: 0.15, output: 0.6, taken: today}"


def test_the_cost_cap_is_checked_during_the_run_and_the_replies_are_kept(
    server: GeneratorServer, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.usage = (11, 9_000_000)  # $5.40 a call by the server's count; estimated at 384 tokens
    cache = tmp_path / "cache"
    with pytest.raises(SystemExit) as exit_:
        main(["--corpus", str(corpus), "--out", str(tmp_path / "out"),
              *overrides(server, cache, PRICE, "generate.max_cost_usd=0.01")])  # fmt: skip
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(server.requests) == 1  # stopped after the first batch
    assert "error: generate.max_cost_usd=0.01: stopped during facts after spending $5.4000" in err
    assert "9,000,000 completion tokens" in err and not (tmp_path / "out").exists()
    server.usage = (11, 3)
    run(corpus, tmp_path / "out", overrides(server, cache, PRICE, "generate.max_cost_usd=100"))
    assert len(server.requests) == TOTAL_REQUESTS  # the first reply came from the cache


class UnusableServer(ScriptedServer):
    """Prose, half JSON, an answer the section lacks, an answer inside its question."""

    def answer(self, body: dict[str, Any]) -> str:
        text = body["messages"][1]["content"]
        if "6.5 GB" in text:
            return "Sure! Here are some facts about Pebble storage."
        if "3 devices" in text:
            return '[{"question": "How many devices'
        if "30 days" in text:
            return json.dumps([fact("How long?", "90 days", "Deleted files stay in the trash")])
        return json.dumps([fact("Does Cove cost $7.35?", "$7.35", "Cove costs $7.35 per month")])


def test_a_run_that_keeps_no_question_exits_non_zero_and_keeps_the_last_questions(
    server: GeneratorServer, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run(corpus, out, overrides(server, tmp_path / "cache"))
    kept = (out / "questions.jsonl").read_text()
    with UnusableServer() as unusable, pytest.raises(SystemExit) as exit_:
        once = overrides(unusable, tmp_path / "other-cache", "generate.max_retries=0")
        main(["--corpus", str(corpus), "--out", str(out), *once])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert exit_.value.code == 2 and len(errors) == 1
    assert errors[0].startswith(f"error: --out {out}: no question passed the checks (5 sections")
    assert "facts_reply_unparsable" in errors[0]
    assert (out / "questions.jsonl").read_text() == kept  # the earlier run's work stays
    assert json.loads((out / "generation.json").read_text())["yield"]["facts_verified"] == 0


def _generated(out: Path, question: str, section: str) -> None:
    """An OUT folder as python -m harness.generate leaves it, with one fact."""
    out.mkdir()
    write_jsonl(out / "corpus.jsonl", [{"id": "s#1", "title": "S", "text": section}])
    write_jsonl(out / "facts.jsonl", [{
        "id": "f-1", "section_id": "s#1", "document": "s", "question": question,
        "answer": "€5", "evidence": section, "paraphrases": [], "question_ids": ["g-1"],
    }])  # fmt: skip
    write_jsonl(out / "unanswerable.jsonl", [])


def test_a_question_that_would_run_as_a_formula_is_text_in_the_review_sheet(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    _generated(out, '=HYPERLINK("http://example.invalid","What does Café cost?")',
               "-5 days: the Café plan costs €5.")  # fmt: skip
    review([str(out)])
    with (out / "review.csv").open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["question"] == '\'=HYPERLINK("http://example.invalid","What does Café cost?")'
    assert row["section"].startswith("'-5 days") and row["evidence"].startswith("'-5 days")


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_review_sheet_saved_back_as_windows_1252_is_counted(
    tmp_path: Path, delimiter: str
) -> None:
    out = tmp_path / "out"
    _generated(out, "What does the Café plan cost?", "The Café plan costs €5.")
    review([str(out)])
    with (out / "review.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(answerable_from_section="y", answer_right="n")
    with (out / "review.csv").open("w", newline="", encoding="cp1252") as handle:
        writer = csv.DictWriter(handle, FIELDS, delimiter=delimiter)  # as a spreadsheet saves
        writer.writeheader()
        writer.writerows(rows)
    review([str(out)])
    counts = json.loads((out / "review.json").read_text())
    assert counts["answerable_from_section"] == {"yes": 1, "no": 0, "blank": 0}
    assert counts["answer_right"] == {"yes": 0, "no": 1, "blank": 0}
