"""Scoring answers made elsewhere: `python -m harness.rescore` and `strategy=external`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.rescore import read_answers
from harness.run.runner import run
from tests.helpers import compose_config, run_score, write_jsonl

ROWS = [
    # a bare number for a gold with a unit: correct
    {"id": "a", "question": "what is the pro plan upload limit ?", "answers": ["37 gb"],
     "prediction": "37", "latency_seconds": 1.5, "prompt_tokens": 40, "completion_tokens": 2,
     "cost_usd": 0.002},
    # a wrong value
    {"id": "b", "question": "how many days retention ?", "answers": ["14 days"],
     "prediction": "21 days", "latency_seconds": 2.0},
    # an abstention on an unanswerable question: right
    {"id": "c", "question": "who is the acme ceo ?", "answers": [],
     "prediction": "I don't know.", "cost_usd": 0.001},
    # nothing said
    {"id": 4, "question": "what is the capital of france ?", "answers": ["paris"],
     "prediction": "  "},
]  # fmt: skip


def test_score_judges_prices_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_jsonl(tmp_path / "prod.jsonl", ROWS)
    # 3600 $/h makes a row without cost_usd cost its latency in dollars
    code, out, err = run_score([str(source), "pricing.hardware_usd_per_hour=3600"], capsys)
    assert code == 0, err
    folder = tmp_path / "prod-scored"
    verdicts = [json.loads(line) for line in (folder / "verdicts.jsonl").read_text().splitlines()]
    assert [v["id"] for v in verdicts] == ["a", "b", "c", "4"]
    assert [v["outcome"] for v in verdicts] == ["correct", "wrong", "abstained", "empty"]
    assert [v["correct"] for v in verdicts] == [True, False, True, False]
    assert verdicts[0]["exact_match"] == 0.0 and 0 < verdicts[0]["f1"] < 1
    assert verdicts[0]["prediction"] == "37" and verdicts[0]["latency_seconds"] == 1.5
    assert "latency_seconds" not in verdicts[2]  # each input row as given, plus its verdict
    assert [v["cost_usd"] for v in verdicts] == pytest.approx([0.002, 2.0, 0.001, 0.0])
    assert all(v["failure"] is None for v in verdicts)
    summary = json.loads((folder / "summary.json").read_text())
    metrics, cost = summary["metrics"], summary["cost"]
    assert (metrics["questions"], metrics["answerable"]) == (4, 3)
    assert metrics["answerable_accuracy"] == pytest.approx(1 / 3)
    assert metrics["accuracy_ci_low"] < 1 / 3 < metrics["accuracy_ci_high"]
    assert metrics["abstention_rate"] == 1.0 and metrics["empty_rate"] == 0.25
    assert metrics["latency_p50_seconds"] == pytest.approx(0.75)  # missing latency counts as 0
    assert metrics["questions_per_second"] is None  # unknown for answers made elsewhere
    assert metrics["prompt_tokens_total"] == 40
    assert cost["query_usd"] == pytest.approx(2.003)
    assert "cost_usd from the file (2 of 4 rows" in cost["billing"]
    assert "33.3%" in out and "verdicts.jsonl" in out


def test_score_out_folder_and_token_prices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{k: v for k, v in row.items() if k != "cost_usd"} for row in ROWS]
    source = write_jsonl(tmp_path / "prod.jsonl", rows)
    prices = ["+pricing.token_prices.prod.input=1000000", "+pricing.token_prices.prod.output=0",
              "+pricing.token_prices.prod.taken=2025-01-01"]  # fmt: skip
    out = tmp_path / "elsewhere"
    code, _, err = run_score([str(source), "--out", str(out), "--model", "prod", *prices], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cost"]["query_usd"] == pytest.approx(40.0)  # 40 prompt tokens at $1 each
    assert summary["cost"]["billing"] == "per token"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (['{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x"}',
          '{"id": "b", "question": "q ?", "answers": ["x"]}'],
         r"bad\.jsonl line 2: missing field 'prediction'; give the system's answer as a string"),
        (['{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x"}',
          '', '{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "y"}'],
         r"bad\.jsonl line 3: field 'id' repeats id 'a' \(first on line 1\); give each question "
         r"one row"),
        (['{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x"}', '{"id": "b",'],
         r"bad\.jsonl line 2: invalid JSON"),
        (['{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x", '
          '"latency_seconds": "fast"}'],
         r"bad\.jsonl line 1: field 'latency_seconds' must be int or float, got str"),
        (['{"id": "a", "question": "q ?", "prediction": "x"}'],
         r"bad\.jsonl line 1: missing field 'answers'; give the gold answers as a list"),
        # issue 26 item 3: a 50 MB prediction was scored (minutes, GBs) while dataset strings
        # are capped; the cap is the same
        (['{"id": "a", "question": "q ?", "answers": ["x"], "prediction": "x"}',
          '{"id": "b", "question": "q ?", "answers": ["x"], "prediction": "' + "y" * 20_001 + '"}'],
         r"bad\.jsonl line 2: field 'prediction' of id 'b' is 20,001 characters long; the limit "
         r"is 20,000, as for a dataset's strings"),
    ],
)  # fmt: skip
def test_bad_answers_file_fails_in_one_line(
    lines: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=expected) as caught:
        read_answers(source)
    assert "\n" not in str(caught.value)
    code, out, err = run_score([str(source)], capsys)
    assert code == 2 and out == ""
    assert err == f"error: {caught.value}\n"
    assert not (tmp_path / "bad-scored").exists()


def test_score_refuses_other_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_jsonl(tmp_path / "prod.jsonl", ROWS)
    code, _, err = run_score([str(source), "run.limit=2"], capsys)
    assert code == 2 and "only scoring.* and pricing.* settings" in err
    code, _, err = run_score([str(source), "scoring.max_answer_word=2"], capsys)
    assert code == 2 and err.count("\n") == 1 and "max_answer_word" in err


def _external_overrides(tiny_dataset: tuple[Path, Path], tmp_path: Path, answers: Path):
    """A run of strategy=external on the tiny dataset with a model that cannot load."""
    questions, corpus = tiny_dataset
    return [
        "strategy=external",
        f"strategy.answers_file={answers}",
        "model=hf",  # loading it would fail: the run must not load a model
        f"model.pretrained={tmp_path / 'no-such-model'}",
        "model.name=prod",
        "dataset=jsonl",
        f"dataset.questions={questions}",
        f"dataset.corpus={corpus}",
        f"paths.results_dir={tmp_path / 'results'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]


EXTERNAL_ROWS = [
    {"id": "q1", "question": "what is the pro plan upload limit ?", "prediction": "37",
     "latency_seconds": 1.25, "prompt_tokens": 30, "completion_tokens": 1, "cost_usd": 0.01,
     "retrieved_doc_ids": ["d1"]},
    {"id": "q2", "question": "how many days  retention ?\n", "prediction": "21 days",
     "latency_seconds": 0.5, "retrieved_doc_ids": ["d1"]},
    {"id": "q3", "question": "what is the capital of france ?", "prediction": "Paris",
     "latency_seconds": 0.75},
    {"id": "q4", "question": "who is the acme ceo ?", "prediction": "I don't know"},
    {"id": "q9", "question": "a question of another dataset", "prediction": "x"},
]  # fmt: skip


def test_external_strategy_runs_end_to_end(tiny_dataset: tuple[Path, Path], tmp_path: Path) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", EXTERNAL_ROWS)
    summary = run(compose_config(_external_overrides(tiny_dataset, tmp_path, answers)))
    folder = Path(summary["folder"])
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert [r["prediction"] for r in rows] == ["37", "21 days", "Paris", "I don't know"]
    assert [r["latency_seconds"] for r in rows[:3]] == [1.25, 0.5, 0.75]
    assert rows[3]["latency_seconds"] < 0.5  # not in the file: the measured lookup time
    assert (rows[0]["prompt_tokens"], rows[1]["prompt_tokens"]) == (30, 0)
    assert rows[0]["external_cost_usd"] == 0.01 and "external_cost_usd" not in rows[1]
    assert rows[0]["answers"] == ["37 gb"]  # the gold comes from the dataset
    metrics = summary["metrics"]
    # hand count: q1 "37" for "37 gb" right, q2 wrong, q3 right; q4 (unanswerable) abstained
    assert metrics["answerable_accuracy"] == pytest.approx(2 / 3)
    assert metrics["abstention_rate"] == 1.0
    assert (metrics["retrieval_misses"], metrics["reading_errors"]) == (1, 0)  # q2: only d1 shown
    setup = json.loads((folder / "setup.json").read_text())
    assert setup["seconds"] == 0 and setup["details"]["rows"] == 5
    assert setup["details"]["answers_file"] == str(answers)
    # q1's cost is the file's; the others are priced by compute time (default: $0.10 per hour)
    priced = (0.5 + 0.75 + rows[3]["latency_seconds"]) * 0.10 / 3600
    assert summary["cost"]["query_usd"] == pytest.approx(0.01 + priced)

    # the same file path with other answers in it is another run, never the stale one
    write_jsonl(answers, [{**row, "prediction": "I don't know"} for row in EXTERNAL_ROWS])
    edited = run(compose_config(_external_overrides(tiny_dataset, tmp_path, answers)))
    assert edited["folder"] != summary["folder"]
    assert edited["metrics"]["answerable_accuracy"] == 0.0


@pytest.mark.parametrize(
    ("drop", "change", "expected"),
    [
        ("q3", None, r"strategy\.answers_file: \S+answers\.jsonl has no row for question id 'q3' "
                     r"\(4 rows\); add its prediction to the file"),
        (None, "q2", r"strategy\.answers_file: \S+answers\.jsonl id 'q2' has question 'how many "
                     r"weeks retention \?' but the dataset's is 'how many days retention \?'"),
    ],
)  # fmt: skip
def test_external_strategy_mismatch_fails_in_one_line(
    drop: str | None,
    change: str | None,
    expected: str,
    tiny_dataset: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    rows = [dict(row) for row in EXTERNAL_ROWS if row["id"] != drop]
    for row in rows:
        if row["id"] == change:
            row["question"] = "how many weeks retention ?"
    answers = write_jsonl(tmp_path / "answers.jsonl", rows)
    with pytest.raises(HarnessError, match=expected) as caught:
        run(compose_config(_external_overrides(tiny_dataset, tmp_path, answers)))
    assert "\n" not in str(caught.value)


def test_external_strategy_missing_file_names_the_setting(
    tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    overrides = _external_overrides(tiny_dataset, tmp_path, tmp_path / "none.jsonl")
    with pytest.raises(HarnessError, match=r"^strategy\.answers_file: file not found: "):
        run(compose_config(overrides))
