"""`python -m harness.report <folder> [key=value ...]`: turn run folders into one comparison.

Writes `report.md`, `report.csv`, `report.html` (plots embedded) and the plots as PNG files into
the folder. Every figure is computed again by `harness.run.evaluate` from the runs' stored raw
generations (`predictions.jsonl`, `setup.json`) with today's scoring rules and prices (`conf/`,
plus any `scoring.*` / `pricing.*` overrides given after the folder), never read back from a
run's `metrics.json`; the notebook calls the same functions.

The package: `tables` (per cell, per pair), `recommendation` (computes a `decision.Decision`),
`plots`, `render` (Markdown, HTML, CSV, each escaping what came from users and models) and
`sweep_callback` (the Hydra callback that reports at the end of a multirun).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from harness.costs import Pricing
from harness.errors import HarnessError
from harness.files import write_text_atomic
from harness.report.answers import answers_page
from harness.report.data_curve import data_curve_section
from harness.report.decision import Decision
from harness.report.distillation import distillation_section
from harness.report.plots import make_plots
from harness.report.recommendation import recommendation
from harness.report.render import Page, csv_safe, html_page, markdown_page, scorer_note
from harness.report.seeds import seed_cautions, seed_section
from harness.report.summary import ranked, summary_table
from harness.report.tables import (
    behaviour_table,
    cell_labels,
    comparison_table,
    significance_table,
)
from harness.run import results, rows
from harness.run.evaluate import evaluate
from harness.run.results import CELLS
from harness.scoring import ScoringRules
from harness.strategy import capabilities_of

__all__ = [
    "Decision",
    "behaviour_table",
    "comparison_table",
    "current_settings",
    "load_runs",
    "make_plots",
    "recommendation",
    "significance_table",
    "write_report",
]

log = logging.getLogger(__name__)


def write_report(
    folder: Path,
    run_folders: list[Path] | None = None,
    rules: ScoringRules | None = None,
    pricing: Pricing | None = None,
) -> Path:
    """Build every table, plot and the recommendation into `folder`.

    The runs are `run_folders` when given, else the cells a sweep folder lists in `cells.txt`,
    else every run below `folder`; they
    are judged with `rules` and priced with `pricing` (default: those in `conf/`).
    """
    if rules is None or pricing is None:
        rules, pricing = current_settings()
    runs, predictions = load_runs(folder, run_folders, rules, pricing)
    runs, predictions, apart = one_split(runs, predictions)
    table = comparison_table(runs)
    pairs = significance_table(runs, predictions)
    behaviour_pairs = behaviour_table(runs, predictions)
    plots = make_plots(runs, predictions, table, folder)
    decision = recommendation(table, pairs, behaviour_pairs, notes=tuple(apart))
    decision = dataclasses.replace(decision, cautions=tuple(seed_cautions(runs, table)))
    write_text_atomic(folder / "report.csv", csv_safe(table).to_csv(index=False))
    # the decision is rendered last, into lines; nothing reads those lines back
    sections = [distillation_section(runs, table), seed_section(runs, table),
                data_curve_section(runs, table, predictions)]  # fmt: skip
    page = Page(table, pairs, decision.lines(), plots, scorer_note(runs), behaviour_pairs,
                summary_table(table, decision), [s for s in sections if s is not None])  # fmt: skip
    write_text_atomic(folder / "report.md", markdown_page(page))
    write_text_atomic(folder / "report.html", html_page(page))
    ordered = list(ranked(table, decision)["cell"])  # the columns in the first table's order
    write_text_atomic(folder / "answers.html", answers_page(predictions, ordered))
    if decision.verdict:  # the line a sweep prints at its end
        log.info("recommendation: %s", decision.verdict)
    return folder / "report.md"


def one_split(
    runs: pd.DataFrame, predictions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The runs on the dataset, then the split, most of them answered (on a tie: the first name,
    and the test split), and a note naming the others.

    Runs of another dataset asked other questions, and a cell that answered its own train
    questions (a distillation teacher) would otherwise be ranked beside cells answering held-out
    ones.
    """
    runs, predictions, datasets = _keep_most(runs, predictions, "dataset", dataset_of)
    runs, predictions, splits = _keep_most(
        runs, predictions, "split", lambda summary: summary["split"], preferred="test"
    )
    return runs, predictions, [*datasets, *splits]


def dataset_of(summary: dict[str, Any]) -> str:
    """A run's dataset: its name, and the file or source it was read from where it names one
    (every `dataset=jsonl` run is called jsonl)."""
    node = summary.get("config", {}).get("dataset", {})
    source = (node.get("questions") or node.get("path")) if isinstance(node, dict) else None
    return f"{summary['dataset']} ({source})" if source else str(summary["dataset"])


def _keep_most(
    runs: pd.DataFrame,
    predictions: pd.DataFrame,
    what: str,
    value: Callable[[dict[str, Any]], str],
    preferred: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    values = runs["summary"].map(value)
    counts = values.value_counts()
    if len(counts) < 2:
        return runs, predictions, []
    kept = max(sorted(counts.index), key=lambda v: (counts[v], v == preferred))
    others = runs[values != kept]
    note = (
        f"Not compared, as they answered another {what} than the {kept} {what} the others "
        f"answered: {', '.join(others['cell'])}."
    )
    log.info("%s", note)
    kept_runs = runs[values == kept].reset_index(drop=True)
    # labelled again among themselves: the dropped runs no longer tell any of them apart
    kept_runs["cell"] = cell_labels(list(kept_runs["summary"]))
    kept_predictions = predictions[predictions["folder"].isin(kept_runs["folder"])]
    kept_predictions = kept_predictions.drop(columns="cell").merge(
        kept_runs[["folder", "cell"]], on="folder"
    )
    return kept_runs, kept_predictions, [note]


def current_settings(overrides: list[str] | None = None) -> tuple[ScoringRules, Pricing]:
    """The scoring rules and prices in `conf/` today, with `scoring.*` / `pricing.*` overrides.

    A bad override is one `HarnessError` line, not Hydra's multi-line message.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from hydra.utils import instantiate

    from harness.config import CONF_DIR, register_configs
    from harness.costs import pricing_problems
    from harness.run.evaluate import scoring_problems, scoring_rules

    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
            cfg = compose("config", overrides=list(overrides or []))
    except HydraException as error:
        lines = [line.strip(" .") for line in str(error).splitlines() if line.strip(" .")]
        cause = str(error.__cause__).splitlines()[0] if error.__cause__ else ""
        raise HarnessError("; ".join([*lines, cause] if cause else lines)) from None
    # every bad setting at once, as the runner reports them, before any row is judged
    if problems := scoring_problems(cfg.scoring) + pricing_problems(cfg.pricing):
        raise HarnessError("; ".join(problems))
    return scoring_rules(cfg.scoring, cfg.paths.cache_dir), instantiate(cfg.pricing)


def load_runs(
    folder: Path,
    run_folders: list[Path] | None = None,
    rules: ScoringRules | None = None,
    pricing: Pricing | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per run and one row per judged prediction, both with a `cell` label.

    Each run is evaluated from its raw rows (`harness.run.evaluate`); the run frame carries the
    `evaluation` (metrics, cost, forgetting) beside the run's summary and setup.
    """
    if rules is None or pricing is None:
        rules, pricing = current_settings()
    # a sweep folder lists its cells, one folder per line (a path may hold spaces); an ad-hoc
    # `-m` grid keeps them under results/runs, not below the sweep folder
    if run_folders is None and (folder / CELLS).is_file():
        lines = (folder / CELLS).read_text(encoding="utf-8").splitlines()
        run_folders = sorted({Path(line) for line in lines if line.strip()})
    if run_folders is None:
        summaries = sorted(folder.rglob("metrics.json"))
    else:
        summaries = [f / "metrics.json" for f in run_folders if (f / "metrics.json").is_file()]
    if not summaries:
        raise HarnessError(
            f"no runs under {folder}: expected */metrics.json; run the harness first"
        )
    runs, judged = [], []
    for path in summaries:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
            setup_path = path.parent / "setup.json"
            setup = json.loads(setup_path.read_text()) if setup_path.is_file() else {}
        except ValueError:  # JSON and UTF-8 errors: a damaged file, not the others' fault
            log.warning("skipped %s: its metrics.json or setup.json is unreadable; run its "
                        "command again to rewrite them", path.parent)  # fmt: skip
            continue
        # read-only: the run may be live, and only its owner repairs a torn last line
        raw = rows.read(path.parent / results.PREDICTIONS, repair=False)
        if not raw:
            log.warning("skipped %s: no predictions (its %s is missing or empty); run its "
                        "command again to answer its questions", path.parent,
                        results.PREDICTIONS)  # fmt: skip
            continue
        if setup and capabilities_of(setup) is None:
            log.warning("%s was run before strategies declared what they are; the advice counts "
                        "it as prompting; run its command again for a run that declares it",
                        path.parent)  # fmt: skip
        evaluation = evaluate(raw, setup, rules, pricing, summary["model"])
        runs.append({"folder": str(path.parent), "summary": summary, "setup": setup,
                     "evaluation": evaluation})  # fmt: skip
        judged += [{"folder": str(path.parent), **row} for row in evaluation.rows]
    if not runs:
        raise HarnessError(f"no readable runs under {folder}; run the harness again")
    frame = pd.DataFrame(runs)
    frame["cell"] = cell_labels([r["summary"] for r in runs])
    predictions = pd.DataFrame(judged).merge(frame[["folder", "cell"]], on="folder")
    return frame, predictions
