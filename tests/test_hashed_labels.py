"""Labels that hold a hash in place of the answer's text, rejoined to questions and runs by id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.scoring.agreement import main
from harness.scoring.hashed_labels import (
    is_hashed,
    load_hashed_labels,
    prediction_sha256,
    read_predictions,
    read_questions,
    rejoin,
)

# A tiny set in sentences of our own: (id, question, gold, rag's answer, the reader's label)
ROWS = [
    ("q1", "Which river did the ferry cross?", "Tamble", "It crossed the Tamble.", "correct"),
    ("q2", "How many lanterns were lit?", "forty", "They lit twelve lanterns.", "wrong"),
    ("q3", "Who opened the bakery?", "Mira Holt", "Mira Holt opened it.", "correct"),
    ("q4", "Where was the fair held?", "Oskby", "The fair was held in Lunden.", "wrong"),
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def toy(tmp_path: Path) -> dict[str, Path]:
    shared = tmp_path / "shared" / "toy"
    questions = [{"id": i, "question": q, "answers": [g], "split": "test"} for i, q, g, *_ in ROWS]
    write_jsonl(shared / "questions.jsonl", questions)
    runs = tmp_path / "runs"
    answered = [{"id": i, "strategy": "rag", "prediction": p} for i, _, _, p, _ in ROWS]
    write_jsonl(runs / "jsonl-rag-toy" / "predictions.jsonl", answered)
    # another dataset's run beside it is not read: its first id is not a question of the set
    write_jsonl(runs / "acme-rag" / "predictions.jsonl", [{"id": "x", "strategy": "rag"}])
    labels = tmp_path / "data" / "realqa" / "toy" / "labels"
    rows = [
        {"id": i, "strategy": "rag", "prediction_sha256": prediction_sha256(p), "label": label}
        for i, _, _, p, label in ROWS
    ]
    write_jsonl(labels / "rag.jsonl", rows)
    return {"shared": shared, "runs": runs, "labels": labels}


def test_labels_join_their_questions_and_answers_by_id_and_hash(toy: dict[str, Path]) -> None:
    assert is_hashed(toy["labels"])
    questions = read_questions(toy["shared"])
    joined, missed = rejoin(
        load_hashed_labels(toy["labels"]), questions, read_predictions([toy["runs"]], {*questions})
    )
    assert missed == {}
    assert [(r["id"], r["answers"], r["prediction"], r["label"]) for r in joined] == [
        (i, [g], p, label) for i, _, g, p, label in ROWS
    ]


def test_the_command_prints_agreement_per_strategy_with_counts(
    toy: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--labels", str(toy["labels"]), "--news-shared", str(toy["shared"]),
          "--news-runs", str(toy["runs"])])  # fmt: skip
    out = capsys.readouterr().out
    assert "| rag | 4 | 2 | 100.0 % (4) | 0.0 % (0) | 0.0 % (0) |" in out
    assert "not joined" not in out


def test_an_answer_with_another_hash_is_reported_not_scored(
    toy: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # the run was redone and q2 now reads otherwise: its label judged other text
    answered = [{"id": i, "strategy": "rag", "prediction": p} for i, _, _, p, _ in ROWS]
    answered[1]["prediction"] = "They lit forty lanterns."
    write_jsonl(toy["runs"] / "jsonl-rag-toy" / "predictions.jsonl", answered)
    questions = read_questions(toy["shared"])
    labels = load_hashed_labels(toy["labels"])
    joined, missed = rejoin(labels, questions, read_predictions([toy["runs"]], {*questions}))
    assert [r["id"] for r in joined] == ["q1", "q3", "q4"]
    assert missed == {"hash differs": ["rag/q2"]}
    main(["--labels", str(toy["labels"]), "--news-shared", str(toy["shared"]),
          "--news-runs", str(toy["runs"])])  # fmt: skip
    out = capsys.readouterr().out
    assert "| rag | 3 | 2 |" in out
    assert "not joined (hash differs), 1 of 4 labels: rag/q2" in out


def test_a_label_of_a_strategy_no_run_answered_is_reported(toy: dict[str, Path]) -> None:
    labels = [*load_hashed_labels(toy["labels"])]
    labels.append({"id": "q1", "strategy": "prompt", "prediction_sha256": "0" * 64,
                   "label": "wrong"})  # fmt: skip
    questions = read_questions(toy["shared"])
    _, missed = rejoin(labels, questions, read_predictions([toy["runs"]], {*questions}))
    assert missed == {"no prediction": ["prompt/q1"]}


def test_an_absent_shared_folder_or_run_is_one_line_not_a_failure(
    toy: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = str(toy["labels"])
    main(["--labels", labels, "--news-shared", str(tmp_path / "absent")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "skipped" in lines[0] and "--news-shared" in lines[0]
    main(["--labels", labels, "--news-shared", str(toy["shared"]),
          "--news-runs", str(tmp_path / "no-runs")])  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "skipped, no run" in lines[0]
    assert "python -m harness dataset=jsonl" in lines[0] and "--news-runs" in lines[0]


def test_a_label_row_without_its_hash_or_with_an_unknown_label_is_refused(tmp_path: Path) -> None:
    from harness.errors import HarnessError

    folder = tmp_path / "labels"
    write_jsonl(folder / "rag.jsonl", [{"id": "q1", "strategy": "rag", "prediction_sha256": "a",
                                        "label": "right"}])  # fmt: skip
    with pytest.raises(HarnessError, match="field 'label' is 'right'"):
        load_hashed_labels(folder)
    write_jsonl(folder / "rag.jsonl", [{"id": "q1", "strategy": "rag", "label": "wrong",
                                        "prediction_sha256": "a"}, {"id": "q2"}])  # fmt: skip
    with pytest.raises(HarnessError, match="line 2: field 'strategy' is missing"):
        load_hashed_labels(folder)
