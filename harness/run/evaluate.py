"""The one evaluation path: stored raw generations + current scoring rules + prices -> every figure.

A run stores what the strategy produced (prediction, tokens, latency, retrieved documents) and what
preparing it cost, never a verdict or a price (`harness.run.rows`). `evaluate` turns those into row
verdicts, the metrics of `harness.metrics`, costs and the forgetting check, and the runner, the
report and the notebook all call it, so a change of `scoring.*` or `pricing.*` moves every figure
(intervals, paired tests, break-even volumes included) without generating anything again.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from harness import stats
from harness.costs import Pricing
from harness.errors import HarnessError
from harness.metrics import compute_all, mean, scorers
from harness.run.judge import load_judge, unknown_judge
from harness.run.rows import PredictionRow, as_rows
from harness.scoring import Judgement, ScoringRules, judge
from harness.scoring.abstention import abstain_phrase
from harness.scoring.behaviour import Check, compliance
from harness.scoring.model_judge import JUDGE_ASKS, asks


@dataclass
class Evaluation:
    """Everything figured from one run: judged and priced rows, metrics, costs, forgetting."""

    rows: list[dict[str, Any]]
    metrics: dict[str, Any]
    cost: dict[str, Any]
    forgetting: dict[str, Any] | None


def evaluate(
    rows: list[PredictionRow] | list[dict[str, Any]],
    setup: dict[str, Any],
    rules: ScoringRules,
    pricing: Pricing,
    model_name: str,
) -> Evaluation:
    """Judge, price and aggregate a run's raw rows (see the module docstring)."""
    typed = as_rows(rows)
    judged = [
        {**row.to_json(), **verdict(row, rules).to_json(), "scored_by": "rules"} for row in typed
    ]
    scorer, extra = "rules", {}
    if rules.model_judge is not None:  # it re-judges what the rules call correct or wrong
        scorer = rules.model_judge.name
        asked = [
            (row, raw)
            for row, raw in zip(judged, typed, strict=True)
            if asks(row, rules.judge_asks)
        ]
        said = rules.model_judge.grade([(raw.question, raw.answers, judged_text(raw))
                                        for _, raw in asked])  # fmt: skip
        for (row, raw), correct in zip(asked, said, strict=True):
            if correct is not None:  # None: an unparsed reply, the rules' verdict stands
                row.update(outcome="correct" if correct else "wrong", correct=correct)
                row.update(failure=_failure(raw, row["outcome"]), scored_by=scorer)
        extra = {"judge_unparsed": said.count(None)}
    for row, raw in zip(judged, typed, strict=True):
        own = raw.external_cost_usd  # an external system's own measured cost
        row["cost_usd"] = (
            own
            if own is not None
            else pricing.query_cost(
                model_name, raw.latency_seconds, raw.prompt_tokens, raw.completion_tokens
            )
        )
    return Evaluation(
        rows=judged,
        metrics={**aggregate(judged), "scored_by": scorer, **extra},
        cost=costs(judged, setup, pricing, model_name),
        forgetting=forgetting(setup, rules),
    )


def scoring_rules(scoring: Any, cache_dir: str | None = None) -> ScoringRules:
    """The rules of the `scoring` config node (a DictConfig or a plain mapping), with its judge.

    `cache_dir` holds the judge's verdicts (`paths.cache_dir`; default `$RAGBENCH_CACHE`).
    """
    if problems := scoring_problems(scoring):
        raise HarnessError("; ".join(problems))
    if cache_dir is None:
        cache_dir = os.environ.get("RAGBENCH_CACHE", "~/.cache/ragbench")
    phrases = scoring.get("extra_abstain_phrases") or []
    return ScoringRules(
        extra_abstain_phrases=tuple(abstain_phrase(phrase) for phrase in phrases),
        max_answer_words=scoring.get("max_answer_words"),
        judge_asks=scoring.get("judge_asks") or "uncertain",
        model_judge=load_judge(
            scoring.get("judge"), list(scoring.get("judge_overrides") or []), cache_dir
        ),
    )


def scoring_problems(scoring: Any) -> list[str]:
    """Each `scoring.*` setting that would make every figure meaningless, as `key=value: use ...`:
    checked with the run's other settings, before any model loads, and by `harness.report` and
    `harness.rescore` before any row is judged."""
    problems = []
    words = scoring.get("max_answer_words")
    if words is not None and (isinstance(words, bool) or not isinstance(words, int) or words < 1):
        problems.append(
            f"scoring.max_answer_words={words}: use a whole number >= 1 (answers longer than "
            "that many words count as wrong), or null for no cap"
        )
    for phrase in scoring.get("extra_abstain_phrases") or []:
        # matched as a substring of the normalised prediction: "" or "?!" is in every answer
        if not isinstance(phrase, str) or not re.search(r"[^\W_]", abstain_phrase(phrase)):
            problems.append(
                f"scoring.extra_abstain_phrases holds {phrase!r}, which has no letter or digit "
                "once normalised and would count answers as refusals; use phrases with words in "
                "them, e.g. ['not in my notes']"
            )
    if problem := unknown_judge(scoring.get("judge")):
        problems.append(problem)
    if problem := JUDGE_ASKS.problem(scoring.get("judge_asks") or "uncertain"):
        problems.append(problem)
    return problems


@dataclass(frozen=True)
class Verdict:
    """Everything judged about one row: the rules' judgement of its text, why a retrieving
    strategy missed, the behaviour checks it keeps (the second axis), and the values of the
    feature scorers that apply to it (`harness.metrics.scorers`: citations, a changed context),
    by scorer name."""

    judgement: Judgement
    failure: str | None  # retrieval_miss or reading_error, for a retrieving strategy's miss
    behaviour: dict[str, bool] | None  # per check type, kept; None without checks
    features: dict[str, Any] = field(default_factory=dict)

    @property
    def complies(self) -> bool | None:
        """Whether every behaviour check is kept; None without checks."""
        return None if self.behaviour is None else all(self.behaviour.values())

    def to_json(self) -> dict[str, Any]:
        """The fields a judged row holds beside the raw row (metrics and reports read them)."""
        return {
            **self.judgement.to_json(),
            "failure": self.failure,
            "behaviour": self.behaviour,
            "complies": self.complies,
            **self.features,
        }


def verdict(row: PredictionRow, rules: ScoringRules) -> Verdict:
    """A row's verdict (see `Verdict`); every feature scorer that applies adds its value."""
    text = judged_text(row)
    judgement = judge(text, row.answers, row.question, rules)
    checks = [Check(**check) for check in row.checks]
    return Verdict(
        judgement=judgement,
        failure=_failure(row, judgement.outcome),
        behaviour=compliance(checks, text) if checks else None,
        features={s.name: s.score(row, text, rules) for s in scorers() if s.applies(row)},
    )


def judged_text(row: PredictionRow) -> str:
    """What the rules and the judge read: the prediction as each feature scorer that applies
    reads it (less its citations where the row was asked for them, so citing changes no
    verdict)."""
    text = row.prediction
    for scorer in scorers():
        if scorer.reads is not None and scorer.applies(row):
            text = scorer.reads(text)
    return text


def _failure(row: PredictionRow, outcome: str) -> str | None:
    """For a retrieving strategy's missed answer: was a gold document among those shown?"""
    shown = row.context_doc_ids
    if not row.answers or outcome == "correct" or shown is None or not row.doc_ids:
        return None
    return "reading_error" if set(row.doc_ids) & set(shown) else "retrieval_miss"


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every registered metric over judged rows (`harness.metrics`), with the strategies' own
    measures and the behaviour checks by type."""
    return {**compute_all(rows), "measures": measure_means(rows), "behaviour": behaviour(rows)}


def behaviour(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Compliance over the rows whose question has behaviour checks: overall (every check kept)
    with a 95 % Wilson interval, and per check type; None when no question has checks."""
    checked = [r for r in rows if r.get("behaviour") is not None]
    if not checked:
        return None
    kept = sum(r["complies"] for r in checked)
    low, high = stats.wilson_interval(kept, len(checked))
    types = sorted({kind for r in checked for kind in r["behaviour"]})
    by_type = {}
    for kind in types:
        having = [r["behaviour"][kind] for r in checked if kind in r["behaviour"]]
        by_type[kind] = {"questions": len(having), "compliance": sum(having) / len(having)}
    return {"questions": len(checked), "compliance": kept / len(checked), "ci_low": low,
            "ci_high": high, "by_check": by_type}  # fmt: skip


def measure_means(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The mean of every per-question measure a strategy recorded (e.g. recall_at_k), by name,
    over the rows that have a value (recall is None for a question without gold documents)."""
    names = sorted({name for row in rows for name in row.get("measures", {})})
    return {
        name: mean(
            row["measures"][name] for row in rows
            if row.get("measures", {}).get(name) is not None
        )
        for name in names
    }  # fmt: skip


def costs(
    rows: list[dict[str, Any]], setup: dict[str, Any], pricing: Pricing, model_name: str
) -> dict[str, Any]:
    """Setup and query costs at today's prices, per 1,000 questions and per correct answer."""
    setup_usd = pricing.compute_cost(setup.get("build_seconds", 0.0))
    query_usd = sum(row["cost_usd"] for row in rows)
    correct = sum(row["outcome"] == "correct" for row in rows)
    token_price = pricing.token_prices.get(model_name)
    return {
        "billing": "per token" if token_price else "compute time",
        "token_price_usd_per_million": asdict(token_price) if token_price else None,
        "hardware": pricing.hardware_name,
        "hardware_usd_per_hour": pricing.hardware_usd_per_hour,
        "price_date": pricing.price_date,
        "setup_usd": setup_usd,
        "query_usd": query_usd,
        "per_1k_questions_usd": 1000 * query_usd / len(rows) if rows else None,
        "per_correct_answer_usd": query_usd / correct if correct else None,
        "per_correct_answer_with_setup_usd": (setup_usd + query_usd) / correct if correct else None,
    }


def forgetting(setup: dict[str, Any], rules: ScoringRules) -> dict[str, Any] | None:
    """Accuracy on the general questions without and with the adapter, from stored generations."""
    record = setup.get("forgetting")
    if not record or not record.get("predictions"):
        return None
    before, after = [], []
    for item in record["predictions"]:
        answers, question = item.get("answers", []), item.get("question", "")
        before.append(judge(item["base"], answers, question, rules).correct)
        after.append(judge(item["adapted"], answers, question, rules).correct)
    count = len(before)
    ids = [item["id"] for item in record["predictions"]]
    return {
        "questions_file": record.get("questions_file"),
        "questions": count,
        "base_accuracy": sum(before) / count,
        "adapted_accuracy": sum(after) / count,
        "change": (sum(after) - sum(before)) / count,
        "lost": [i for i, b, a in zip(ids, before, after, strict=True) if b and not a],
        "gained": [i for i, b, a in zip(ids, before, after, strict=True) if a and not b],
    }
