"""Distillation: a student adapter trained on a teacher run's answers instead of the gold ones.

`strategy.teacher_run` names a run folder (`results/runs/<...>` or a sweep cell), or a folder
holding one run (conf/behaviour/teacher.yaml gives its cell a runs folder of its own), whose
`predictions.jsonl` answered the train split: any strategy, model or backend the harness ran, run
with `run.split=train`. `read_teacher` checks that folder against the student's train questions
and returns the teacher's raw prediction for each, with what `setup.json` records about it.

The report compares a student with its teacher's cell on the student's split: a reported run
with the teacher's strategy, model and dataset names whose `configuration_key` equals the one
recorded here, that is, the teacher's config but for `run.split` and the settings that never
decide an answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.caches import file_sha256
from harness.datasets import Question
from harness.errors import HarnessError
from harness.models import SERVING_SETTINGS
from harness.run import results

log = logging.getLogger(__name__)

KEY = "strategy.teacher_run"
TEACHER_SPLIT = "train"
# What a teacher's test-split cell may differ from its train run in: the split, and what never
# decides an answer (the same settings the run folder's hash leaves out).
_NOT_DECISIVE = ("paths", "pricing", "scoring")
_NOT_DECISIVE_RUN = ("split", "limit", "force", "threads", "validation_fraction")


@dataclass
class Teacher:
    """The teacher's answer to each of the student's train questions, and its record."""

    replies: dict[str, str]  # question id -> the teacher's raw prediction
    record: dict[str, Any]  # what the student's setup.json keeps under details.teacher


def read_teacher(folder: str, train: list[Question]) -> Teacher:
    """The teacher run in `folder`, checked against the student's train questions.

    Each problem is one `HarnessError` line naming `strategy.teacher_run` and the fix.
    """
    path = Path(folder).expanduser()
    where = f"{KEY}={folder}"
    if not path.is_dir():
        raise HarnessError(
            f"{where}: no such folder; set {KEY}=<the run folder of a teacher run with "
            f"run.split={TEACHER_SPLIT}> (results/runs/<...>)"
        )
    runs = results.run_folders(path)
    if len(runs) > 1:
        raise HarnessError(
            f"{where}: holds {len(runs)} runs ({', '.join(r.name for r in runs[:3])}...); set "
            f"{KEY} to the one that answered run.split={TEACHER_SPLIT}"
        )
    path = runs[0] if runs else path
    predictions, config_path = path / results.PREDICTIONS, path / results.CONFIG
    if not predictions.is_file() or not config_path.is_file():
        lacking = results.PREDICTIONS if not predictions.is_file() else results.CONFIG
        raise HarnessError(
            f"{where}: holds no {lacking}, so it is not a run folder; run the teacher with "
            f"run.split={TEACHER_SPLIT} and set {KEY} to the folder it writes"
        )
    config = _read_config(config_path, where)
    split = _node(config, "run").get("split")
    if split != TEACHER_SPLIT:
        raise HarnessError(
            f"{where}: the teacher answered the {split} split, not the student's train "
            f"questions; run the teacher with run.split={TEACHER_SPLIT} and set {KEY} to that run"
        )
    answered = {
        str(row["id"]): row
        for row in results.read_predictions(predictions, repair=False)
        if isinstance(row.get("prediction"), str)
    }
    missing = [q.id for q in train if q.id not in answered]
    if missing:
        raise HarnessError(
            f"{where}: the teacher's predictions miss {len(missing)} of the student's "
            f"{len(train)} train questions (first: {missing[0]!r}); finish the teacher run (its "
            f"command again, without run.limit) on the student's dataset"
        )
    differing = [q.id for q in train if answered[q.id].get("question") != q.question]
    if differing:
        raise HarnessError(
            f"{where}: {len(differing)} of the student's train questions read differently in "
            f"the teacher's predictions (first: {differing[0]!r}), so the teacher answered "
            f"another dataset; run the teacher on this one with run.split={TEACHER_SPLIT}"
        )
    replies = {q.id: answered[q.id]["prediction"] for q in train}
    _check_replies(replies, where)
    record = {
        "folder": str(path.resolve()),
        "strategy": _name(config, "strategy"),
        "model": _name(config, "model"),
        "dataset": _name(config, "dataset"),
        "split": split,
        "predictions_sha256": file_sha256(predictions),
        "configuration": configuration_key(config),
        "examples": len(train),
    }
    log.info("distilling from %s: %d answers of %s/%s", path, len(train), record["strategy"],
             record["model"])  # fmt: skip
    return Teacher(replies, record)


def _check_replies(replies: dict[str, str], where: str) -> None:
    """A teacher that mostly said nothing (more than half of its replies empty) is refused: the
    student would learn to reply with nothing. Fewer empty replies are trained on, warned of."""
    empty = [key for key, reply in replies.items() if not reply.strip()]
    if not empty:
        return
    share = f"{len(empty)} of the teacher's {len(replies)} answers to the student's train questions"
    if len(empty) * 2 > len(replies):
        raise HarnessError(
            f"{where}: {share} are empty (first: {empty[0]!r}), so the student would learn to say "
            f"nothing; fix the teacher (its prompt, model.max_new_tokens) and run it again with "
            f"run.split={TEACHER_SPLIT}"
        )
    log.warning("%s: %s are empty (first: %r); the student learns to reply with nothing to them",
                where, share, empty[0])  # fmt: skip


def configuration_key(config: dict[str, Any]) -> str:
    """A hash of a run's resolved config without `run.split` and what never decides an answer:
    the same for a teacher's train run and its test-split cell."""
    kept = {key: value for key, value in config.items() if key not in _NOT_DECISIVE}
    kept["run"] = {k: v for k, v in _node(config, "run").items() if k not in _NOT_DECISIVE_RUN}
    kept["model"] = {k: v for k, v in _node(config, "model").items() if k not in SERVING_SETTINGS}
    return results.config_hash(kept)


def _read_config(path: Path, where: str) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        problem = " ".join(str(error).split())[:120]
        raise HarnessError(
            f"{where}: its {results.CONFIG} is unreadable ({problem}); run the teacher again "
            f"with run.split={TEACHER_SPLIT}"
        ) from None
    if not isinstance(config, dict):
        raise HarnessError(
            f"{where}: its {results.CONFIG} is not a run's config; run the teacher again with "
            f"run.split={TEACHER_SPLIT}"
        )
    return config


def _node(config: dict[str, Any], group: str) -> dict[str, Any]:
    node = config.get(group)
    return node if isinstance(node, dict) else {}


def _name(config: dict[str, Any], group: str) -> str | None:
    name = _node(config, group).get("name")
    return None if name is None else str(name)
