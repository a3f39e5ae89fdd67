"""`python -m harness.report <folder> [key=value ...]` (see `harness.report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import HarnessError
from harness.report import current_settings, write_report


def main(argv: list[str] | None = None) -> None:
    """CLI entry: write the report for one results folder."""
    parser = argparse.ArgumentParser(description="Turn run folders into one comparison report.")
    parser.add_argument("folder", type=Path, help="a results folder (a sweep, or results/runs)")
    parser.add_argument(
        "overrides", nargs="*", help="scoring.* / pricing.* settings, e.g. pricing=default "
        "pricing.hardware_usd_per_hour=1.0 scoring.max_answer_words=30",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        rules, pricing = current_settings(args.overrides)
        print(write_report(args.folder, rules=rules, pricing=pricing).read_text())
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
