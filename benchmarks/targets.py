"""The bench's targets, each checked from its results JSON (a pure function of it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OVERHEAD_MAX = 0.05
BATCHING_MIN = 3.0
WARM_SWEEP_MIN = 5.0
HNSW_P95_MAX_MS = 2.0
HNSW_RECALL_MIN = 0.95
BF16_TRAINING_MIN = 2.0  # bfloat16 training tokens/s over float32's, where the CPU has bfloat16
TRAINING_SPEEDUP_MIN = 3.0  # LoRA tokens/s over today's trainer at the same settings
COMPARE_COLD_MAX_S = 600.0  # the full-size compare sweep from an empty cache
MAKE_RUN_MAX_S = 600.0  # `make run` cold from a fresh clone, setup included
MAKE_RUN_ANSWERABLE_MIN = 150  # answerable questions make run's verdict rests on
QUESTIONS_SECTION_MAX_S = 60.0  # `harness.generate`'s seconds in all / sections, in each mode
NOISE_P = 0.05  # an accuracy difference with a larger McNemar p is within the paired test's noise


@dataclass(frozen=True)
class Target:
    """One target of the issue: what it asks, what was measured, and whether it was met."""

    name: str
    goal: str
    measured: str
    met: bool | None  # None: its section did not run (or failed)

    @property
    def status(self) -> str:
        """`met`, `missed` or `not measured`."""
        return {True: "met", False: "missed", None: "not measured"}[self.met]


def check_targets(results: dict[str, Any]) -> list[Target]:
    """Each target against the measured figures; a pure function of the results JSON."""
    sections = results.get("sections", {})
    return [
        _overhead(sections.get("overhead")),
        *_batching(sections.get("generation")),
        *_sweep(sections.get("compare")),
        _hnsw(sections.get("faiss")),
        *_precision(sections.get("dtype")),
        _training_speed(sections.get("lora")),
        _compare_cold(sections.get("compare")),
        _make_run(sections.get("makerun")),
        *_questions(sections.get("questions")),
    ]


def _overhead(section: dict[str, Any] | None) -> Target:
    """The like-for-like figure: the harness against the same generate calls made plainly."""
    goal = (
        f"harness overhead < {OVERHEAD_MAX:.0%} of plain generate time, like for like "
        "(same dtype, same batches, warmed up)"
    )
    if not _ran(section):
        return Target("harness overhead", goal, "–", None)
    value = section["overhead"]
    measured = (
        f"{value:+.1%} ({section['harness_seconds']['median']:.2f} s vs "
        f"{section['plain_seconds']['median']:.2f} s plain, {section['dtype']}, "
        f"{section['questions']} questions)"
    )
    return Target("harness overhead", goal, measured, value < OVERHEAD_MAX)


def _batching(section: dict[str, Any] | None) -> list[Target]:
    goal = f"best batch size >= {BATCHING_MIN:g}x the questions/s of the smallest"
    if not _ran(section):
        return [Target("batched generation", goal, "–", None)]
    targets = []
    for backend, row in section["backends"].items():
        name = f"batched generation ({backend})"
        if "skipped" in row:
            targets.append(Target(name, goal, f"skipped: {row['skipped']}", None))
            continue
        speedup = row["speedup_over_smallest"]
        measured = (
            f"{speedup:.2f}x (batch {row['best_batch_size']} vs batch {row['smallest_batch_size']})"
        )
        targets.append(Target(name, goal, measured, speedup >= BATCHING_MIN))
    return targets


def _sweep(section: dict[str, Any] | None) -> list[Target]:
    goal = f"second compare sweep, warm caches, >= {WARM_SWEEP_MIN:g}x faster, nothing rebuilt"
    resume_goal = f"same sweep command again >= {WARM_SWEEP_MIN:g}x faster"
    if not _ran(section):
        return [Target("warm compare sweep", goal, "–", None)]
    rebuilt = [
        f"{part}/{name}" for part, names in section["rebuilt_in_warm"].items() for name in names
    ]
    missed_hits = [
        c["strategy"]
        for c in section["warm_cells"]
        if c["strategy"] != "prompt" and not c["cache_hit"]
    ]
    speedup = section["speedup_warm"]
    measured = (
        f"{speedup:.2f}x ({section['cold_seconds']['median']:.0f} s cold, "
        f"{section['warm_seconds']['median']:.0f} s warm); rebuilt: "
        f"{', '.join(rebuilt + missed_hits) or 'nothing'}"
    )
    met = speedup >= WARM_SWEEP_MIN and not rebuilt and not missed_hits
    resume = section["speedup_resume"]
    resumed = f"{resume:.1f}x ({section['resume_seconds']['median']:.1f} s; cells skipped)"
    return [
        Target("warm compare sweep (fresh results folder)", goal, measured, met),
        Target(
            "compare sweep rerun (same results folder)",
            resume_goal,
            resumed,
            resume >= WARM_SWEEP_MIN,
        ),
    ]


def _hnsw(section: dict[str, Any] | None) -> Target:
    goal = (
        f"HNSW p95 < {HNSW_P95_MAX_MS:g} ms at the largest corpus, recall@10 >= {HNSW_RECALL_MIN:g}"
    )
    if not _ran(section):
        return Target("HNSW query latency", goal, "–", None)
    largest = max(section["sizes"], key=lambda s: s["chunks"])
    row = next(r for r in largest["indexes"] if r["index"].startswith("HNSW"))
    p95, recall = row["p95_ms"]["median"], row["recall_at_10"]
    parameter = ", ".join(f"{k}={v}" for k, v in row["parameter"].items())
    measured = (
        f"p95 {p95:.3f} ms, recall@10 {recall:.3f} at {largest['chunks']:,} chunks ({parameter})"
    )
    return Target(
        "HNSW query latency", goal, measured, p95 < HNSW_P95_MAX_MS and recall >= HNSW_RECALL_MIN
    )


def _precision(section: dict[str, Any] | None) -> list[Target]:
    training_goal = f"best bfloat16 LoRA tokens/s >= {BF16_TRAINING_MIN:g}x float32's"
    accuracy_goal = f"bfloat16 answers' accuracy within the paired test's noise (p >= {NOISE_P})"
    if not _ran(section):
        return [Target("bfloat16 training", training_goal, "–", None),
                Target("bfloat16 accuracy", accuracy_goal, "–", None)]  # fmt: skip
    rows = section["training"]["variants"]
    plain = next(r for r in rows if r["weights"] == "float32" and not r["autocast"])
    best = max((r for r in rows if r["weights"] == "bfloat16" or r["autocast"]),
               key=lambda r: r["tokens_per_second"])  # fmt: skip
    ratio = best["tokens_per_second"] / plain["tokens_per_second"]
    how = "bfloat16 weights" if best["weights"] == "bfloat16" else "float32 weights, autocast"
    measured = (
        f"{ratio:.2f}x ({best['tokens_per_second']:.0f} tokens/s, {how}, vs "
        f"{plain['tokens_per_second']:.0f})"
    )
    native = section["native_bfloat16"]
    training = Target("bfloat16 training", training_goal,
                      measured if native else f"not native here; {measured}",
                      ratio >= BF16_TRAINING_MIN if native else None)  # fmt: skip
    a = section["answering"]
    p_value = a["mcnemar_p"]
    accuracy = Target(
        "bfloat16 accuracy",
        accuracy_goal,
        f"{100 * a['difference']:+.1f} points [{100 * a['difference_ci'][0]:+.1f}, "
        f"{100 * a['difference_ci'][1]:+.1f}], McNemar p = {p_value:.2f} on {a['answerable']}",
        p_value >= NOISE_P,
    )
    return [training, accuracy]


def _training_speed(section: dict[str, Any] | None) -> Target:
    goal = f"LoRA training tokens/s >= {TRAINING_SPEEDUP_MIN:g}x today's trainer, same settings"
    if not _ran(section):
        return Target("LoRA training speed", goal, "–", None)
    from benchmarks.lora import DEFAULTS, SAME_SETTINGS

    ratios, parts = [], []
    for kind, rows in section["kinds"].items():
        same = next(r for r in rows["variants"] if r["variant"] == SAME_SETTINGS)
        defaults = next(r for r in rows["variants"] if r["variant"] == DEFAULTS)
        ratios.append(same["speedup"])
        rate = defaults["tokens_per_second"]["median"]
        parts.append(f"{kind} {same['speedup']:.2f}x ({defaults['speedup']:.2f}x with the "
                     f"defaults, {rate:.0f} tokens/s)")  # fmt: skip
    return Target("LoRA training speed", goal, "; ".join(parts),
                  min(ratios) >= TRAINING_SPEEDUP_MIN)  # fmt: skip


def _compare_cold(section: dict[str, Any] | None) -> Target:
    goal = f"+sweep=compare at full size from an empty cache <= {COMPARE_COLD_MAX_S / 60:g} min"
    if not _ran(section):
        return Target("full-size compare, cold", goal, "–", None)
    seconds = section["cold_seconds"]["median"]
    measured = f"{seconds / 60:.1f} min at scale {section['scale']:g}"
    if section["scale"] < 1:  # a scaled sweep says nothing about the full size
        return Target("full-size compare, cold", goal, f"not at full size: {measured}", None)
    return Target("full-size compare, cold", goal, measured, seconds <= COMPARE_COLD_MAX_S)


def _make_run(section: dict[str, Any] | None) -> Target:
    goal = (f"`make run` from a fresh clone, empty cache, <= {MAKE_RUN_MAX_S / 60:g} min with "
            f">= {MAKE_RUN_ANSWERABLE_MIN} answerable questions")  # fmt: skip
    if not _ran(section):
        return Target("make run, cold", goal, "–", None)
    seconds, answerable = section["seconds"], section["answerable"]
    measured = (f"{seconds / 60:.1f} min (setup {section['setup_seconds'] / 60:.1f} min), "
                f"{answerable} answerable questions")  # fmt: skip
    met = seconds <= MAKE_RUN_MAX_S and answerable >= MAKE_RUN_ANSWERABLE_MIN
    return Target("make run, cold", goal, measured, met)


def _questions(section: dict[str, Any] | None) -> list[Target]:
    """A section of questions in seconds, not minutes: each mode's wall seconds per section."""
    goal = (
        f"`python -m harness.generate` on the example docs, empty reply cache, default settings: "
        f"< {QUESTIONS_SECTION_MAX_S:g} s a section (seconds in all / sections)"
    )
    if not _ran(section):
        return [Target("question generation", goal, "–", None)]
    targets = []
    for mode, row in section["modes"].items():
        measured = (f"{row['seconds_per_section']:.1f} s a section ({row['seconds']:.0f} s for "
                    f"{row['sections']} sections, {row['model_calls']} model calls)")  # fmt: skip
        name = f"question generation ({mode})"
        if not section["default_settings"]:  # --quick or generate.* overrides: other work
            targets.append(Target(name, goal, f"not at the default settings: {measured}", None))
        else:
            met = row["seconds_per_section"] < QUESTIONS_SECTION_MAX_S
            targets.append(Target(name, goal, measured, met))
    return targets


def _ran(section: dict[str, Any] | None) -> bool:
    return bool(section) and "error" not in section
