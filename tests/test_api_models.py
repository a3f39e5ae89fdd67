"""The OpenAI-compatible backend against real HTTP servers on loopback.

`ScriptedServer` is a small threaded HTTP server whose answers a test scripts (statuses to fail
with, delays, usage figures), so retries, auth errors and concurrency are exercised through the
real client and a real socket. The llama.cpp tests (tests/test_llamacpp.py) add a real model server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.errors import HarnessError
from harness.models.openai_compatible import load_openai_compatible
from harness.run.runner import run
from tests.chat_server import ScriptedServer
from tests.helpers import compose_config

SECRET = "sk-test-0123456789-never-written"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as started:
        yield started


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": text}]


def client(server: ScriptedServer, **settings: Any):
    return load_openai_compatible(
        name="scripted", model="scripted", base_url=server.base_url, **settings
    )


def test_token_counts_come_from_the_response_usage(server: ScriptedServer) -> None:
    server.usage = (123, 7)
    (generation,) = client(server).generate([chat("how many days retention ?")])
    assert generation.text == "answer to: how many days retention ?"
    assert (generation.prompt_tokens, generation.completion_tokens) == (123, 7)
    (request,) = server.requests
    assert request["temperature"] == 0.0 and request["max_tokens"] == 48


@pytest.mark.parametrize("usage", [(-5, 3), (12, 600_000_000_000)])
def test_absurd_usage_is_a_one_line_error(server: ScriptedServer, usage: tuple[int, int]) -> None:
    server.usage = usage  # once priced as is: $6e8 per 1,000 questions
    with pytest.raises(HarnessError, match=r"^model\.base_url: \S+ reported usage of .+ right"):
        client(server).generate([chat("how many days retention ?")])


def test_retries_429_and_500_then_succeeds(server: ScriptedServer) -> None:
    server.failures = [429, 500, 503]
    (generation,) = client(server, max_retries=3).generate([chat("q")])
    assert generation.text == "answer to: q"
    assert len(server.requests) == 4


def test_retries_back_off_exponentially(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openai._base_client

    # The SDK's retry loop waits with `time.sleep` in openai._base_client: record the waits it
    # asks for instead of waiting (the server's own threads keep the real clock).
    waits: list[float] = []
    clock = SimpleNamespace(time=time.time, sleep=waits.append)
    monkeypatch.setattr(openai._base_client, "time", clock)
    server.failures = [502, 502]  # no Retry-After header on 502: the client's own backoff
    (generation,) = client(server, max_retries=2).generate([chat("q")])
    assert generation.text == "answer to: q" and len(server.requests) == 3
    # 0.5 s then 1 s, each cut by at most 25 % jitter
    assert len(waits) == 2, waits
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0, waits


def test_gives_up_after_the_retry_budget_with_a_one_line_error(server: ScriptedServer) -> None:
    server.failures = [500] * 10
    with pytest.raises(HarnessError) as error:
        client(server, max_retries=2).generate([chat("q")])
    assert len(server.requests) == 3
    assert "HTTP 500 after 2 retries" in str(error.value) and "\n" not in str(error.value)


def test_auth_error_names_the_key_variable(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGBENCH_TEST_KEY", SECRET)
    server.failures = [401]
    model = client(server, api_key_env="RAGBENCH_TEST_KEY")
    with pytest.raises(HarnessError, match=r"^model\.api_key_env: .* rejected the API key \(401\)"):
        model.generate([chat("q")])
    assert len(server.requests) == 1  # 401 is not retried
    assert server.authorization == {f"Bearer {SECRET}"}


def test_a_key_the_server_echoes_never_reaches_the_error(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGBENCH_TEST_KEY", SECRET)
    server.failures, server.echo_authorization = [400], True
    model = client(server, api_key_env="RAGBENCH_TEST_KEY")
    with pytest.raises(HarnessError, match=r"answered HTTP 400") as error:
        model.generate([chat("q")])
    assert SECRET not in str(error.value) and "Bearer ***" in str(error.value)


def test_missing_key_variable_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGBENCH_TEST_KEY", raising=False)
    with pytest.raises(HarnessError, match="RAGBENCH_TEST_KEY is not set"):
        load_openai_compatible("x", "x", "http://127.0.0.1:9/v1", api_key_env="RAGBENCH_TEST_KEY")


def test_unknown_model_lists_what_the_server_serves(server: ScriptedServer) -> None:
    server.models = ["smollm2-135m", "qwen"]
    with pytest.raises(
        HarnessError, match=r"'scripted' not found .* it serves: qwen, smollm2-135m"
    ):
        client(server).generate([chat("q")])


def test_unreachable_server_is_a_one_line_error() -> None:
    model = load_openai_compatible("x", "x", "http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(HarnessError, match=r"^model\.base_url: no answer from .* is the server up"):
        model.generate([chat("q")])


def test_requests_run_concurrently_up_to_the_limit(server: ScriptedServer) -> None:
    server.delay = 0.15  # long enough for the requests to overlap, if they are sent together
    conversations = [chat(f"question {i}") for i in range(9)]
    generations = client(server, max_concurrency=3).generate(conversations)
    assert [g.text for g in generations] == [f"answer to: question {i}" for i in range(9)]
    assert server.max_in_flight == 3  # three at a time: not one after another, and never four


def test_a_failed_run_keeps_its_answers_and_resumes(
    server: ScriptedServer,
    tiny_dataset: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    questions, corpus = tiny_dataset
    monkeypatch.setenv("RAGBENCH_TEST_KEY", SECRET)
    overrides = [
        "model=openai_compatible", "model.model=scripted", f"model.base_url={server.base_url}",
        "model.api_key_env=RAGBENCH_TEST_KEY", "model.batch_size=2", "model.max_retries=1",
        "dataset=jsonl", f"dataset.questions={questions}", f"dataset.corpus={corpus}",
        f"paths.results_dir={tmp_path / 'results'}", f"paths.cache_dir={tmp_path / 'cache'}",
    ]  # fmt: skip
    server.usage = (50, 5)
    server.fail_after = 2  # the first batch of two succeeds, then the server breaks down
    with pytest.raises(HarnessError, match="HTTP 500 after 1 retries"):
        run(compose_config(overrides))
    (folder,) = (tmp_path / "results" / "runs").iterdir()
    kept = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert [row["id"] for row in kept] == ["q1", "q2"]

    # The service comes back on another port: the same run folder resumes.
    with ScriptedServer() as restarted:
        restarted.usage = (50, 5)
        resumed = [*overrides, f"model.base_url={restarted.base_url}", "model.max_concurrency=1"]
        summary = run(compose_config(resumed))
    assert [path.name for path in (tmp_path / "results" / "runs").iterdir()] == [folder.name]
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ["q1", "q2", "q3", "q4"]
    assert restarted.successes == [row["question"] for row in rows[2:]]  # nothing asked twice
    assert {(row["prompt_tokens"], row["completion_tokens"]) for row in rows} == {(50, 5)}
    assert summary["complete"] and summary["metrics"]["questions"] == 4

    written = "".join(path.read_text() for path in folder.iterdir() if path.is_file())
    logged = caplog.text + "".join(capsys.readouterr())
    assert "RAGBENCH_TEST_KEY" in written  # the variable's name is recorded...
    assert SECRET not in written and SECRET not in logged  # ...the key never is


def test_api_models_are_priced_per_token_from_the_table() -> None:
    cfg = compose_config(["model=gpt-4o-mini"])
    from harness.config import instantiate

    pricing = instantiate(cfg.pricing)
    price = pricing.token_prices["gpt-4o-mini"]
    assert price.taken
    cost = pricing.query_cost("gpt-4o-mini", 99.0, prompt_tokens=1000, completion_tokens=100)
    assert cost == pytest.approx((1000 * price.input + 100 * price.output) / 1e6)


def test_fine_tuning_an_api_model_is_refused(server: ScriptedServer) -> None:
    from strategies.finetune import trainable

    with pytest.raises(HarnessError, match="fine-tuning is not supported for OpenAICompatible"):
        trainable(client(server))


def test_a_200_whose_body_is_not_utf8_is_one_line(server: ScriptedServer) -> None:
    server.raw_reply = b'{"choices": [{"message": {"content": "caf\xe9"}}]}'
    with pytest.raises(HarnessError, match=r"^model\.base_url: .+ not with a chat completion "
                                           r"\('a body that is not UTF-8: byte 0xe9"):  # fmt: skip
        client(server).generate([chat("how many days retention ?")])
