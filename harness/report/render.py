"""The report as Markdown, HTML and CSV, each escaping what came from users and models."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.files import spreadsheet_safe
from harness.metrics import format_value, metrics
from harness.report.sections import Section
from harness.report.tables import COLUMN_FORMATS


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as shown: each metric by its unit with its interval beside it."""
    shown, hidden = table.copy(), []
    for metric in metrics():
        column, ends = metric.column_name, list(metric.interval_keys or ())
        if column not in table:
            continue
        hidden += ends  # shown inside the metric's own cell
        if metric.optional and table[column].isna().all():  # measured by no cell: no column
            hidden.append(column)
            continue
        bounds = [table[end] for end in ends] or [[None] * len(table)] * 2
        shown[column] = [metric.text(*cell) for cell in zip(table[column], *bounds, strict=True)]
    for column, (unit, digits) in COLUMN_FORMATS.items():
        if column in table:
            shown[column] = table[column].map(lambda v, u=unit, d=digits: format_value(v, u, d))
    return shown.drop(columns=hidden, errors="ignore").round(3)


def direction_note(shown: pd.DataFrame) -> str:
    """Which way is better for each metric column of the shown table (`higher_is_better`)."""
    better: dict[bool, list[str]] = {True: [], False: []}
    for metric in metrics():
        if metric.higher_is_better is not None and metric.column_name in shown:
            better[metric.higher_is_better].append(metric.column_name)
    parts = [f"{word} is better: {', '.join(better[way])}"
             for word, way in (("Higher", True), ("Lower", False)) if better[way]]  # fmt: skip
    return "; ".join(parts) + "." if parts else ""


def _display_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The paired table as shown: shares as percentages, the difference with its interval, and
    headers of words that wrap, so it fits a 1400-pixel page as the first table does."""
    share = [c for c in pairs.columns if c.startswith(("first_", "second_"))]
    shown = pd.DataFrame({
        "first": pairs["first"], "second": pairs["second"], "questions": pairs["questions"],
        **{c.replace("_", " "): pairs[c].map(lambda v: f"{100 * v:.1f} %") for c in share},
        "difference [95 % CI]": [
            f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] points"
            for d, lo, hi in zip(pairs["difference"], pairs["difference_ci_low"],
                                 pairs["difference_ci_high"], strict=True)
        ],
        "p (McNemar)": pairs["p_value"].map(lambda p: f"{p:.2g}"),
        "p (Holm)": pairs["p_holm"].map(lambda p: f"{p:.2g}"),
        "detectable difference": pairs["detectable_difference"].map(lambda v: f"{100 * v:.1f}"),
        "significant": pairs["significant"].map(lambda v: "yes" if v else "no"),
    })  # fmt: skip
    return shown


_SUMMARY_NOTE = (
    "Sorted by the recommendation: the recommended cell first, then the simplest kind, the most "
    "accurate, the cheapest. Costs at the prices in conf/pricing; every other figure is under "
    "Details and in report.csv."
)

_BEHAVIOUR_NOTE = (
    "Difference = second minus first in the share of answers that keep every behaviour check, "
    "on the checked questions both cells answered; the same interval and tests as above, Holm's "
    "correction across the {n} pair(s) of this table."
)

_SIGNIFICANCE_NOTE = (
    "Accuracy difference = second minus first on the answerable questions both cells answered, "
    "with its paired bootstrap 95 % interval; McNemar's exact test; p (Holm) = p-value after "
    "Holm's correction across the {n} pair(s) of this report (significant: p (Holm) < 0.05). "
    "Verdicts by {scorer}. Detectable difference (points): the smallest true difference the pair "
    "would detect with 80 % power at its size and observed disagreement; a cell's minimum "
    "detectable difference is the same at the worst-case disagreement."
)


def scorer_note(runs: pd.DataFrame) -> str:
    """Who decided the verdicts, from the runs' metrics: the rules, or a model judge."""
    names = sorted({run.evaluation.metrics.get("scored_by", "rules") for run in runs.itertuples()})
    judges = [name for name in names if name != "rules"]
    if not judges:
        return "harness/scoring (rules, not a model judge)"
    return (
        f"model judge {', '.join(judges)} where the rules saw an answer (harness/scoring/"
        "model_judge.py), harness/scoring's rules for empty answers and abstentions"
    )


@dataclass
class Page:
    """What a report page shows: the tables, the advice, the plots and who judged."""

    table: pd.DataFrame
    pairs: pd.DataFrame
    advice: list[str]
    plots: dict[str, Path]
    scorer: str = "harness/scoring (rules, not a model judge)"
    behaviour_pairs: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None  # the first table: the few figures a decision needs
    # after the paired tables: distillation, seed spread, training data (those that apply)
    sections: list[Section] = field(default_factory=list)


def markdown_page(page: Page) -> str:
    """The report as Markdown, every label and advice line escaped."""
    table, pairs, advice, plots = page.table, page.pairs, page.advice, page.plots
    scorer, behaviour_pairs = page.scorer, page.behaviour_pairs
    shown = _display(table)
    parts = ["# Comparison", ""]
    if page.summary is not None and not page.summary.empty:
        parts += [_markdown_safe(page.summary).to_markdown(index=False), "", _SUMMARY_NOTE, ""]
    parts += ["## Recommendation"]
    parts += [f"- {_markdown_text(line)}" for line in advice]
    parts += ["", "## Details", "", _markdown_safe(shown).to_markdown(index=False), ""]
    parts += [_markdown_text(direction_note(shown))]
    if not pairs.empty:
        parts += ["", "## Paired differences (answerable questions)", ""]
        parts += [_markdown_text(_SIGNIFICANCE_NOTE.format(n=len(pairs), scorer=scorer)), ""]
        parts.append(_markdown_safe(_display_pairs(pairs)).to_markdown(index=False))
    if behaviour_pairs is not None and not behaviour_pairs.empty:
        parts += ["", "## Paired differences (behaviour: every check kept)", ""]
        parts += [_markdown_text(_BEHAVIOUR_NOTE.format(n=len(behaviour_pairs))), ""]
        parts.append(_markdown_safe(_display_pairs(behaviour_pairs)).to_markdown(index=False))
    for section in page.sections:
        parts += ["", f"## {_markdown_text(section.title)}", "", _markdown_text(section.note), ""]
        parts.append(_markdown_safe(section.table).to_markdown(index=False))
        parts += ["", *[f"- {_markdown_text(line)}" for line in section.notes]]
    parts += ["", "## Plots", ""] + [f"![{title}]({path.name})" for title, path in plots.items()]
    return "\n".join(parts) + "\n"


def html_page(page: Page) -> str:
    """The report as one self-contained HTML page (plots inlined), everything escaped."""
    table, pairs, advice, plots = page.table, page.pairs, page.advice, page.plots
    shown = _display(table)
    scorer, behaviour_pairs = page.scorer, page.behaviour_pairs
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
    if behaviour_pairs is not None and not behaviour_pairs.empty:
        significance += (
            "<h3>Behaviour: every check kept</h3>"
            f"<p>{html.escape(_BEHAVIOUR_NOTE.format(n=len(behaviour_pairs)))}</p>"
            + _display_pairs(behaviour_pairs).to_html(index=False)
        )
    sections = ""
    for section in page.sections:
        notes = "".join(f"<li>{html.escape(line)}</li>" for line in section.notes)
        sections += (
            f"<h2>{html.escape(section.title)}</h2><p>{html.escape(section.note)}</p>"
            f"<div class='scroll'>{section.table.to_html(index=False)}</div><ul>{notes}</ul>"
        )
    summary = (
        f"{page.summary.to_html(index=False)}<p>{html.escape(_SUMMARY_NOTE)}</p>"
        if page.summary is not None and not page.summary.empty
        else ""
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>ragbench report</title>"
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
        ".scroll{overflow-x:auto}img{max-width:100%}</style>"
        f"<h1>Comparison</h1>{summary}<h2>Recommendation</h2><ul>{items}</ul>"
        "<p>Every answer, cell by cell: <a href='answers.html'>answers.html</a>.</p>"
        "<h2>Details</h2><details><summary>every column (also in report.csv)</summary>"
        f"<div class='scroll'>{shown.to_html(index=False)}</div>"
        f"<p>{html.escape(direction_note(shown))}</p></details>"
        f"<h2>Paired differences</h2><div class='scroll'>{significance}</div>{sections}"
        f"<h2>Plots</h2>{images}"
    )


# Labels come from users (model names, dataset names) and text from models: neutralised for the
# spreadsheet, the Markdown viewer and the browser that will open the report.
def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula ("=HYPERLINK(...)") get a leading quote."""
    return frame.apply(lambda column: column.map(spreadsheet_safe))


def _markdown_text(text: str) -> str:
    """One line of Markdown that shows `text` as text: no table breaks, no HTML, no links."""
    text = " ".join(str(text).split())
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(raw, escaped)
    return text


def plot_text(label: str) -> str:
    """A label as matplotlib text, not math (a `$` is shown as a dollar)."""
    return label.replace("$", r"\$")


def _markdown_safe(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(
        lambda column: column.map(lambda v: _markdown_text(v) if isinstance(v, str) else v)
    )


def markdown_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of `frame` as one line of Markdown shown as text (no HTML, no links)."""
    return _markdown_safe(frame)


def markdown_text(text: str) -> str:
    """`text` as one line of Markdown shown as text (no table breaks, no HTML, no links)."""
    return _markdown_text(text)
