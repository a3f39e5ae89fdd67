"""Each page of docs/extending does what it says: its files, installed as a package outside the
repository (a temporary folder on sys.path with the entry point its pyproject.toml declares),
run one tiny cell and reach the report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness.config import ROOT, check_group_choices, check_overrides, instantiate, register_configs
from harness.errors import HarnessError
from harness.report import write_report
from harness.run.runner import run
from tests.helpers import compose_config

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the pages' pyproject.toml blocks
PAGES = ROOT / "docs" / "extending"
BLOCK = re.compile(r'^```(\w+) title="([^"]+)"\n(.*?)^```', re.S | re.M)


def install_page(page: Path, site: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Write the page's titled code blocks under `site`, turn its pyproject.toml into the
    installed metadata pip would write, and put `site` on sys.path; the files written."""
    written = []
    for language, name, text in BLOCK.findall(page.read_text(encoding="utf-8")):
        if name == "pyproject.toml":
            _install_metadata(tomllib.loads(text), site)
            continue
        assert language in ("python", "yaml"), f"{page.name}: a {language} block titled {name}"
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
        written.append(name)
    monkeypatch.syspath_prepend(str(site))
    register_configs()
    return written


def _install_metadata(pyproject: dict, site: Path) -> None:
    project = pyproject["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, points in project["entry-points"].items():
        lines += [f"[{group}]", *(f"{name} = {value}" for name, value in points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def test_the_strategy_page(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = install_page(PAGES / "strategy.md", tmp_path / "site", monkeypatch)
    assert "ragbench_keyword/conf/strategy/keyword.yaml" in written
    check_group_choices(["strategy=keyword"])  # the CLI's check finds the installed YAML
    with pytest.raises(HarnessError, match=r"did you mean strategy\.context_chars"):
        check_overrides(["strategy=keyword", "strategy.context_char=9"])  # its schema, typed

    keyword = run(compose_config([*tiny_run_overrides, "strategy=keyword"]))
    prompt = run(compose_config([*tiny_run_overrides, "strategy=prompt"]))
    assert keyword["setup"]["capabilities"]["retrieval"] is True
    corpus = next(o.split("=", 1)[1] for o in tiny_run_overrides if o.startswith("dataset.corpus"))
    documents = len(Path(corpus).read_text().splitlines())
    assert keyword["setup"]["details"] == {"documents": documents}
    assert keyword["metrics"]["questions"] == prompt["metrics"]["questions"] > 0

    runs = Path(keyword["folder"]).parent
    write_report(runs)
    table = pd.read_csv(runs / "report.csv").set_index("cell")
    assert table.loc["keyword/tiny", "retrieval"] and not table.loc["prompt/tiny", "retrieval"]
    assert "keyword/tiny" in (runs / "report.md").read_text()


def test_the_cli_lists_an_installed_strategy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`python -m harness --help` in a process that finds the package as pip would leave it."""
    site = tmp_path / "site"
    install_page(PAGES / "strategy.md", site, monkeypatch)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (choices,) = [line for line in done.stdout.splitlines() if line.startswith("strategy: ")]
    assert "keyword" in choices.removeprefix("strategy: ").split(", ")


def _without_dataset(overrides: list[str]) -> list[str]:
    return [o for o in overrides if not o.startswith("dataset")]


def test_the_dataset_page(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_page(PAGES / "dataset.md", tmp_path / "site", monkeypatch)
    check_group_choices(["dataset=csv"])
    questions = tmp_path / "questions.csv"
    questions.write_text(
        "id,question,answers,split,doc_ids\n"
        "q1,what is the pro plan upload limit ?,37 gb|37 GB,test,d1\n"
        "q2,how many days retention ?,14 days,test,d2\n"
        "q3,who is the acme ceo ?,,test,\n"
        "q4,what is the upload limit ?,37 gb,train,d1\n"
    )
    corpus = tmp_path / "corpus.csv"
    corpus.write_text(
        "id,title,text\nd1,Limits,The pro plan upload limit is 37 gb .\n"
        "d2,Retention,Retention is 14 days .\n"
    )
    files = [f"dataset.questions={questions}", f"dataset.corpus={corpus}"]
    summary = run(compose_config([*_without_dataset(tiny_run_overrides), "dataset=csv", *files]))
    assert summary["dataset"] == "csv"
    assert summary["metrics"]["questions"] == 3  # the test split: two answerable, one not
    runs = Path(summary["folder"]).parent
    write_report(runs)
    assert "prompt/tiny" in (runs / "report.md").read_text()

    from ragbench_csv.csv_format import load_csv

    corpus.write_text("id,text\nd1,The pro plan upload limit is 37 gb .\n")
    with pytest.raises(HarnessError, match=r"corpus.csv: no column title; the header must name"):
        load_csv(questions=str(questions), corpus=str(corpus))


def test_the_backend_page(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_page(PAGES / "backend.md", tmp_path / "site", monkeypatch)
    check_group_choices(["model=callable"])
    model = ["model=callable", "model.function=my_replies.reply", "model.name=rules"]
    others = [o for o in tiny_run_overrides if not o.startswith("model")]
    summary = run(compose_config([*others, *model, "strategy=prompt"]))
    # the rule knows the upload limit (one of the three answerable questions) and abstains on
    # everything else, the unanswerable question included
    assert summary["model"] == "rules"
    assert summary["metrics"]["answerable_accuracy"] == pytest.approx(1 / 3)
    assert summary["metrics"]["abstention_rate"] == 1.0
    runs = Path(summary["folder"]).parent
    write_report(runs)
    assert "prompt/rules" in (runs / "report.md").read_text()

    from ragbench_callable.callable_model import load_callable

    with pytest.raises(HarnessError, match=r"model\.function='my_replies\.nope': cannot import"):
        load_callable(function="my_replies.nope")


def test_the_strategy_page_setting_is_checked_early_and_keyed_late(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's `min_shared_words`, added in its version 0.2, with no edit under harness/: a bad
    value is one line among the run's settings, before any model loads; at its default a run made
    by 0.1 (whose config never had the setting) keeps its folder, and another value gets its own."""
    from omegaconf import OmegaConf

    from harness.run.key import run_dir
    from harness.run.settings import check_settings

    install_page(PAGES / "strategy.md", tmp_path / "site", monkeypatch)
    keyword = [*tiny_run_overrides, "strategy=keyword"]
    with pytest.raises(HarnessError, match=r"^strategy\.min_shared_words=-1: use 0 or more$"):
        check_settings(compose_config([*keyword, "strategy.min_shared_words=-1"]))

    def folder(overrides: list[str], drop_setting: bool = False) -> Path:
        cfg = compose_config(overrides)
        plain = OmegaConf.to_container(cfg, resolve=True)
        if drop_setting:  # the config version 0.1 wrote
            del plain["strategy"]["min_shared_words"]  # type: ignore[index]
        return run_dir(cfg, plain, instantiate(cfg.dataset))  # type: ignore[arg-type]

    assert folder(keyword) == folder(keyword, drop_setting=True)
    assert folder([*keyword, "strategy.min_shared_words=2"]) != folder(keyword)
