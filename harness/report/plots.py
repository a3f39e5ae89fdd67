"""The report's plots, each a function of the comparison table or the predictions."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on a server

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from harness import stats
from harness.files import write_bytes_atomic
from harness.report.data_curve import plot_points
from harness.report.render import plot_text


def accuracy_vs_cost(table: pd.DataFrame, path: Path) -> Path:
    """Accuracy (with its 95 % interval) against cost per 1,000 questions; Pareto front joined."""
    fig, ax = plt.subplots(figsize=(8, 5))
    cost, accuracy = table["cost_per_1k_questions_usd"], 100 * table["answerable_accuracy"]
    errors = [
        (accuracy - 100 * table["accuracy_ci_low"]).clip(lower=0),
        (100 * table["accuracy_ci_high"] - accuracy).clip(lower=0),
    ]
    ax.errorbar(cost, accuracy, yerr=errors, fmt="o", capsize=4, color="tab:blue")
    _label_points(ax, cost, accuracy, table["cell"])
    front = table[stats.pareto_front(cost.tolist(), accuracy.tolist())]
    front = front.sort_values("cost_per_1k_questions_usd")
    ax.plot(front["cost_per_1k_questions_usd"], 100 * front["answerable_accuracy"], "--",
            color="tab:red", label="Pareto front (nothing cheaper and more accurate)")  # fmt: skip
    ax.set_xlabel("cost per 1,000 questions (USD, from conf/pricing)")
    ax.set_ylabel("accuracy on answerable questions (%)")
    ax.set_ylim(-5, 105)
    ax.margins(x=0.25)  # room for the labels of the outermost points
    ax.legend(loc="upper left", fontsize=8)
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
    per_query = (table["cost_per_1k_questions_usd"] / 1000).tolist()
    setup = table["setup_usd"].tolist()
    crossings = []
    for i, j in itertools.combinations(range(len(table)), 2):
        volume = stats.break_even_volume(setup[i], per_query[i], setup[j], per_query[j])
        if volume:
            pair = f"{table['cell'].iloc[i]} = {table['cell'].iloc[j]}"
            crossings.append((volume, setup[i] + volume * per_query[i], pair))
    top = 2 * max([v for v, _, _ in crossings], default=50_000)
    volumes = np.linspace(0, top, 200)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for cell, fixed, unit in zip(table["cell"], setup, per_query, strict=True):
        ax.plot(volumes, fixed + volumes * unit, label=cell)
    for number, (volume, cost, _) in enumerate(sorted(crossings), start=1):
        ax.plot(volume, cost, "kx")
        ax.annotate(str(number), (volume, cost), textcoords="offset points", xytext=(3, -11),
                    fontsize=8)  # fmt: skip
    if crossings:
        lines = [f"{n}: {pair} at {v:,.0f}" for n, (v, _, pair) in enumerate(sorted(crossings), 1)]
        ax.text(0.99, 0.02, "break-even volumes (questions)\n" + "\n".join(lines),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#999"})  # fmt: skip
    ax.set_xlabel("questions answered")
    ax.set_ylabel("total cost: setup + questions x cost per question (USD)")
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def recall_vs_accuracy(table: pd.DataFrame, path: Path) -> Path:
    """Retrieval recall@k against answer accuracy for the cells that retrieve."""
    shown = table[table["recall_at_k"].notna()]
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(100 * shown["recall_at_k"], 100 * shown["answerable_accuracy"])
    _label_points(ax, 100 * shown["recall_at_k"], 100 * shown["answerable_accuracy"], shown["cell"])
    ax.set_xlabel("recall@k of gold documents (%)")
    ax.set_ylabel("accuracy on answerable questions (%)")
    ax.set_xlim(0, 105)
    ax.set_ylim(0, 105)
    return _save(fig, path)


def knowledge_vs_behaviour(table: pd.DataFrame, path: Path) -> Path:
    """The two axes per cell: accuracy on answerable questions against the share of checked
    answers that keep every behaviour check, each with its 95 % interval."""
    shown = table[table["behaviour"].notna()]
    fig, ax = plt.subplots(figsize=(7, 5))
    x, y = 100 * shown["answerable_accuracy"].fillna(0), 100 * shown["behaviour"]
    ax.errorbar(
        x, y, fmt="o",
        xerr=[x - 100 * shown["accuracy_ci_low"].fillna(0),
              100 * shown["accuracy_ci_high"].fillna(0) - x],
        yerr=[y - 100 * shown["behaviour_ci_low"], 100 * shown["behaviour_ci_high"] - y],
    )  # fmt: skip
    _label_points(ax, x, y, shown["cell"])
    ax.set_xlabel("knowledge: accuracy on answerable questions (%)")
    ax.set_ylabel("behaviour: answers keeping every check (%)")
    ax.set_xlim(-5, 105)
    ax.set_ylim(-5, 105)
    return _save(fig, path)


def data_curve(curves: dict[str, pd.DataFrame], path: Path) -> Path:
    """Knowledge and behaviour against the facts trained on, a line per configuration, each
    point with its 95 % interval (`harness.report.data_curve.plot_points`)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    panels = (("answerable_accuracy", "accuracy", "knowledge: answerable accuracy (%)"),
              ("behaviour", "behaviour", "behaviour: every check kept (%)"))  # fmt: skip
    for ax, (column, interval, title) in zip(axes, panels, strict=True):
        for name, frame in curves.items():
            shown = frame[frame[column].notna()]
            if shown.empty:
                continue
            y = 100 * shown[column]
            ax.errorbar(shown["facts"], y, marker="o", capsize=3, label=name,
                        yerr=[y - 100 * shown[f"{interval}_ci_low"],
                              100 * shown[f"{interval}_ci_high"] - y])  # fmt: skip
        ax.set_xscale("log")
        sizes = sorted({int(f) for frame in curves.values() for f in frame["facts"]})
        ax.set_xticks(sizes, [str(size) for size in sizes])  # the sizes run, not powers of ten
        ax.minorticks_off()
        ax.set_xlabel("facts trained on (log scale)")
        ax.set_title(title, fontsize=10)
        ax.set_ylim(-5, 105)
    axes[0].set_ylabel("%")
    axes[0].legend(fontsize=8)
    return _save(fig, path)


def loss_curves(curves: dict[str, Any], path: Path) -> Path:
    """Training loss per logging step and validation loss per epoch of each fine-tuned cell."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for cell, curve in curves.items():
        train, validation = curve.get("train", []), curve.get("validation", [])
        if train:
            epochs = max(record["epoch"] for record in train)
            steps_per_epoch = max(record["step"] for record in train) / epochs
            (line,) = ax.plot([r["step"] / steps_per_epoch for r in train],
                              [r["loss"] for r in train], label=f"{cell} train")  # fmt: skip
            color = line.get_color()
        else:
            color = None
        if validation:
            ax.plot([r["epoch"] for r in validation], [r["loss"] for r in validation], "o--",
                    color=color, label=f"{cell} validation")  # fmt: skip
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss on answer tokens")
    ax.legend(fontsize=8)
    return _save(fig, path)


# up to this many points are labelled with their cell's name; more would overlap, so they are
# numbered and the numbers are explained in a key beside the axes
NAMED_POINTS = 4


def _label_points(ax: Any, xs: Any, ys: Any, cells: Any) -> None:
    points = list(zip(xs, ys, cells, strict=True))
    if len(points) <= NAMED_POINTS:
        middle = (min(xs) + max(xs)) / 2
        for x, y, cell in points:
            right = x > middle  # labelled leftwards there, so the name stays inside the axes
            ax.annotate(cell, (x, y), textcoords="offset points", xytext=(-6 if right else 6, 6),
                        ha="right" if right else "left", fontsize=8)  # fmt: skip
        return
    for number, (x, y, _) in enumerate(points, start=1):
        ax.annotate(str(number), (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8,
                    fontweight="bold")  # fmt: skip
    key = "\n".join(f"{number}: {cell}" for number, (_, _, cell) in enumerate(points, start=1))
    ax.figure.set_size_inches(ax.figure.get_size_inches()[0] + 3, ax.figure.get_size_inches()[1])
    ax.text(1.03, 1.0, key, transform=ax.transAxes, va="top", ha="left", fontsize=8)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(path, png.getvalue())
    return path


def make_plots(
    runs: pd.DataFrame, predictions: pd.DataFrame, table: pd.DataFrame, folder: Path
) -> dict[str, Path]:
    """Draw the PNG plots that apply to these runs; returns title -> file."""
    # matplotlib reads "$...$" in a label as math; a model named "m$^^$" must not stop the report
    table = table.assign(cell=table["cell"].map(plot_text))
    predictions = predictions.assign(cell=predictions["cell"].map(plot_text))
    drawn = {
        "Accuracy against cost": accuracy_vs_cost(table, folder / "accuracy_vs_cost.png"),
        "Latency per question": latency(predictions, folder / "latency.png"),
        "Tokens per question": tokens(table, folder / "tokens.png"),
        "Total cost against query volume": cost_vs_volume(table, folder / "cost_vs_volume.png"),
    }
    if "recall_at_k" in table and table["recall_at_k"].notna().any():
        drawn["Retrieval recall against accuracy"] = recall_vs_accuracy(
            table, folder / "recall_vs_accuracy.png"
        )
    if "behaviour" in table and table["behaviour"].notna().any():
        drawn["Knowledge against behaviour"] = knowledge_vs_behaviour(
            table, folder / "knowledge_vs_behaviour.png"
        )
    if sizes := plot_points(runs, table):
        drawn["Training data"] = data_curve(sizes, folder / "data_curve.png")
    curves = {plot_text(r.cell): r.setup.get("loss_curve") for r in runs.itertuples()}
    curves = {cell: curve for cell, curve in curves.items() if curve}
    if curves:
        drawn["Fine-tuning loss"] = loss_curves(curves, folder / "loss_curves.png")
    return drawn
