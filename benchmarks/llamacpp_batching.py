"""`python -m benchmarks.llamacpp_batching`: would batched decoding pay off for llama.cpp?

The backend answers one prompt at a time (llama-cpp-python's high-level API and its server have no
parallel sequences). This experiment decodes `--batch` grounded rag prompts together through the
low-level API instead (one `llama_batch` holding every sequence, greedy, one token per sequence
per step) and compares questions/s and answers with the backend's own one-at-a-time path.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np


def main(argv: list[str] | None = None) -> None:
    """Print questions/s of both paths and how many answers are identical."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args(argv)
    chat, conversations = _rag_prompts(args.questions)
    started = time.perf_counter()
    serial = [g.text for g in chat.generate(conversations)]
    serial_seconds = time.perf_counter() - started
    decoder = BatchedDecoder(chat, args.batch)
    started = time.perf_counter()
    batched = [
        text
        for i in range(0, len(conversations), args.batch)
        for text in decoder.generate(conversations[i : i + args.batch])
    ]
    batched_seconds = time.perf_counter() - started
    same = sum(a == b for a, b in zip(serial, batched, strict=True))
    count = len(conversations)
    print(
        f"{count} rag prompts: one at a time {count / serial_seconds:.2f} questions/s, "
        f"{args.batch} sequences per batch {count / batched_seconds:.2f} "
        f"({serial_seconds / batched_seconds:.2f}x); identical answers {same}/{count}"
    )


class BatchedDecoder:
    """Greedy decoding of several prompts at once on a context with one sequence per prompt."""

    def __init__(self, chat: Any, sequences: int) -> None:
        import llama_cpp

        self.chat, self.llama = chat, chat.llama
        params = llama_cpp.llama_context_default_params()
        params.n_seq_max = sequences
        params.n_ctx = params.n_batch = chat.context_window * sequences
        threads = self.llama.context_params.n_threads
        params.n_threads = params.n_threads_batch = threads
        self.ctx = llama_cpp.llama_init_from_model(self.llama._model.model, params)
        self.vocab = llama_cpp.llama_model_get_vocab(self.llama._model.model)

    def generate(self, conversations: list[Any]) -> list[str]:
        """One greedy answer per conversation, decoded together."""
        import llama_cpp

        prompts = [
            self.llama.tokenize(
                self.chat._formatter(messages=c).prompt.encode(), add_bos=False, special=True
            )
            for c in conversations
        ]
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.ctx), True)
        batch = llama_cpp.llama_batch_init(sum(map(len, prompts)), 0, len(prompts))
        try:
            answers = self._decode(batch, prompts)
        finally:
            llama_cpp.llama_batch_free(batch)
        return [
            self.llama.detokenize(a, special=False).decode("utf-8", "replace").strip()
            for a in answers
        ]

    def _decode(self, batch: Any, prompts: list[list[int]]) -> list[list[int]]:
        import llama_cpp

        step = {
            i: [(token, position) for position, token in enumerate(p)]
            for i, p in enumerate(prompts)
        }
        answers: list[list[int]] = [[] for _ in prompts]
        positions = [len(p) for p in prompts]
        for _ in range(self.chat.max_new_tokens):
            last = self._fill(batch, step)
            if llama_cpp.llama_decode(self.ctx, batch) != 0:
                raise RuntimeError("llama_decode failed")
            step = {}
            for sequence, index in last.items():
                logits = llama_cpp.llama_get_logits_ith(self.ctx, index)
                token = int(np.argmax(np.ctypeslib.as_array(logits, shape=(self.llama.n_vocab(),))))
                if llama_cpp.llama_vocab_is_eog(self.vocab, token):
                    continue
                answers[sequence].append(token)
                step[sequence] = [(token, positions[sequence])]
                positions[sequence] += 1
            if not step:
                break
        return answers

    @staticmethod
    def _fill(batch: Any, step: dict[int, list[tuple[int, int]]]) -> dict[int, int]:
        """Put each sequence's tokens in the batch; logits only for its last one (returned)."""
        batch.n_tokens, last = 0, {}
        for sequence, tokens in step.items():
            for number, (token, position) in enumerate(tokens):
                k = batch.n_tokens
                batch.token[k], batch.pos[k], batch.n_seq_id[k] = token, position, 1
                batch.seq_id[k][0] = sequence
                batch.logits[k] = number == len(tokens) - 1
                batch.n_tokens += 1
            last[sequence] = batch.n_tokens - 1
        return last


def _rag_prompts(count: int) -> tuple[Any, list[Any]]:
    """The llama.cpp model and the grounded prompts rag builds for the first `count` questions."""
    from benchmarks.common import Settings, compose
    from harness.config import instantiate

    cfg = compose(Settings(), "strategy=rag", "model=smollm2-135m-llamacpp")
    dataset = instantiate(cfg.dataset)
    chat = instantiate(cfg.model)
    strategy = instantiate(cfg.strategy, model=chat)
    strategy.prepare(dataset.split("train"), dataset.corpus)
    _, prompts = strategy.grounded_prompts(dataset.split("test")[:count])
    return chat, [p.conversation for p in prompts]


if __name__ == "__main__":
    main()
