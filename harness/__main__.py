"""`python -m harness [overrides]`: run one cell, or a grid with `-m`.

In a grid, a cell that fails is reported in one line (a bug in full) and the grid goes on: the
report covers the cells that finished, and the command exits 1 naming the failed cells.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.config import check_group_choices, register_configs
from harness.errors import HarnessError
from harness.report import sweep_callback

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def _run_cell(cfg: DictConfig) -> str | None:
    from harness.runner import run

    in_grid = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        return run(cfg)["folder"]
    except HarnessError as error:
        if not in_grid:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)
        print(f"error: {_cell_name()}: {error}", file=sys.stderr)
        sweep_callback.record_failure(_cell_name(), str(error))
    except Exception as error:  # a bug: the whole traceback, and the grid goes on
        if not in_grid:
            raise
        log.exception("cell %s failed", _cell_name())
        sweep_callback.record_failure(_cell_name(), f"{type(error).__name__}: {error}")
    return None


def _cell_name() -> str:
    return " ".join(HydraConfig.get().overrides.task) or "(defaults)"


def main() -> None:
    """Check group choices (one-line errors), then hand over to Hydra."""
    register_configs()
    try:
        check_group_choices(sys.argv[1:])
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    try:
        _run_cell()
    except KeyboardInterrupt:  # Ctrl-C: one line, not a page of torch frames
        print(
            "interrupted: every batch answered so far is kept; run the same command to resume",
            file=sys.stderr,
        )
        sys.exit(130)
    if sweep_callback.OUTCOME.problems:
        for problem in sweep_callback.OUTCOME.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
