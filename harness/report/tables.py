"""The two tables of a report: one row per cell, one row per pair of cells on shared questions."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from harness import stats
from harness.metrics import Unit, metrics
from harness.run import machine
from harness.strategy import capability_columns

_LABEL_VALUE_CHARS = 40
SIGNIFICANCE = 0.05  # family-wise, after Holm's correction across the report's pairs


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell: every report metric (`harness.metrics`) with its interval, then setup and costs."""
    records = []
    for run in runs.itertuples():
        summary, evaluation = run.summary, run.evaluation
        cost, forgetting = evaluation.cost, evaluation.forgetting
        records.append(
            {
                "cell": run.cell,
                "strategy": summary["strategy"],
                # what the strategy declared it is (harness.strategy); the advice is built on it
                **capability_columns(run.setup),
                # what a trained cell learnt: questions, documents... (its setup's details)
                "trained_on": (run.setup.get("details") or {}).get("trained_on"),
                "model": summary["model"],
                "dataset": dataset_label(summary),
                **metric_columns(evaluation.metrics),
                "forgetting_change": forgetting["change"] if forgetting else None,
                "setup_seconds": run.setup.get("build_seconds", 0.0),
                # where the seconds (and the compute cost priced from them) were measured
                "machine": machine.label(run.setup.get("machine")),
                "setup_usd": cost["setup_usd"],
                "cost_per_1k_questions_usd": cost["per_1k_questions_usd"],
                "cost_per_correct_usd": cost["per_correct_answer_usd"],
                # per-question measures a strategy recorded (recall_at_k, ...), by their names
                **evaluation.metrics.get("measures", {}),
            }
        )
    return pd.DataFrame(records)


# How the columns that are not metrics are shown (unit, decimals); measures show as numbers.
COLUMN_FORMATS: dict[str, tuple[Unit, int]] = {
    "forgetting_change": ("signed_points", 1),
    "setup_seconds": ("number", 1),
    "setup_usd": ("number", 6),
    "cost_per_1k_questions_usd": ("number", 6),
    "cost_per_correct_usd": ("number", 6),
}


def metric_columns(figures: dict[str, Any]) -> dict[str, Any]:
    """A run's report metrics as table columns: each value, then its interval's ends."""
    columns = {}
    for metric in metrics():
        if metric.report:
            columns[metric.column_name] = figures.get(metric.name)
            columns.update({key: figures.get(key) for key in metric.interval_keys or ()})
    return columns


def significance_table(runs: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Every two cells on the answerable questions they share: the accuracy difference with its
    paired bootstrap 95 % interval, McNemar's exact p-value and the p-value after Holm's
    correction across all the pairs of this report (what `significant` is decided on)."""
    answerable = predictions[predictions["answers"].map(len) > 0]
    return _paired(runs, answerable, "correct", "accuracy")


def behaviour_table(runs: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The same paired comparison on the second axis: on the questions with behaviour checks
    two cells share, the difference in the share of answers that keep every check."""
    if "complies" not in predictions:
        return pd.DataFrame()
    checked = predictions[predictions["complies"].notna()]
    return _paired(runs, checked, "complies", "compliance")


def _paired(runs: pd.DataFrame, rows: pd.DataFrame, outcome: str, name: str) -> pd.DataFrame:
    """Per pair of cells on the same dataset, the paired difference in `outcome` (a bool per
    question), its interval and tests, Holm-corrected across the pairs of this table."""
    records = []
    by_cell = {cell: frame.set_index("id")[outcome] for cell, frame in rows.groupby("cell")}
    dataset_of = dict(zip(runs["cell"], runs["summary"].map(dataset_label), strict=True))
    for first, second in itertools.combinations(runs["cell"], 2):
        if dataset_of[first] != dataset_of[second] or first not in by_cell or second not in by_cell:
            continue  # the same question ids can carry different gold answers
        shared = by_cell[first].index.intersection(by_cell[second].index)
        if len(shared) == 0:
            continue
        a, b = by_cell[first][shared].astype(bool), by_cell[second][shared].astype(bool)
        difference, low, high = stats.paired_bootstrap_difference(a.tolist(), b.tolist())
        records.append(
            {
                "first": first,
                "second": second,
                "questions": len(shared),
                f"first_{name}": a.mean(),
                f"second_{name}": b.mean(),
                "difference": difference,
                "difference_ci_low": low,
                "difference_ci_high": high,
                "p_value": stats.mcnemar_p(a.tolist(), b.tolist()),
                # how often the two cells disagree, and so what this pair could detect
                "discordant_rate": float((a != b).mean()),
                "detectable_difference": stats.minimum_detectable_difference(
                    len(shared), 0.5, discordant_rate=float((a != b).mean())
                ),
            }
        )
    pairs = pd.DataFrame(records)
    if not pairs.empty:
        pairs["p_holm"] = stats.holm_adjust(pairs["p_value"].tolist())
        pairs["significant"] = pairs["p_holm"] < SIGNIFICANCE
    return pairs


def cell_labels(summaries: list[dict[str, Any]]) -> list[str]:
    """strategy/model, plus the settings that tell apart cells that share those: short values
    only, unless only a long one (a path, such as `strategy.train_questions`) tells two cells
    apart; then it is named too, shortened, so that no two cells share a label."""
    groups = ("strategy", "model", "dataset", "run")
    nodes = [{group: s["config"].get(group, {}) for group in groups} for s in summaries]
    labels = _labels(summaries, [_flatten(node) for node in nodes])
    if len(set(labels)) < len(labels):
        labels = _labels(summaries, [_flatten(node, shorten=True) for node in nodes])
    return labels


def _labels(summaries: list[dict[str, Any]], flat: list[dict[str, Any]]) -> list[str]:
    labels = []
    for summary, settings in zip(summaries, flat, strict=True):
        base = f"{summary['strategy']}/{summary['model']}"
        peers = [f for s, f in zip(summaries, flat, strict=True)
                 if f"{s['strategy']}/{s['model']}" == base]  # fmt: skip
        differing = sorted(k for k in settings if len({str(p.get(k)) for p in peers}) > 1)
        # a setting a node hands to a nested one (finetune_rag's train_facts) is named once
        extra = ",".join(dict.fromkeys(f"{k.split('.')[-1]}={settings[k]}" for k in differing))
        labels.append(f"{base} {extra}".strip())
    return labels


def _flatten(node: dict[str, Any], prefix: str = "", shorten: bool = False) -> dict[str, Any]:
    """The settings a label may name: short values (a prompt or a path would swamp the label);
    with `shorten`, long values too, cut to their last path parts or first characters."""
    flat: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}.", shorten))
        elif key.startswith("_"):
            continue
        elif len(str(value)) <= _LABEL_VALUE_CHARS:
            flat[f"{prefix}{key}"] = value
        elif shorten:
            flat[f"{prefix}{key}"] = _shortened(str(value))
    return flat


def _shortened(value: str) -> str:
    """A long value as a label shows it: a path's last two parts, else its start."""
    if "/" in value and "\n" not in value:
        value = "/".join(value.rstrip("/").split("/")[-2:])
    if len(value) > _LABEL_VALUE_CHARS:
        value = value[: _LABEL_VALUE_CHARS - 3] + "..."
    return value


def dataset_label(summary: dict[str, Any]) -> str:
    """dataset/split, plus the corpus revision when the dataset has one."""
    revision = summary["config"]["dataset"].get("corpus_revision")
    label = f"{summary['dataset']}/{summary['split']}"
    return f"{label}/rev{revision}" if revision else label
