"""The ingest probes of `python -m benchmarks.hardening_probes` (issue 38's hostile inputs) and
the helpers every probe uses: a command run as a user runs it, with a time limit, and the verdict
on its stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 120.0
SAMPLE_1252 = "Café ... costs €5 – naïve “quotes”"


@dataclass
class Outcome:
    """What one command did."""

    code: int | str  # the exit code, or "timeout"
    stderr: str
    seconds: float


def command(args: list[str], where: Path, limit: float = LIMIT_SECONDS) -> Outcome:
    """Run `python args...` from the repository root, as a user would, with a time limit."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TQDM_DISABLE": "1"}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=limit, errors="replace")  # fmt: skip
    except subprocess.TimeoutExpired:
        return Outcome("timeout", "", time.perf_counter() - started)
    (where / "stdout.txt").write_text(done.stdout)
    return Outcome(done.returncode, done.stderr, time.perf_counter() - started)


def first_line(stderr: str) -> str:
    """The first error line of stderr, else its first line that is not a log line ([INFO] ...)
    or a progress bar."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("error:", "Traceback"))]
    others = [line for line in lines if not line.startswith("[") and "call/s]" not in line]
    return (errors or others or [""])[0]


def _one_line_error(result: Outcome, named: str) -> bool:
    """Exit code 2 and one line of error naming `named` (log lines aside), no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    clean = "Traceback" not in result.stderr
    return result.code == 2 and clean and len(lines) == 1 and named in lines[0]


# ---- ingest ----------------------------------------------------------------------------------


def ingest(folder: Path, *extra: str) -> tuple[Outcome, Path]:
    out = folder / "out"
    return command(["-m", "harness.ingest", str(folder / "docs"), "--out", str(out), "--quiet",
                    *extra], folder), out  # fmt: skip


def corpus_text(out: Path) -> str:
    path = out / "corpus.jsonl"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def docs(folder: Path, files: dict[str, bytes | str]) -> None:
    (folder / "docs").mkdir()
    for name, data in files.items():
        path = folder / "docs" / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def nested_divs(folder: Path) -> tuple[Outcome, bool]:
    page = "<html><body>" + "<div>" * 5000 + "<p>The one paragraph.</p>" + "</div>" * 5000
    docs(folder, {"deep.html": page + "</body></html>"})
    result, out = ingest(folder)
    return result, result.code == 0 and "The one paragraph." in corpus_text(out)


def repeated_sections(folder: Path) -> tuple[Outcome, bool]:
    docs(folder, {"notes.md": "## Note\nSame line.\n" * 40_000})
    result, out = ingest(folder)
    fast = result.seconds < 30  # quadratic, 95 s for this file; a 20 MB one ran for days
    return result, fast and result.code == 0 and corpus_text(out).count("\n") == 40_000


BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
title: *f
---
# Setup

Plug the cable in.
"""


def alias_title(folder: Path) -> tuple[Outcome, bool]:
    docs(folder, {"bomb.md": BOMB, "plain.md": "# Plain\n\nA plain page.\n"})
    result, out = ingest(folder)
    small = len(corpus_text(out)) < 10_000
    return result, result.code == 0 and small and "bomb.md" in first_line(result.stderr)


def windows_1252(folder: Path) -> tuple[Outcome, bool]:
    docs(folder, {"price.txt": f"Prices\n\n{SAMPLE_1252}.\n".encode("cp1252")})
    result, out = ingest(folder)
    return result, result.code == 0 and SAMPLE_1252 in corpus_text(out)


def corpus_is_a_folder(folder: Path) -> tuple[Outcome, bool]:
    docs(folder, {"a.md": "# A\n\nText.\n"})
    (folder / "out" / "corpus.jsonl").mkdir(parents=True)
    result, _ = ingest(folder)
    return result, _one_line_error(result, "corpus.jsonl")


def max_mb(value: str) -> Callable[[Path], tuple[Outcome, bool]]:
    def probe(folder: Path) -> tuple[Outcome, bool]:
        docs(folder, {"a.md": "# A\n\nText.\n"})
        result, _ = ingest(folder, "--max-mb", value)
        return result, _one_line_error(result, f"--max-mb={value}")

    return probe


def huge_sections(folder: Path) -> tuple[Outcome, bool]:
    docs(folder, {"a.md": "# A\n\nText.\n"})
    result, _ = ingest(folder, "--max-section-chars", "10000000")
    return result, _one_line_error(result, "--max-section-chars=10000000")


def bookmarks(folder: Path) -> tuple[Outcome, bool]:
    """20,000 bookmarks over 25 pages of 40 lines each (none of them a bookmark's title)."""
    import io

    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in range(25):
        pdf.add_page()
        for line in range(40):
            pdf.cell(text=f"Body line {line} of page {page}, which no bookmark names.",
                     new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    for number in range(20_000):
        writer.add_outline_item(title=f"Bookmark {number}", page_number=number % 25)
    buffer = io.BytesIO()
    writer.write(buffer)
    docs(folder, {"marks.pdf": buffer.getvalue()})
    result, out = ingest(folder)
    fast = result.seconds < 20  # bookmarks x lines, this took 22 s to 31 s
    return result, fast and result.code == 0 and "Body line 39 of page 24" in corpus_text(out)
