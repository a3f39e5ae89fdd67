"""`python -m harness.report <folder> [key=value ...]`: turn run folders into one comparison.

Writes `report.md`, `report.csv`, `report.html` (plots embedded) and the plots as PNG files into
the folder. Every figure is computed again by `harness.evaluate` from the runs' stored raw
generations (`predictions.jsonl`, `setup.json`) with today's scoring rules and prices (`conf/`,
plus any `scoring.*` / `pricing.*` overrides given after the folder), never read back from a
run's `metrics.json`; the notebook calls the same functions.
"""

from __future__ import annotations

import argparse
import base64
import html
import itertools
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from harness import results, stats
from harness.costs import Pricing
from harness.errors import HarnessError
from harness.evaluate import evaluate, setup_detail
from harness.scoring import ScoringRules
from harness.sweeps import CELLS

log = logging.getLogger(__name__)

SIGNIFICANCE = 0.05  # family-wise, after Holm's correction across the report's pairs


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
    table = comparison_table(runs)
    pairs = significance_table(runs, predictions)
    plots = make_plots(runs, predictions, table, folder)
    advice = recommendation(table, pairs)
    results.write_text_atomic(folder / "report.csv", _csv_safe(table).to_csv(index=False))
    scorer = _scorer(runs)
    results.write_text_atomic(folder / "report.md", _markdown(table, pairs, advice, plots, scorer))
    results.write_text_atomic(folder / "report.html", _html(table, pairs, advice, plots, scorer))
    return folder / "report.md"


def current_settings(overrides: list[str] | None = None) -> tuple[ScoringRules, Pricing]:
    """The scoring rules and prices in `conf/` today, with `scoring.*` / `pricing.*` overrides.

    A bad override is one `HarnessError` line, not Hydra's multi-line message.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from hydra.utils import instantiate

    from harness.config import CONF_DIR, register_configs
    from harness.evaluate import scoring_rules

    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
            cfg = compose("config", overrides=list(overrides or []))
    except HydraException as error:
        lines = [line.strip(" .") for line in str(error).splitlines() if line.strip(" .")]
        cause = str(error.__cause__).splitlines()[0] if error.__cause__ else ""
        raise HarnessError("; ".join([*lines, cause] if cause else lines)) from None
    return scoring_rules(cfg.scoring, cfg.paths.cache_dir), instantiate(cfg.pricing)


def load_runs(
    folder: Path,
    run_folders: list[Path] | None = None,
    rules: ScoringRules | None = None,
    pricing: Pricing | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per run and one row per judged prediction, both with a `cell` label.

    Each run is evaluated from its raw rows (`harness.evaluate`); the run frame carries the
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
    runs, rows = [], []
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
        raw = results.read_predictions(path.parent / results.PREDICTIONS, repair=False)
        evaluation = evaluate(raw, setup, rules, pricing, summary["model"])
        runs.append({"folder": str(path.parent), "summary": summary, "setup": setup,
                     "evaluation": evaluation})  # fmt: skip
        rows += [{"folder": str(path.parent), **row} for row in evaluation.rows]
    if not runs:
        raise HarnessError(f"no readable runs under {folder}; run the harness again")
    frame = pd.DataFrame(runs)
    frame["cell"] = _cell_labels([r["summary"] for r in runs])
    predictions = pd.DataFrame(rows).merge(frame[["folder", "cell"]], on="folder")
    return frame, predictions


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per cell: quality with a 95 % Wilson interval, latency, tokens and costs."""
    records = []
    for run in runs.itertuples():
        summary, evaluation = run.summary, run.evaluation
        metrics, cost, forgetting = evaluation.metrics, evaluation.cost, evaluation.forgetting
        records.append(
            {
                "cell": run.cell,
                "strategy": summary["strategy"],
                "model": summary["model"],
                "dataset": _dataset_label(summary),
                "questions": metrics["questions"],
                "answerable_accuracy": metrics["answerable_accuracy"],
                "accuracy_ci_low": metrics["accuracy_ci_low"],
                "accuracy_ci_high": metrics["accuracy_ci_high"],
                "minimum_detectable_difference": metrics["minimum_detectable_difference"],
                "exact_match": metrics["answerable_exact_match"],
                "abstention_rate": metrics["abstention_rate"],
                "empty_rate": metrics["empty_rate"],
                "hallucination_rate": metrics["hallucination_rate"],
                "recall_at_k": metrics.get("recall_at_k_mean"),
                "retrieval_misses": metrics["retrieval_misses"],
                "reading_errors": metrics["reading_errors"],
                "latency_p50_seconds": metrics["latency_p50_seconds"],
                "latency_p95_seconds": metrics["latency_p95_seconds"],
                "prompt_tokens": metrics["prompt_tokens_mean"],
                "completion_tokens": metrics["completion_tokens_mean"],
                "forgetting_change": forgetting["change"] if forgetting else None,
                "setup_seconds": run.setup.get("build_seconds", 0.0),
                "setup_usd": cost["setup_usd"],
                "cost_per_1k_questions_usd": cost["per_1k_questions_usd"],
                "cost_per_correct_usd": cost["per_correct_answer_usd"],
            }
        )
    return pd.DataFrame(records)


def significance_table(runs: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Every two cells on the answerable questions they share: the accuracy difference with its
    paired bootstrap 95 % interval, McNemar's exact p-value and the p-value after Holm's
    correction across all the pairs of this report (what `significant` is decided on)."""
    records = []
    answerable = predictions[predictions["answers"].map(len) > 0]
    by_cell = {cell: frame.set_index("id")["correct"] for cell, frame in answerable.groupby("cell")}
    dataset_of = dict(zip(runs["cell"], runs["summary"].map(_dataset_label), strict=True))
    for first, second in itertools.combinations(runs["cell"], 2):
        if dataset_of[first] != dataset_of[second]:
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
                "first_accuracy": a.mean(),
                "second_accuracy": b.mean(),
                "difference": difference,
                "difference_ci_low": low,
                "difference_ci_high": high,
                "p_value": stats.mcnemar_p(a.tolist(), b.tolist()),
                # what this pair could detect, given how often its two cells disagree
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


def recommendation(table: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    """Advice in the usual order (prompt, then retrieval, then fine-tuning), from the numbers."""
    if table.empty:
        return []
    if table["answerable_accuracy"].isna().all():
        return [
            "No cell was asked an answerable question, so accuracy cannot rank them; compare "
            "abstention and hallucination instead.",
            *_hallucination_note(table),
        ]
    ranked = table.sort_values("answerable_accuracy", ascending=False)
    best = ranked.iloc[0]
    lines = [
        f"Most accurate: {best.cell} at {_pct(best.answerable_accuracy)} on answerable questions "
        f"({_pct(best.accuracy_ci_low)}-{_pct(best.accuracy_ci_high)}, 95 % CI), "
        f"${best.cost_per_1k_questions_usd:.4f} per 1,000 questions, setup ${best.setup_usd:.4f}."
    ]
    baseline = _best_of(table, "prompt")
    verdict = None if baseline is None else _compare(pairs, baseline.cell, best.cell)
    if baseline is not None and verdict is None:
        lines.append(f"{baseline.cell} and {best.cell} did not answer the same questions.")
    elif baseline is not None and verdict is not None:
        if best.cell == baseline.cell or not verdict["significant"]:
            lines.append(
                f"Start with prompting: {baseline.cell} is not significantly worse than the best "
                f"({_pct(baseline.answerable_accuracy)}, McNemar p={verdict['p_value']:.3f}, Holm)."
            )
        else:
            lines.append(
                f"Prompting alone is not enough: {baseline.cell} reaches "
                f"{_pct(baseline.answerable_accuracy)}, {_points(verdict['difference'])} below "
                f"{best.cell} (McNemar p={verdict['p_value']:.3g}); the model lacks the knowledge."
            )
    lines += _retrieval_vs_tuning(table, pairs)
    lines += _hallucination_note(table)
    return lines


def _retrieval_vs_tuning(table: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    rag = _best_of(table, "rag")
    tuned = _best_of(table, "finetune", "finetune_rag")
    if rag is None or tuned is None:
        return []
    verdict = _compare(pairs, rag.cell, tuned.cell)
    if verdict is None:
        return [f"{rag.cell} and {tuned.cell} did not answer the same questions."]
    volume = stats.break_even_volume(
        rag.setup_usd, rag.cost_per_1k_questions_usd / 1000,
        tuned.setup_usd, tuned.cost_per_1k_questions_usd / 1000,
    )  # fmt: skip
    cheaper_later = (
        f"; {tuned.cell} becomes the cheaper one past {volume:,.0f} questions"
        if volume and tuned.cost_per_1k_questions_usd < rag.cost_per_1k_questions_usd
        else ""
    )
    if verdict["significant"] and verdict["difference"] > 0:
        return [
            f"Fine-tune: {tuned.cell} beats retrieval ({rag.cell}) by "
            f"{_points(verdict['difference'])} (p={verdict['p_value']:.3g}) for a setup of "
            f"{tuned.setup_seconds:.0f}s (${tuned.setup_usd:.4f}){cheaper_later}"
            f"{_forgetting_clause(tuned)}."
        ]
    return [
        f"Prefer retrieval: {rag.cell} ({_pct(rag.answerable_accuracy)}) is not significantly "
        f"worse than {tuned.cell} ({_pct(tuned.answerable_accuracy)}, p={verdict['p_value']:.3g}) "
        f"and needs no training{cheaper_later}."
    ]


def _forgetting_clause(cell: Any) -> str:
    change = cell.forgetting_change
    if change is None or pd.isna(change):
        return ""
    return f"; the adapter changes accuracy on general questions by {100 * change:+.1f} points"


def _hallucination_note(table: pd.DataFrame) -> list[str]:
    safest = table.sort_values("hallucination_rate").iloc[0]
    worst = table.sort_values("hallucination_rate").iloc[-1]
    if safest.cell == worst.cell:
        return []
    return [
        f"Fewest confident wrong answers: {safest.cell} ({_pct(safest.hallucination_rate)} "
        f"hallucinated, {_pct(safest.abstention_rate)} abstention on unanswerable) against "
        f"{worst.cell} ({_pct(worst.hallucination_rate)})."
    ]


def make_plots(
    runs: pd.DataFrame, predictions: pd.DataFrame, table: pd.DataFrame, folder: Path
) -> dict[str, Path]:
    """Draw the PNG plots that apply to these runs; returns title -> file."""
    from harness import plots

    # matplotlib reads "$...$" in a label as math; a model named "m$^^$" must not stop the report
    table = table.assign(cell=table["cell"].map(_plot_text))
    predictions = predictions.assign(cell=predictions["cell"].map(_plot_text))
    drawn = {
        "Accuracy against cost": plots.accuracy_vs_cost(table, folder / "accuracy_vs_cost.png"),
        "Latency per question": plots.latency(predictions, folder / "latency.png"),
        "Tokens per question": plots.tokens(table, folder / "tokens.png"),
        "Total cost against query volume": plots.cost_vs_volume(
            table, folder / "cost_vs_volume.png"
        ),
    }
    if table["recall_at_k"].notna().any():
        drawn["Retrieval recall against accuracy"] = plots.recall_vs_accuracy(
            table, folder / "recall_vs_accuracy.png"
        )
    curves = {
        _plot_text(r.cell): setup_detail(r.setup.get("details", {}), "loss_curve")
        for r in runs.itertuples()
    }
    curves = {cell: curve for cell, curve in curves.items() if curve}
    if curves:
        drawn["Fine-tuning loss"] = plots.loss_curves(curves, folder / "loss_curves.png")
    return drawn


def _cell_labels(summaries: list[dict[str, Any]]) -> list[str]:
    """strategy/model, plus the settings that tell apart cells that share those."""
    flat = [_flatten({"strategy": s["config"]["strategy"], "dataset": s["config"]["dataset"],
                      "run": s["config"]["run"]}) for s in summaries]  # fmt: skip
    labels = []
    for summary, settings in zip(summaries, flat, strict=True):
        base = f"{summary['strategy']}/{summary['model']}"
        peers = [f for s, f in zip(summaries, flat, strict=True)
                 if f"{s['strategy']}/{s['model']}" == base]  # fmt: skip
        differing = sorted(k for k in settings if len({str(p.get(k)) for p in peers}) > 1)
        extra = ",".join(f"{k.split('.')[-1]}={settings[k]}" for k in differing)
        labels.append(f"{base} {extra}".strip())
    return labels


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif key not in ("system_prompt", "abstain_answer", "cache_dir", "_target_", "force"):
            flat[f"{prefix}{key}"] = value
    return flat


def _dataset_label(summary: dict[str, Any]) -> str:
    revision = summary["config"]["dataset"].get("corpus_revision")
    label = f"{summary['dataset']}/{summary['split']}"
    return f"{label}/rev{revision}" if revision else label


def _best_of(table: pd.DataFrame, *strategies: str) -> Any:
    mine = table[table["strategy"].isin(strategies)]
    return None if mine.empty else mine.sort_values("answerable_accuracy").iloc[-1]


def _compare(pairs: pd.DataFrame, first: str, second: str) -> dict[str, Any] | None:
    """The test between two cells (difference = second minus first); None if not paired."""
    if first == second:
        return {"p_value": 1.0, "significant": False, "difference": 0.0}
    for row in pairs.itertuples():
        if (row.first, row.second) in ((first, second), (second, first)):
            sign = 1 if row.first == first else -1
            return {"p_value": row.p_holm, "significant": row.significant,
                    "difference": sign * row.difference}  # fmt: skip
    return None


def _points(value: float) -> str:
    return f"{100 * value:.1f} points"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.1f}%"


def _display(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.copy()
    for column in ("retrieval_misses", "reading_errors"):
        shown[column] = table[column].map(lambda v: "n/a" if v is None or pd.isna(v) else int(v))
    for column in ("answerable_accuracy", "exact_match", "abstention_rate", "empty_rate",
                   "hallucination_rate", "recall_at_k"):  # fmt: skip
        shown[column] = shown[column].map(_pct)
    shown["minimum_detectable_difference"] = table["minimum_detectable_difference"].map(
        lambda v: "n/a" if v is None or pd.isna(v) else f"{100 * v:.1f} points"
    )
    shown["answerable_accuracy"] = [
        f"{acc} [{_pct(lo)}, {_pct(hi)}]"
        for acc, lo, hi in zip(
            shown["answerable_accuracy"],
            table["accuracy_ci_low"],
            table["accuracy_ci_high"],
            strict=True,
        )
    ]
    shown["forgetting_change"] = [
        "n/a" if pd.isna(v) else f"{100 * v:+.1f} points" for v in table["forgetting_change"]
    ]
    digits = {"latency_p50_seconds": 3, "latency_p95_seconds": 3, "prompt_tokens": 1,
              "completion_tokens": 1, "setup_seconds": 1}  # fmt: skip
    shown = shown.drop(columns=["accuracy_ci_low", "accuracy_ci_high"]).round(digits).round(6)
    # no correct answer, no cost per correct answer
    shown["cost_per_correct_usd"] = shown["cost_per_correct_usd"].map(
        lambda v: "n/a" if v is None or pd.isna(v) else v
    )
    return shown


def _display_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    shown = pairs.round(4)
    shown["difference"] = [
        f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] points"
        for d, lo, hi in zip(
            pairs["difference"], pairs["difference_ci_low"], pairs["difference_ci_high"],
            strict=True,
        )
    ]  # fmt: skip
    shown["p_value"] = pairs["p_value"].map(lambda p: f"{p:.2g}")
    shown["p_holm"] = pairs["p_holm"].map(lambda p: f"{p:.2g}")
    shown["detectable_difference"] = pairs["detectable_difference"].map(
        lambda v: f"{100 * v:.1f} points"
    )
    return shown.drop(columns=["difference_ci_low", "difference_ci_high"])


_SIGNIFICANCE_NOTE = (
    "Accuracy difference = second minus first on the answerable questions both cells answered, "
    "with its paired bootstrap 95 % interval; McNemar's exact test; p_holm = p-value after "
    "Holm's correction across the {n} pair(s) of this report (significant: p_holm < 0.05). "
    "Verdicts by {scorer}. Detectable difference: the smallest true difference the pair would "
    "detect with 80 % power at its size and observed disagreement; a cell's minimum detectable "
    "difference is the same at the worst-case disagreement."
)


def _scorer(runs: pd.DataFrame) -> str:
    """Who decided the verdicts, from the runs' metrics: the rules, or a model judge."""
    names = sorted({run.evaluation.metrics.get("scored_by", "rules") for run in runs.itertuples()})
    judges = [name for name in names if name != "rules"]
    if not judges:
        return "harness/scoring (rules, not a model judge)"
    return (
        f"model judge {', '.join(judges)} where the rules saw an answer (harness/scoring/"
        "model_judge.py), harness/scoring's rules for empty answers and abstentions"
    )


def _markdown(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    advice: list[str],
    plots: dict[str, Path],
    scorer: str = "harness/scoring (rules, not a model judge)",
) -> str:
    shown = _markdown_safe(_display(table)).to_markdown(index=False)
    parts = ["# Comparison", "", shown, "", "## Recommendation"]
    parts += [f"- {_markdown_text(line)}" for line in advice]
    if not pairs.empty:
        parts += ["", "## Paired differences (answerable questions)", ""]
        parts += [_markdown_text(_SIGNIFICANCE_NOTE.format(n=len(pairs), scorer=scorer)), ""]
        parts.append(_markdown_safe(_display_pairs(pairs)).to_markdown(index=False))
    parts += ["", "## Plots", ""] + [f"![{title}]({path.name})" for title, path in plots.items()]
    return "\n".join(parts) + "\n"


def _html(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    advice: list[str],
    plots: dict[str, Path],
    scorer: str = "harness/scoring (rules, not a model judge)",
) -> str:
    images = "".join(
        f"<h3>{title}</h3><img alt='{title}' src='data:image/png;base64,"
        f"{base64.b64encode(path.read_bytes()).decode()}'>"
        for title, path in plots.items()
    )
    items = "".join(f"<li>{html.escape(line)}</li>" for line in advice)
    significance = (
        f"<p>{html.escape(_SIGNIFICANCE_NOTE.format(n=len(pairs), scorer=scorer))}</p>"
        + _display_pairs(pairs).to_html(index=False)
        if not pairs.empty
        else ""
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>ragbench report</title>"
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
        f"<h1>Comparison</h1>{_display(table).to_html(index=False)}"
        f"<h2>Recommendation</h2><ul>{items}</ul>"
        f"<h2>Paired differences</h2>{significance}<h2>Plots</h2>{images}"
    )


# Labels come from users (model names, dataset names) and text from models: neutralised for the
# spreadsheet, the Markdown viewer and the browser that will open the report.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula ("=HYPERLINK(...)") get a leading quote."""
    return frame.apply(
        lambda column: column.map(
            lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v
        )
    )


def _markdown_text(text: str) -> str:
    """One line of Markdown that shows `text` as text: no table breaks, no HTML, no links."""
    text = " ".join(str(text).split())
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(raw, escaped)
    return text


def _plot_text(label: str) -> str:
    return label.replace("$", r"\$")


def _markdown_safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(
        lambda column: column.map(lambda v: _markdown_text(v) if isinstance(v, str) else v)
    )


def main(argv: list[str] | None = None) -> None:
    """CLI entry: write the report for one results folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a results folder (a sweep, or results/runs)")
    parser.add_argument(
        "overrides", nargs="*", help="scoring.* / pricing.* settings, e.g. pricing=default "
        "pricing.hardware_usd_per_hour=1.0 scoring.max_answer_words=30",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        rules, pricing = current_settings(args.overrides)
        print(write_report(args.folder, rules=rules, pricing=pricing).read_text())
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
