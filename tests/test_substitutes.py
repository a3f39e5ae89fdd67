"""acme's substitution table (data/acme/substitutes.py) and its reader
(harness/prompts/substitutes.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from harness.errors import HarnessError
from harness.prompts.substitutes import load_table, substituted

DATA = Path(__file__).resolve().parents[1] / "data" / "acme"


def _script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(sys, "path", [str(DATA), *sys.path])
    spec = importlib.util.spec_from_file_location("acme_substitutes", DATA / "substitutes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_writes_the_committed_table_byte_for_byte(tmp_path, monkeypatch) -> None:
    script = _script(monkeypatch)
    try:
        script.main(["--out", str(tmp_path / "a.jsonl")])
        script.main(["--out", str(tmp_path / "b.jsonl"), "--seed", "7"])
    finally:
        for name in ("prepare", "behaviour"):
            sys.modules.pop(name, None)
    committed = (DATA / "substitutes.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() == committed
    other = load_table(str(tmp_path / "b.jsonl"))
    assert other != load_table(str(DATA / "substitutes.jsonl"))  # the seed decides the draws
    assert set(other) == set(load_table(str(DATA / "substitutes.jsonl")))


def test_every_gold_answer_of_acme_has_a_substitute_unlike_it() -> None:
    table = load_table(str(DATA / "substitutes.jsonl"))
    answers = {answer for rev in ("rev1", "rev2")
               for name in ("questions.jsonl", "behaviour_questions.jsonl")
               for line in (DATA / rev / name).read_text().splitlines()
               for answer in json.loads(line)["answers"]}  # fmt: skip
    assert answers <= set(table)
    assert all(value != substitute for value, substitute in table.items())
    assert table["6.5 GB"] == "7.9 GB" and table["6.5GB"] == "7.9GB"  # the fact's new value


def test_substitution_replaces_whole_values_only_and_counts_them() -> None:
    table = {"3 devices": "8 devices", "30 days": "45 days"}
    chunks = ["Link 3 devices; 13 devices is too many; 3 devices again.", "Kept 30 days."]
    changed, made = substituted(chunks, ["3 devices"], table, "q1")
    assert changed == ["Link 8 devices; 13 devices is too many; 8 devices again.", chunks[1]]
    assert made == [{"original": "3 devices", "substitute": "8 devices", "occurrences": 2}]
    assert substituted(chunks, [], table, "q2") == (chunks, [])  # unanswerable: nothing changes


@pytest.mark.parametrize(("text", "fix"), [
    ('{"value": "a"}\n', "line 1: give a JSON object with string fields 'value' and 'substitute'"),
    ('{"value": "a", "substitute": "a"}\n', "line 1: 'a' needs one substitute that differs"),
    ("not json\n", "line 1: give a JSON object"),
])  # fmt: skip
def test_a_bad_table_is_one_line_naming_the_setting(tmp_path: Path, text: str, fix: str) -> None:
    path = tmp_path / "table.jsonl"
    path.write_text(text)
    with pytest.raises(HarnessError) as error:
        load_table(str(path))
    assert str(error.value).startswith(f"dataset.substitutes={path} {fix}")
    assert "\n" not in str(error.value)
    with pytest.raises(HarnessError, match=r"^dataset\.substitutes=.*missing\.jsonl: cannot read"):
        load_table(str(tmp_path / "missing.jsonl"))
