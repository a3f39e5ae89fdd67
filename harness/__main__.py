"""`python -m harness [overrides]`: run one cell, or a grid with `-m`.

In a grid, a cell that fails is reported in one line (a bug in full) and the grid goes on: the
report covers the cells that finished, and the command exits 1 naming the failed cells.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from harness.config import check_group_choices, check_overrides, register_configs
from harness.errors import HarnessError
from harness.report import sweep_callback

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def _run_cell(cfg: DictConfig) -> str | None:
    from harness.run.runner import run

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
    finally:
        if in_grid:  # the next cell runs in this process
            release_memory()
    return None


def release_memory() -> None:
    """Free what a finished cell left: its model, adapter and index sit in reference cycles
    (peft, torch modules) that only a full collection frees, and glibc keeps freed memory
    unless asked to return it. Without this a 4-cell sweep held 9.3 GB at its last cell."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    log.info("memory after the cell: %s", resident_memory())


def resident_memory() -> str:
    """This process's resident memory now, as the kernel reports it (Linux), else "n/a"."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return f"{int(line.split()[1]) / 1024**2:.2f} GB resident"
    except OSError:
        pass
    return "n/a"


def _cell_name() -> str:
    return " ".join(HydraConfig.get().overrides.task) or "(defaults)"


def main() -> None:
    """Check group choices (one-line errors), then hand over to Hydra."""
    register_configs()
    try:
        check_group_choices(sys.argv[1:])
        overrides = [a for a in sys.argv[1:] if a not in ("-m", "--multirun")]
        if not any(a.startswith("-") for a in overrides):  # --cfg, --help...: Hydra's own
            check_overrides(overrides)
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
