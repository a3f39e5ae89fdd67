"""`answers.html`: a row per question, a column per cell, each answer coloured by its verdict.

The page reads the same judged rows as the report (`harness.run.evaluate`, the one evaluation path)
and
is one self-contained file: the rows travel as JSON inside the page, and the script beside this
module (`answers.js`) draws them with `textContent` only, so nothing a user or a model wrote is ever
parsed as HTML. No CDN and no server: it opens from disk, offline.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

import pandas as pd

# what each cell said about a question, and what it was shown; long texts are cut so that a page of
# 5 cells x 1,000 questions stays a few MB
MAX_PREDICTION_CHARS = 2_000
MAX_CHUNK_CHARS = 600


def answers_data(predictions: pd.DataFrame, cells: list[str]) -> dict[str, Any]:
    """The page's data: the cells in report order, then one entry per question with each cell's
    verdict, answer, tokens, latency and the documents (and chunks, where stored) it was shown."""
    questions: dict[str, dict[str, Any]] = {}
    for row in predictions.to_dict("records"):
        entry = questions.setdefault(
            str(row["id"]),
            {
                "id": str(row["id"]),
                "question": str(row.get("question") or ""),
                "gold": [str(a) for a in _listed(row.get("answers"))],
                "answerable": bool(_listed(row.get("answers"))),
                "doc_ids": [str(d) for d in _listed(row.get("doc_ids"))],
                "cells": {},
            },
        )
        entry["cells"][str(row["cell"])] = _cell_answer(row)
    return {"cells": [str(c) for c in cells], "questions": list(questions.values())}


def answers_page(predictions: pd.DataFrame, cells: list[str], title: str = "Answers") -> str:
    """The self-contained HTML page for `predictions` (judged rows with a `cell` column)."""
    data = json.dumps(answers_data(predictions, cells), ensure_ascii=False, allow_nan=False)
    return _TEMPLATE.format(
        title=html.escape(title),
        style=_asset("answers.css"),
        data=script_safe(data),
        script=_asset("answers.js"),
    )


def script_safe(text: str) -> str:
    """JSON that cannot close or comment out the `<script>` element it sits in."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cell_answer(row: dict[str, Any]) -> dict[str, Any]:
    behaviour = row.get("behaviour")
    failed = sorted(k for k, kept in behaviour.items() if not kept) if _is_dict(behaviour) else []
    shown = row.get("shown_doc_ids")
    if not isinstance(shown, list):
        shown = (
            row.get("retrieved_doc_ids") if isinstance(row.get("retrieved_doc_ids"), list) else None
        )
    chunks = row.get("shown_chunks") if isinstance(row.get("shown_chunks"), list) else []
    return {
        "prediction": _cut(str(row.get("prediction") or ""), MAX_PREDICTION_CHARS),
        "outcome": str(row.get("outcome") or ""),
        "failure": row.get("failure") if isinstance(row.get("failure"), str) else None,
        "checks_failed": failed,
        "checked": _is_dict(behaviour),
        "prompt_tokens": _number(row.get("prompt_tokens")),
        "completion_tokens": _number(row.get("completion_tokens")),
        "latency_seconds": _number(row.get("latency_seconds")),
        "shown_doc_ids": None if shown is None else [str(d) for d in shown],
        "chunks": [_cut(str(c), MAX_CHUNK_CHARS) for c in chunks],
        "scored_by": str(row.get("scored_by") or "rules"),
    }


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return list(value) if hasattr(value, "tolist") else []


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: not measured


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _asset(name: str) -> str:
    return resources.files("harness.report").joinpath(name).read_text(encoding="utf-8")


_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="lede">One row per question, one column per cell. Green: correct; red: wrong; grey:
abstained or empty; a struck-out badge names a behaviour check the answer failed. Click an answer
for the documents the cell was shown, its tokens and its latency.</p>
<form id="filters" onsubmit="return false">
  <label><input type="checkbox" id="f-disagree"> cells disagree</label>
  <label>right: <select id="f-right"></select></label>
  <label>wrong: <select id="f-wrong"></select></label>
  <label>failure: <select id="f-failure">
    <option value="">any</option>
    <option value="retrieval_miss">retrieval miss</option>
    <option value="reading_error">reading error</option>
  </select></label>
  <label>questions: <select id="f-kind">
    <option value="">all</option>
    <option value="answerable">answerable</option>
    <option value="unanswerable">unanswerable</option>
  </select></label>
  <label><input type="checkbox" id="f-behaviour"> behaviour failures</label>
  <label>search: <input type="search" id="f-text" placeholder="question, gold or answer"></label>
</form>
<p id="counts" aria-live="polite"></p>
<div class="scroll"><table id="answers"><thead></thead><tbody></tbody></table></div>
<script type="application/json" id="answers-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""
