"""Plugins register themselves and the harness finds them without naming them (issue 23)."""

from __future__ import annotations

import ast
import inspect
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra.core.config_store import ConfigStore
from hydra.utils import get_object

from harness import plugins
from harness.config import CONF_DIR, ROOT, register_configs
from harness.errors import HarnessError
from harness.run.settings import schema_needs_model
from harness.strategy import Capabilities, capabilities_of, recorded
from tests.helpers import compose_config

GROUPS = ("strategy", "model", "dataset", "pricing")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_nothing_in_harness_imports_strategies() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "harness").rglob("*.py"))
        for name in _imported_modules(path)
        if name == "strategies" or name.startswith("strategies.")
    ]
    assert offenders == []


def test_the_import_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The check above can fail: a lazy import inside a function counts too."""
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from strategies.rag import build\n    return build\n")
    assert _imported_modules(module) == ["strategies.rag"]


def test_every_schema_a_yaml_extends_is_registered_by_its_plugin() -> None:
    register_configs()
    repository = ConfigStore.instance().repo
    for group in GROUPS:
        for path in sorted((CONF_DIR / group).glob("*.yaml")):
            defaults = yaml.safe_load(path.read_text()).get("defaults", [])
            for entry in defaults:
                if isinstance(entry, str) and entry.startswith("/base_"):
                    name = entry[1:].split("@")[0]
                    assert f"{name}.yaml" in repository, f"{path.name}: {name} is not registered"


def test_discovery_finds_every_plugin_module_and_imports_nothing_heavy() -> None:
    code = (
        "import sys; from harness.config import register_configs; register_configs(); "
        "from harness import plugins; print(sorted(plugins.discover())); "
        "print(sorted(m for m in ('torch', 'faiss', 'peft', 'transformers', 'pandas', "
        "'matplotlib', 'sentence_transformers') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    found, heavy = done.stdout.strip().splitlines()
    for module in ("strategies.rag", "strategies.external", "harness.models.llamacpp",
                   "harness.datasets.hf", "harness.costs"):  # fmt: skip
        assert f"'{module}'" in found
    assert heavy == "[]"


def test_help_lists_the_choices_and_no_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    groups = dict(
        line.split(": ", 1) for line in done.stdout.split("== Config ==")[0].splitlines()
        if ": " in line
    )  # fmt: skip
    assert groups["strategy"].split(", ") == sorted(
        path.stem for path in (CONF_DIR / "strategy").glob("*.yaml")
    )
    assert "smollm2-135m" in groups["model"].split(", ")
    assert "base_" not in done.stdout


def test_every_target_in_the_groups_is_a_builder_function() -> None:
    """One `_target_` style: a function taking flat settings, never a class."""
    targets = []
    for group in GROUPS:
        for path in sorted((CONF_DIR / group).glob("*.yaml")):
            target = (yaml.safe_load(path.read_text()) or {}).get("_target_")
            if target:
                targets.append((path.name, target))
    register_configs()
    for node in ConfigStore.instance().repo.values():
        if isinstance(node, dict):
            continue  # a group folder
        target = getattr(node.node, "_target_", None)
        if target is not None and node.provider == "ragbench":
            targets.append((node.name, target))
    assert len(targets) >= 12  # every registered schema names its builder
    for where, target in targets:
        assert inspect.isfunction(get_object(target)), f"{where}: {target} is not a function"


def test_the_runner_knows_before_building_whether_a_strategy_needs_a_model() -> None:
    """From the schema alone, declared once (`StrategySettings.needs_model`)."""
    needs = {s: schema_needs_model(compose_config([f"strategy={s}"]).strategy)
             for s in ("external", "prompt", "finetune_rag")}  # fmt: skip
    assert needs == {"external": False, "prompt": True, "finetune_rag": True}


def test_capabilities_round_trip_through_setup_json_and_old_keys_map() -> None:
    declared = Capabilities(prompting=True, retrieval=True)

    class Declares:
        capabilities = declared

    assert capabilities_of(recorded(Declares())) == declared
    assert capabilities_of(recorded(Declares(), needs_model=False)) == Capabilities(
        needs_model=False, prompting=True, retrieval=True
    )
    old = {"uses_retrieval": False, "trains_weights": True, "build_seconds": 3.0}
    assert capabilities_of(old) == Capabilities(trained_weights=True)
    assert capabilities_of({"build_seconds": 3.0}) is None  # declared nothing


def test_built_strategies_declare_what_they_are() -> None:
    from strategies import external, prompt

    settings = {"system_prompt": "Answer.", "abstain_answer": "I don't know."}
    assert prompt.build(None, **settings).capabilities == Capabilities()
    policy = prompt.build(None, **settings, with_policy=True, policy="Be brief.")
    assert policy.capabilities == Capabilities(prompting=True)  # per config, not per class
    assert external.build("answers.jsonl").capabilities == Capabilities()  # says nothing


def _install_entry_points(folder: Path, lines: str) -> None:
    info = folder / "broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[ragbench.plugins]\n{lines}")


def test_an_entry_point_naming_an_object_is_one_line_and_discovery_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _install_entry_points(tmp_path, "broken = json:loads\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="harness.plugins"):
        found = plugins.discover()
    (line,) = [r.getMessage() for r in caplog.records if "broken" in r.getMessage()]
    assert "name a module" in line and "\n" not in line
    assert "strategies.rag" in found  # the others are still there


def test_a_plugin_that_fails_to_import_is_one_line_and_discovery_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "ragbench_broken.py").write_text("import not_a_module_anywhere\n")
    _install_entry_points(tmp_path, "broken = ragbench_broken\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="harness.plugins"):
        found = plugins.discover()
    (line,) = [r.getMessage() for r in caplog.records if "ragbench_broken" in r.getMessage()]
    assert "ModuleNotFoundError" in line and "not_a_module_anywhere" in line and "left out" in line
    assert "ragbench_broken" not in found and "strategies.finetune_rag" in found
    assert "ragbench_broken" in plugins.failures()
    monkeypatch.delitem(plugins._failed, "ragbench_broken")


def test_a_strategy_that_declares_nothing_is_one_line() -> None:
    class Old:
        name = "old"
        uses_retrieval = True  # the attributes before Capabilities

    with pytest.raises(HarnessError, match=r"strategy 'old' declares no capabilities; give"):
        recorded(Old())


def test_no_module_is_over_400_lines() -> None:
    """Files read top-down and stay small (the layout's rule): split a module before it grows."""
    long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for folder in ("harness", "strategies", "benchmarks", "hydra_plugins")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert long == []
