"""The advice asks the guide's three questions on both axes and says which one decided.

Each case is a small results folder: per cell, which of 20 questions it answers correctly and
which answers keep the behaviour check, summarised by the runner's own `summarize` and read back
through the report's tables, so the paired tests are the ones a real report runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from harness import stats
from harness.costs import build_pricing
from harness.report import (
    Decision,
    behaviour_table,
    comparison_table,
    load_runs,
    recommendation,
    significance_table,
    write_report,
)
from harness.report.decision import Kind
from harness.run import results
from harness.scoring import ScoringRules
from tests.fakes import write_summary

RULES = ScoringRules()
PRICING = build_pricing("test VM", 3.6, "2026-11-29")  # $0.001 per second
QUESTIONS = 20
CHECK = [{"type": "ends_with", "value": "thanks"}]  # kept by "..., thanks"


def write_cell(
    root: Path,
    strategy: str,
    correct: int,
    kept: int | None = None,
    answerable: bool = True,
    seconds: float = 0.1,
    prompting: bool | None = None,
    questions: int = QUESTIONS,
    first: int = 0,
) -> None:
    """A run of `strategy` on `questions` questions whose `correct` answers from the `first` on
    are right and first `kept` keep the check (no checks when `kept` is None), each answered in
    `seconds`; what it declares follows the strategy's name here (the report reads only the
    declaration), `prompting` too unless given."""
    folder = root / strategy
    folder.mkdir()
    rows = []
    for i in range(questions):
        right = first <= i < first + correct
        answer = ("75" if right else "60 seats") if answerable else "I don't know"
        row = {"id": f"q{i}", "question": f"how many seats in plan {i}?",
               "answers": ["75 seats"] if answerable else [],
               "prediction": answer + (", thanks" if kept is not None and i < kept else ""),
               "batch": i, "batch_seconds": seconds, "latency_seconds": seconds,
               "prompt_tokens": 10, "completion_tokens": 2}  # fmt: skip
        rows.append({**row, "checks": CHECK} if kept is not None else row)
    (folder / results.PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    trains = strategy.startswith("finetune")
    declared = {"needs_model": True, "retrieval": strategy.endswith("rag"),
                "trained_weights": trains,
                "prompting": "policy" in strategy if prompting is None else prompting}  # fmt: skip
    setup = {"build_seconds": 60.0 if trains else 0.0, "details": {}, "capabilities": declared}
    (folder / results.SETUP).write_text(json.dumps(setup))
    write_summary(folder, rows, [f"strategy={strategy}", "model.name=m"])


def decide(root: Path) -> Decision:
    """The recommendation on the cells under `root`, as the report builds it."""
    runs, predictions = load_runs(root, rules=RULES, pricing=PRICING)
    table = comparison_table(runs)
    pairs = significance_table(runs, predictions)
    return recommendation(table, pairs, behaviour_table(runs, predictions))


def advice(root: Path) -> list[str]:
    """The recommendation's lines as the report shows them."""
    return decide(root).lines()


def question(lines: list[str], number: int) -> str:
    (line,) = [line for line in lines if line.startswith(f"Question {number},")]
    return line


def test_prompting_good_enough_decides_by_question_1(tmp_path: Path) -> None:
    # one question more of 200: a tie the data can carry (at 20 it would be too close to call)
    write_cell(tmp_path, "prompt", correct=160, kept=180, questions=200)
    write_cell(tmp_path, "rag", correct=161, kept=180, questions=200)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert question(lines, 1).startswith("Question 1, good enough with prompting? Yes: prompt/m")
    assert "not significant at this size" in question(lines, 1)
    assert "this pair detects about" in question(lines, 1)
    assert question(lines, 2).endswith("so knowledge needs no retrieval.")
    assert lines[-1].startswith("Decided by question 1: prompting is good enough: prompt/m, $")
    assert "per 1,000 questions, setup $0.0000" in lines[-1]
    assert decision.verdict == lines[-1]
    assert (decision.decided_by, decision.cell, decision.kind) == ((1,), "prompt/m", Kind.PROMPTING)
    assert decision.question(1).reply == "yes" and decision.question(1).cell == "prompt/m"
    assert decision.question(2).reply == "no"
    assert decision.needs == {"knowledge": Kind.PROMPTING, "behaviour": Kind.PROMPTING}


def test_a_knowledge_gap_closed_by_retrieval_decides_by_question_2(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=20, questions=200)
    write_cell(tmp_path, "rag", correct=180, questions=200)
    write_cell(tmp_path, "finetune", correct=40, questions=200)
    write_cell(tmp_path, "finetune_rag", correct=181, questions=200)  # a tie with rag
    decision = decide(tmp_path)
    lines = decision.lines()
    assert lines[0].startswith("Most accurate: finetune_rag/m at 90.5%")
    assert question(lines, 1).startswith("Question 1, good enough with prompting? No: on knowledge")
    assert "trails finetune_rag/m by 80.5 points" in question(lines, 1)
    assert "Yes, prompting leaves a gap, and retrieval closes it: rag/m" in question(lines, 2)
    # the simpler of the two cells that close the gap
    assert lines[-1].startswith("Decided by question 2: retrieval for knowledge: rag/m, $")
    assert (decision.decided_by, decision.cell, decision.kind) == ((2,), "rag/m", Kind.RETRIEVAL)
    assert decision.question(1).reply == "no" and decision.question(2).reply == "yes"
    assert decision.question(3).reply == "not measured" and decision.needs == {
        "knowledge": Kind.RETRIEVAL
    }


def test_the_verdict_names_a_cell_closing_the_same_gaps_that_is_cheaper_at_volume(
    tmp_path: Path,
) -> None:
    write_cell(tmp_path, "prompt", correct=2)
    write_cell(tmp_path, "rag", correct=18, seconds=0.4)  # $0.0004 per question, no setup
    write_cell(tmp_path, "finetune_rag", correct=18, seconds=0.1)  # $0.0001, setup $0.06
    lines = advice(tmp_path)
    assert lines[-1].startswith("Decided by question 2: retrieval for knowledge: rag/m, $0.4000")
    # 0.06 / (0.0004 - 0.0001) = 200 questions
    assert lines[-1].endswith(
        "finetune_rag/m, not significantly worse, becomes the cheaper past 200 questions."
    )


def test_without_checks_the_verdict_rests_on_knowledge_and_says_so(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=0)
    write_cell(tmp_path, "rag", correct=5)
    write_cell(tmp_path, "finetune", correct=19)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert decision.question(2).kind == Kind.FINE_TUNING and decision.cell == "finetune/m"
    assert not any(line.startswith("Behaviour:") for line in lines)
    assert question(lines, 3).endswith("Not measured: no question carries behaviour checks.")
    assert "retrieval alone does not close it: rag/m" in question(lines, 2)
    assert "fine-tuning closes it: finetune/m" in question(lines, 2)
    assert lines[-1].startswith("Decided by question 2: fine-tuning for knowledge: finetune/m, $")


def test_a_behaviour_gap_closed_by_the_policy_prompt_decides_by_question_1(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=150, kept=20, questions=200)
    write_cell(tmp_path, "prompt_policy", correct=150, kept=190, questions=200)
    write_cell(tmp_path, "rag", correct=151, kept=30, questions=200)
    decision = decide(tmp_path)
    lines = decision.lines()
    # the policy prompt declares `prompting` and is still of the prompting kind
    assert (decision.decided_by, decision.cell) == ((1,), "prompt_policy/m")
    assert decision.kind == Kind.PROMPTING and decision.question(3).reply == "no"
    assert lines[1].startswith("Behaviour: prompt_policy/m keeps every check on 95.0%")
    assert "Yes: prompt_policy/m is not significantly worse than any cell" in question(lines, 1)
    assert question(lines, 3).startswith(
        "Question 3, a behaviour gap prompting cannot close, closed by fine-tuning? No: prompting"
        " closes it: prompt_policy/m keeps every check on 95.0%"
    )
    assert "while prompt/m keeps 10.0%: the prompt makes the difference" in question(lines, 3)
    assert lines[-1].startswith("Decided by question 1: prompting is good enough: prompt_policy/m")


def test_a_behaviour_gap_prompting_cannot_close_decides_by_question_3(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=15, kept=2)
    write_cell(tmp_path, "prompt_policy", correct=15, kept=4)
    write_cell(tmp_path, "finetune", correct=15, kept=19)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert (decision.decided_by, decision.cell) == ((3,), "finetune/m")
    assert decision.question(3).reply == "yes" and decision.question(3).kind == Kind.FINE_TUNING
    assert "on knowledge prompt/m is not significantly worse than any cell" in question(lines, 1)
    assert "on behaviour the best prompting cell, prompt_policy/m" in question(lines, 1)
    assert "Yes, prompting leaves a gap, and fine-tuning closes it: finetune/m" in question(
        lines, 3
    )
    assert lines[-1].startswith("Decided by question 3: fine-tuning for behaviour: finetune/m, $")
    assert "setup $0.0600 (60 s)" in lines[-1]


def test_both_gaps_decide_by_questions_2_and_3(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=2, kept=2)
    write_cell(tmp_path, "prompt_policy", correct=2, kept=4)
    write_cell(tmp_path, "rag", correct=18, kept=3)
    write_cell(tmp_path, "finetune", correct=4, kept=19)
    write_cell(tmp_path, "finetune_rag", correct=18, kept=19)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert (decision.decided_by, decision.cell) == ((2, 3), "finetune_rag/m")
    assert decision.kind == Kind.FINE_TUNING_WITH_RETRIEVAL
    assert "retrieval closes it: rag/m" in question(lines, 2)
    assert "fine-tuning closes it: finetune/m" in question(lines, 3)
    assert lines[-1].startswith(
        "Decided by questions 2 and 3: retrieval for knowledge, fine-tuning for behaviour: "
        "finetune_rag/m (fine-tuning with retrieval), $"
    )


def test_when_no_cell_closes_both_gaps_the_verdict_names_one_for_each(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=2, kept=2)
    write_cell(tmp_path, "rag", correct=18, kept=3)
    write_cell(tmp_path, "finetune", correct=4, kept=19)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert decision.decided_by == (2, 3) and decision.cell is None and decision.kind is None
    assert decision.needs == {"knowledge": Kind.RETRIEVAL, "behaviour": Kind.FINE_TUNING}
    assert lines[-1] == (
        "Decided by questions 2 and 3: retrieval for knowledge, fine-tuning for behaviour, but no "
        "cell here closes both (rag/m closes knowledge, finetune/m closes behaviour); measure a "
        "cell that combines them."
    )


def test_without_answerable_questions_behaviour_decides(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=0, kept=2, answerable=False)
    write_cell(tmp_path, "finetune", correct=0, kept=19, answerable=False)
    lines = advice(tmp_path)
    assert lines[0].startswith("No cell was asked an answerable question")
    assert question(lines, 2).endswith("Not measured: no cell was asked an answerable question.")
    assert lines[-1].startswith("Decided by question 3: fine-tuning for behaviour: finetune/m, $")


def test_without_answerable_questions_or_checks_nothing_decides(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=0, answerable=False)
    write_cell(tmp_path, "finetune", correct=0, answerable=False)
    decision = decide(tmp_path)
    lines = decision.lines()
    assert decision.decided_by == () and decision.questions == () and decision.cell is None
    assert lines[0].startswith("No cell was asked an answerable question")
    assert not any(line.startswith("Question") for line in lines)
    assert lines[-1].startswith("Decided by none of the three questions")


def test_the_report_logs_its_verdict(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_cell(tmp_path, "prompt", correct=2)
    write_cell(tmp_path, "rag", correct=18)
    with caplog.at_level(logging.INFO, logger="harness.report"):
        write_report(tmp_path, rules=RULES, pricing=PRICING)
    assert "recommendation: Decided by question 2: retrieval for knowledge: rag/m" in caplog.text
    assert "- Decided by question 2" in (tmp_path / "report.md").read_text()


def test_a_prompting_flag_does_not_move_a_cell_between_kinds(tmp_path: Path) -> None:
    """rag with a policy prompt declares prompting and retrieval: still the retrieval kind, so
    question 1 is not asked of it and question 2 names it as retrieval."""
    write_cell(tmp_path, "rag", correct=18, prompting=True)
    write_cell(tmp_path, "finetune", correct=18)
    decision = decide(tmp_path)
    assert decision.question(1).reply == "not asked"
    assert decision.question(2).kind == Kind.RETRIEVAL and decision.question(2).cell == "rag/m"
    assert (decision.decided_by, decision.cell, decision.kind) == ((2,), "rag/m", Kind.RETRIEVAL)


def test_a_run_recorded_before_capabilities_were_one_object_keeps_its_kind(
    tmp_path: Path,
) -> None:
    """setup.json's old keys (`uses_retrieval`, `trains_weights`) are read as capabilities."""
    write_cell(tmp_path, "prompt", correct=2)
    write_cell(tmp_path, "rag", correct=18)
    setup = tmp_path / "rag" / results.SETUP
    old = {k: v for k, v in json.loads(setup.read_text()).items() if k != "capabilities"}
    setup.write_text(json.dumps({**old, "uses_retrieval": True, "trains_weights": False}))
    decision = decide(tmp_path)
    assert (decision.decided_by, decision.cell, decision.kind) == ((2,), "rag/m", Kind.RETRIEVAL)


def test_kinds_are_ordered_by_what_they_add() -> None:
    assert [kind.label for kind in sorted(Kind, reverse=True)] == [
        "fine-tuning with retrieval", "fine-tuning", "retrieval", "prompting"
    ]  # fmt: skip


# How sure the verdict is: the four shapes a comparison can take.


def test_a_clear_winner_is_decided_without_a_caveat(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=1, questions=28)
    write_cell(tmp_path, "rag", correct=6, questions=28)
    write_cell(tmp_path, "finetune_rag", correct=25, questions=28, first=3)
    decision = decide(tmp_path)
    assert decision.sure and decision.cell == "finetune_rag/m"
    assert decision.verdict.startswith("Decided by question 2: fine-tuning with retrieval")


def test_a_tie_at_small_n_is_too_close_to_call_and_says_what_would_tell(tmp_path: Path) -> None:
    """The issue's case: rag 17 of 28, finetune_rag 14 of 28 on partly other questions."""
    write_cell(tmp_path, "prompt", correct=0, questions=28)
    write_cell(tmp_path, "rag", correct=17, questions=28)
    write_cell(tmp_path, "finetune_rag", correct=14, questions=28, first=8)
    decision = decide(tmp_path)
    assert not decision.sure and decision.cell == "rag/m"
    (call,) = decision.certainty.close_calls
    assert (call.chosen, call.rival, call.questions) == ("rag/m", "finetune_rag/m", 28)
    assert decision.verdict.startswith(
        "Too close to call on 28 answerable questions: rag/m 60.7% and finetune_rag/m 50.0% "
        "(a gap under "
    )
    assert "If simplicity breaks the tie, decided by question 2: retrieval" in decision.verdict
    assert f"about {call.needed:,} questions would show a gap of 10.7 points" in decision.verdict
    # at the size it names, the pair's test would detect the gap seen, and not much sooner
    rate = (8 + 5) / 28  # rag alone right on q0-q7, finetune_rag alone on q17-q21
    assert stats.minimum_detectable_difference(call.needed, 0.5, discordant_rate=rate) <= 0.1072
    assert (
        stats.minimum_detectable_difference(int(call.needed * 0.9), 0.5, discordant_rate=rate)
        > 0.107
    )
    assert call.detectable > call.rival_value - call.chosen_value + 0.2  # blind to this gap
    # the prompting cell is told apart from the others: not the whole comparison is too small
    assert not decision.verdict.startswith("Too small")


def test_a_tie_at_large_n_is_a_real_tie_and_the_simpler_cell_is_the_verdict(
    tmp_path: Path,
) -> None:
    write_cell(tmp_path, "prompt", correct=0, questions=400)
    write_cell(tmp_path, "rag", correct=240, questions=400)
    write_cell(tmp_path, "finetune_rag", correct=242, questions=400, first=1)
    decision = decide(tmp_path)
    assert decision.sure and decision.cell == "rag/m" and decision.certainty.close_calls == ()
    assert decision.verdict.startswith("Decided by question 2: retrieval for knowledge: rag/m")


def test_when_nothing_can_be_told_apart_the_comparison_is_too_small_to_decide(
    tmp_path: Path,
) -> None:
    write_cell(tmp_path, "prompt", correct=9, questions=20)
    write_cell(tmp_path, "rag", correct=11, questions=20, first=4)
    write_cell(tmp_path, "finetune", correct=10, questions=20, first=2)
    write_cell(tmp_path, "finetune_rag", correct=12, questions=20, first=6)
    decision = decide(tmp_path)
    assert not decision.sure and not decision.certainty.anything_told_apart
    assert decision.verdict.startswith(
        "Too small to decide: no two cells can be told apart, on 20 answerable questions: "
        "prompt/m 45.0% and finetune_rag/m 60.0%"
    )
    # prompting is the tie-break, never "good enough" while it trails in point estimate
    assert "good enough" not in decision.verdict
    assert "decided by question 1: prompting, the simplest: prompt/m" in decision.verdict


def test_a_behaviour_gap_the_data_cannot_see_is_too_close_to_call(tmp_path: Path) -> None:
    write_cell(tmp_path, "prompt", correct=2, kept=12, questions=20)
    write_cell(tmp_path, "rag", correct=18, kept=11, questions=20)
    write_cell(tmp_path, "finetune_rag", correct=18, kept=16, questions=20)
    decision = decide(tmp_path)
    (call,) = decision.certainty.close_calls
    assert call.axis == "behaviour" and (call.chosen, call.rival) == ("rag/m", "finetune_rag/m")
    assert decision.verdict.startswith(
        "Too close to call on 20 checked questions: rag/m 55.0% and finetune_rag/m 80.0%"
    )
