"""Two sweeps compared cell by cell: the changes, their paired tests, and the flipped verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.report.__main__ import main
from tests.test_answers_page import _run

BEFORE = ["60 seats", "$7.35", "1 GB", "2 people", "I don't know."]  # right on q1 only
AFTER = ["75 seats", "$7.35", "22 GB", "5 people", "The answer is 42."]  # q0, q1, q2; q4 invented


@pytest.fixture
def sweeps(tmp_path: Path) -> tuple[Path, Path]:
    _run(tmp_path / "before", "prompt", BEFORE, None)
    _run(tmp_path / "after", "prompt", AFTER, None)
    _run(tmp_path / "after", "rag", AFTER, [["doc-0"]] * 5)  # in one sweep only
    return tmp_path / "before", tmp_path / "after"


def test_each_figure_changes_by_what_the_rows_say(sweeps: tuple[Path, Path], capsys) -> None:
    before, after = sweeps
    main([str(before), "--compare", str(after), "--out", str(after / "cmp")])
    changes = {
        row["figure"]: row
        for row in _csv_rows(after / "cmp" / "compare.csv")
        if row["cell"] == "prompt/m"
    }
    accuracy = changes["answerable_accuracy"]
    assert (float(accuracy["before"]), float(accuracy["after"])) == (0.25, 0.75)
    assert float(accuracy["change"]) == pytest.approx(0.5)
    assert float(accuracy["questions"]) == 4
    # two flips, both one way: McNemar's exact two-sided p = 2 * 0.5**2
    assert float(accuracy["p_value"]) == pytest.approx(0.5)
    hallucination = changes["hallucination_rate"]  # wrong: 3 of 5 before, 2 of 5 after (q3, q4)
    assert float(hallucination["before"]) == pytest.approx(0.6)
    assert float(hallucination["after"]) == pytest.approx(0.4)
    report = (after / "cmp" / "compare.md").read_text()
    assert "Flipped verdicts (2)" in report and "rag/m" in report  # rag: named, not compared
    page = (after / "cmp" / "answers.html").read_text()
    data = json.loads(page.split('id="answers-data">')[1].split("</script>")[0])
    assert data["cells"] == ["before: prompt/m", "after: prompt/m"]


def test_sweeps_without_a_shared_cell_are_one_line(sweeps: tuple[Path, Path], tmp_path: Path,
                                                    capsys) -> None:  # fmt: skip
    _run(tmp_path / "other", "finetune", BEFORE, None)
    with pytest.raises(SystemExit):
        main([str(sweeps[0]), "--compare", str(tmp_path / "other")])
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: the two sweeps share no cell") and "\n" not in error


def _csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_hostile_question_stays_text_in_every_file(sweeps: tuple[Path, Path]) -> None:
    before, after = sweeps
    main([str(before), "--compare", str(after), "--out", str(after / "cmp")])
    for name in ("compare.md", "compare.html"):
        text = (after / "cmp" / name).read_text()
        assert "<img" not in text and "&lt;img" in text, name


def test_an_out_that_is_a_file_or_a_sweep_compared_with_itself_is_one_line(
    sweeps: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    before, after = sweeps
    taken = tmp_path / "taken"
    taken.write_text("a file")
    for argv, named in (([str(before), "--compare", str(after), "--out", str(taken)],
                         f"error: --out {taken}: exists and is not a folder"),
                        ([str(before), "--compare", str(before)],
                         f"error: --compare {before}: that is FOLDER itself")):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        error = capsys.readouterr().err.strip()
        assert exit_.value.code == 2 and error.startswith(named) and "\n" not in error
    assert taken.read_text() == "a file"
