"""How many torch threads a cell uses: `run.threads` if set, else the share its launcher gave it."""

from __future__ import annotations

import os


def set_torch_threads(requested: int | None) -> int:
    """Set torch's intra-op threads to `requested`, else to `$OMP_NUM_THREADS`; return the count.

    Parallel launchers hand each cell its share of the cores in OMP_NUM_THREADS (joblib:
    cores // n_jobs; Ray: the task's num_cpus; `hydra/launcher=slurm`: cpus_per_task).
    """
    import torch

    # torch reads OMP_NUM_THREADS once per process, and Ray and joblib reuse their worker
    # processes for cells that were given other shares: apply it to every cell explicitly.
    threads = requested or _positive_int(os.environ.get("OMP_NUM_THREADS"))
    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:  # unset, or a value like "4,2" that only OpenMP understands
        return None
    return value if value > 0 else None
