"""The answers page (`answers.html`) of report folders: its size, and its load time in Chromium.

    python -m benchmarks.answers_page results/sweeps/quick results/sweeps/compare

For each folder: cells x questions, the file's size, the time from navigation to the page's
counts line being drawn (every row built), and the time one filter takes to redraw, each the
median of 3 loads in Debian's `chromium` driven by Playwright (`make browser` installs it).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path

from tabulate import tabulate

REPEATS = 3


def measure(page: Path, browser: object) -> dict[str, object]:
    """Size, cells, questions and median load and filter times of one answers page."""
    text = page.read_text(encoding="utf-8")
    data = json.loads(text.split('id="answers-data">')[1].split("</script>")[0])
    loads, filters = [], []
    for _ in range(REPEATS):
        tab = browser.new_page(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        started = time.perf_counter()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_selector("#counts[data-shown]")
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        tab.check("#f-disagree")
        filters.append(time.perf_counter() - started)
        tab.close()
    return {
        "page": str(page),
        "cells": len(data["cells"]),
        "questions": len(data["questions"]),
        "size_kb": round(page.stat().st_size / 1024, 1),
        "load_s": round(statistics.median(loads), 3),
        "filter_s": round(statistics.median(filters), 3),
    }


def main(argv: list[str]) -> None:
    """Print one row per folder's answers page."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("error: chromium is missing: apt-get install chromium (make browser)")
    pages = [Path(folder) / "answers.html" for folder in argv]
    if missing := [str(p) for p in pages if not p.is_file()]:
        sys.exit(f"error: no answers page at {', '.join(missing)}: run python -m harness.report "
                 "on the folder first")  # fmt: skip
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        rows = [measure(page, browser) for page in pages]
        browser.close()
    print(tabulate(rows, headers="keys", tablefmt="github"))


if __name__ == "__main__":
    main(sys.argv[1:])
