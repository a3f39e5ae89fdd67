"""`python -m benchmarks.hardening_probes [NUMBER ...]`: the hostile inputs of issue 38 rebuilt.

Each probe builds its input in a temporary folder and runs the command a user would type, in a
fresh process with a time limit; a scripted chat server on loopback (tests/chat_server.py) plays
the model for `harness.generate`. One line per probe: its number, the input, the exit code
(`timeout` past the limit), the seconds, whether the outcome is the one wanted, and the first error
line of stderr (else its first line that is not a log line). Exit code 1 if any outcome is not the
one wanted. No model is loaded and nothing is trained; the slowest probes (40,000 Markdown
sections; a generate run, which loads the packaged embedder) take seconds on two shared cores.

`--inner NAME DIR` runs one in-process probe (the rag prompt), as the subprocess a probe starts.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.hardening_ingest import (
    Outcome,
    _one_line_error,
    alias_title,
    bookmarks,
    command,
    corpus_is_a_folder,
    first_line,
    huge_sections,
    max_mb,
    nested_divs,
    repeated_sections,
    windows_1252,
)

# ---- generate --------------------------------------------------------------------------------

SECTIONS = [
    {"id": "pebble#storage", "title": "Pebble > Storage",
     "text": "Every Pebble account includes 6.5 GB of storage. The Café plan costs €5."},
    {"id": "pebble#devices", "title": "Pebble > Devices",
     "text": "A Pebble account can be linked to at most 3 devices at the same time."},
    {"id": "trash", "title": "Trash",
     "text": "Deleted files stay in the trash for 30 days before they are removed for good."},
    {"id": "cove#price", "title": "Cove > Price",
     "text": "Cove costs $7.35 per month when billed monthly."},
]  # fmt: skip
FACTS = {
    "6.5 GB": ("=HYPERLINK(\"http://example.invalid\",\"How much storage does Pebble include?\")",
               "6.5 GB", "Every Pebble account includes 6.5 GB of storage."),
    "3 devices": ("How many devices can a Pebble account be linked to?", "3",
                  "A Pebble account can be linked to at most 3 devices at the same time."),
    "30 days": ("How long do deleted files stay in the trash?", "30 days",
                "Deleted files stay in the trash for 30 days before they are removed for good."),
}  # fmt: skip
UNUSABLE = {  # one kind of unusable reply per section, as the probe had them
    "6.5 GB": "Sure! Here are some facts about Pebble storage.",
    "3 devices": '[{"question": "How many devices',
    "30 days": json.dumps([{"question": "How long do files stay?", "answer": "90 days",
                            "evidence": "Deleted files stay in the trash for 30 days"}]),
    "$7.35": json.dumps([{"question": "Does Cove cost $7.35 per month?", "answer": "$7.35",
                          "evidence": "Cove costs $7.35 per month when billed monthly."}]),
}  # fmt: skip


def _server(replies: dict[str, str] | None = None, usage: tuple[int, int] = (11, 3),
            raw: bytes | None = None) -> Any:  # fmt: skip
    from tests.chat_server import ScriptedServer

    class Server(ScriptedServer):
        def answer(self, body: dict[str, Any]) -> str:
            users = [m["content"] for m in body["messages"] if m["role"] == "user"]
            for marker, reply in (replies or {}).items():
                if marker in users[0]:
                    return reply
            return "[]"

    server = Server()
    server.usage, server.raw_reply = usage, raw
    return server


def generate(folder: Path, server: Any, *extra: str) -> tuple[Outcome, Path]:
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SECTIONS))
    out = folder / "out"
    with server:
        result = command([
            "-m", "harness.generate", "--corpus", str(corpus), "--out", str(out),
            "model=openai_compatible", "model.model=scripted", f"model.base_url={server.base_url}",
            "model.max_retries=0", "model.batch_size=1", f"paths.cache_dir={folder / 'cache'}",
            "generate.paraphrases=0", "generate.unanswerable_per_section=0",
            "generate.max_retries=0", *extra,
        ], folder)  # fmt: skip
    return result, out


def fact_replies() -> dict[str, str]:
    keys = ("question", "answer", "evidence")
    return {marker: json.dumps([dict(zip(keys, fact, strict=True))])
            for marker, fact in FACTS.items()}  # fmt: skip


def fence_and_newlines(folder: Path) -> tuple[Outcome, bool]:
    reply = "```json" + "\n" * 60_000 + "]"  # the client strips the reply: end it in text
    result, _ = generate(folder, _server({marker: reply for marker in FACTS}))
    return result, _one_line_error(result, "no question passed the checks")


def not_utf8(folder: Path) -> tuple[Outcome, bool]:
    body = json.dumps({"choices": [{"message": {"content": "caf\u00e9"}}]}).encode()
    result, _ = generate(folder, _server(raw=body.replace(b"caf\\u00e9", b"caf\xe9")))
    return result, _one_line_error(result, "not UTF-8")


def cost_cap(folder: Path) -> tuple[Outcome, bool]:
    price = "+pricing.token_prices.scripted={input: 0.15, output: 0.6, taken: 2026-12-07}"
    server = _server(fact_replies(), usage=(11, 9_000_000))
    result, _ = generate(folder, server, price, "generate.max_cost_usd=0.01")
    return result, _one_line_error(result, "generate.max_cost_usd=0.01: stopped")


def all_unusable(folder: Path) -> tuple[Outcome, bool]:
    result, out = generate(folder, _server(UNUSABLE))
    ok = _one_line_error(result, "no question passed the checks")
    return result, ok and not (out / "questions.jsonl").exists()


def review_formula(folder: Path) -> tuple[Outcome, bool]:
    made, out = generate(folder, _server(fact_replies()))
    (out / "corpus.jsonl").write_text((folder / "corpus.jsonl").read_text())
    result = command(["-m", "harness.generate.review", str(out), "--sample", "10"], folder)
    with (out / "review.csv").open(newline="", encoding="utf-8") as handle:
        cells = [row["question"] for row in csv.DictReader(handle)]
    guarded = any(c.startswith("'=HYPERLINK") for c in cells)
    return result, made.code == 0 and result.code == 0 and guarded and not any(
        c.startswith("=") for c in cells
    )


def review_cp1252(folder: Path) -> tuple[Outcome, bool]:
    _, out = generate(folder, _server(fact_replies()))
    (out / "corpus.jsonl").write_text((folder / "corpus.jsonl").read_text())
    command(["-m", "harness.generate.review", str(out), "--sample", "10"], folder)
    sheet = out / "review.csv"
    rows = list(csv.DictReader(sheet.open(newline="", encoding="utf-8")))
    for row in rows:
        row["answerable_from_section"] = "y"
    with sheet.open("w", newline="", encoding="cp1252") as handle:  # as a spreadsheet saves it
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = command(["-m", "harness.generate.review", str(out)], folder)
    counts = json.loads((out / "review.json").read_text()) if result.code == 0 else {}
    yes = counts.get("answerable_from_section", {}).get("yes")
    return result, "€" in sheet.read_bytes().decode("cp1252") and yes == len(rows)


# ---- rag, report, run settings -----------------------------------------------------------------


def counterfactual(folder: Path) -> tuple[Outcome, bool]:
    result = command(["-m", "benchmarks.hardening_probes", "--inner", "counterfactual",
                      str(folder)], folder)  # fmt: skip
    return result, result.code == 0


def inner_counterfactual(folder: Path) -> None:
    """A 60,000-character substitute in a 200-token window: the row must record what was shown."""
    from harness.datasets import Question
    from strategies import rag
    from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder

    table = folder / "substitutes.jsonl"
    table.write_text(json.dumps({"value": "3 devices", "substitute": "x" * 60_000}) + "\n")

    class CharacterModel(FakeChatModel):  # about 4 characters a token, as real tokenizers
        def count_tokens(self, text: str) -> int:
            return len(text) // 4 + 1

    rag.load_embedder = lambda *args: FakeEmbedder()  # type: ignore[assignment]
    model = CharacterModel(context_window=200)
    strategy = rag.build(model, system_prompt="Answer.", abstain_answer="no",
                         user_template="Context:\n{context}\n\nQuestion: {question}",
                         embedder="fake", chunk_size=None, top_k=2, cache_dir=str(folder),
                         context="counterfactual", substitutes=str(table))  # fmt: skip
    strategy.prepare([], CORPUS)
    question = Question("q4", "How many devices can a Pebble account link?", ("3 devices",),
                        "test", ("d4",))  # fmt: skip
    answer = strategy.answer([question])[0]
    prompt = model.batches[0][0][-1]["content"]
    swaps = answer.prompt_variant["substitutions"]
    shown_in_prompt = all(chunk in prompt for chunk in answer.shown_chunks)
    print(f"substitutions recorded: {swaps}; shown_chunks as in the prompt: {shown_in_prompt}",
          file=sys.stderr)  # fmt: skip
    sys.exit(0 if swaps == [] and shown_in_prompt and "x" * 100 not in prompt else 1)


def sweeps(folder: Path) -> tuple[Path, Path]:
    from tests.fakes import write_fake_run

    before, after = folder / "before", folder / "after"
    write_fake_run(before, "rag", [True, False, True], 1.0, 0.0)
    write_fake_run(after, "rag", [True, True, True], 1.0, 0.0)
    return before, after


def compare_out_is_a_file(folder: Path) -> tuple[Outcome, bool]:
    before, after = sweeps(folder)
    (folder / "taken").write_text("a file")
    result = command(["-m", "harness.report", str(before), "--compare", str(after), "--out",
                      str(folder / "taken")], folder)  # fmt: skip
    return result, _one_line_error(result, "--out")


def compare_with_itself(folder: Path) -> tuple[Outcome, bool]:
    before, _ = sweeps(folder)
    result = command(["-m", "harness.report", str(before), "--compare", str(before)], folder)
    return result, _one_line_error(result, "FOLDER itself")


def early(setting: list[str], named: str) -> Callable[[Path], tuple[Outcome, bool]]:
    """A run whose model is a server that is not there: a setting refused before the model is
    built never gets as far as asking it."""

    def probe(folder: Path) -> tuple[Outcome, bool]:
        result = command(["-m", "harness", *setting, "model=openai_compatible", "model.model=m",
                          "model.base_url=http://127.0.0.1:9/v1", "run.limit=1",
                          f"paths.runs_dir={folder / 'runs'}", f"paths.cache_dir={folder}",
                          "hydra.run.dir=" + str(folder / "hydra")], folder)  # fmt: skip
        return result, _one_line_error(result, named) and not (folder / "runs").exists()

    return probe


PROBES: list[tuple[str, Callable[[Path], tuple[Outcome, bool]]]] = [
    ("ingest: one paragraph in 5,000 nested <div>", nested_divs),
    ("ingest: a heading and line repeated 40,000 times", repeated_sections),
    ("ingest: front-matter title a 6-level YAML alias chain", alias_title),
    ("ingest: Windows-1252 text", windows_1252),
    ("ingest: OUT/corpus.jsonl is a folder", corpus_is_a_folder),
    ("ingest: --max-mb nan", max_mb("nan")),
    ("ingest: --max-mb inf", max_mb("inf")),
    ("generate: reply ```json, 60,000 newlines and ]", fence_and_newlines),
    ("generate: HTTP 200 body not UTF-8", not_utf8),
    ("generate: max_cost_usd=0.01, 9 M completion tokens a call", cost_cap),
    ("generate: every reply unusable", all_unusable),
    ("generate.review: a question starting =HYPERLINK(", review_formula),
    ("generate.review: review.csv saved back as Windows-1252", review_cp1252),
    ("rag context=counterfactual: a 60,000-character substitute", counterfactual),
    ("report --compare: --out names a file", compare_out_is_a_file),
    ("also: rag with_policy=true on acme_behaviour",
     early(["dataset=acme_behaviour", "strategy=rag", "strategy.with_policy=true"],
           "strategy=rag_policy")),
    ("also: strategy.retriever=bm52",
     early(["strategy=rag", "strategy.retriever=bm52"], "Did you mean: bm25")),
    ("also: substitutes file missing",
     early(["strategy=rag", "strategy.context=counterfactual",
            "dataset.substitutes=/nonexistent/substitutes.jsonl"], "cannot read it")),
    ("also: 20,000 PDF bookmarks", bookmarks),
    ("also: --max-section-chars 10000000", huge_sections),
    ("also: --compare A A", compare_with_itself),
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the probes (all, or those numbered), one line each; 1 if any outcome is wrong."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hardening_probes")
    parser.add_argument("numbers", nargs="*", type=int, help="probes to run (default: all)")
    parser.add_argument("--inner", nargs=2, metavar=("NAME", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        {"counterfactual": inner_counterfactual}[args.inner[0]](Path(args.inner[1]))
        return 0
    wrong = 0
    print(f"{'#':>2}  {'input':<58} {'exit':>7} {'seconds':>8}  ok  first line of stderr")
    for number, (name, probe) in enumerate(PROBES, start=1):
        if args.numbers and number not in args.numbers:
            continue
        with tempfile.TemporaryDirectory(prefix=f"probe{number}-") as temporary:
            result, ok = probe(Path(temporary))
        wrong += not ok
        line = first_line(result.stderr)[:150]
        print(f"{number:>2}  {name:<58} {result.code!s:>7} {result.seconds:>8.1f}  "
              f"{'yes' if ok else 'NO':<3} {line}", flush=True)  # fmt: skip
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
