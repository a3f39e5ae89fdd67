"""`python -m harness [overrides]`: run one cell, or a grid with `-m`."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from harness.config import check_group_choices, register_configs
from harness.errors import HarnessError


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def _run_cell(cfg: DictConfig) -> str:
    from harness.runner import run

    try:
        return run(cfg)["folder"]
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


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


if __name__ == "__main__":
    main()
