"""`python -m harness.rescore answers.jsonl [--out DIR] [--model NAME] [key=value ...]`.

Scores predictions made elsewhere (a production system, another harness) with the same rules,
metrics and intervals as a run. One JSON object per line:
{"id", "question", "answers": [gold, ...] (empty: unanswerable, abstaining is right),
"prediction", and optionally "latency_seconds", "prompt_tokens", "completion_tokens",
"cost_usd" (the system's own measured cost: it replaces the priced one), "doc_ids" (gold
documents), "retrieved_doc_ids" (documents the system showed its model)}.

Loading is as strict as a dataset's (`harness.datasets`): a bad line, a missing or mistyped
field, a repeated id or a string over the dataset limit (20,000 characters, `prediction`
included) stops with one line naming the file, the line and the field. Missing
latency and token counts count as 0 (unknown). Writes `verdicts.jsonl` (each row plus its
verdict and cost) and `summary.json` (metrics and costs) into `--out`, by default
`<input stem>-scored/` beside the input. `scoring.*` / `pricing.*` overrides apply as in
`harness.report`; `--model` names the model whose per-token price (if `conf/pricing/` has one)
prices rows without `cost_usd`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, cast

from harness.datasets import gold_answers
from harness.datasets.jsonl_file import (
    MAX_CHARS,
    field,
    read_jsonl,
    string_list,
    text_field,
    warn_unknown_fields,
)
from harness.errors import HarnessError
from harness.files import write_json_atomic, write_text_atomic
from harness.report import current_settings
from harness.run import results
from harness.run.evaluate import Evaluation, evaluate

ANSWER_FIELDS = (
    "id",
    "question",
    "answers",
    "prediction",
    "latency_seconds",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "doc_ids",
    "retrieved_doc_ids",
)
# The fix for each required field, for a row that lacks it.
REQUIRED_FIELDS = {
    "id": "give every row the id of the question it answers",
    "question": "give the text of the question the row answers",
    "answers": "give the gold answers as a list of strings ([] if the question is unanswerable)",
    "prediction": 'give the system\'s answer as a string ("" if it gave none)',
}
# The largest value each measured field may hold: past these a file's figures are not measurements
# (1e308 seconds summed to infinity, and summary.json got `Infinity`, which is not JSON).
LIMITS = {
    "latency_seconds": 10**6,  # 11.6 days for one question
    "prompt_tokens": 10**9,
    "completion_tokens": 10**9,
    "cost_usd": 10**6,  # for one question
}
VERDICT_FIELDS = ("outcome", "correct", "exact_match", "f1", "failure", "cost_usd")
VERDICTS = "verdicts.jsonl"
SUMMARY = "summary.json"


def read_answers(
    path: str | Path, require_answers: bool = True, config_key: str = "answers file"
) -> list[dict[str, Any]]:
    """Validated rows of an answers file, in file order; optional fields only where given.

    `id` comes back as a string and `answers`, `doc_ids`, `retrieved_doc_ids` as lists; other
    fields are kept as they are. `config_key` names the setting in a file-not-found error.
    """
    path = Path(path)
    lines = read_jsonl(path, config_key)
    rows: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for line, raw in lines:
        row = _parse_answer(raw, f"{path} line {line}", require_answers)
        if row["id"] in first_line:
            raise HarnessError(
                f"{path} line {line}: field 'id' repeats id {row['id']!r} (first on line "
                f"{first_line[row['id']]}); give each question one row"
            )
        first_line[row["id"]] = line
        rows.append(row)
    warn_unknown_fields(lines, ANSWER_FIELDS, str(path))
    return rows


def _parse_answer(raw: dict[str, Any], where: str, require_answers: bool) -> dict[str, Any]:
    """One row checked field by field; raises naming the field and the fix."""
    for key, fix in REQUIRED_FIELDS.items():
        if key not in raw and (key != "answers" or require_answers):
            raise HarnessError(f"{where}: missing field {key!r}; {fix}")
    row = dict(raw)
    row["id"] = text_field(raw, "id", where, "give every row the id of the question it answers")
    row["question"] = text_field(raw, "question", where, "give the question the row answers")
    if "answers" in raw:
        row["answers"] = list(gold_answers(raw, where))
    prediction = field(raw, "prediction", str, where, max_chars=None)  # "" is scored "empty"
    if len(prediction) > MAX_CHARS:  # as a dataset's strings: one of 50 MB took minutes and GBs
        raise HarnessError(
            f"{where}: field 'prediction' of id {row['id']!r} is {len(prediction):,} characters "
            f"long; the limit is {MAX_CHARS:,}, as for a dataset's strings (cut the answer down "
            "or drop the row)"
        )
    for key, kind in (
        ("latency_seconds", (int, float)),
        ("prompt_tokens", int),
        ("completion_tokens", int),
        ("cost_usd", (int, float)),
    ):
        value = field(raw, key, kind, where, required=False)
        if value is not None and not (math.isfinite(value) and 0 <= value < LIMITS[key]):
            raise HarnessError(
                f"{where}: field {key!r} is {value}; give a number >= 0 and below "
                f"{LIMITS[key]:.0e}, or leave the field out"
            )
    for key in ("doc_ids", "retrieved_doc_ids"):
        if key in raw:
            row[key] = list(string_list(raw, key, where, required=False))
    for key in sorted(raw.keys() - set(ANSWER_FIELDS)):  # copied into verdicts.jsonl as given
        _check_writable(key, raw[key], where)
    return row


def _check_writable(key: str, value: Any, where: str) -> None:
    """An unknown field, copied to verdicts.jsonl, must be writable as UTF-8 JSON: a lone
    surrogate ("\\ud800") or a NaN reads from JSON but cannot be written back out."""
    try:
        json.dumps({key: value}, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as error:
        text = json.dumps({key: value}, ensure_ascii=False)
        raise HarnessError(
            f"{where}: field {key!r} holds {text[error.start]!r}, half of a surrogate pair, "
            "which is not text; fix the string's escape sequences or drop the field"
        ) from None
    except ValueError:
        raise HarnessError(
            f"{where}: field {key!r} holds NaN or Infinity, which is not JSON; give a number "
            "or drop the field"
        ) from None


def score(
    rows: list[dict[str, Any]], overrides: list[str] | None = None, model_name: str = "external"
) -> tuple[list[dict[str, Any]], Evaluation]:
    """Judge and price answers-file rows; return each row with its verdict, and the evaluation."""
    rules, pricing = current_settings(_check_overrides(overrides or []))
    raw = [
        {
            **row,
            "doc_ids": row.get("doc_ids", []),
            "latency_seconds": row.get("latency_seconds", 0.0),
            "prompt_tokens": row.get("prompt_tokens", 0),
            "completion_tokens": row.get("completion_tokens", 0),
            "batch": 0,  # throughput is unknown for answers made elsewhere: see below
            "batch_seconds": 0.0,
            **({"external_cost_usd": row["cost_usd"]} if "cost_usd" in row else {}),
        }
        for row in rows
    ]
    evaluation = evaluate(raw, {}, rules, pricing, model_name)
    for key in ("batch_p50_seconds", "batch_p95_seconds", "questions_per_second"):
        evaluation.metrics[key] = None
    given = sum("cost_usd" in row for row in rows)
    if given:
        rest = "" if given == len(rows) else f"; the other rows {evaluation.cost['billing']}"
        evaluation.cost["billing"] = f"cost_usd from the file ({given} of {len(rows)} rows{rest})"
    verdicts = [
        {**row, **{key: judged[key] for key in VERDICT_FIELDS}}
        for row, judged in zip(rows, evaluation.rows, strict=True)
    ]
    return verdicts, evaluation


def _check_overrides(overrides: list[str]) -> list[str]:
    """Only scoring and pricing settings change a score; anything else is a mistake."""
    from harness.config import check_group_choices

    for override in overrides:
        key = override.partition("=")[0].lstrip("+~")
        if "=" not in override or not (
            key == "pricing" or key.startswith(("scoring.", "pricing."))
        ):
            raise HarnessError(
                f"{override!r}: only scoring.* and pricing.* settings apply here, as key=value "
                "(e.g. scoring.max_answer_words=30 pricing=default)"
            )
    check_group_choices(overrides)
    return overrides


def write_scores(
    folder: Path, source: Path, model_name: str, verdicts: list[dict[str, Any]], ev: Evaluation
) -> None:
    """Write `verdicts.jsonl` and `summary.json` into `folder`."""
    if folder.exists() and not folder.is_dir():
        raise HarnessError(f"--out {folder}: is a file; give a folder (created if missing)")
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in verdicts)
    summary = {"answers_file": str(source), "model": model_name, "metrics": ev.metrics,
               "cost": ev.cost}  # fmt: skip
    if where := _not_finite(summary):  # what the checks above keep out; never written as JSON
        raise HarnessError(f"{source}: the summary's {where} is not a finite number; check the "
                           "file's latency_seconds, token and cost_usd fields")  # fmt: skip
    try:
        write_text_atomic(folder / VERDICTS, text)
        write_json_atomic(folder / SUMMARY, summary)
    except OSError as error:
        raise HarnessError(
            f"--out {folder}: cannot write {error.filename or folder} ({error.strerror}); give "
            "--out a writable folder"
        ) from None


def _not_finite(node: Any, where: str = "") -> str | None:
    """The dotted key of the first NaN or infinite number in `node`, else None."""
    if isinstance(node, float) and not math.isfinite(node):
        return where
    items = node.items() if isinstance(node, dict) else []
    if isinstance(node, list):
        items = enumerate(node)
    for key, value in items:
        if found := _not_finite(value, f"{where}.{key}" if where else str(key)):
            return found
    return None


def main(argv: list[str] | None = None) -> None:
    """CLI entry: score one answers file."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.rescore", description="Score predictions made elsewhere."
    )
    parser.add_argument("answers", type=Path, help="JSONL of predictions made elsewhere")
    parser.add_argument("--out", type=Path, help="output folder (default: <stem>-scored/)")
    parser.add_argument("--model", default="external", help="model name for per-token prices")
    parser.add_argument(
        "overrides", nargs="*", default=[], help="scoring.* / pricing.* settings, e.g. "
        "scoring.max_answer_words=30 pricing.hardware_usd_per_hour=1.0",
    )  # fmt: skip
    args = parser.parse_intermixed_args(argv)
    try:
        if not args.answers.is_file():
            raise HarnessError(f"file not found: {args.answers}; give the JSONL file to score")
        rows = read_answers(args.answers)
        verdicts, evaluation = score(rows, args.overrides, args.model)
        out = args.out or args.answers.parent / f"{args.answers.stem}-scored"
        write_scores(out, args.answers, args.model, verdicts, evaluation)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    shown = {"run": str(args.answers), "metrics": evaluation.metrics, "setup": {},
             "cost": evaluation.cost}  # fmt: skip
    print(results.format_summary(cast(results.RunSummary, shown)))
    print(f"wrote {out / VERDICTS} and {out / SUMMARY}")


if __name__ == "__main__":
    main()
