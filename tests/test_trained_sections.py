"""The report's sections on trained cells: seeds pooled per configuration, and the data curve."""

from __future__ import annotations

import json
from pathlib import Path

from harness import stats
from harness.report import write_report
from harness.report.seeds import seed_cautions
from harness.run import results
from tests.fakes import write_summary

CHECK = [{"type": "starts_with", "value": "Happy"}]


def _run(root: Path, name: str, correct: list[bool], overrides: list[str],
         subset: dict | None = None, complies: list[bool] | None = None) -> Path:  # fmt: skip
    """A fine-tuned run folder: answerable questions right or wrong as `correct` says, each
    keeping its behaviour check as `complies` says (default: as it is right)."""
    folder = root / name
    folder.mkdir(parents=True)
    complies = correct if complies is None else complies
    rows = [
        {"id": f"q{i}", "question": f"question {i}?", "answers": ["75 seats"],
         "prediction": ("Happy to help: 75 seats" if keep else "75 seats") if ok
         else ("Happy to help: 60 seats" if keep else "60 seats"),
         "batch": i, "batch_seconds": 0.1, "latency_seconds": 0.1, "prompt_tokens": 10,
         "completion_tokens": 2, "checks": CHECK}
        for i, (ok, keep) in enumerate(zip(correct, complies, strict=True))
    ]  # fmt: skip
    (folder / results.PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    capabilities = {"needs_model": True, "prompting": False, "retrieval": False,
                    "trained_weights": "finetune" in name}  # fmt: skip
    setup = {"build_seconds": 1.0, "details": {"train_subset": subset} if subset else {},
             "capabilities": capabilities}  # fmt: skip
    (folder / results.SETUP).write_text(json.dumps(setup))
    strategy = "finetune" if "finetune" in name else "prompt"
    write_summary(folder, rows, [f"strategy={strategy}", "model.name=m", *overrides])
    return folder


def _right(n: int, of: int = 40) -> list[bool]:
    return [i < n for i in range(of)]


def test_seeds_of_one_configuration_are_pooled_with_mean_range_and_a_caution(tmp_path) -> None:
    for seed, right in ((0, 20), (1, 24), (2, 28)):
        _run(tmp_path, f"finetune-{seed}", _right(right), [f"run.seed={seed}"])
    _run(tmp_path, "prompt", _right(23), [])
    page = write_report(tmp_path).read_text()
    section = page.split("## Seed spread", 1)[1]
    assert "| finetune/m " in section and "| 0, 1, 2 " in section
    assert "60.0% [50.0%, 70.0%]" in section  # mean over the seeds 50, 60, 70 %
    assert "20.0 points" in section  # the range
    low, high = stats.wilson_interval(24, 40)  # widest run interval: the one nearest 50 %
    low0, high0 = stats.wilson_interval(20, 40)
    assert f"±{100 * max(high - low, high0 - low0) / 2:.1f} points" in section
    recommendation = page.split("## Recommendation", 1)[1].split("## Details", 1)[0]
    assert "Seeds (knowledge): finetune/m leads prompt/m by 2.5 points" in recommendation
    assert "20.0 points finetune/m moves between its seeds" in recommendation


def test_no_caution_when_the_lead_is_larger_than_the_seed_spread(tmp_path) -> None:
    for seed, right in ((0, 30), (1, 32)):
        _run(tmp_path, f"finetune-{seed}", _right(right), [f"run.seed={seed}"])
    _run(tmp_path, "prompt", _right(5), [])
    from harness.report import load_runs
    from harness.report.tables import comparison_table

    runs, _ = load_runs(tmp_path)
    assert seed_cautions(runs, comparison_table(runs)) == []
    page = write_report(tmp_path).read_text()
    assert "## Seed spread" in page and "Seeds (" not in page


def test_a_single_seed_has_no_seed_section(tmp_path) -> None:
    _run(tmp_path, "finetune-0", _right(20), [])
    _run(tmp_path, "prompt", _right(10), [])
    page = write_report(tmp_path).read_text()
    assert "## Seed spread" not in page and "Seeds (" not in page


def _subset(facts: int) -> dict:
    return {"facts": facts, "of_facts": 20, "questions": 2 * facts, "seed": 0}


def test_the_data_curve_names_the_smallest_size_the_test_cannot_tell_from_all(tmp_path) -> None:
    full = _right(30)
    near = list(full)
    near[30] = True  # one question apart from the full set: McNemar cannot tell them apart
    _run(tmp_path, "finetune-5", _right(5), ["strategy.train_facts=5"], _subset(5),
         complies=[True] * 40)  # behaviour learnt from 5 facts already  # fmt: skip
    _run(tmp_path, "finetune-10", near, ["strategy.train_facts=10"], _subset(10),
         complies=[True] * 40)  # fmt: skip
    _run(tmp_path, "finetune-all", full, [], _subset(20), complies=[True] * 39 + [False])
    page = write_report(tmp_path).read_text()
    section = page.split("## Training data", 1)[1].split("## Plots", 1)[0]
    assert f"{stats.mcnemar_p(_right(5), full):.3g}" in section  # 5 facts against all
    assert "finetune/m, knowledge: from 10 facts (20 questions) on, no size does worse" in section
    assert "finetune/m, behaviour: from 5 facts (10 questions) on, no size does worse" in section
    assert (tmp_path / "data_curve.png").stat().st_size > 0
    assert "![Training data](data_curve.png)" in page


def test_every_smaller_size_differing_is_said_and_no_full_run_means_no_curve(tmp_path) -> None:
    _run(tmp_path, "finetune-5", _right(2), ["strategy.train_facts=5"], _subset(5))
    _run(tmp_path, "finetune-10", _right(4), ["strategy.train_facts=10"], _subset(10))
    page = write_report(tmp_path).read_text()
    assert "## Training data" not in page  # no run trained on every fact: nothing to compare to
    _run(tmp_path, "finetune-all", _right(36), [], _subset(20))
    page = write_report(tmp_path).read_text()
    assert "finetune/m, knowledge: every smaller size does worse than the 20-fact set" in page


def test_a_size_better_than_the_full_set_is_not_worse_and_is_named(tmp_path) -> None:
    _run(tmp_path, "finetune-5", _right(10), ["strategy.train_facts=5"], _subset(5))
    _run(tmp_path, "finetune-10", _right(36), ["strategy.train_facts=10"], _subset(10))
    _run(tmp_path, "finetune-all", _right(20), [], _subset(20))
    page = write_report(tmp_path).read_text()
    assert "finetune/m, knowledge: from 10 facts (20 questions) on, no size does worse" in page
    p = stats.mcnemar_p(_right(36), _right(20))
    assert f"10 facts did better than all 20 (90.0% against 50.0%, p={p:.3g})" in page
