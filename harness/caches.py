"""Cache entries shared by concurrent runs: one run builds an entry, the others wait and load it.

An entry (an index, an adapter, a converted model) is a folder, written to a staging folder beside
it and renamed into place, so a reader finds no entry or a whole one. Runs that miss the same entry
queue on a lock file beside it (`<entry>.lock`, held with `filelock`): the first builds, the others
wait, look again and load what it wrote. The OS drops the lock of a killed process, so a crash
never leaves another run waiting. A damaged entry is rebuilt, with a warning, under the same lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


@contextmanager
def entry_lock(folder: Path) -> Iterator[None]:
    """Hold the build lock of cache entry `folder`, waiting (logged) while another run holds it."""
    with file_lock(folder.with_name(f"{folder.name}.lock"), f"building {folder}"):
        yield


@contextmanager
def file_lock(path: Path, activity: str) -> Iterator[None]:
    """Hold the lock file `path`; while another process holds it, log its `activity` and wait."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("another process is %s; waiting for it", activity)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def entry_problem(folder: Path, files: tuple[str, ...]) -> str | None:
    """Why the entry `folder` is unusable (a file missing, cut short or unreadable), or None.

    `.json` files must parse and `.safetensors` files must hold whole tensors; other files must
    exist. A missing folder is no problem here: it is simply not built yet.
    """
    from safetensors import SafetensorError, safe_open

    for name in files:
        path = folder / name
        try:
            if name.endswith(".json"):
                json.loads(path.read_text(encoding="utf-8"))
            elif name.endswith(".safetensors"):
                with safe_open(str(path), framework="pt") as weights:
                    if not list(weights.keys()):
                        return f"{name} holds no tensors"
            elif not path.is_file():
                return f"{name} is missing"
        except FileNotFoundError:
            return f"{name} is missing"
        except (OSError, ValueError, SafetensorError) as error:  # json errors are ValueErrors
            return f"{name} is unreadable ({str(error).splitlines()[0] if str(error) else error!r})"
    return None
