"""Draw the predictions to hand-label for behaviour (data/acme/labels/behaviour.jsonl).

Sampling only, never labelling: rows come out without any verdict. For each strategy (a finished
cell of the behaviour sweep: its folder has metrics.json) and each kind of question, a seeded
`random.Random` of its own picks a fixed number of test questions, so adding a strategy later
(the fine-tuned cells) never changes the rows already drawn for the others:

    python data/acme/labels/sample_behaviour.py [--strategy prompt --strategy rag ...] > rows.jsonl

Each row: id, strategy, model, kind, question, prediction (verbatim) and checks, as in the run's
predictions.jsonl. The kinds are the rules the checks stand for: answerable (house format and brand
voice), unanswerable and the four kinds of off-topic question (fallback), competitor bait
(competitors).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from random import Random
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
SWEEP = ROOT / "results" / "sweeps" / "behaviour"
FACTS = ROOT / "data" / "acme" / "facts" / "behaviour.yaml"
STRATEGIES = ("prompt", "prompt_policy", "rag")
SEED = 13
# Questions drawn per kind (of 162 answerable, 24 unanswerable, 6 of each off-topic kind and 16
# bait questions on the test split): 44 per strategy; prompt_policy, where the policy's answers
# show up, gets more answerable questions and all the bait ones (62).
QUOTA = {
    "answerable": 18,
    "unanswerable": 8,
    "other_companies": 2,
    "chit_chat": 2,
    "general_knowledge": 2,
    "outside_the_product": 2,
    "competitor_bait": 10,
}
# The fine-tuned cells (added later, issue 13): finetune gets 24 answerable questions (50 rows), as
# it is the cell expected to keep the brand voice; finetune_rag a smaller draw of every kind (30).
QUOTAS = {
    "prompt_policy": {**QUOTA, "answerable": 30, "competitor_bait": 16},
    "finetune": {**QUOTA, "answerable": 24},
    "distilled": {**QUOTA, "answerable": 24},  # the student of finetune_rag, drawn like finetune
    "finetune_rag": {
        **QUOTA,
        "answerable": 12,
        "unanswerable": 4,
        **{kind: 1 for kind in ("other_companies", "chit_chat", "general_knowledge")},
        "outside_the_product": 1,
    },
}


def sample(strategy: str, sweep: Path = SWEEP, seed: int = SEED) -> list[dict[str, Any]]:
    """The drawn rows of one strategy's finished cell, in kind order then id order."""
    rows = _predictions(strategy, sweep)
    off_topic = _off_topic_kinds()
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in QUOTA}
    for row in rows:
        by_kind[_kind(row, off_topic)].append(row)
    drawn = []
    for kind, count in QUOTAS.get(strategy, QUOTA).items():
        pool = sorted(by_kind[kind], key=lambda r: r["id"])
        picked = Random(f"{seed}-{strategy}-{kind}").sample(pool, min(count, len(pool)))
        drawn += [_sampled(row, kind) for row in sorted(picked, key=lambda r: r["id"])]
    return drawn


# Knowledge labels of house-format replies (`acme_behaviour-<strategy>.jsonl`): is the fact right?
KNOWLEDGE_QUOTA = {"answerable": 40, "unanswerable": 10}


def sample_answers(strategy: str, sweep: Path = SWEEP, seed: int = SEED) -> list[dict[str, Any]]:
    """Answerable and unanswerable rows of one cell to label for correctness, without verdicts."""
    rows = _predictions(strategy, sweep)
    off_topic = _off_topic_kinds()
    drawn = []
    for kind, count in KNOWLEDGE_QUOTA.items():
        pool = sorted((r for r in rows if _kind(r, off_topic) == kind), key=lambda r: r["id"])
        picked = Random(f"{seed}-knowledge-{strategy}-{kind}").sample(pool, min(count, len(pool)))
        keys = ("id", "strategy", "model", "question", "answers", "doc_ids", "prediction")
        drawn += [{key: row[key] for key in keys} for row in sorted(picked, key=lambda r: r["id"])]
    return drawn


def _predictions(strategy: str, sweep: Path) -> list[dict[str, Any]]:
    """The predictions of the one finished cell of `strategy` in the sweep folder."""
    folders = sorted(sweep.glob(f"acme_behaviour-{strategy}-*"))
    cells = [folder for folder in folders if (folder / "metrics.json").exists()]
    if len(cells) != 1:
        raise SystemExit(f"error: {len(cells)} finished cells of strategy {strategy!r} in {sweep}")
    lines = (cells[0] / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _off_topic_kinds() -> dict[str, str]:
    """Question text -> kind of off-topic question, from the hand-written facts."""
    facts = yaml.safe_load(FACTS.read_text(encoding="utf-8"))
    return {text: kind for kind, texts in facts["off_topic"].items() for text in texts}


def _kind(row: dict[str, Any], off_topic: dict[str, str]) -> str:
    """The kind of question, from its id and the types (not the verdicts) of its checks."""
    types = {check["type"] for check in row["checks"]}
    if "not_contains" in types:
        return "competitor_bait"
    if "fallback" in types:
        return off_topic[row["question"]] if row["id"].startswith("b-") else "unanswerable"
    return "answerable"


def _sampled(row: dict[str, Any], kind: str) -> dict[str, Any]:
    keys = ("id", "strategy", "model", "question", "prediction", "checks")
    return {**{key: row[key] for key in keys[:3]}, "kind": kind, **{k: row[k] for k in keys[3:]}}


def main(argv: list[str] | None = None) -> None:
    """CLI entry: print the drawn rows as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", action="append", help=f"default: {', '.join(STRATEGIES)}")
    parser.add_argument("--sweep", type=Path, default=SWEEP, help="the behaviour sweep folder")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--knowledge", action="store_true",
        help="draw rows to label for correctness instead (40 answerable, 10 unanswerable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    draw = sample_answers if args.knowledge else sample
    for strategy in args.strategy or STRATEGIES:
        for row in draw(strategy, args.sweep, args.seed):
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
