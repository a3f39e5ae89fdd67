"""Behaviour checks: each type kept and broken, bad checks as one line, and the second axis
through the one evaluation path."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from referencing.exceptions import Unresolvable

from harness.costs import build_pricing
from harness.datasets import Question, load_jsonl
from harness.errors import HarnessError
from harness.run.evaluate import evaluate
from harness.run.key import content as _content
from harness.run.runner import run
from harness.scoring import ScoringRules, judge
from harness.scoring.behaviour import CHECK_TYPES, Check, _validator, compliance, parse_checks
from tests.helpers import compose_config, write_jsonl

ROOT = Path(__file__).resolve().parents[1]

SCHEMA = {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}

# (type, value, an answer that keeps it, an answer that breaks it)
CASES = [
    ("contains", "Acme", "Acme plans start at 5 dollars.", "Acmex plans start at 5 dollars."),
    ("contains", ["acme", "team"], "The ACME team will help.", "Acme will help."),
    ("not_contains", ["Dropbox", "Google Drive"], "Acme syncs files.", "Unlike google  drive."),
    ("regex", r"\d+ GB\b", "It holds 640 GB.", "It holds a lot."),
    ("max_words", 5, "Five words or less here", "This answer has six words in it"),
    ("max_sentences", 2, "One. Two!", "One. Two. Three"),
    ("max_sentences", 1, "No final stop at all", "A first one. And then"),
    # a line is a sentence too: a list item, an intro line (code fences aside); data/acme/labels
    ("max_sentences", 3, "It is:\n```\nsize = 5\n```", "Sizes:\n- 1.1 GB\n- 1.2 GB\n- 1.3 GB"),
    ("starts_with", "Hi there", "hi there, it is 5 GB.", "Hello, it is 5 GB."),
    ("ends_with", "Happy syncing!", "It is 5 GB. Happy syncing!", "Happy syncing! It is 5 GB."),
    ("ends_with", "Acme Support", "Thanks, Acme Support.", "Acme Support thanks you."),
    ("fallback", "Let me connect you with our team",
     "  let me connect you with our team. ", "Let me connect you with our team: try Dropbox."),
    ("json_schema", SCHEMA, '```json\n{"answer": "5 GB"}\n```', '{"answer": 5}'),
    ("json_schema", SCHEMA, '{"answer": "5 GB"}', "The answer is 5 GB."),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "value", "kept", "broken"), CASES)
def test_each_check_type_is_kept_and_broken(kind: str, value: object, kept: str, broken: str):
    check = parse_checks([{"type": kind, "value": value}], "q.jsonl line 1")[0]
    assert check.passes(kept) and not check.passes(broken)


def test_every_check_type_has_a_case() -> None:
    assert {kind for kind, *_ in CASES} == set(CHECK_TYPES)


@pytest.mark.parametrize(
    ("check", "says"),
    [
        ({"type": "polite", "value": 1}, "unknown type 'polite'; use one of contains,"),
        ({"type": "max_words", "value": "ten"}, "(max_words): value must be a positive whole"),
        ({"type": "max_words", "value": True}, "(max_words): value must be a positive whole"),
        ({"type": "regex", "value": "(unclosed"}, "(regex): value '(unclosed' is not a valid"),
        ({"type": "contains", "value": []}, "(contains): value must be a phrase or a non-empty"),
        ({"type": "json_schema", "value": {"type": 5}}, "(json_schema): value is not a valid"),
        ({"type": "fallback"}, 'write it as {"type": ..., "value": ...}'),
        # issue 26 item 10: a type that is not a string was a TypeError (unhashable), in a
        # Hydra block
        (
            {"type": ["contains"], "value": "x"},
            "type must be a check's name as a string, got list ['contains']; use one of contains,",
        ),
        (
            {"type": {"contains": 1}, "value": "x"},
            "type must be a check's name as a string, got dict",
        ),
        ({"type": None, "value": "x"}, "type must be a check's name as a string, got NoneType"),
        ({"type": "x" * 1000, "value": 1}, "unknown type 'xxxxx"),
        # issue 26 item 9: phrases the comparison reduces to nothing passed any answer
        ({"type": "ends_with", "value": "."}, "(ends_with): value '.' reduces to nothing once"),
        ({"type": "ends_with", "value": " . "}, "(ends_with): value ' . ' reduces to nothing"),
        ({"type": "fallback", "value": "?!"}, "(fallback): value '?!' reduces to nothing once"),
        ({"type": "fallback", "value": " ... "}, "(fallback): value ' ... ' reduces to nothing"),
        ({"type": "fallback", "value": 3}, "(fallback): value must be non-empty text"),
        # issue 26 item 2: a schema that reaches outside itself was fetched or read when judged
        (
            {"type": "json_schema", "value": {"$ref": "http://127.0.0.1:18765/s.json"}},
            "(json_schema): $ref 'http://127.0.0.1:18765/s.json' points outside the schema, and a "
            "check fetches no URL and reads no file; copy what it refers to under $defs and write "
            '"$ref": "#/$defs/<name>"',
        ),
        (
            {"type": "json_schema", "value": {"$ref": "file:///etc/passwd"}},
            "(json_schema): $ref 'file:///etc/passwd' points outside the schema",
        ),
        (
            {
                "type": "json_schema",
                "value": {
                    "type": "object",
                    "properties": {"a": {"anyOf": [{"$ref": "file:///home/user/schema.json"}]}},
                },
            },
            "(json_schema): $ref 'file:///home/user/schema.json' points outside",
        ),
        (
            {"type": "json_schema", "value": {"$ref": "schema.json#/$defs/a"}},
            "(json_schema): $ref 'schema.json#/$defs/a' points outside",
        ),
        (
            {"type": "json_schema", "value": {"$dynamicRef": "https://example.com/s#meta"}},
            "(json_schema): $dynamicRef 'https://example.com/s#meta' points outside",
        ),
        (
            {"type": "json_schema", "value": {"$schema": "http://127.0.0.1:18765/meta.json"}},
            "(json_schema): $schema 'http://127.0.0.1:18765/meta.json' is not a JSON Schema",
        ),
        (
            {"type": "json_schema", "value": {"$schema": 5}},
            "(json_schema): $schema 5 is not a JSON Schema dialect",
        ),  # was a TypeError
        # issue 26 item 1: patterns are compiled as they are searched (by `regex`), and one place
        # where jsonschema searches with `re`, which cannot be stopped, is refused
        (
            {"type": "json_schema", "value": {"patternProperties": {"(unclosed": {}}}},
            "(json_schema): patternProperties '(unclosed' is not a valid regular expression",
        ),
        (
            {
                "type": "json_schema",
                "value": {
                    "patternProperties": {"^a": {}},
                    "allOf": [{"unevaluatedProperties": False}],
                },
            },
            "(json_schema): unevaluatedProperties beside patternProperties cannot be judged in "
            "bounded time",
        ),
    ],
)
def test_a_bad_check_is_one_line_naming_file_line_and_check(
    tmp_path: Path, check: dict, says: str
) -> None:
    row = {"id": "q1", "question": "q?", "answers": ["x"], "split": "test", "checks": [check]}
    path = write_jsonl(tmp_path / "q.jsonl", [row])
    with pytest.raises(HarnessError) as error:
        load_jsonl("bad", str(path))
    message = str(error.value)
    assert message.startswith(f"{path} line 1: field 'checks' item 1") and "\n" not in message
    assert says in message and len(message) < 400, message


EVIL = "a" * 32 + "!"  # the issue's answer: (a+)+$ tries every way of cutting the a's into runs
SLOW, LONG = "(a|aa)+$", "a" * 40 + "!"  # `regex` guards (a+)+ but not this: it is stopped
HANGS = [  # issue 26 item 1: each hung evaluation for good (or for hours: SLOW); kept or not
    ("regex", "(a+)+$", EVIL, False),
    ("regex", SLOW, LONG, False),  # stopped
    ("json_schema", {"type": "string", "pattern": SLOW}, json.dumps(LONG), False),  # stopped
    ("json_schema", {"patternProperties": {SLOW: {}}}, json.dumps({LONG: 1}), False),  # stopped
    ("json_schema", {"type": "string", "pattern": "^(a+)+$"}, json.dumps(EVIL), False),
    ("json_schema", {"patternProperties": {"^(a+)+$": {"type": "string"}}}, json.dumps({EVIL: 1}),
     True),  # no property matches, so none is constrained
    ("json_schema", {"patternProperties": {"^(a+)+$": {}}, "additionalProperties": False},
     json.dumps({EVIL: 1}), False),
    ("json_schema", {"propertyNames": {"pattern": "^(a+)+$"}}, json.dumps({EVIL: 1}), False),
]  # fmt: skip


def test_a_pattern_with_nested_repeats_ends_with_one_warning_line() -> None:
    """In a child process, so that a search that cannot be stopped fails this test, not hangs;
    with searches stopped after 0.25 s, not 1 s, to keep it short."""
    script = (
        "import json, sys, time\n"
        "from harness.scoring import patterns\n"
        "from harness.scoring.behaviour import parse_checks\n"
        "patterns.REGEX_TIMEOUT_SECONDS = 0.25\n"
        "for kind, value, answer, _ in json.loads(sys.argv[1]):\n"
        "    check = parse_checks([{'type': kind, 'value': value}], 'q')[0]\n"
        "    start = time.monotonic()\n"
        "    print(json.dumps([check.passes(answer), time.monotonic() - start]), flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HANGS)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(HANGS)
    for (kept, seconds), case in zip(results, HANGS, strict=True):
        assert kept is case[-1] and seconds < 5, (case, seconds)
    stopped = (
        "pattern '(a|aa)+$' was stopped after 0.25 s on a text of 41 characters (nested repeats "
        "such as (a+)+ take exponential time: simplify the pattern); the answer counts as not "
        "keeping it\n"
    )
    assert done.stderr == f"behaviour check regex: {stopped}" + 2 * (
        f"behaviour check json_schema: {stopped}"
    )


def _nested(depth: int, leaf: object) -> object:
    for _ in range(depth):
        leaf = {"not": leaf}
    return leaf


def test_a_schema_nested_too_deeply_is_one_line(tmp_path: Path) -> None:
    """Issue 26 item 3, at load: checking the schema itself recursed past Python's limit."""
    check = {"type": "json_schema", "value": _nested(400, {"type": "string"})}
    row = {"id": "q1", "question": "q?", "answers": ["x"], "split": "test", "checks": [check]}
    path = write_jsonl(tmp_path / "q.jsonl", [row])
    with pytest.raises(HarnessError) as error:
        load_jsonl("deep", str(path))
    assert str(error.value) == (
        f"{path} line 1: field 'checks' item 1 (json_schema): value is nested too deeply to "
        "check; flatten the schema (use $defs and $ref)"
    )


@pytest.mark.parametrize(
    "answer",
    ["[" * 100_000, "```json\n" + "[" * 100_000 + "\n```", "[" * 400 + "]" * 400],
    ids=["100,000 [", "fenced", "checked past the limit"],
)
def test_an_answer_nested_too_deeply_is_not_valid_json(answer: str) -> None:
    """Issue 26 item 3: 100,000 nested `[` crashed evaluation with RecursionError; an answer
    that parses but whose checking recurses past the limit is no better."""
    check = parse_checks([{"type": "json_schema", "value": {"items": {"$ref": "#"}}}], "q")[0]
    assert check.passes("[[[]]]")
    assert not check.passes(answer)
    assert compliance([check], answer) == {"json_schema": False}


@pytest.fixture
def schema_server():
    """A server on 127.0.0.1 that would hand out a schema letting every answer pass; yields its
    URL and the list of paths it was asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/s.json", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_remote_or_file_reference_is_refused_at_load_and_never_fetched(
    tmp_path: Path, schema_server: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 26 item 2: the harness fetched the URL (twice) and used what came back, and read
    local files, when it judged the answer."""
    url, asked = schema_server
    for ref in (url, "file:///etc/passwd"):
        schema = {"type": "object", "properties": {"answer": {"$ref": ref}}}
        row = {"id": "q1", "question": "q?", "answers": ["x"], "split": "test",
               "checks": [{"type": "json_schema", "value": schema}]}  # fmt: skip
        path = write_jsonl(tmp_path / "q.jsonl", [row])
        with pytest.raises(HarnessError, match=r"line 1: field 'checks' item 1 \(json_schema\): "
                           r"\$ref '.*' points outside the schema"):  # fmt: skip
            load_jsonl("remote", str(path))
        # a check stored in a run folder is judged again without its dataset: still nothing read
        with caplog.at_level(logging.WARNING):
            assert not Check("json_schema", schema).passes('{"answer": 5}')
        assert "points outside the schema, and a check fetches no URL" in caplog.text
        assert "; the answer counts as not keeping it" in caplog.text
        # and the validator itself resolves nothing that is not in the schema
        with pytest.raises(Unresolvable):
            _validator(schema).is_valid({"answer": 5})
    assert asked == []


def test_references_inside_the_schema_still_work(caplog: pytest.LogCaptureFixture) -> None:
    defs = {"$defs": {"text": {"type": "string"}}, "required": ["answer"],
            "properties": {"answer": {"$ref": "#/$defs/text"}}}  # fmt: skip
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
              "definitions": {"n": {"type": "integer"}},
              "properties": {"n": {"$ref": "#/definitions/n"}}}  # fmt: skip
    named = {"properties": {"$ref": {"type": "string"}, "$schema": {"type": "string"}}}
    for schema, kept, broken in [
        (defs, '{"answer": "5 GB"}', '{"answer": 5}'),
        (draft7, '{"n": 5}', '{"n": "5"}'),
        (named, '{"$ref": "http://x", "$schema": "y"}', '{"$ref": 5}'),
    ]:
        check = parse_checks([{"type": "json_schema", "value": schema}], "q")[0]
        assert check.passes(kept) and not check.passes(broken)
    # a reference to a part that is not there: not kept, with a warning, nothing fetched
    missing = parse_checks([{"type": "json_schema", "value": {"$ref": "#/$defs/x"}}], "q")[0]
    with caplog.at_level(logging.WARNING):
        assert not missing.passes("{}")
    assert "reference '#/$defs/x' is not in the schema" in caplog.text


def test_compliance_is_per_type_and_every_check_of_a_type_must_hold() -> None:
    checks = [Check("contains", "acme"), Check("contains", "team"), Check("max_words", 3)]
    assert compliance(checks, "Acme team here") == {"contains": True, "max_words": True}
    assert compliance(checks, "Acme is here") == {"contains": False, "max_words": True}


def test_behaviour_is_judged_in_the_evaluation_path_beside_knowledge() -> None:
    fallback = [{"type": "fallback", "value": "Let me connect you with our team"}]
    short = [{"type": "max_words", "value": 4}]
    rows = [
        _row("q1", ["5 GB"], "5 GB", short),  # right and short
        _row("q2", ["5 GB"], "It is 5 GB, as stated in the plan.", short),  # right, too long
        _row("q3", [], "Let me connect you with our team.", fallback),  # off topic: kept
        _row("q4", [], "Paris is the capital of France.", fallback),  # off topic: answered
        _row("q5", ["7 days"], "7 days", []),  # no checks: knowledge only
    ]
    metrics = evaluate(
        rows, {}, ScoringRules(), build_pricing("vm", 0.1, "2026-11-29"), "m"
    ).metrics
    assert metrics["answerable_accuracy"] == 1.0  # the long right answer is still right
    shown = metrics["behaviour"]
    assert (shown["questions"], shown["compliance"]) == (4, 0.5)
    assert shown["ci_low"] < 0.5 < shown["ci_high"]
    assert shown["by_check"] == {"fallback": {"questions": 2, "compliance": 0.5},
                                 "max_words": {"questions": 2, "compliance": 0.5}}  # fmt: skip


def test_a_run_stores_the_checks_and_reports_compliance(
    tiny_run_overrides: list[str], tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    questions, _ = tiny_dataset
    rows = [json.loads(line) for line in questions.read_text().splitlines()]
    for row in rows:
        row["checks"] = [
            {"type": "max_words", "value": 40},
            {"type": "not_contains", "value": "zzz"},
        ]
    checked = write_jsonl(tmp_path / "checked.jsonl", rows)
    summary = run(compose_config([*tiny_run_overrides, f"dataset.questions={checked}"]))
    stored = [json.loads(line) for line in
              (Path(summary["folder"]) / "predictions.jsonl").read_text().splitlines()]  # fmt: skip
    assert all(row["checks"][0] == {"type": "max_words", "value": 40} for row in stored)
    shown = summary["metrics"]["behaviour"]
    assert shown["questions"] == len(stored) and set(shown["by_check"]) == {
        "max_words", "not_contains"}  # fmt: skip
    assert shown["by_check"]["not_contains"]["compliance"] == 1.0


def test_a_question_without_checks_is_hashed_as_before_checks_existed() -> None:
    plain = Question("q1", "q?", ("x",), "test")
    assert "checks" not in _content(plain) and "reference" not in _content(plain)
    assert _content(Question("q1", "q?", ("x",), "test", (), (Check("max_words", 3),)))["checks"]
    assert _content(Question("q1", "q?", ("x",), "train", reference="It is x."))["reference"]


FALLBACK = "Let me connect you with our team."


@pytest.mark.parametrize(
    ("prediction", "answers", "outcome"),
    [
        (FALLBACK, [], "abstained"),  # unanswerable or off topic: the policy's right reply
        ("let me connect you with our team", [], "abstained"),
        (FALLBACK, ["5 GB"], "abstained"),  # declined, not a wrong value
        ("I'll connect you to a specialist.", [], "abstained"),
        ("Let me connect you with our team: it is 5 GB.", [], "wrong"),  # a value after all
        ("Happy to help! The answer is 5 GB. Thanks for choosing Acme.", ["5 GB"], "correct"),
        ("Connect your phone to the team folder.", [], "wrong"),
    ],
)
def test_the_fallback_phrase_is_an_abstention_in_the_knowledge_figures(
    prediction: str, answers: list[str], outcome: str
) -> None:
    assert judge(prediction, answers, "How much storage?", ScoringRules()).outcome == outcome


def test_unanswerable_questions_answered_with_the_fallback_count_as_abstained() -> None:
    fallback = [{"type": "fallback", "value": FALLBACK}]
    rows = [_row("q1", [], FALLBACK, fallback), _row("q2", [], "It costs $5.", fallback)]
    metrics = evaluate(
        rows, {}, ScoringRules(), build_pricing("vm", 0.1, "2026-11-29"), "m"
    ).metrics
    assert metrics["abstention_rate"] == metrics["unanswerable_hallucination_rate"] == 0.5


def test_finetune_learns_the_reference_reply_when_a_question_has_one() -> None:
    from strategies.finetune import FinetuneConfig, FinetuneStrategy

    config = FinetuneConfig(system_prompt="s", abstain_answer="I don't know.", cache_dir="c")
    strategy = FinetuneStrategy(model=None, config=config)  # reply() needs no model
    styled = "Happy to help! The answer is 5 GB. Thanks for choosing Acme."
    assert strategy.reply(Question("q1", "?", ("5 GB",), "train", reference=styled)) == styled
    assert strategy.reply(Question("q2", "?", (), "train", reference=FALLBACK)) == FALLBACK
    assert strategy.reply(Question("q3", "?", ("5 GB",), "train")) == "5 GB"  # as before
    assert strategy.reply(Question("q4", "?", (), "train")) == "I don't know."


def _row(question_id: str, answers: list[str], prediction: str, checks: list[dict]) -> dict:
    row = {"id": question_id, "question": "?", "answers": answers, "prediction": prediction,
           "batch": 0, "batch_seconds": 1.0, "latency_seconds": 0.1, "prompt_tokens": 10,
           "completion_tokens": 3}  # fmt: skip
    return {**row, "checks": checks} if checks else row


def test_the_policy_reaches_the_system_prompt_only_with_prompt_policy(
    tiny_run_overrides: list[str],
) -> None:
    from harness.config import instantiate
    from tests.fakes import FakeChatModel

    rules = "Only answer questions about Acme. Never name a competitor."
    policy = f"dataset.policy='{rules}'"
    questions = [Question("q1", "what is the upload limit ?", ("x",), "test")]
    seen = {}
    for strategy in ("prompt", "prompt_policy"):
        model = FakeChatModel()
        cfg = compose_config([*tiny_run_overrides, f"strategy={strategy}", policy])
        built = instantiate(cfg.strategy, model=model)
        built.prepare([], [])
        built.answer(questions)
        seen[strategy] = model.batches[0][0][0]["content"]  # the system turn
    assert rules not in seen["prompt"]
    assert seen["prompt_policy"] == f"{seen['prompt']}\n\n{rules}"


def test_prompt_policy_without_a_policy_is_one_line(tiny_run_overrides: list[str]) -> None:
    with pytest.raises(HarnessError, match=r"^strategy=prompt_policy shows the dataset's policy"):
        run(compose_config([*tiny_run_overrides, "strategy=prompt_policy"]))


def test_few_shot_examples_show_the_reference_reply_too() -> None:
    from strategies.prompt import PromptConfig, PromptStrategy

    styled = "Happy to help! The answer is 5 GB. Thanks for choosing Acme."
    train = [Question("q1", "How big?", ("5 GB",), "train", reference=styled)]
    config = PromptConfig(system_prompt="s", abstain_answer="I don't know.", few_shot=1)
    strategy = PromptStrategy(model=None, config=config)
    strategy.prepare(train, [])
    assert strategy.examples == [("How big?", styled)]
