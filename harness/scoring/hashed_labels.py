"""Agreement on answers whose text may not be stored in the project: labels tied by a hash.

The news set (`data/realqa/realtimeqa-2024/labels/`) labels answers about news paragraphs that
carry no licence, so its label files hold no question, gold or prediction: per row the question's
`id`, the `strategy`, `prediction_sha256` (the SHA-256 of the prediction text, UTF-8, as the run
wrote it), the `label` and optionally `uncertain` and a `note`. The agreement command rejoins
them by id and hash to the questions and gold of the shared folder (`questions.jsonl`, outside the
repository) and to the predictions of the run folders (`predictions.jsonl`, under `results/runs`
by default), scores the predictions with the harness's rules and prints agreement per strategy.
A label whose answer is not found (a run redone, another model) is counted apart, never scored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from harness.scoring import ScoringRules
from harness.scoring.label_counts import (
    agreement,
    asked_line,
    judge_says_correct,
    read_label_files,
    rules_say_correct,
    uncertain_counts,
)

ROOT = Path(__file__).resolve().parents[2]
# the text of a hashed set `data/realqa/<set>/labels`: `../shared/realqa/<set>/`, not in the repo
SHARED_ROOT = ROOT.parent / "shared" / "realqa"
RUNS_DIR = ROOT / "results" / "runs"
FIELDS = ("id", "strategy", "prediction_sha256", "label")


def prediction_sha256(text: str) -> str:
    """The hash a label row holds of the prediction it judged."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_hashed(folder: Path) -> bool:
    """Whether `folder`'s label files hold hashes in place of the answers' text."""
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                return "prediction_sha256" in json.loads(line)
    return False


def load_hashed_labels(folder: Path) -> list[dict[str, Any]]:
    """Every label row of `folder`'s JSONL files, checked field by field."""
    return read_label_files(sorted(folder.glob("*.jsonl")), FIELDS)


def read_questions(shared: Path) -> dict[str, dict[str, Any]]:
    """The shared folder's questions by id (`questions.jsonl` in the harness's JSONL format)."""
    lines = (shared / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = (json.loads(line) for line in lines if line.strip())
    return {str(row["id"]): row for row in rows}


def prediction_files(runs: Iterable[Path]) -> list[Path]:
    """`predictions.jsonl` of each run folder given, or of every run folder under it."""
    found: list[Path] = []
    for run in runs:
        own = run / "predictions.jsonl"
        found.extend([own] if own.is_file() else sorted(run.rglob("predictions.jsonl")))
    return found


def read_predictions(
    runs: Iterable[Path], ids: set[str]
) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """The predictions of the run folders on questions of `ids`: by (strategy, id), by hash.
    A file whose first row asks another question is not read further (another dataset's run)."""
    found: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for path in prediction_files(runs):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if not line.strip():
                    continue
                row = json.loads(line)
                if str(row.get("id")) not in ids:
                    if number == 0:
                        break
                    continue
                key = (str(row.get("strategy")), str(row["id"]))
                found.setdefault(key, {})[prediction_sha256(row["prediction"])] = row
    return found


def rejoin(
    labels: list[dict[str, Any]],
    questions: dict[str, dict[str, Any]],
    predictions: dict[tuple[str, str], dict[str, dict[str, Any]]],
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The label rows with their question, gold answers and prediction, joined by id and hash;
    and the ids of those not joined, by reason: `no question`, `no prediction` (no run of the
    strategy answered it) and `hash differs` (a run answered it, with other text)."""
    joined: list[dict[str, Any]] = []
    missed: dict[str, list[str]] = {}
    for label in labels:
        question = questions.get(str(label["id"]))
        answered = predictions.get((str(label["strategy"]), str(label["id"])), {})
        prediction = answered.get(label["prediction_sha256"])
        if question is None:
            reason = "no question"
        elif prediction is None:
            reason = "hash differs" if answered else "no prediction"
        else:
            joined.append(
                {
                    **label,
                    "question": question["question"],
                    "answers": question["answers"],
                    "prediction": prediction["prediction"],
                }
            )
            continue
        missed.setdefault(reason, []).append(f"{label['strategy']}/{label['id']}")
    return joined, missed


def counts_table(rows: list[dict[str, Any]], says_correct: Callable[[dict[str, Any]], bool]) -> str:
    """A Markdown table per strategy and in all: agreement, false accepts and false rejects, each
    as a share and a count."""
    lines = [
        "| strategy | labelled | labelled correct | agreement | false accepts | false rejects |",
        "|---|---|---|---|---|---|",
    ]
    groups = sorted({str(row["strategy"]) for row in rows})
    for name in [*groups, "all"]:
        chosen = [r for r in rows if name in ("all", str(r["strategy"]))]
        f = agreement(chosen, says_correct)
        n = f["rows"]
        cells = [f"{100 * f[k]:.1f} % ({round(f[k] * n)})" for k in _SHARES]
        lines.append(f"| {name} | {n} | {f['labelled_correct']} | {' | '.join(cells)} |")
    return "\n".join(lines)


_SHARES = ("agreement", "false_accepts", "false_rejects")


def print_hashed_set(
    name: str,
    folder: Path,
    shared: Path,
    runs: list[Path],
    rules: ScoringRules,
    model_judge: Any = None,
) -> None:
    """The agreement table of one hashed label set (and a model judge's, given one), or one line
    saying what is missing."""
    labels = load_hashed_labels(folder)
    make = (
        "python -m harness dataset=jsonl dataset.questions=<shared>/questions.jsonl "
        "dataset.corpus=<shared>/corpus.jsonl strategy=<strategy>"
    )
    if not (shared / "questions.jsonl").is_file():
        folder = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        print(
            f"{name}: skipped, {shared}/questions.jsonl not found (the text stays outside the "
            f"repository, see {folder}/README.md for its source: give its folder with "
            "--news-shared)"
        )
        return
    questions = read_questions(shared)
    joined, missed = rejoin(labels, questions, read_predictions(runs, set(questions)))
    if not joined:
        where = ", ".join(str(run) for run in runs)
        print(
            f"{name}: skipped, no run answering its {len(labels)} labels in {where} "
            f"(make the runs with `{make}` or give their folders with --news-runs)"
        )
        return
    print("rules (harness/scoring), joined by id and prediction hash:")
    print(counts_table(joined, rules_say_correct(rules)))
    counts = uncertain_counts(joined, rules)
    listed = "; ".join(f"{why}: {n}" for why, n in sorted(counts.items())) or "none"
    print(f"uncertain verdicts, {sum(counts.values())} of {len(joined)} rows: {listed}")
    for reason, ids in sorted(missed.items()):
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        print(f"not joined ({reason}), {len(ids)} of {len(labels)} labels: {shown}")
    if "no prediction" in missed:
        print(f"(make the missing runs with `{make}`)")
    if model_judge is not None:
        before = (model_judge.unparsed, model_judge.sent)
        says = judge_says_correct(joined, rules, model_judge)
        print(
            f"\nmodel judge {model_judge.config} (asked about {rules.judge_asks} rows where the "
            "rules saw an answer; the rules decide the rest):"
        )
        print(counts_table(joined, says))
        print(asked_line(joined, rules, says))
        print(
            f"unparsed replies (the rules decided those rows): {model_judge.unparsed - before[0]}"
            f"; requests sent: {model_judge.sent - before[1]}"
        )
