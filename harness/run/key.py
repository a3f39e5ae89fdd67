"""What decides a run folder's name: the config that decides the predictions, and the data.

Two configs that would give the same predictions share a folder, so a rerun resumes it; settings
that change where things are kept or run, or only how figures are computed from stored rows
(scoring, prices), stay out of the key.
"""

from __future__ import annotations

import re
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from harness import plugins
from harness.caches import file_sha256
from harness.config import KEYING, keying
from harness.datasets import Dataset
from harness.models import SERVING_SETTINGS
from harness.run import results

VALIDATION = "validation"  # run.split's third value: held out of the train split

# Config nodes that do not change a prediction.
_NOT_HASHED = ("paths", "pricing", "scoring")
# Left out at any depth: where converted models, indexes and adapters are kept (each keyed by what
# produced it) never changes an answer, so another `RAGBENCH_CACHE` finds the runs answered.
_WHERE_CACHES_LIVE = "cache_dir"


def run_dir(cfg: DictConfig, plain: dict[str, Any], dataset: Dataset) -> Path:
    """The run folder of `cfg` (`plain` is it resolved): dataset-strategy-model-hash."""
    decisive = _without_unkeyed({k: v for k, v in plain.items() if k not in _NOT_HASHED})
    # The data's content, not just its path: an edited file must not resume stale predictions.
    decisive["data"] = [content(item) for item in (*dataset.questions, *dataset.corpus)]
    # Likewise the files a strategy reads (answers made elsewhere, train questions, a corpus).
    decisive["files"] = {
        path: file_sha256(Path(path)) for path in _file_settings(decisive["strategy"])
    }
    # `limit` and `sample` stay out: answering more extends the same run (the full split after a
    # sample answers only the rest) instead of starting over. So does
    # `threads` in float32, whose greedy answers do not depend on it (so a parallel launcher finds
    # the cells a sequential sweep answered), but not in bfloat16, whose answers do.
    unhashed_run_keys: tuple[str, ...] = ("force", "limit", "sample")
    if cfg.model.get("dtype") != "bfloat16":
        unhashed_run_keys += ("threads",)
    if cfg.run.split != VALIDATION:  # the fraction decides nothing then
        unhashed_run_keys += ("validation_fraction",)
    decisive["run"] = {k: v for k, v in decisive["run"].items() if k not in unhashed_run_keys}
    decisive["model"] = {k: v for k, v in decisive["model"].items() if k not in SERVING_SETTINGS}
    parts = (cfg.dataset.name, cfg.strategy.name, cfg.model.name, results.config_hash(decisive))
    return Path(cfg.paths.runs_dir) / "-".join(folder_safe(str(part)) for part in parts)


def content(item: Any) -> dict[str, Any]:
    """A question's or document's fields as hashed; a question without behaviour checks or a
    reference hashes as before those fields existed, so its earlier runs still resume."""
    fields = asdict(item)
    if not fields.get("checks", True):
        del fields["checks"]
    if "reference" in fields and fields["reference"] is None:
        del fields["reference"]
    return fields


def folder_safe(name: str) -> str:
    """A name as one folder name: "../x" or "org/model" must not leave or nest the runs folder."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name).lstrip(".") or "_"


def _without_unkeyed(node: Any) -> Any:
    """The config without its `cache_dir` settings at any depth, and without the settings each
    node's schema declares unkeyed (`harness.strategy.added_setting` at its default,
    `unkeyed_setting`, `keyed_only_when` at another value of its sibling): a node is matched to
    its schema by its `_target_`."""
    if isinstance(node, list):
        return [_without_unkeyed(v) for v in node]
    if not isinstance(node, dict):
        return node
    declared = _declared_keying(node.get("_target_"))
    return {
        key: _without_unkeyed(value)
        for key, value in node.items()
        if key != _WHERE_CACHES_LIVE and not _unkeyed(node, key, value, declared)
    }


def _declared_keying(target: Any) -> dict[str, Any]:
    schema = plugins.schema_for(target) if isinstance(target, str) else None
    return keying(schema) if schema is not None and is_dataclass(schema) else {}


def _unkeyed(node: dict[str, Any], key: str, value: Any, declared: dict[str, Any]) -> bool:
    """Whether the schema's field `key` (`declared`) leaves `value` out of the run key."""
    if key not in declared:
        return False
    rule = declared[key].metadata[KEYING]
    if rule == "never":
        return True
    if rule == "added":
        return value == declared[key].default
    _, sibling, keyed_value = rule  # ("only_when", sibling, value)
    sibling_default = declared[sibling].default if sibling in declared else None
    return node.get(sibling, sibling_default) != keyed_value


def _file_settings(node: Any) -> list[str]:
    """Every setting in a config node that names an existing file; a setting naming a run folder
    (`strategy.teacher_run`), or a folder holding one run, stands for its predictions, so new
    teacher answers make a new run."""
    if isinstance(node, dict):
        return [path for value in node.values() for path in _file_settings(value)]
    if isinstance(node, list):
        return [path for value in node for path in _file_settings(value)]
    if not isinstance(node, str) or not node.strip():  # "" would name the current folder
        return []
    if _is_file(node):
        return [node]
    try:
        folders = results.run_folders(Path(node)) if "\n" not in node else []
    except (OSError, ValueError):  # a prompt too long for a file name, a NUL character
        return []
    return [str(folders[0] / results.PREDICTIONS)] if len(folders) == 1 else []


def _is_file(text: str) -> bool:
    try:
        return "\n" not in text and Path(text).is_file()
    except (OSError, ValueError):  # a prompt too long for a file name, a NUL character
        return False
