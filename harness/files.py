"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Runs, caches (indexes, adapters, judge verdicts) and reports all write through these; the CSV files
people open in a spreadsheet hold their cells through `spreadsheet_safe`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write text so that readers see the old file or the new one, never half of one."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `path`, flush them to disk, rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would lock out a shared folder
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# A cell starting with one of these, opened in a spreadsheet, runs as a formula
# ("=HYPERLINK(...)"): text from users and models gets a leading quote instead.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string that would start a formula is quoted."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
