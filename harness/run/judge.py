"""The model judge of `scoring.judge=<a conf/model name>`, built from its config for the rules.

Scoring (`harness.scoring.model_judge`) grades with a model it is given; this module composes the
judge's config with Hydra's compose API, checks it and builds the model, for the runner, the report
and the agreement command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.registry import did_you_mean
from harness.scoring.model_judge import JUDGE_MAX_NEW_TOKENS, NOT_DECIDING, ModelJudge


def load_judge(name: str | None, overrides: list[str], cache_dir: str) -> ModelJudge | None:
    """The judge `conf/model/<name>.yaml` with Hydra `overrides` (`model.key=value`), or None."""
    if not name:
        return None
    from omegaconf import OmegaConf

    from harness.config import instantiate

    cfg = compose_judge_config(name, overrides)
    missing = [f"model.{key}" for key in cfg.model if OmegaConf.is_missing(cfg.model, key)]
    if missing:
        raise HarnessError(
            f"scoring.judge={name}: {', '.join(missing)} not set; give them in "
            f"scoring.judge_overrides, e.g. 'scoring.judge_overrides=[\"{missing[0]}=...\"]'"
        )
    plain = OmegaConf.to_container(cfg.model, resolve=True)
    try:
        model = instantiate(cfg.model)
    except HarnessError as error:
        raise HarnessError(f"scoring.judge={name}: {error}") from None
    settings = {k: v for k, v in plain.items() if k not in NOT_DECIDING}
    folder = Path(cache_dir).expanduser() / "judge"
    return ModelJudge(model, str(cfg.model.name), name, folder, settings)


def unknown_judge(name: str | None) -> str | None:
    """The problem with `scoring.judge=<name>` when no `conf/model/<name>.yaml` exists, else None;
    the runner checks it with the other settings, before any question is answered."""
    from harness.config import available

    choices = available("model")
    if not name or name in choices:
        return None
    hint = did_you_mean(name, choices)
    return f"scoring.judge={name!r}: no such model config.{hint} Available: {', '.join(choices)}"


def compose_judge_config(name: str, overrides: list[str]) -> Any:
    """The whole config with `model=<name>` and the judge's overrides (Hydra's compose API)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from harness.config import CONF_DIR, register_configs

    if problem := unknown_judge(name):
        raise HarnessError(problem)
    register_configs()
    outer = GlobalHydra.instance().hydra  # set inside a running app (`python -m harness`)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
            cfg = compose("config", overrides=[f"model={name}", *overrides])
    except (HydraException, OmegaConfBaseException) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HarnessError(f"scoring.judge_overrides={list(overrides)}: {first}") from None
    finally:
        GlobalHydra.instance().hydra = outer
    given = any(o.lstrip("+~").startswith("model.max_new_tokens=") for o in overrides)
    if not given and "max_new_tokens" in cfg.model:
        cfg.model.max_new_tokens = JUDGE_MAX_NEW_TOKENS
    return cfg
