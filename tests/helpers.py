"""Plain helpers the tests import: composing the config as the CLI does, writing JSONL files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from harness.config import CONF_DIR, register_configs


def compose_config(overrides: list[str]) -> DictConfig:
    """Compose `conf/config.yaml` with overrides, as `python -m harness` would."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run_score(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    """Run `python -m harness.rescore` in-process; its exit code, stdout and stderr."""
    from harness.rescore import main

    try:
        main(argv)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
