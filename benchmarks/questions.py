"""Bench section `questions`: `python -m harness.generate` on the example documents, per mode.

`data/examples/docs` is ingested (`harness.ingest`) into a temporary folder, then
`generate.mode=template` and `generate.mode=answer_first` each generate from that corpus with
the configured model (the packaged one by default), each from its own empty reply cache
(`paths.cache_dir=<tmp>`, which also holds the sections' retrieval index). The converted model
weights stay in the normal cache (`model.cache_dir`), and the model is loaded once, untimed,
before the first mode, so a first conversion is never inside a timing.

Timed per mode with `time.perf_counter`: the CLI's own `run` (compose, load the model, the reader
and the embedder, plan, ask, check, write), in this process, so Python's start and the imports
are not in it. One run per mode: a run takes minutes, so `--repeats` is not applied. `--quick`
generates from the first 2 sections with no paraphrases and no unanswerable questions.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from omegaconf import DictConfig

from benchmarks.common import Settings, chat_model, compose, timed
from harness.config import ROOT

MODES = ("template", "answer_first")
DOCS = ROOT / "data" / "examples" / "docs"
QUICK = ("generate.paraphrases=0", "generate.unanswerable_per_section=0")


def questions(settings: Settings) -> dict[str, Any]:
    """Each mode's yield, model calls and seconds per section on the ingested example docs."""
    import torch

    weights = weights_cache(compose(settings))
    chat_model(settings.overrides)  # untimed: converts the packaged model if the cache lacks it
    with TemporaryDirectory(prefix="ragbench-questions-") as tmp:
        folder = Path(tmp)
        ingest_seconds, corpus = timed(lambda: ingested(folder / "ingest", settings))
        reports = {mode: generated(mode, corpus, folder / mode, settings, weights)
                   for mode in MODES}  # fmt: skip
        sections = len(corpus.read_text(encoding="utf-8").splitlines())
    first = next(iter(reports.values()))[1]
    knobs = ("facts_per_section", "paraphrases", "unanswerable_per_section")
    return {
        "corpus": str(DOCS.relative_to(ROOT)),
        "sections": sections,
        "ingest_seconds": ingest_seconds,
        "model": first["model"],
        "weights_cache": weights,
        "threads": torch.get_num_threads(),
        "quick": settings.quick,
        "default_settings": not settings.quick
        and not any(o.startswith("generate.") for o in settings.overrides),
        "runs_per_mode": 1,
        "settings": {key: first["settings"][key] for key in knobs},
        "modes": {mode: mode_row(seconds, report) for mode, (seconds, report) in reports.items()},
    }


def mode_row(seconds: float, report: dict[str, Any]) -> dict[str, Any]:
    """One mode's figures from its wall seconds and its generation.json."""
    found, usage = report["yield"], report["usage"]
    sections = found["sections"]
    return {
        "sections": sections,
        "reader": report["settings"]["reader"],  # `auto` made concrete: none in template mode
        "answers_found": found.get("candidates", 0),
        "facts_kept": found.get("facts_kept", 0),
        "paraphrases_kept": found.get("paraphrases_kept", 0),
        "unanswerable_kept": found.get("unanswerable_kept", 0),
        "questions_written": sum(report["questions"].values()),
        "model_calls": usage["calls"],
        "cached_calls": usage["cached"],  # replies of the pricing batch, asked once and reused
        "model_seconds": usage["seconds"],  # the calls' own seconds, as generation.json has them
        "seconds": seconds,
        "seconds_per_section": seconds / sections,
    }


def weights_cache(cfg: DictConfig) -> str | None:
    """Where the configured model's converted weights live (None: a model without a cache)."""
    folder = cfg.model.get("cache_dir")
    return str(Path(folder).expanduser()) if folder else None


def ingested(out: Path, settings: Settings) -> Path:
    """The example docs as `out/corpus.jsonl`; its first `question_sections` rows if set."""
    from harness.ingest import CORPUS_FILE, DEFAULT_MAX_MB, DEFAULT_SECTION_CHARS, ingest, write

    result = ingest(DOCS, progress=False)
    write(result, DOCS, out, {"max_mb": DEFAULT_MAX_MB, "max_section_chars": DEFAULT_SECTION_CHARS})
    corpus = out / CORPUS_FILE
    rows = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    if not rows:
        raise RuntimeError(f"{DOCS}: the ingest found no section")
    if settings.question_sections is not None:
        corpus.write_text("".join(rows[: settings.question_sections]), encoding="utf-8")
    return corpus


def generated(
    mode: str, corpus: Path, folder: Path, settings: Settings, weights: str | None
) -> tuple[float, dict[str, Any]]:
    """Wall seconds of one `harness.generate` run in `mode` from an empty reply cache, and its
    generation.json (also when it kept no question: that run was timed all the same)."""
    from harness.errors import HarnessError
    from harness.generate.__main__ import run

    # the weights where the user's config keeps them (a later model.cache_dir of theirs wins),
    # the replies in an empty cache (after theirs: a later override wins)
    own = [] if weights is None else [f"model.cache_dir={weights}"]
    overrides = [*own, *settings.overrides, f"paths.cache_dir={folder / 'cache'}",
                 f"generate.mode={mode}", *(QUICK if settings.quick else ())]  # fmt: skip
    out = folder / "out"

    def once() -> dict[str, Any]:
        try:
            return run(corpus, out, overrides)
        except HarnessError:
            if not (out / "generation.json").is_file():
                raise
            return json.loads((out / "generation.json").read_text(encoding="utf-8"))

    print(f"questions: generate.mode={mode}", flush=True)
    return timed(once)
