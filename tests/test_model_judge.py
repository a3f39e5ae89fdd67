"""The optional model judge (`scoring.judge`) against a scripted chat server on loopback.

`JudgeServer` answers each chat completion with a verdict word chosen by the prediction found in
the rubric prompt, and records every request, so the tests see what is sent, what is cached and
what is never asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.costs import build_pricing
from harness.errors import HarnessError
from harness.models.constrained import response_format
from harness.run.evaluate import evaluate, scoring_problems, scoring_rules
from harness.run.judge import compose_judge_config, load_judge
from harness.scoring import ScoringRules, agreement
from harness.scoring.model_judge import (
    JUDGE_SYSTEM,
    VERDICT_MAX_NEW_TOKENS,
    VERDICT_SCHEMA,
    ModelJudge,
    parse_verdict,
)
from tests.chat_server import ScriptedServer

QUESTION = "What is the Pro plan upload limit?"
PRICING = build_pricing("vm", 0.1, "2026-11-29")


class JudgeServer(ScriptedServer):
    """Replies `replies[prediction]` (default `wrong`) to the judge's prompt; records requests."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, str] = {}

    @property
    def predictions(self) -> list[str]:
        """The prediction each request asked about, in arrival order."""
        return [_prediction(body) for body in self.requests]

    def answer(self, body: dict[str, Any]) -> str:
        return self.replies.get(_prediction(body), "wrong")


def _prediction(body: dict[str, Any]) -> str:
    match = re.search(r"^Prediction: (.*)$", body["messages"][-1]["content"], re.MULTILINE)
    assert match, body
    return match.group(1)


@pytest.fixture
def server() -> Iterator[JudgeServer]:
    with JudgeServer() as started:
        yield started


def judge_overrides(server: JudgeServer) -> list[str]:
    return [
        f"model.base_url={server.base_url}",
        "model.model=scripted",
        "model.name=scripted-judge",
    ]


@pytest.fixture
def judge(server: JudgeServer, tmp_path: Path) -> ModelJudge:
    loaded = load_judge("openai_compatible", judge_overrides(server), str(tmp_path / "cache"))
    assert loaded is not None
    return loaded


def raw_row(number: int, prediction: str, answers: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": f"q{number}",
        "question": QUESTION,
        "answers": ["37 GB"] if answers is None else answers,
        "doc_ids": ["d1"],
        "prediction": prediction,
        "batch": 0,
        "batch_seconds": 1.0,
        "latency_seconds": 0.25,
        "prompt_tokens": 20,
        "completion_tokens": 4,
    }


def rules_with(judge: ModelJudge | None) -> ScoringRules:
    return ScoringRules(model_judge=judge, judge_asks="all")


def test_the_rubric_carries_question_gold_and_prediction(
    judge: ModelJudge, server: JudgeServer
) -> None:
    assert judge.name == "scripted-judge" and judge.config == "openai_compatible"
    judge.grade([(QUESTION, ["37 GB", "37 gigabytes"], "Thirty-seven gigs.")])
    [body] = server.requests
    system, user = body["messages"]
    assert system == {"role": "system", "content": JUDGE_SYSTEM}
    assert f"Question: {QUESTION}" in user["content"]
    assert '["37 GB", "37 gigabytes"]' in user["content"]
    assert "Prediction: Thirty-seven gigs." in user["content"]
    assert "exactly one word: correct or wrong" in user["content"]
    assert "two or more different candidate values is wrong" in user["content"]
    # an OpenAI-compatible judge is held to the verdict schema, with room for its JSON
    assert body["model"] == "scripted" and body["temperature"] == 0
    assert body["max_tokens"] == VERDICT_MAX_NEW_TOKENS
    assert body["response_format"] == response_format(VERDICT_SCHEMA)


def test_a_given_max_new_tokens_is_kept(server: JudgeServer, tmp_path: Path) -> None:
    overrides = [*judge_overrides(server), "model.max_new_tokens=5"]
    loaded = load_judge("openai_compatible", overrides, str(tmp_path))
    assert loaded is not None
    loaded.grade([(QUESTION, ["37 GB"], "37 GB")])
    assert server.requests[0]["max_tokens"] == 5


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Correct.", "correct"),
        ("**Wrong**", "wrong"),
        ("correct, it says 37", "correct"),
        ("wrong", "wrong"),
        ("maybe", None),
        ("", None),
        ("correct/wrong", None),
        ("The answer is correct", None),
    ],
)
def test_replies_are_parsed_by_their_first_word(reply: str, verdict: str | None) -> None:
    assert parse_verdict(reply) == verdict


def test_correct_counts_wrong_rejects_and_maybe_falls_back_to_the_rules(
    judge: ModelJudge, server: JudgeServer
) -> None:
    server.replies = {
        "37 GB.": "wrong",
        "Thirty-seven gigs.": "Correct.",
        "42 GB": "maybe",
        "37 gigabytes, I think": "maybe",
    }
    rows = [
        raw_row(1, "37 GB."),
        raw_row(2, "Thirty-seven gigs."),
        raw_row(3, "42 GB"),
        raw_row(4, "37 gigabytes, I think"),
    ]
    plain = evaluate(rows, {}, rules_with(None), PRICING, "m")
    assert [r["outcome"] for r in plain.rows] == ["correct", "wrong", "wrong", "correct"]

    judged = evaluate(rows, {}, rules_with(judge), PRICING, "m")
    assert [r["outcome"] for r in judged.rows] == ["wrong", "correct", "wrong", "correct"]
    assert [r["correct"] for r in judged.rows] == [False, True, False, True]
    # unparsed replies leave the rules' verdict, and say so
    assert [r["scored_by"] for r in judged.rows] == ["scripted-judge"] * 2 + ["rules"] * 2
    assert judged.metrics["judge_unparsed"] == 2 and judge.unparsed == 2
    assert judged.metrics["scored_by"] == "scripted-judge"
    assert plain.metrics["scored_by"] == "rules" and "judge_unparsed" not in plain.metrics


def test_the_judge_flips_a_rules_rejected_row_and_the_metrics_name_it(
    server: JudgeServer, tmp_path: Path
) -> None:
    server.replies = {"Thirty-seven gigs.": "Correct."}
    scoring = {
        "judge": "openai_compatible",
        "judge_overrides": judge_overrides(server),
        "judge_asks": "all",
    }
    rules = scoring_rules(scoring, str(tmp_path / "cache"))
    assert isinstance(rules.model_judge, ModelJudge)
    hash(rules)  # still a frozen, hashable dataclass
    row = {**raw_row(1, "Thirty-seven gigs."), "shown_doc_ids": ["d2"]}
    before = evaluate([row], {}, ScoringRules(), PRICING, "m")
    after = evaluate([row], {}, rules, PRICING, "m")
    assert before.rows[0]["outcome"] == "wrong" and before.rows[0]["failure"] == "retrieval_miss"
    assert after.rows[0]["outcome"] == "correct" and after.rows[0]["correct"] is True
    assert after.rows[0]["failure"] is None  # kept consistent with the new outcome
    assert before.metrics["answerable_accuracy"] == 0.0
    assert after.metrics["answerable_accuracy"] == 1.0
    assert after.metrics["scored_by"] == "scripted-judge"
    assert after.cost["per_correct_answer_usd"] is not None


def test_verdicts_are_cached_and_a_changed_prediction_is_asked_again(
    judge: ModelJudge, server: JudgeServer, tmp_path: Path
) -> None:
    server.replies = {"Thirty-seven gigs.": "correct"}
    rows = [raw_row(1, "Thirty-seven gigs."), raw_row(2, "42 GB"), raw_row(3, "42 GB")]
    first = evaluate(rows, {}, rules_with(judge), PRICING, "m")
    assert sorted(server.predictions) == ["42 GB", "Thirty-seven gigs."]  # one per distinct item
    assert list((tmp_path / "cache" / "judge").rglob("*.json"))

    # a new judge object (as in a later report): everything comes from the cache
    again = load_judge("openai_compatible", judge_overrides(server), str(tmp_path / "cache"))
    second = evaluate(rows, {}, rules_with(again), PRICING, "m")
    assert len(server.requests) == 2 and again is not None and again.sent == 0
    assert [r["outcome"] for r in second.rows] == [r["outcome"] for r in first.rows]

    changed = [raw_row(1, "Thirty-seven gigs!"), *rows[1:]]
    evaluate(changed, {}, rules_with(again), PRICING, "m")
    assert server.predictions[2:] == ["Thirty-seven gigs!"]

    # another judge model is another key
    other = load_judge(
        "openai_compatible", [*judge_overrides(server), "model.name=other"], str(tmp_path / "cache")
    )
    evaluate(rows[:1], {}, rules_with(other), PRICING, "m")
    assert len(server.requests) == 4


def test_abstained_empty_and_unanswerable_rows_are_never_sent(
    judge: ModelJudge, server: JudgeServer
) -> None:
    server.replies = {"Jane Doe runs Acme.": "correct", "I don't know.": "correct", "": "correct"}
    rows = [
        raw_row(1, "I don't know."),
        raw_row(2, ""),
        raw_row(3, "   "),
        raw_row(4, "Jane Doe runs Acme.", answers=[]),
        raw_row(5, "I don't know.", answers=[]),
    ]
    result = evaluate(rows, {}, rules_with(judge), PRICING, "m")
    assert server.requests == []
    assert [r["outcome"] for r in result.rows] == [
        "abstained",
        "empty",
        "empty",
        "wrong",
        "abstained",
    ]
    assert all(r["scored_by"] == "rules" for r in result.rows)
    assert result.metrics["scored_by"] == "scripted-judge"
    assert result.metrics["unanswerable_hallucination_rate"] == 0.5


def test_an_unknown_judge_is_one_line_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(HarnessError) as error:
        scoring_rules({"judge": "gpt-4o-mni"}, str(tmp_path))
    message = str(error.value)
    assert "\n" not in message
    assert "scoring.judge" in message and "'gpt-4o-mni'" in message
    assert "Did you mean: gpt-4o-mini?" in message and "openai_compatible" in message


def test_a_bad_judge_override_or_a_missing_setting_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"^scoring.judge_overrides=.*model.nonsense"):
        load_judge("openai_compatible", ["model.nonsense=1"], str(tmp_path))
    with pytest.raises(
        HarnessError, match=r"^scoring.judge=openai_compatible: model.model, model.base_url not set"
    ):
        load_judge("openai_compatible", [], str(tmp_path))


def test_no_judge_means_rules_only(tmp_path: Path) -> None:
    assert load_judge(None, [], str(tmp_path)) is None
    assert scoring_rules({"judge": None, "judge_overrides": []}).model_judge is None


def test_the_command_line_override_syntax_composes(tmp_path: Path) -> None:
    from tests.helpers import compose_config

    cfg = compose_config(
        [
            "scoring.judge=smollm2-135m-server",
            'scoring.judge_overrides=["model.base_url=http://127.0.0.1:8011/v1"]',
        ]
    )
    assert cfg.scoring.judge == "smollm2-135m-server"
    assert list(cfg.scoring.judge_overrides) == ["model.base_url=http://127.0.0.1:8011/v1"]
    composed = compose_judge_config(cfg.scoring.judge, list(cfg.scoring.judge_overrides))
    assert composed.model.base_url == "http://127.0.0.1:8011/v1"
    assert composed.model.max_new_tokens == 3


def test_agreement_with_labels(
    server: JudgeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    monkeypatch.setenv("RAGBENCH_CACHE", str(tmp_path / "cache"))
    command = ["--labels", str(labels), "--judge", "openai_compatible", "--judge-asks", "all"]
    command += judge_overrides(server)
    with pytest.raises(SystemExit):
        agreement.main(command)
    assert "error: no label files" in capsys.readouterr().err

    server.replies = {"Thirty-seven gigs.": "correct", "37 GB": "wrong", "42 GB": "correct"}
    rows = [
        {"strategy": "prompt", "prediction": "Thirty-seven gigs.", "label": "correct"},
        {"strategy": "prompt", "prediction": "37 GB", "label": "correct"},  # false reject
        {"strategy": "rag", "prediction": "42 GB", "label": "wrong"},  # false accept
        {"strategy": "rag", "prediction": "I don't know.", "label": "abstained"},  # not sent
    ]
    text = "".join(
        json.dumps({"id": f"q{i}", "question": QUESTION, "answers": ["37 GB"], **r}) + "\n"
        for i, r in enumerate(rows)
    )
    (labels / "a.jsonl").write_text(text)
    judge = load_judge("openai_compatible", judge_overrides(server), str(tmp_path / "cache"))
    labelled = agreement.load_labels(labels)
    says = agreement.judge_says_correct(labelled, ScoringRules(judge_asks="all"), judge)
    figures = agreement.agreement(labelled, says)
    assert (figures["agreement"], figures["false_accepts"], figures["false_rejects"]) == (
        0.5, 0.25, 0.25,
    )  # fmt: skip
    rules = agreement.agreement(labelled, agreement.rules_say_correct(ScoringRules()))
    assert rules["agreement"] == 0.75  # "Thirty-seven gigs." is beyond the rules
    assert "I don't know." not in server.predictions

    agreement.main(command)
    out = capsys.readouterr().out
    assert "model judge openai_compatible" in out
    assert "| a.jsonl | 4 | 2 | 50.0 % | 25.0 % | 25.0 % |" in out

    (labels / "b.jsonl").write_text(
        '{"id": "x", "strategy": "s", "question": "q", '
        '"answers": [], "prediction": "x", "label": "maybe"}\n'
    )
    with pytest.raises(HarnessError, match=r"b.jsonl line 1: field 'label' is 'maybe'"):
        agreement.load_labels(labels)


def test_a_judge_loads_inside_a_running_hydra_app(server: JudgeServer, tmp_path: Path) -> None:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from harness.config import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        outer = GlobalHydra.instance().hydra
        loaded = load_judge("openai_compatible", judge_overrides(server), str(tmp_path))
        assert loaded is not None and GlobalHydra.instance().hydra is outer
        assert compose("config").model.name == "smollm2-135m"  # the app's Hydra still works


def test_the_report_names_the_scorer() -> None:
    import pandas as pd

    from harness.report.render import _SIGNIFICANCE_NOTE
    from harness.report.render import scorer_note as _scorer
    from harness.run.evaluate import Evaluation

    def runs(*scorers: str) -> pd.DataFrame:
        evaluations = [Evaluation([], {"scored_by": s}, {}, None) for s in scorers]
        return pd.DataFrame({"evaluation": evaluations})

    assert "(rules, not a model judge)" in _SIGNIFICANCE_NOTE.format(
        n=1, scorer=_scorer(runs("rules", "rules"))
    )
    note = _SIGNIFICANCE_NOTE.format(n=1, scorer=_scorer(runs("scripted-judge")))
    assert "Verdicts by model judge scripted-judge" in note and "not a model judge" not in note


def test_by_default_the_judge_is_asked_only_about_uncertain_rows(
    judge: ModelJudge, server: JudgeServer
) -> None:
    server.replies = {"42 GB": "correct", "It is 37 GB, not 42 GB.": "correct"}
    rows = [raw_row(1, "42 GB"), raw_row(2, "It is 37 GB, not 42 GB."), raw_row(3, "Not 37 GB.")]
    result = evaluate(rows, {}, ScoringRules(model_judge=judge), PRICING, "m")
    # "42 GB" is surely wrong and "It is 37 GB..." surely right; only the negated value is asked
    assert server.predictions == ["Not 37 GB."]
    assert [r["uncertain"] for r in result.rows] == [False, False, True]
    assert [r["scored_by"] for r in result.rows] == ["rules", "rules", "scripted-judge"]
    problems = scoring_problems({"judge_asks": "some"})
    assert problems == ["scoring.judge_asks='some' is unknown. Available: uncertain, all"]
