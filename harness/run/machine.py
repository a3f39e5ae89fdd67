"""The hardware a run's timings and costs come from, recorded beside them."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def describe(device: str | None = None) -> dict[str, Any]:
    """CPU, usable cores, torch threads, native bfloat16 and the load when a run starts answering,
    and the torch `device` its model ran on (`cpu`, `cuda`, `cuda:N`; None for a model that is
    not local) with the GPU's name when that is a CUDA device.

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
        "bfloat16_units": bfloat16_units(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "device": device,
        "gpu_model": gpu_model(device),
    }


def label(machine: dict[str, Any] | None) -> str:
    """One short line for a table cell: GPU when a model ran on one, CPU, threads, native
    bfloat16 (of the CPU)."""
    if not machine:
        return "not recorded"
    gpu = f"{machine['gpu_model']} ({machine['device']}), " if machine.get("gpu_model") else ""
    bf16 = ", bf16" if machine.get("bfloat16_native") else ""
    return f"{gpu}{machine['cpu_model']}, {machine['torch_threads']} threads{bf16}"


def gpu_model(device: str | None) -> str | None:
    """The CUDA device's name (e.g. NVIDIA H100 80GB HBM3), or None off CUDA."""
    if not device or not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.get_device_name(torch.device(device))


def bfloat16_units() -> list[str]:
    """The CPU's bfloat16 instruction sets Linux lists (`amx_bf16`, `avx512_bf16`): a CPU with
    AMX multiplies bfloat16 matrices many times faster than one with AVX512-BF16 alone."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    flags = set(text.split())
    return [flag for flag in ("amx_bf16", "avx512_bf16") if flag in flags]


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
