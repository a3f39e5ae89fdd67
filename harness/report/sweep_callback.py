"""A Hydra callback that writes the comparison report at the end of every multirun."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

CELLS = "cells.txt"


class SweepReport(Callback):
    """Records each finished cell's run folder, then reports on them when the sweep ends.

    The record is a file in the sweep folder, so it also works when cells run in other
    processes (joblib, Ray, Slurm launchers).
    """

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Append the finished cell's run folder to the sweep's list of cells."""
        if HydraConfig.get().mode.name != "MULTIRUN" or job_return.status != JobStatus.COMPLETED:
            return
        sweep_dir = Path(HydraConfig.get().sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        with (sweep_dir / CELLS).open("a", encoding="utf-8") as stream:
            stream.write(f"{job_return.return_value}\n")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write report.md/.csv/.html and the plots into the sweep folder."""
        from hydra.utils import instantiate

        from harness.errors import HarnessError
        from harness.evaluate import scoring_rules
        from harness.report import write_report

        sweep_dir = Path(config.hydra.sweep.dir)
        cells_file = sweep_dir / CELLS
        if not cells_file.is_file():
            log.warning("no finished cells in %s; no report written", sweep_dir)
            return
        try:
            rules = scoring_rules(config.scoring, config.paths.cache_dir)
            pricing = instantiate(config.pricing)
            report = write_report(sweep_dir, rules=rules, pricing=pricing)  # reads cells.txt
        except HarnessError as error:
            log.error("report not written: %s", error)
            return
        log.info("report: %s", report)
