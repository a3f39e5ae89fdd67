"""`python -m harness.report <folder> [key=value ...]` (see `harness.report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import HarnessError
from harness.report import current_settings, write_report
from harness.report.compare import compare_sweeps


def main(argv: list[str] | None = None) -> None:
    """CLI entry: write the report for one results folder."""
    parser = argparse.ArgumentParser(description="Turn run folders into one comparison report.")
    parser.add_argument("folder", type=Path, help="a results folder (a sweep, or results/runs)")
    parser.add_argument(
        "--compare", type=Path, metavar="AFTER", help="a second sweep folder: compare FOLDER "
        "(before) with it cell by cell, writing compare.md/.csv/.html and answers.html into --out",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, help="where --compare writes (default: AFTER/compare-<FOLDER name>)"
    )
    parser.add_argument(
        "overrides", nargs="*", help="scoring.* / pricing.* settings, e.g. pricing=default "
        "pricing.hardware_usd_per_hour=1.0 scoring.max_answer_words=30",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        rules, pricing = current_settings(args.overrides)
        if args.compare is not None:
            out = args.out or args.compare / f"compare-{args.folder.resolve().name}"
            print(compare_sweeps(args.folder, args.compare, out, rules, pricing).read_text())
        else:
            print(write_report(args.folder, rules=rules, pricing=pricing).read_text())
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
