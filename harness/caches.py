"""Cache entries shared by concurrent runs: one run builds an entry, the others wait and load it.

An entry (an index, an adapter, a converted model) is a folder, written to a staging folder beside
it and renamed into place, so a reader finds no entry or a whole one. Runs that miss the same entry
queue on a lock file beside it (`<entry>.lock`, held with `filelock`): the first builds, the others
wait, look again and load what it wrote. The OS drops the lock of a killed process, so a crash
never leaves another run waiting. A damaged entry is rebuilt, with a warning, under the same lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from harness.files import write_json_atomic

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"  # sha256 of every file of an entry, written last, checked on load
Entry = TypeVar("Entry")


def read_or_build(
    folder: Path, read: Callable[[bool], Entry | None], build: Callable[[], Entry]
) -> tuple[Entry, bool]:
    """The cache entry in `folder`, and whether this call built it.

    `read(repair)` returns the entry or None; with `repair` (called only under the entry's lock)
    it discards a damaged entry with a warning. Runs that miss the same entry build it once: the
    others wait on the lock, then read what the first one wrote.
    """
    found = read(False)
    if found is not None:
        return found, False
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(entry_lock(folder))
        except OSError as error:  # a read-only or unusable cache: build, keep it in memory only
            log.warning("cannot use the cache folder %s (%s); building without caching",
                        folder.parent, error.strerror or error)  # fmt: skip
            return build(), True
        found = read(True)
        if found is not None:
            return found, False
        return build(), True


def write_manifest(folder: Path) -> None:
    """Record the digest of every file in `folder` (an entry being staged), to check on load."""
    digests = {
        path.name: file_sha256(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    # atomic: readers of an adopted entry may be checking it at the same time
    write_json_atomic(folder / MANIFEST, digests)


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
    """Why the entry `folder` is unusable (a file missing, cut short, unreadable or changed since
    it was written), or None.

    Every file its manifest lists must still have its digest; `.json` files must parse and
    `.safetensors` files must hold whole tensors; other files must exist. A missing folder is no
    problem here: it is simply not built yet. An entry written before manifests existed is adopted:
    its manifest is written now, so a later change to it is caught.
    """
    from safetensors import SafetensorError, safe_open

    if folder.is_dir() and (changed := _changed_file(folder)):
        return changed

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


def _changed_file(folder: Path) -> str | None:
    """The first file whose digest differs from the entry's manifest, as a problem, or None."""
    manifest = folder / MANIFEST
    try:
        digests = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        with contextlib.suppress(OSError):  # a read-only cache: nowhere to record it
            write_manifest(folder)
        return None
    except ValueError:
        return f"{MANIFEST} is unreadable"
    for name, digest in digests.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if file_sha256(path) != digest:
            return f"{name} changed since the entry was written (its sha256 differs)"
    return None


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks (a model file may be larger than memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
