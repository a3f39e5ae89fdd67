"""The per-question page (`answers.html`): its data, its escaping, its filters in a real browser.

The browser tests drive Debian's `chromium` through Playwright (its own browser download fails
here). Without a browser they are skipped on a developer's machine and fail in CI, where `.ci/run`
installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.costs import build_pricing
from harness.report import write_report
from harness.report.answers import answers_data, answers_page, script_safe
from harness.run import results
from harness.scoring import ScoringRules
from tests.fakes import write_summary

RULES = ScoringRules()
PRICING = build_pricing("test VM", 3.6, "2026-11-29")
HOSTILE_QUESTION = "<img src=x onerror=\"window.pwned='question'\">Which plan?"
HOSTILE_ANSWER = "</script><script>window.pwned='answer'</script><b>75</b>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _run(
    root: Path,
    strategy: str,
    predictions: list[str],
    shown: list[list[str]] | None,
    model: str = "m",
) -> None:
    """A run folder whose rows answer q0..q4 (q4 unanswerable) with `predictions`."""
    folder = root / f"acme-{strategy}"
    folder.mkdir(parents=True)
    gold = [["75 seats"], ["$7.35"], ["22 GB"], ["6 people"], []]
    rows = []
    for i, (answers, prediction) in enumerate(zip(gold, predictions, strict=True)):
        row: dict[str, Any] = {
            "id": f"q{i}", "question": HOSTILE_QUESTION if i == 0 else f"question {i}?",
            "answers": answers, "doc_ids": [f"doc-{i}"] if answers else [],
            "prediction": prediction, "batch": 0, "batch_seconds": 0.5,
            "latency_seconds": 0.1, "prompt_tokens": 40 + i, "completion_tokens": 3,
        }  # fmt: skip
        if shown is not None:
            row["shown_doc_ids"] = shown[i]
        rows.append(row)
    (folder / results.PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    declared = {"uses_retrieval": shown is not None, "trains_weights": False}
    (folder / results.SETUP).write_text(json.dumps({"build_seconds": 0.0, **declared}))
    write_summary(folder, rows, [f"strategy={strategy}", f"model.name={model}"])


@pytest.fixture
def report_folder(tmp_path: Path) -> Path:
    """prompt right on q1 only; rag right on q0 (a hostile answer around the value) and q2; rag
    misses retrieval on q1 and reads q3's document wrong; both abstain on the unanswerable q4."""
    _run(tmp_path, "prompt", ["60 seats", "$7.35", "1 GB", "2 people", "I don't know."], None)
    shown = [["doc-0"], ["doc-9"], ["doc-2"], ["doc-3"], ["doc-8"]]
    rag = [HOSTILE_ANSWER.replace("75", "75 seats"), "$1.00", "22 GB", "5 people", "I don't know."]
    _run(tmp_path, "rag", rag, shown)
    write_report(tmp_path, rules=RULES, pricing=PRICING)
    return tmp_path


def test_the_report_writes_the_page_beside_it_with_every_cell_and_question(
    report_folder: Path,
) -> None:
    page = (report_folder / "answers.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="answers-data">')[1].split("</script>")[0])
    assert data["cells"] == ["prompt/m", "rag/m"]
    assert [q["id"] for q in data["questions"]] == ["q0", "q1", "q2", "q3", "q4"]
    rag = {q["id"]: q["cells"]["rag/m"] for q in data["questions"]}
    assert [rag[q]["outcome"] for q in ("q0", "q1", "q2", "q3")] == [
        "correct", "wrong", "correct", "wrong"]  # fmt: skip
    assert rag["q1"]["failure"] == "retrieval_miss" and rag["q3"]["failure"] == "reading_error"
    assert data["questions"][4]["answerable"] is False


def test_text_from_users_and_models_cannot_leave_the_data_element() -> None:
    hostile = json.dumps({"a": "</script><!-- & -->"})
    safe = script_safe(hostile)
    assert "<" not in safe and ">" not in safe and "&" not in safe
    assert json.loads(safe) == json.loads(hostile)


def test_answers_keep_what_the_page_needs_and_cut_what_is_too_long() -> None:
    rows = pd.DataFrame([{
        "id": "q1", "cell": "rag", "question": "q?", "answers": ["x"], "doc_ids": ["d1"],
        "prediction": "y" * 5_000, "outcome": "wrong", "failure": "reading_error",
        "behaviour": {"max_words": False, "json": True}, "shown_doc_ids": ["d1"],
        "prompt_tokens": 10, "completion_tokens": 2, "latency_seconds": float("nan"),
    }])  # fmt: skip
    answer = answers_data(rows, ["rag"])["questions"][0]["cells"]["rag"]
    assert answer["checks_failed"] == ["max_words"]
    assert answer["latency_seconds"] is None  # NaN would not be valid JSON
    assert 2_000 <= len(answer["prediction"]) < 2_100


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: apt-get install chromium (see README, tests)")
        pytest.skip("no chromium here: apt-get install chromium to run the browser tests")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser: Any, path: Path, width: int = 1400) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    return page, errors


def _shown(page: Any) -> int:
    return int(page.get_attribute("#counts", "data-shown"))


@pytest.mark.slow
def test_the_filters_change_the_rows_and_the_counts(browser: Any, report_folder: Path) -> None:
    page, errors = _open(browser, report_folder / "answers.html")
    assert _shown(page) == 5 and page.locator("tbody tr:visible").count() == 5
    page.check("#f-disagree")  # q0, q1, q2 have one cell right and one wrong
    assert _shown(page) == 3 and page.locator("tbody tr:visible").count() == 3
    page.uncheck("#f-disagree")
    page.select_option("#f-right", "rag/m")
    page.select_option("#f-wrong", "prompt/m")
    assert _shown(page) == 2  # q0 and q2
    page.select_option("#f-right", "")
    page.select_option("#f-wrong", "")
    page.select_option("#f-failure", "retrieval_miss")
    assert _shown(page) == 1
    page.select_option("#f-failure", "reading_error")
    assert _shown(page) == 1
    page.select_option("#f-failure", "")
    page.select_option("#f-kind", "unanswerable")
    assert _shown(page) == 1
    page.select_option("#f-kind", "")
    page.fill("#f-text", "22 gb")
    assert _shown(page) == 1 and "1 of 5 questions shown" in page.inner_text("#counts")
    assert errors == []


@pytest.mark.slow
def test_a_hostile_question_and_answer_stay_text(browser: Any, report_folder: Path) -> None:
    page, errors = _open(browser, report_folder / "answers.html")
    assert page.evaluate("window.pwned") is None
    assert page.locator("img").count() == 0
    assert HOSTILE_QUESTION in page.inner_text("tbody")
    assert "</script><script>" in page.inner_text("tbody")
    assert errors == []


@pytest.mark.slow
def test_the_page_does_not_scroll_sideways_at_1400_pixels(
    browser: Any, report_folder: Path, tmp_path: Path
) -> None:
    _fits_1400_pixels(browser, report_folder / "answers.html", tmp_path)


@pytest.mark.slow
def test_five_cells_by_a_thousand_questions_stay_usable(browser: Any, tmp_path: Path) -> None:
    cells = [f"cell{c}" for c in range(5)]
    rows = pd.DataFrame([
        {"id": f"q{q}", "cell": cell, "question": f"What is fact {q}?", "answers": [f"{q} GB"],
         "doc_ids": [f"d{q}"], "prediction": f"Fact {q} is {q + c} GB.",
         "outcome": "correct" if c == 0 or q % (c + 1) else "wrong", "failure": None,
         "shown_doc_ids": [f"d{q}", f"d{q + 1}"], "prompt_tokens": 200, "completion_tokens": 9,
         "latency_seconds": 0.4}
        for q in range(1_000) for c, cell in enumerate(cells)
    ])  # fmt: skip
    path = tmp_path / "answers.html"
    path.write_text(answers_page(rows, cells), encoding="utf-8")
    started = time.perf_counter()
    page, errors = _open(browser, path)
    loaded = time.perf_counter() - started
    assert _shown(page) == 1_000 and errors == []
    started = time.perf_counter()
    page.check("#f-disagree")
    filtered = time.perf_counter() - started
    expected = sum(any(q % (c + 1) == 0 for c in range(1, 5)) for q in range(1_000))
    assert _shown(page) == expected
    # generous bounds for 2 shared cores; the README quotes the measured figures
    assert path.stat().st_size < 5_000_000 and loaded < 20 and filtered < 5


def test_with_many_cells_plot_points_are_numbered_and_keyed(monkeypatch, tmp_path: Path) -> None:
    from harness.report import plots

    drawn: list[Any] = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)
    cells = [f"finetune_rag/model-{i}" for i in range(7)]
    table = pd.DataFrame({
        "cell": cells, "cost_per_1k_questions_usd": [0.1] * 7,  # all on one spot
        "answerable_accuracy": [0.5] * 7, "accuracy_ci_low": [0.4] * 7,
        "accuracy_ci_high": [0.6] * 7,
    })  # fmt: skip
    plots.accuracy_vs_cost(table, tmp_path / "a.png")
    texts = [t.get_text() for t in drawn[0].axes[0].texts]
    assert sorted(t for t in texts if t.isdigit()) == sorted(str(n) for n in range(1, 8))
    key = next(t for t in texts if "\n" in t)
    assert all(f"{n}: {cell}" in key for n, cell in enumerate(cells, start=1))
    plots.accuracy_vs_cost(table.head(3), tmp_path / "b.png")  # few cells: named at the points
    assert sorted(t.get_text() for t in drawn[1].axes[0].texts) == sorted(cells[:3])


def test_the_report_opens_on_the_few_figures_in_the_advice_s_order(fake_results: Path) -> None:
    write_report(fake_results, rules=RULES, pricing=PRICING)  # rag 8 of 10, prompt 0 of 10
    report = (fake_results / "report.md").read_text(encoding="utf-8")
    first_table = report.split("## Recommendation")[0]
    assert "answerable accuracy [95 % CI]" in first_table and "p50 latency" in first_table
    assert "exact_match" not in first_table  # the details wait below the advice
    lines = [line for line in first_table.splitlines() if line.startswith("| ")]
    assert lines[1].startswith("| rag/m (recommended)") and lines[2].startswith("| prompt/m")
    assert "## Details" in report and "exact_match" in report.split("## Details")[1]


@pytest.mark.slow
def test_the_report_s_first_table_fits_1400_pixels(
    browser: Any, report_folder: Path, tmp_path: Path
) -> None:
    page, errors = _fits_1400_pixels(browser, report_folder / "report.html", tmp_path)
    first = page.locator("table").first
    assert "answerable accuracy [95 % CI]" in first.inner_text()
    assert first.evaluate("t => t.getBoundingClientRect().right") <= 1400
    assert errors == []


@pytest.mark.slow
def test_the_report_s_paired_table_fits_1400_pixels_with_real_cell_names(
    browser: Any, tmp_path: Path
) -> None:
    """Its headers were snake_case words that cannot wrap: with the packaged model's cell names
    the table ran past the page's edge into a sideways scroll."""
    answers = ["75 seats", "$7.35", "1 GB", "6 people", "I don't know."]
    for strategy in ("prompt", "rag", "finetune_rag"):
        _run(tmp_path, strategy, answers, None, model="smollm2-135m")
    write_report(tmp_path, rules=RULES, pricing=PRICING)
    page, errors = _fits_1400_pixels(browser, tmp_path / "report.html", tmp_path)
    pairs = page.locator("table", has_text="difference [95 % CI]").first
    assert "finetune_rag/smollm2-135m" in pairs.inner_text()
    assert pairs.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    assert errors == []


def _fits_1400_pixels(browser: Any, path: Path, tmp_path: Path) -> tuple[Any, list[str]]:
    """Open `path`, keep a screenshot beside the test, and check nothing scrolls sideways."""
    page, errors = _open(browser, path)
    page.screenshot(path=str(tmp_path / f"{path.stem}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    return page, errors
