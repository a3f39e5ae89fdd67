"""The report's seed section: how far training's randomness moves each trained configuration.

Training is not bit-reproducible across machines, and one adapter is one draw of its seed: the
paired tests of the main tables treat it as if it were the strategy. Runs whose configurations
differ only in their seed (`run.seed`, and the `training.seed` it feeds) are pooled: per axis,
the mean across seeds and its range beside the widest 95 % interval a single run had. The
cautions say when the best configuration's lead over the next is no larger than that range.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.report.overview import pct, points
from harness.report.sections import Section, key_without, label_without

NOTE = (
    "Runs whose configurations differ only in their training seed, pooled: per axis the mean "
    "across seeds, its range (lowest and highest seed), and the widest 95 % Wilson interval of "
    "a single run. A range as wide as a difference between cells means one adapter cannot "
    "decide it: compare means over seeds."
)
AXES = {"knowledge": ("answerable_accuracy", "accuracy"), "behaviour": ("behaviour", "behaviour")}


def seed_groups(runs: pd.DataFrame) -> dict[str, list[int]]:
    """Configuration key -> the positions of its runs, in report order (a run per position)."""
    groups: dict[str, list[int]] = {}
    for position, summary in enumerate(runs["summary"]):
        key = key_without(summary.get("config", {}), ("seed",), {"seed"})
        groups.setdefault(key, []).append(position)
    return groups


def seed_section(runs: pd.DataFrame, table: pd.DataFrame) -> Section | None:
    """Each configuration trained with two or more seeds, pooled; None when there is none."""
    pooled = [g for g in seed_groups(runs).values() if len(_seeds(runs, g)) > 1]
    if not pooled:
        return None
    rows = []
    for group in pooled:
        row: dict[str, Any] = {"configuration": configuration_label(table, group),
                               "seeds": ", ".join(map(str, _seeds(runs, group)))}  # fmt: skip
        for axis, (column, interval) in AXES.items():
            values = table.iloc[group][column].dropna()
            if values.empty:
                continue
            low, high = values.min(), values.max()
            row[f"{axis}: mean [range]"] = f"{pct(values.mean())} [{pct(low)}, {pct(high)}]"
            row[f"{axis}: spread"] = points(high - low)
            row[f"{axis}: widest run CI"] = _widest(table.iloc[group], interval)
        rows.append(row)
    return Section("Seed spread", NOTE, pd.DataFrame(rows).fillna("n/a"))


def seed_cautions(runs: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Per axis, a line when the best configuration (mean over its seeds) leads the next one by
    no more than the range across seeds of either; nothing when no configuration has seeds."""
    groups = list(seed_groups(runs).values())
    if not any(len(_seeds(runs, g)) > 1 for g in groups):
        return []
    lines = []
    for axis, (column, _) in AXES.items():
        measured = [(table.iloc[g][column].dropna(), g) for g in groups]
        ranked = sorted((v for v in measured if not v[0].empty), key=lambda v: -v[0].mean())
        if len(ranked) < 2:
            continue
        (best, best_group), (next_, next_group) = ranked[:2]
        lead = best.mean() - next_.mean()
        spreads = {configuration_label(table, g): v.max() - v.min()
                   for v, g in ranked[:2] if len(v) > 1}  # fmt: skip
        if not spreads or max(spreads.values()) < lead:
            continue
        widest = max(spreads, key=spreads.get)
        lines.append(
            f"Seeds ({axis}): {configuration_label(table, best_group)} leads "
            f"{configuration_label(table, next_group)} by {points(lead)} (means over seeds), no "
            f"more than the {points(spreads[widest])} {widest} moves between its seeds: one "
            f"trained adapter does not decide between them; add seeds (+sweep=seeds)."
        )
    return lines


def configuration_label(table: pd.DataFrame, group: list[int]) -> str:
    """The first run's cell label without its seed settings."""
    return label_without(str(table.iloc[group[0]]["cell"]), ("seed",))


def _seeds(runs: pd.DataFrame, group: list[int]) -> list[int]:
    seeds = {runs["summary"].iloc[p].get("config", {}).get("run", {}).get("seed") for p in group}
    return sorted(s for s in seeds if s is not None)


def _widest(rows: pd.DataFrame, interval: str) -> str:
    low, high = rows.get(f"{interval}_ci_low"), rows.get(f"{interval}_ci_high")
    if low is None or high is None or (high - low).dropna().empty:
        return "n/a"
    return f"±{100 * (high - low).max() / 2:.1f} points"
