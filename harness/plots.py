"""The report's plots, each a function of the comparison table or the predictions."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on a server

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from harness import stats


def accuracy_vs_cost(table: pd.DataFrame, path: Path) -> Path:
    """Accuracy (with its 95 % interval) against cost per 1,000 questions; Pareto front joined."""
    fig, ax = plt.subplots(figsize=(8, 5))
    cost, accuracy = table["cost_per_1k_questions_usd"], 100 * table["answerable_accuracy"]
    errors = [accuracy - 100 * table["accuracy_ci_low"], 100 * table["accuracy_ci_high"] - accuracy]
    ax.errorbar(cost, accuracy, yerr=errors, fmt="o", capsize=4, color="tab:blue")
    for x, y, label in zip(cost, accuracy, table["cell"], strict=True):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
    front = table[stats.pareto_front(cost.tolist(), accuracy.tolist())]
    front = front.sort_values("cost_per_1k_questions_usd")
    ax.plot(front["cost_per_1k_questions_usd"], 100 * front["answerable_accuracy"], "--",
            color="tab:red", label="Pareto front (nothing cheaper and more accurate)")  # fmt: skip
    ax.set_xlabel("cost per 1,000 questions (USD, from conf/pricing)")
    ax.set_ylabel("accuracy on answerable questions (%)")
    ax.set_ylim(0, 105)
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def latency(predictions: pd.DataFrame, path: Path) -> Path:
    """Distribution of per-question latency for each cell."""
    cells = sorted(predictions["cell"].unique())
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(cells) + 2))
    data = [predictions.loc[predictions["cell"] == c, "latency_seconds"] for c in cells]
    ax.boxplot(data, orientation="horizontal", tick_labels=cells, showfliers=True)
    ax.set_xlabel("seconds per question (share of its batch)")
    return _save(fig, path)


def tokens(table: pd.DataFrame, path: Path) -> Path:
    """Mean prompt and completion tokens per question for each cell."""
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(table) + 2))
    ax.barh(table["cell"], table["prompt_tokens"], label="prompt")
    ax.barh(table["cell"], table["completion_tokens"], left=table["prompt_tokens"],
            label="completion")  # fmt: skip
    ax.set_xlabel("tokens per question (model's own tokenizer)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def cost_vs_volume(table: pd.DataFrame, path: Path) -> Path:
    """Total cost (setup + volume x per-question cost) against volume, break-even points marked."""
    per_query = table["cost_per_1k_questions_usd"] / 1000
    crossings = []
    for i, j in itertools.combinations(range(len(table)), 2):
        volume = stats.break_even_volume(
            table["setup_usd"].iloc[i], per_query.iloc[i], table["setup_usd"].iloc[j],
            per_query.iloc[j],
        )  # fmt: skip
        if volume:
            crossings.append((volume, table["setup_usd"].iloc[i] + volume * per_query.iloc[i]))
    top = 2 * max([v for v, _ in crossings], default=50_000)
    volumes = np.linspace(0, top, 200)
    fig, ax = plt.subplots(figsize=(8, 5))
    for row, unit in zip(table.itertuples(), per_query, strict=True):
        ax.plot(volumes, row.setup_usd + volumes * unit, label=row.cell)
    for volume, cost in crossings:
        ax.plot(volume, cost, "kx")
        ax.annotate(f"{volume:,.0f}", (volume, cost), textcoords="offset points",
                    xytext=(4, -12), fontsize=7)  # fmt: skip
    ax.set_xlabel("questions answered")
    ax.set_ylabel("total cost (USD)")
    ax.set_title("x: break-even volume between two cells", fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def recall_vs_accuracy(table: pd.DataFrame, path: Path) -> Path:
    """Retrieval recall@k against answer accuracy for the cells that retrieve."""
    shown = table[table["recall_at_k"].notna()]
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(100 * shown["recall_at_k"], 100 * shown["answerable_accuracy"])
    for row in shown.itertuples():
        ax.annotate(row.cell, (100 * row.recall_at_k, 100 * row.answerable_accuracy),
                    textcoords="offset points", xytext=(5, 5), fontsize=8)  # fmt: skip
    ax.set_xlabel("recall@k of gold documents (%)")
    ax.set_ylabel("accuracy on answerable questions (%)")
    ax.set_xlim(0, 105)
    ax.set_ylim(0, 105)
    return _save(fig, path)


def loss_curves(curves: dict[str, Any], path: Path) -> Path:
    """Training (and validation, where recorded) loss of each fine-tuned cell."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for cell, curve in curves.items():
        for split, points in _curve_series(curve).items():
            steps, losses = zip(*points, strict=True)
            ax.plot(steps, losses, "-" if split == "train" else "o--", label=f"{cell} {split}")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (answer tokens)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _curve_series(curve: Any) -> dict[str, list[tuple[float, float]]]:
    """Accepts {"train": [[step, loss]...], "validation": [...]} or a list of step records."""
    if isinstance(curve, dict):
        return {name: [tuple(p) for p in points] for name, points in curve.items() if points}
    series: dict[str, list[tuple[float, float]]] = {}
    for record in curve:
        for name in ("train", "validation", "loss", "train_loss", "validation_loss"):
            if record.get(name) is not None:
                series.setdefault(name.removesuffix("_loss"), []).append(
                    (record["step"], record[name])
                )
    return series


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
