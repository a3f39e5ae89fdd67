"""Loading the generic JSONL format, and one clear error for each kind of bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.datasets import load_jsonl
from harness.datasets.hf import load_hf
from harness.errors import HarnessError
from tests.helpers import compose_config, write_jsonl

GOOD = {"id": "q1", "question": "What?", "answers": ["x"], "split": "test"}


def test_loads_questions_and_corpus(tiny_dataset: tuple[Path, Path]) -> None:
    questions, corpus = tiny_dataset
    dataset = load_jsonl("tiny", str(questions), str(corpus))
    assert [q.id for q in dataset.split("test")] == ["q1", "q2", "q3", "q4"]
    assert [q.id for q in dataset.split("train")] == ["q5"]
    assert dataset.split("test")[0].doc_ids == ("d1",)
    assert not dataset.split("test")[3].answerable
    assert [d.title for d in dataset.corpus] == ["Limits", "Retention"]


@pytest.mark.parametrize(
    ("second_line", "expected"),
    [
        ('{"id": "q2", "question": "Why?"', "line 2: invalid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        ('{"id": "q2", "answers": ["x"], "split": "test"}', "line 2: missing field 'question'"),
        ('{"id": "q2", "question": 5, "answers": [], "split": "test"}',
         "line 2: field 'question' must be str, got int"),
        ('{"id": "q2", "question": "  ", "answers": [], "split": "test"}',
         "line 2: field 'question' is empty"),
        ('{"id": "q2", "question": "Why?", "answers": "x", "split": "test"}',
         "line 2: field 'answers' must be list, got str"),
        ('{"id": "q2", "question": "Why?", "answers": [""], "split": "test"}',
         "line 2: field 'answers' must be a list of non-empty strings"),
        ('{"id": "q2", "question": "Why?", "answers": [], "split": "dev"}',
         "line 2: field 'split' is 'dev'; use one of train, test"),
        ('{"id": "q1", "question": "Why?", "answers": [], "split": "test"}',
         "duplicate question id 'q1'"),
        ('{"id": "q2", "question": "Why?", "answers": [], "split": "train", "reference": 5}',
         "line 2: field 'reference' must be str, got int"),
        ('{"id": "q2", "question": "Why?", "answers": [], "split": "train", "reference": " "}',
         "line 2: field 'reference' is empty"),
    ],
)  # fmt: skip
def test_malformed_row_names_file_line_and_field(
    tmp_path: Path, second_line: str, expected: str
) -> None:
    path = write_jsonl(tmp_path / "q.jsonl", [GOOD])
    path.write_text(path.read_text() + second_line + "\n")
    with pytest.raises(HarnessError, match=r"q\.jsonl") as error:
        load_jsonl("bad", str(path))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_non_utf8_bytes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"id": "q1", "question": "caf\xe9", "answers": [], "split": "test"}\n')
    with pytest.raises(HarnessError, match="line 1: not UTF-8"):
        load_jsonl("bad", str(path))


def test_missing_file_names_the_config_key(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"dataset.questions: file not found: .*nope.jsonl"):
        load_jsonl("bad", str(tmp_path / "nope.jsonl"))


def test_unknown_gold_document_is_reported(tmp_path: Path) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", [{**GOOD, "doc_ids": ["d9"]}])
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "title": "t", "text": "x"}])
    with pytest.raises(HarnessError, match="unknown document 'd9'"):
        load_jsonl("bad", str(questions), str(corpus))


def test_document_without_text_is_reported(tmp_path: Path) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", [GOOD])
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "title": "t", "text": ""}])
    with pytest.raises(HarnessError, match=r"c\.jsonl line 1: field 'text' is empty"):
        load_jsonl("bad", str(questions), str(corpus))


def test_a_train_only_file_loads_and_only_a_run_of_its_missing_split_is_refused(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    from harness.run.runner import run

    questions = write_jsonl(tmp_path / "q.jsonl", [{**GOOD, "split": "train"}])
    assert [q.split for q in load_jsonl("train-only", str(questions)).questions] == ["train"]
    overrides = [*tiny_run_overrides, f"dataset.questions={questions}"]
    with pytest.raises(HarnessError, match=r"no question has split 'test'.*run\.split"):
        run(compose_config(overrides))
    assert run(compose_config([*overrides, "run.split=train"]))["complete"]


def test_hf_mapping_of_a_squad_style_dataset(tmp_path: Path) -> None:
    # datasets.load_dataset("json", data_files=...) runs the same mapping code offline.
    rows = [
        {"id": "a", "title": "T", "context": "Paris is in France.", "question": "Where is Paris?",
         "answers": {"text": ["France"], "answer_start": [12]}},
        {"id": "b", "title": "T", "context": "Paris is in France.", "question": "Which city?",
         "answers": {"text": ["Paris"], "answer_start": [0]}},
    ]  # fmt: skip
    train = write_jsonl(tmp_path / "train.jsonl", rows[:1])
    validation = write_jsonl(tmp_path / "validation.jsonl", rows[1:])
    files = {"train": str(train), "validation": str(validation)}
    dataset = load_hf("squad-like", "json", data_files=files)
    assert len(dataset.corpus) == 1  # one document per distinct context
    (test_question,) = dataset.split("test")
    assert test_question.answers == ("Paris",)
    assert test_question.doc_ids == (dataset.corpus[0].id,)
    assert dataset.split("train")[0].id == "a"


def test_a_train_only_file_loads_when_train_is_the_needed_split(tmp_path: Path) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", [{**GOOD, "split": "train"}])
    assert len(load_jsonl("train-only", str(questions), needed_split="train").split("train")) == 1
    with pytest.raises(HarnessError, match=r"strategy\.train_questions: file not found"):
        load_jsonl("x", str(tmp_path / "nope.jsonl"), keys=("strategy.train_questions", "c"))


def test_a_reference_reply_is_read_as_given_and_is_optional(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reply = "Happy to help! The answer is x. Thanks for choosing Acme."
    path = write_jsonl(tmp_path / "q.jsonl", [{**GOOD, "split": "train", "reference": reply},
                                              {**GOOD, "id": "q2"}])  # fmt: skip
    first, second = load_jsonl("with-reference", str(path)).questions
    assert (first.reference, second.reference) == (reply, None)
    assert "unknown fields" not in caplog.text  # a field of the format, not ignored
