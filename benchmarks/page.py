"""The bench's Markdown page: machine, targets, then one table per section."""

from __future__ import annotations

from typing import Any


def markdown(results: dict[str, Any]) -> str:
    """The whole results page: machine, targets, then one table per section."""
    machine = results["machine"]
    lines = [
        "# ragbench benchmarks",
        "",
        f"`{results['command']}` on {results['date']}, {results['wall_seconds'] / 60:.1f} min "
        "in one process run (subprocesses for the LoRA trainings and the sweeps).",
        "",
        _machine_line(machine),
        "",
        f"Each figure is the median [min–max] of {results['settings']['repeats']} runs unless "
        "its row says otherwise.",
        "",
        "## Targets",
        "",
        *_table(
            ["target", "goal", "measured", "status"],
            [
                [t["name"], t["goal"], t["measured"], f"**{t['status']}**"]
                for t in results["targets"]
            ],
        ),
    ]
    renderers = {
        "overhead": _overhead_md,
        "generation": _generation_md,
        "embedding": _embedding_md,
        "faiss": _faiss_md,
        "lora": _lora_md,
        "profile": _profile_md,
        "makerun": _makerun_md,
        "compare": _compare_md,
        "dtype": _precision_md,
        "questions": _questions_md,
    }
    for name, section in results["sections"].items():
        lines += ["", f"## {TITLES[name]}", ""]
        if "error" in section:
            lines.append(f"Failed: `{section['error']}`")
        else:
            lines += renderers[name](section)
    return "\n".join(lines) + "\n"


def targets_table(targets: list[dict[str, Any]]) -> list[str]:
    """The targets as Markdown table lines, from their JSON form."""
    rows = [[t["name"], t["goal"], t["measured"], f"**{t['status']}**"] for t in targets]
    return _table(["target", "goal", "measured", "status"], rows)


TITLES = {
    "overhead": "Harness overhead",
    "generation": "Generation throughput",
    "embedding": "Embedding and index build",
    "faiss": "FAISS search",
    "lora": "LoRA training",
    "profile": "Where a training step's time goes",
    "makerun": "make run from a fresh clone",
    "compare": "compare sweep",
    "dtype": "float32 against bfloat16",
    "questions": "Question generation per section",
}


def _machine_line(machine: dict[str, Any]) -> str:
    load = machine.get("load_average")
    return (
        f"Machine: {machine['cpu_model']} (bfloat16 units: "
        f"{', '.join(machine.get('bfloat16_units', [])) or 'none'}; device "
        f"{machine.get('device') or 'cpu'}"
        + (f", {machine['gpu_model']}" if machine.get("gpu_model") else "")
        + f"), {machine['cpu_count']} cores "
        f"({machine['usable_cores']} usable), torch {machine['torch']} with "
        f"{machine['torch_threads']} threads, "
        f"OMP_NUM_THREADS={machine['omp_num_threads'] or 'unset'}"
        + (f", load average {load[0]:.2f} at start" if load else "")
        + f", Python {machine['python']}, commit {str(machine['git_commit'])[:10]}."
    )


def _overhead_md(s: dict[str, Any]) -> list[str]:
    orders = {"plain_first": "plain first", "harness_first": "harness first"}
    by_order = "; ".join(
        f"{orders[order]}: {fig(value, 3)}" for order, value in s["overhead_by_order"].items()
    )
    one_call = s["run_batch_size"] <= s["batch_size"]
    return [
        f"`strategy=prompt`, {s['questions']} acme test questions, model {s['model']} in "
        f"{s['dtype']}, generate calls of {s['batch_size']}, sorted by prompt tokens within each "
        f"`run.batch_size` = {s['run_batch_size']} questions as the harness does"
        + (" (one call each: the calls hold the questions in dataset order)" if one_call else "")
        + ". Like for like: the model is cast to that dtype before anything is timed, every side "
        "runs once untimed first, and both make the same generate calls. Predictions identical "
        f"to plain: {s['identical_predictions']} / {s['questions']}.",
        "",
        *_table(
            ["", "seconds"],
            [
                [
                    "harness (`runner.run`: compose, dataset, prompts, generate, score, write)",
                    fig(s["harness_seconds"], 2),
                ],
                [
                    "plain (chat template, tokenize, the harness's batches, `model.generate`, "
                    "decode)",
                    fig(s["plain_seconds"], 2),
                ],
                ["overhead (median / median − 1)", f"{s['overhead']:+.1%}"],
                ["overhead per alternated pair", fig(s["overhead_per_repeat"], 3)],
                ["overhead per pair, by which side ran first", by_order],
            ],
        ),
        "",
        f"Length sorting, apart from the overhead: the same plain work in {s['dtype']}, warmed "
        f"up, in batches of {s['batch_size']}.",
        "",
        *_table(
            ["", "seconds"],
            [
                ["dataset order", fig(s["dataset_order_seconds"], 2)],
                [
                    f"sorted by prompt tokens over all {s['questions']} questions",
                    fig(s["length_sorted_seconds"], 2),
                ],
                ["speedup (dataset order / sorted)", f"{s['length_sorting_speedup']:.2f}x"],
            ],
        ),
    ]


def _generation_md(s: dict[str, Any]) -> list[str]:
    rows, notes = [], []
    for backend, row in s["backends"].items():
        if "skipped" in row:
            notes.append(f"- {backend}: skipped ({row['skipped']}).")
            continue
        for size, cell in row["batch_sizes"].items():
            rows.append(
                [
                    backend,
                    size,
                    fig(cell["questions_per_second"], 2),
                    fig(cell["completion_tokens_per_second"], 1),
                    fig(cell["seconds"], 2),
                ]
            )
        notes.append(
            f"- {backend}, {row.get('threads')} thread(s): best batch {row['best_batch_size']} "
            f"gives {row['speedup_over_smallest']:.2f}x the questions/s of batch "
            f"{row['smallest_batch_size']}."
        )
    header = ["backend", "batch", "questions/s", "completion tokens/s", "seconds"]
    return [
        f"{s['questions']} acme test questions per pass, greedy.",
        "",
        *_table(header, rows),
        "",
        *notes,
    ]


def _embedding_md(s: dict[str, Any]) -> list[str]:
    return [
        f"{s['chunks']} acme chunks ({s['chunk_size']} tokens), `{s['embedder']}`, index "
        f"{s['index']}.",
        "",
        *_table(
            ["", "value"],
            [
                ["chunks embedded / s", fig(s["chunks_per_second"], 1)],
                ["embedding seconds", fig(s["embed_seconds"], 2)],
                [
                    f"index build, cold cache ({s['build_includes']}) s",
                    fig(s["index_build_seconds"], 2),
                ],
                ["index load, warm cache s", fig(s["index_load_seconds"], 3)],
            ],
        ),
    ]


def _faiss_md(s: dict[str, Any]) -> list[str]:
    rows = []
    for size in s["sizes"]:
        for row in size["indexes"]:
            parameter = ", ".join(f"{k}={v}" for k, v in row["parameter"].items()) or "exact"
            rows.append([f"{size['chunks']:,}", row["index"], parameter,
                         fig(row["build_seconds"], 2), fig(row["p50_ms"], 3),
                         fig(row["p95_ms"], 3), f"{row['recall_at_10']:.3f}"])  # fmt: skip
    header = ["chunks", "index", "search parameter", "build s", "p50 ms", "p95 ms", "recall@10"]
    similarity = "; ".join(
        f"{size['chunks']:,}: {size['query_similarity_median']['top1']:.2f} / "
        f"{size['query_similarity_median']['top10']:.2f}"
        for size in s["sizes"]
    )
    return [
        s["method"],
        f"Embedding the {s['real_vectors']:,} real vectors took "
        f"{s['variant_embed_seconds']:.1f} s. Median cosine of a query's 1st / 10th "
        f"neighbour: {similarity}.",
        f"Search parameters: the smallest reaching recall@10 >= {s['recall_goal']} against Flat. "
        f"Builds use {s['build_threads']} threads.",
        "",
        *_table(header, rows),
    ]


def _lora_md(s: dict[str, Any]) -> list[str]:
    peak = s["peak_flops_per_second"]
    lines = [
        f"{s['steps']} optimizer steps per run, each in a fresh child process; every variant adds "
        "one change to the one above it, from the trainer as it was (SDPA attention, each row the "
        "whole prompt, weights cast at every pass, LoRA dropout 0.05) to today's defaults; the "
        "last two are the defaults at a larger batch (the same steps, so more tokens). "
        f"FLOP/s: {s['flops_counted_by']}; peak ({s['peak_measured_by']}): "
        f"{peak['bfloat16'] / 1e9:.0f} GFLOP/s bfloat16, {peak['float32'] / 1e9:.0f} float32.",
    ]
    for kind, rows in s["kinds"].items():
        knobs = rows["settings"]
        lines += [
            "",
            f"**{kind} examples** (rank {knobs['rank']}, {len(knobs['target_modules'])} target "
            f"modules, batch {knobs['batch_size']}, bf16 {knobs['bf16']}):",
            "",
            *_table(
                ["variant", "tokens / s", "x today", "positions computed / tokens",
                 "GFLOP/s", "share of peak", "peak RSS MB"],
                [[r["variant"], fig(r["tokens_per_second"], 0), f"{r['speedup']:.2f}x",
                  f"{r['computed_tokens']:,} / {r['tokens']:,}",
                  f"{r['flops_per_second']['median'] / 1e9:.0f}",
                  f"{r['share_of_peak']:.0%} of {r['matmul_dtype']}",
                  fig(r["peak_rss_mb"], 0)] for r in rows["variants"]],
            ),
        ]  # fmt: skip
    return lines


def _profile_md(s: dict[str, Any]) -> list[str]:
    trainers = s["trainers"]
    names = list(trainers)
    categories = list(next(iter(trainers.values()))["categories"])
    rows = [[c, *(_share(trainers[n], c) for n in names)] for c in categories]
    rows.append(["**a step**", *(f"{trainers[n]['seconds_per_step']:.2f} s" for n in names)])
    rows.append(["positions computed / example tokens",
                 *(f"{trainers[n]['computed_tokens']:,} / {trainers[n]['tokens']:,}"
                   for n in names)])  # fmt: skip
    steps = next(iter(trainers.values()))["steps"]
    g = s["generation"]
    return [
        f"{steps} profiled steps after 2 warm-up steps on {s['examples']}; seconds a step by "
        "operator category (self time), and the time between operators.",
        "",
        *_table(["category", *names], rows),
        "",
        f"Generation: a batch of {g['batch_size']} prompt-strategy questions, greedy, "
        f"{g['dtype']}: {g['completion_tokens']} completion tokens in {g['seconds']:.2f} s, "
        f"{g['flops_per_second'] / 1e9:.1f} GFLOP/s, {g['share_of_peak']:.1%} of the measured "
        f"{g['dtype']} peak ({g['peak_flops_per_second'] / 1e9:.0f} GFLOP/s; FLOPs of the "
        "prompts' prefill and every decoding step, counted by FlopCounterMode).",
    ]


def _share(trainer: dict[str, Any], category: str) -> str:
    seconds = trainer["categories"][category]
    return f"{seconds:.3f} s ({seconds / trainer['seconds_per_step']:.0%})"


def _makerun_md(s: dict[str, Any]) -> list[str]:
    return [
        f"`{s['command']}`: {s['seconds'] / 60:.1f} min in all, `make setup` "
        f"{s['setup_seconds'] / 60:.1f} min, the sweep {s['run_seconds'] / 60:.1f} min.",
        "",
        *_table(
            ["cell", "questions", "answerable", "answerable accuracy"],
            [[c["strategy"], c["questions"], c["answerable"],
              "–" if c["answerable_accuracy"] is None else f"{c['answerable_accuracy']:.1%}"]
             for c in s["cells"]],
        ),
    ]  # fmt: skip


def _compare_md(s: dict[str, Any]) -> list[str]:
    plan, full = s["reduced"], s["reduced"]["full"]
    runs = len(s["cold_seconds"]["runs"])
    cells = ", ".join(
        f"{c['strategy']} {'hit' if c['cache_hit'] else 'miss'}" for c in s["warm_cells"]
    )
    return [
        f"`{s['command']}`",
        "",
        f"Scaled to {s['scale']:.0%} of the full sweep: {plan['limit']} of {full['questions']} "
        f"questions per cell, finetune {plan['finetune_steps']} of {full['finetune_steps']} "
        f"steps, finetune_rag {plan['finetune_rag_steps']} of {full['finetune_rag_steps']} "
        f"steps, forgetting check on {plan['forgetting_questions']} of "
        f"{full['forgetting_questions']} questions. Cold includes {s['cold_includes']}.",
        "",
        *_table(
            ["sweep", "runs", "seconds", "speedup"],
            [
                ["cold (empty cache)", runs, fig(s["cold_seconds"], 1), "1"],
                [
                    "warm caches, fresh results folder",
                    runs,
                    fig(s["warm_seconds"], 1),
                    f"{s['speedup_warm']:.2f}x",
                ],
                [
                    "same command again (cells skipped)",
                    len(s["resume_seconds"]["runs"]),
                    fig(s["resume_seconds"], 1),
                    f"{s['speedup_resume']:.1f}x",
                ],
            ],
        ),
        "",
        f"Warm run setup from the cache: {cells}.",
    ]


def _precision_md(s: dict[str, Any]) -> list[str]:
    a = s["answering"]
    native = "native" if s["native_bfloat16"] else "emulated (no AVX512-BF16 or AMX)"
    answering = [
        [dtype, fig(a["questions_per_second"][dtype], 2), f"{100 * a['accuracy'][dtype]:.1f} %"]
        for dtype in ("float32", "bfloat16")
    ]
    training = [
        [r["weights"], "yes" if r["autocast"] else "no", f"{r['tokens_per_second']:.0f}",
         f"{r['train_seconds']:.1f}"]
        for r in s["training"]["variants"]
    ]  # fmt: skip
    return [
        f"bfloat16 on this CPU: {native}. Answering: {a['strategy']} on {a['questions']} test "
        f"questions ({a['answerable']} answerable), {a['identical_answers']} answers identical; "
        f"bfloat16 minus float32: {100 * a['difference']:+.1f} points "
        f"[{100 * a['difference_ci'][0]:+.1f}, {100 * a['difference_ci'][1]:+.1f}], "
        f"McNemar p = {a['mcnemar_p']:.2f}.",
        "",
        *_table(["dtype", "questions / s", "answerable accuracy"], answering),
        "",
        f"Training: {s['training']['variants'][0]['steps']} LoRA steps on "
        f"{s['training']['examples']}.",
        "",
        *_table(["weights", "bfloat16 autocast", "tokens / s", "seconds"], training),
    ]


def _questions_md(s: dict[str, Any]) -> list[str]:
    knobs = ", ".join(f"{k} {v}" for k, v in s["settings"].items())
    header = ["mode", "sections", "answers found", "facts kept", "questions written", "model calls",
              "model seconds", "seconds in all", "**seconds / section**"]  # fmt: skip
    rows = [[mode, r["sections"], r["answers_found"], r["facts_kept"], r["questions_written"],
             r["model_calls"], f"{r['model_seconds']:.1f}", f"{r['seconds']:.1f}",
             f"**{r['seconds_per_section']:.1f}**"] for mode, r in s["modes"].items()]  # fmt: skip
    return [
        f"`python -m harness.generate` on `{s['corpus']}` ({s['sections']} sections, ingested in "
        f"{s['ingest_seconds']:.1f} s), model {s['model']}, torch threads: {s['threads']} "
        f"({knobs}), each mode from an empty reply cache, the converted weights from "
        f"`{s['weights_cache']}`; {s['runs_per_mode']} run per mode. Seconds in all: the CLI's "
        "`run` (model, reader and embedder loads included; Python's start and imports not); "
        "model seconds: the calls' own, from generation.json.",
        "",
        *_table(header, rows),
    ]


def fig(value: dict[str, Any], digits: int) -> str:
    """A figure as `median [min–max]`."""
    if value["min"] == value["max"]:
        return f"{value['median']:.{digits}f}"
    return f"{value['median']:.{digits}f} [{value['min']:.{digits}f}–{value['max']:.{digits}f}]"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines
