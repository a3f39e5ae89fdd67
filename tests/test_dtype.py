"""`model.dtype`: auto resolves by what the CPU computes natively, and a run is keyed, recorded
and loaded by the resolved dtype."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from harness.errors import HarnessError
from harness.models import fast_bfloat16, resolve_dtype
from harness.models.transformers import load_transformers
from harness.run.runner import run
from tests.helpers import compose_config


def test_auto_follows_the_cpu_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: True)
    assert resolve_dtype("auto") == "bfloat16"
    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: False)
    assert resolve_dtype("auto") == "float32"
    assert resolve_dtype("bfloat16") == "bfloat16"  # asked for: used even where it is emulated
    with pytest.raises(HarnessError, match=r"^model\.dtype='half': use one of auto, float32"):
        resolve_dtype("half")


def test_fast_bfloat16_reads_the_flags_linux_reports() -> None:
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").is_file() else []
    assert fast_bfloat16() == ("avx512_bf16" in flags or "amx_bf16" in flags)


def test_weights_stay_float32_for_training_and_answer_in_the_dtype_asked(
    tiny_model_dir: Path,
) -> None:
    chat = load_transformers("tiny", pretrained=str(tiny_model_dir), dtype="bfloat16")
    assert {p.dtype for p in chat.model.parameters()} == {torch.float32}  # what LoRA trains on
    assert chat.generate([[{"role": "user", "content": "what is the upload limit ?"}]])
    assert {p.dtype for p in chat.model.parameters()} == {torch.bfloat16}


def test_training_autocast_follows_the_cpu_and_keys_adapters_as_if_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.training.adapters import adapter_key
    from harness.training.trainer import TrainingSettings

    for native in (True, False):
        monkeypatch.setattr("harness.models.fast_bfloat16", lambda native=native: native)
        assert TrainingSettings().resolved().bf16 is native
        auto = adapter_key("model", [], TrainingSettings().resolved())
        assert auto == adapter_key("model", [], TrainingSettings(bf16=native))


def test_a_run_is_keyed_and_recorded_by_the_resolved_dtype(
    tiny_run_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: False)
    cell = [o for o in tiny_run_overrides if not o.startswith("model.dtype=")] + ["run.limit=1"]
    auto = run(compose_config([*cell, "model.dtype=auto"]))
    explicit = run(compose_config([*cell, "model.dtype=float32"]))
    assert auto["folder"] == explicit["folder"]  # auto meant float32 here: the same predictions
    assert auto["config"]["model"]["dtype"] == "float32"
    bf16 = run(compose_config([*cell, "model.dtype=bfloat16"]))
    assert bf16["folder"] != auto["folder"]
    assert (Path(bf16["folder"]) / "config.yaml").read_text().count("dtype: bfloat16") == 1
