"""A run folder on disk: emptied for `run.force`, and an unusable one named in one line."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from omegaconf import DictConfig

from harness.errors import HarnessError
from harness.run import results

# What an unusable folder raises: a file in the way, no permission, a read-only or full disk.
_FOLDER_ERRORS = {errno.EEXIST, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM,
                  errno.EROFS, errno.ENOSPC, errno.EDQUOT}  # fmt: skip


def unusable_folder(error: OSError, cfg: DictConfig) -> Exception:
    """A folder ragbench writes to is unusable: one line naming the setting that picks it."""
    if error.errno not in _FOLDER_ERRORS:
        return error
    path = str(error.filename or "")
    in_cache = path.startswith(str(Path(cfg.paths.cache_dir).expanduser()))
    key = "paths.cache_dir" if in_cache else "paths.results_dir"
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    kept = " (the answers written so far are kept)" if full else ""
    return HarnessError(
        f"{key}: cannot write {path or 'the folder'} ({error.strerror}){kept}; set "
        f"{key}=<a writable folder> or free the disk, then run again"
    )


def clear(run_dir: Path) -> None:
    """Empty the run folder for `run.force`, keeping the lock file this process holds."""
    for path in run_dir.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.name != results.LOCK:
            path.unlink()
