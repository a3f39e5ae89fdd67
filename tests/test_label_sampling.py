"""The draw of generated questions for hand labels (issue 33 item 4): seeded, verdict-free, and
with `--exclude` a held-out draw of what no label file holds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "realqa" / "notre-dame" / "generated-labels" / "sample.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("label_sample", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _run(out: Path, count: int) -> Path:
    """A generation output folder of `count` template facts, one question each."""
    out.mkdir()
    (out / "generation.json").write_text(json.dumps({"mode": "template"}), encoding="utf-8")
    facts = [{"question_ids": [f"g-{i:03d}"], "question": f"Question {i}?", "answer": f"A{i}",
              "kind": "name", "section_id": f"s#{i % 5}", "evidence": f"It is A{i}."}
             for i in range(count)]  # fmt: skip
    _write_jsonl(out / "facts.jsonl", facts)
    _write_jsonl(out / "unanswerable.jsonl", [])
    questions = [{"id": f"g-{i:03d}", "question": f"Question {i}?", "answers": [f"A{i}"],
                  "split": "train"} for i in range(count)]  # fmt: skip
    _write_jsonl(out / "questions.jsonl", questions)
    return out


def test_a_draw_is_seeded_and_carries_no_verdict(tmp_path: Path) -> None:
    sample = _script().sample
    out = _run(tmp_path / "out", 40)
    first = sample(out, "docs", 10)
    assert first == sample(out, "docs", 10) and len({r["id"] for r in first}) == 10
    assert not any(key.endswith(("_from_section", "_complete", "_away")) for key in first[0])
    assert len(sample(out, "docs", 100)) == 40  # fewer kept than asked: all of them


def test_a_held_out_draw_leaves_out_every_labelled_question(tmp_path: Path) -> None:
    sample = _script().sample
    out = _run(tmp_path / "out", 40)
    labelled = sample(out, "docs", 25)
    labels = _write_jsonl(tmp_path / "labels.jsonl", labelled)
    held_out = sample(out, "docs", 100, [labels])
    assert len(held_out) == 15
    seen = {(r["section_id"], r["question"]) for r in labelled}
    assert not seen & {(r["section_id"], r["question"]) for r in held_out}


def test_a_census_counts_each_kept_question_by_every_label_of_it(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("label_count", SCRIPT.parent / "count.py")
    assert spec is not None and spec.loader is not None
    count = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(count)
    out = _run(tmp_path / "out", 4)
    rows = _script().sample(out, "docs", 4)
    verdict = {"paraphrase_faithful": None, "unanswerable_truly": None, "not_given_away": True,
               "answerable_from_section": True}  # fmt: skip
    by_question = {r["question"]: r for r in rows}
    first = [{**by_question[f"Question {i}?"], **verdict, "gold_right_and_complete": True}
             for i in (0, 1, 2)]  # fmt: skip
    # a second reader fails question 1 and reads no other
    second = [{**by_question["Question 1?"], **verdict, "gold_right_and_complete": False}]
    files = [_write_jsonl(tmp_path / "a.jsonl", first), _write_jsonl(tmp_path / "b.jsonl", second)]
    assert count.census(out, files) == {
        "kept": 4, "labelled": 3, "every_reader_passes": 2, "a_reader_passes": 3,
    }  # fmt: skip
