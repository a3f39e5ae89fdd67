"""A Hydra callback that writes the comparison report at the end of every multirun.

Finished cells are listed in the sweep folder's `cells.txt`, failed ones in `failed.txt` (files,
so cells run by other processes count too); what went wrong for the sweep as a whole ends in
`OUTCOME`, which `python -m harness` turns into its exit status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from harness.run.results import CELLS

log = logging.getLogger(__name__)

FAILED = "failed.txt"


@dataclass
class SweepOutcome:
    """What the last multirun of this process left undone: failed cells, a report not written."""

    problems: list[str] = field(default_factory=list)


OUTCOME = SweepOutcome()


def record_failure(cell: str, error: str) -> None:
    """Note a failed cell in its sweep folder (called in the process that ran the cell)."""
    sweep_dir = Path(HydraConfig.get().sweep.dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    with (sweep_dir / FAILED).open("a", encoding="utf-8") as stream:
        stream.write(f"{cell}\t{' '.join(error.split())}\n")


class SweepReport(Callback):
    """Records each finished cell's run folder, then reports on them when the sweep ends.

    The record is a file in the sweep folder, so it also works when cells run in other
    processes (joblib, Ray, Slurm launchers).
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Forget the failures of an earlier run of this sweep (its finished cells stay)."""
        OUTCOME.problems = []
        (Path(config.hydra.sweep.dir) / FAILED).unlink(missing_ok=True)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Append the finished cell's run folder to the sweep's list of cells."""
        if HydraConfig.get().mode.name != "MULTIRUN" or job_return.status != JobStatus.COMPLETED:
            return
        if job_return.return_value is None:  # the cell failed and recorded why
            return
        sweep_dir = Path(HydraConfig.get().sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        with (sweep_dir / CELLS).open("a", encoding="utf-8") as stream:
            stream.write(f"{job_return.return_value}\n")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write report.md/.csv/.html and the plots into the sweep folder."""
        from hydra.utils import instantiate

        from harness.errors import HarnessError
        from harness.report import write_report
        from harness.run.evaluate import scoring_rules

        sweep_dir = Path(config.hydra.sweep.dir)
        OUTCOME.problems = [
            f"cell {line.split(chr(9))[0]} failed: {line.split(chr(9), 1)[-1]}"
            for line in _lines(sweep_dir / FAILED)
        ]
        if not _lines(sweep_dir / CELLS):
            OUTCOME.problems.append(f"no cell finished in {sweep_dir}; no report written")
            return
        try:
            rules = scoring_rules(config.scoring, config.paths.cache_dir)
            pricing = instantiate(config.pricing)
            report = write_report(sweep_dir, rules=rules, pricing=pricing)  # reads cells.txt
        except HarnessError as error:
            OUTCOME.problems.append(f"report not written: {error}")
            return
        except Exception as error:  # Hydra would turn it into a warning and exit 0
            log.exception("report not written")
            OUTCOME.problems.append(f"report not written: {type(error).__name__}: {error}")
            return
        log.info("report: %s", report)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
