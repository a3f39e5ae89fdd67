"""The hardware a run's timings and costs come from, recorded beside them."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def describe() -> dict[str, Any]:
    """CPU, usable cores, torch threads, native bfloat16 and the load when a run starts answering.

    Latency and compute cost depend on all of them (on one day here, the same 50 training steps
    of `make run` at the same thread count took 3.3 to 5.1 s each), so a report can say where
    each figure was measured.
    """
    import torch

    from harness.models import fast_bfloat16

    return {
        "cpu_model": cpu_model(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "bfloat16_native": fast_bfloat16(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def label(machine: dict[str, Any] | None) -> str:
    """One short line for a table cell: CPU, threads, native bfloat16."""
    if not machine:
        return "not recorded"
    bf16 = ", bf16" if machine.get("bfloat16_native") else ""
    return f"{machine['cpu_model']}, {machine['torch_threads']} threads{bf16}"


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what the platform reports."""
    try:
        for line in (
            Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
        ):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
