"""The root config's schema, and the check of group choices and overrides before Hydra starts.

Each group's YAML extends the schema its plugin module registered (`harness.plugins`:
`defaults: [/base_<group>_<name>@_here_, _self_]`), so an override with a misspelt key or a
wrong type fails at start, naming the field.
"""

from __future__ import annotations

import difflib
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore
from hydra.errors import InstantiationException
from hydra.utils import instantiate as hydra_instantiate
from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf

from harness.errors import HarnessError
from harness.registry import did_you_mean

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "conf"
GROUPS = ("strategy", "model", "dataset", "pricing")
Schema = TypeVar("Schema")


@dataclass
class RunSettings:
    """Which questions to answer and how many at a time."""

    # test, train, or validation: a seeded slice of the train split held out of the strategy's
    # preparation (training, few-shot examples) and answered instead, for tuning its settings
    # without looking at the test split (conf/sweep/lora_grid.yaml)
    split: str = "test"
    validation_fraction: float = 0.1  # of the train questions, when split=validation
    limit: int | None = None  # answer only the first N questions of the split
    # answer a seeded sample of the split: this many of its answerable questions and the
    # unanswerable ones in the same share (harness/run/subsets.py); None: all. Like `limit` it is
    # not
    # in the run's key, so the full split later answers only the rest (make run, make compare)
    sample: int | None = None
    # questions per `strategy.answer` call, each call's answers flushed to disk at once (a killed
    # run loses at most one); conf/config.yaml sets it to model.batch_size, the prompts the model
    # generates for at once
    batch_size: int = 8
    seed: int = 0
    force: bool = False  # discard this config's earlier predictions and start again
    # torch threads for this cell; None: $OMP_NUM_THREADS, which parallel launchers set to the
    # cell's share of the cores (docs/configuration.md, "Threads per cell"), else torch's default
    # (all cores): more threads than cores make generation many times slower.
    threads: int | None = None


@dataclass
class ScoringSettings:
    """How predictions are judged (`harness.scoring`); not part of a run's hash: changing it
    re-judges stored predictions without generating again."""

    # refusals are recognised by harness/scoring/abstention.py; these phrases (lower case) also
    # count as declining to answer
    extra_abstain_phrases: list[str] = field(default_factory=list)
    # predictions longer than this many words count as wrong (dumping text, not answering);
    # None: no cap, a correct sentence of any length counts
    max_answer_words: int | None = None
    # a conf/model name whose model re-judges the rules' correct/wrong answers (harness/scoring/
    # model_judge.py), e.g. scoring.judge=gpt-4o-mini, or scoring.judge=smollm2-135m-server
    # 'scoring.judge_overrides=["model.base_url=http://127.0.0.1:8011/v1"]' (quote each item)
    judge: str | None = None
    judge_overrides: list[str] = field(default_factory=list)
    # which of those rows the judge is asked about: "uncertain" (the rules' verdict rests on a word
    # pattern around the value: the row's uncertain_why) or "all" correct/wrong rows
    judge_asks: str = "uncertain"


@dataclass
class PathsConfig:
    """Where data is read and results and caches are written."""

    root_dir: str = MISSING
    data_dir: str = MISSING
    results_dir: str = MISSING
    runs_dir: str = MISSING
    cache_dir: str = MISSING


@dataclass
class Config:
    """The root config; groups are typed by their own schemas."""

    strategy: Any = MISSING
    model: Any = MISSING
    dataset: Any = MISSING
    pricing: Any = MISSING
    paths: PathsConfig = field(default_factory=PathsConfig)
    run: RunSettings = field(default_factory=RunSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)


# A schema field's metadata key: how the run key (harness/run/key.py) treats the setting.
KEYING = "ragbench_keying"


def added_setting(default: Any) -> Any:
    """A schema field for a setting added after runs were made: at `default` (what those runs
    did) it stays out of the run key, so they resume; any other value is keyed."""
    return field(default=default, metadata={KEYING: "added"})


def unkeyed_setting(default: Any) -> Any:
    """A schema field for where something runs or is kept (never what is answered): never keyed."""
    return field(default=default, metadata={KEYING: "never"})


def keyed_only_when(default: Any, sibling: str, value: Any) -> Any:
    """A schema field that decides answers only when the setting `sibling` is `value` (its own
    default decides when `sibling` is unset): keyed then, left out otherwise."""
    return field(default=default, metadata={KEYING: ("only_when", sibling, value)})


def keying(schema: type) -> dict[str, Field[Any]]:
    """The fields of a strategy schema that declare how the run key treats them."""
    return {f.name: f for f in fields(schema) if KEYING in f.metadata}


def settings_from(schema: type[Schema], values: dict[str, Any]) -> Schema:
    """A schema's dataclass from a builder's keyword arguments (Hydra's own keys dropped), so a
    builder's defaults are its schema's: one definition and one default per setting.

    Config nodes among the values become plain objects: lists, dicts, or the dataclass a
    structured node was typed with.
    """
    plain = {
        key: OmegaConf.to_object(value) if isinstance(value, DictConfig | ListConfig) else value
        for key, value in values.items()
        if not key.startswith("_")
    }
    return schema(**plain)


def register_configs() -> None:
    """Register the root schema and every plugin's (`harness.plugins`) with Hydra, and the
    `ragbench_root` resolver with OmegaConf."""
    from harness import plugins

    if not OmegaConf.has_resolver("ragbench_root"):
        OmegaConf.register_new_resolver("ragbench_root", lambda: str(ROOT))
    ConfigStore.instance().store(name="base_config", node=Config)
    plugins.discover()


def available(group: str, extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """The choices of a config group: the YAML files in `conf/<group>/`, in installed plugins'
    `conf/` folders and in `extra_dirs`."""
    folders = (CONF_DIR, *_plugin_dirs(), *extra_dirs)
    return sorted({path.stem for folder in folders for path in (folder / group).glob("*.yaml")})


def _plugin_dirs() -> list[Path]:
    """Installed plugins' config folders, as `register_configs` last found them."""
    from harness import plugins

    return plugins.conf_dirs()


def _searchpath_dirs(overrides: list[str]) -> tuple[Path, ...]:
    """Config folders added with `hydra.searchpath=[file://...]` (a strategy kept elsewhere)."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+") == "hydra.searchpath":
            entries = value.strip("[]").split(",")
            return tuple(Path(e.strip()[7:]) for e in entries if e.strip().startswith("file://"))
    return ()


def check_group_choices(overrides: list[str]) -> None:
    """Fail with one line on an unknown `group=choice` override, suggesting the nearest name."""
    extra_dirs = _searchpath_dirs(overrides)
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or key not in GROUPS or "(" in value:
            continue
        choices = available(key, extra_dirs)
        for choice in value.split(","):
            if choice and choice not in choices:
                raise HarnessError(f"Unknown {key} {choice!r}.{did_you_mean(choice, choices)} "
                                   f"Available: {', '.join(choices)}")  # fmt: skip


_CONVERTED_TO = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false"}
_MAX_CELLS_CHECKED = 16  # a larger grid is checked one swept value at a time


def check_overrides(overrides: list[str]) -> None:
    """Fail with one line, before anything loads, on an override Hydra would refuse with a block
    of text, or accept and leave for a builder to trip on: a setting or key no schema has (also
    with `+`), a value of the wrong type, an override that does not parse. Each message names the
    key, the bad value and the fix. In a grid (`-m`) every cell is checked, or each swept value
    once where the grid is larger than `_MAX_CELLS_CHECKED` cells."""
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    parser = OverridesParser.create()
    options: list[list[str]] = []
    for override in overrides:
        try:
            (parsed,) = parser.parse_overrides([override])
        except HydraException as error:
            raise HarnessError(f"{override!r}: {_first_line(error)}") from None
        key = parsed.get_key_element()
        if parsed.is_sweep_override():
            try:
                values = list(parsed.sweep_string_iterator())
            except HydraException:  # an interval, for a sweeper plugin: left to it
                values = []
            options.append([f"{key}={value}" for value in values] or [override])
        else:
            options.append([override])
    extra_dirs = _searchpath_dirs(overrides)
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for cell in _cells(options):
            groups = [o for o in cell if _is_group_override(o, extra_dirs)]
            try:
                base = compose(config_name="config", overrides=groups, return_hydra_config=True)
                for override in cell:
                    _check_key(override, base, extra_dirs)
                compose(config_name="config", overrides=cell)
            except (HydraException, OmegaConfBaseException) as error:
                raise HarnessError(_one_line(error, cell)) from None


def _cells(options: list[list[str]]) -> list[list[str]]:
    import itertools
    import math

    if math.prod(len(o) for o in options) <= _MAX_CELLS_CHECKED:
        return [list(cell) for cell in itertools.product(*options)]
    first = [o[0] for o in options]
    return [[*first[:i], value, *first[i + 1 :]] for i, o in enumerate(options) for value in o]


def _key_of(override: str) -> str:
    return override.partition("=")[0].lstrip("+~")


def _groups(extra_dirs: tuple[Path, ...]) -> set[str]:
    folders = [folder for folder in (CONF_DIR, *_plugin_dirs(), *extra_dirs) if folder.is_dir()]
    return {path.name for folder in folders for path in folder.iterdir() if path.is_dir()}


def _is_group_override(override: str, extra_dirs: tuple[Path, ...]) -> bool:
    key = _key_of(override)
    return key == "hydra" or key.startswith("hydra.") or "/" in key or key in _groups(extra_dirs)


def _check_key(override: str, base: DictConfig, extra_dirs: tuple[Path, ...]) -> None:
    """A `key=value` (or `+key=value`) names a setting the composed config's schemas have."""
    import dataclasses

    key = _key_of(override)
    if override.startswith("~") or _is_group_override(override, extra_dirs):
        return
    parts = key.split(".")
    node: Any = base
    for depth, part in enumerate(parts):
        if not isinstance(node, DictConfig):
            return  # a list index or a value below: left to the full compose
        keys = [str(k) for k in node if k != "hydra"]
        structured = dataclasses.is_dataclass(OmegaConf.get_type(node))
        if part not in keys and structured:
            prefix = ".".join(parts[:depth])
            if not prefix and extra_dirs and override.startswith("+"):
                return  # a new top-level key that configs on hydra.searchpath may read
            if not prefix:
                names = sorted({*keys, *(_groups(extra_dirs) - {"hydra"})})
                near = difflib.get_close_matches(part, names, n=1)
                hint = f"; did you mean {near[0]}?" if near else ""
                raise HarnessError(
                    f"{key}: no such config group or setting{hint} (top level: {', '.join(names)})"
                )
            choice = base.hydra.runtime.choices.get(prefix) if depth == 1 else None
            where = f"for {prefix}={choice}" if choice else f"in {prefix}"
            near = difflib.get_close_matches(part, keys, n=1)
            hint = f"; did you mean {prefix}.{near[0]}?" if near else ""
            settings = ", ".join(k for k in keys if not k.startswith("_"))
            raise HarnessError(f"{key}: no such setting {where}{hint} (settings: {settings})")
        if part not in keys:
            return  # a new entry of a plain mapping (pricing.token_prices.<model>)
        node = node._get_node(part)


def _one_line(error: Exception, overrides: list[str]) -> str:
    """Hydra's or OmegaConf's complaint about a composed config, as `key='value': the fix`."""
    cause = error.__cause__ or error
    key = getattr(cause, "full_key", None)
    if key:
        values = [o.partition("=")[2] for o in overrides if _key_of(o) == key]
        shown = f"{key}={values[-1]!r}" if values else key
        message = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        for word, kind in _CONVERTED_TO.items():
            if message.endswith(f"converted to {word}"):
                return f"{shown}: use {kind}"
        if " is not a valid bool " in message:
            return f"{shown}: use true or false"
        return f"{shown}: {message}"
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def instantiate(node: DictConfig, **kwargs: Any) -> Any:
    """Hydra's instantiate, letting our own one-line errors through unwrapped; `kwargs` go to
    the builder as they are (Hydra would merge a dataclass, e.g. a model, into the config)."""
    try:
        if kwargs:
            return hydra_instantiate(node, _partial_=True)(**kwargs)
        return hydra_instantiate(node)
    except InstantiationException as error:
        if isinstance(error.__cause__, HarnessError):
            raise error.__cause__ from None
        raise
