"""`python -m harness.generate --corpus C --out OUT [model=...] [generate.<key>=...] [...]`.

Other `key=value` overrides compose `conf/config.yaml` as `python -m harness` does (`model=`,
`pricing=`, `paths.cache_dir=`, `model.base_url=`...); `generate.<key>=value` overrides the
settings in `conf/generate.yaml`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.errors import HarnessError
from harness.generate.settings import PREFIX, GenerateSettings, load_settings

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the command line, generate, print the yield table; errors are one line, exit 2."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.generate",
        description="Generate a checked QA set (questions.jsonl) from a corpus.jsonl.",
    )
    parser.add_argument(
        "--corpus", type=Path, required=True, help="corpus.jsonl: one section a row"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for questions.jsonl")
    parser.add_argument("overrides", nargs="*", help="model=..., generate.<key>=..., ...")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s] %(message)s")
    try:
        return run(args.corpus, args.out, args.overrides)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted: every reply so far is cached; run the same command to resume",
              file=sys.stderr)  # fmt: skip
        sys.exit(130)


def run(corpus: Path, out: Path, overrides: list[str]) -> dict[str, Any]:
    """Generate from `corpus` into `out` with the given overrides; return generation.json."""
    from harness.generate.pipeline import generate

    settings = load_settings([o for o in overrides if o.startswith(PREFIX)])
    settings.reader = resolved_reader(settings)  # generation.json records the reader used
    cfg = compose([o for o in overrides if not o.startswith(PREFIX)], settings)
    if out.exists() and not out.is_dir():
        raise HarnessError(f"--out {out}: exists and is not a folder; give a folder")
    model, pricing, embedder = load_parts(cfg, settings)
    asker = make_asker(cfg, model, settings, pricing)
    reader = make_reader(cfg, overrides, model, asker, settings)
    cache_dir = Path(cfg.paths.cache_dir).expanduser()
    return generate(corpus, out, model, asker, pricing, settings, embedder, cache_dir, reader)


def make_reader(
    cfg: DictConfig, overrides: list[str], model: Any, asker: Any, settings: GenerateSettings
) -> Any:
    """The reader of answer_first and template runs (`harness.generate.verify`), None for
    fact_first or `generate.reader=none` (`run` has made `auto` concrete): `same` shares the
    generating model's weights with replies of `generate.reader_max_new_tokens`; a conf/model
    name is loaded with its own settings (the command line's `model.*` overrides are the
    generating model's). Its calls count with the generating model's against
    `generate.max_calls` and `generate.max_cost_usd`."""
    import copy

    from harness.config import instantiate
    from harness.generate.verify import Reader
    from harness.scoring import ScoringRules
    from harness.scoring.abstention import abstain_phrase

    choice = settings.reader
    if choice == "none":
        return None
    tokens = settings.reader_max_new_tokens
    if choice == "same":
        reader_cfg = copy.deepcopy(cfg)
        reader_cfg.model.max_new_tokens = tokens
        reader_model = copy.copy(model)  # the same weights, shorter replies
        reader_model.max_new_tokens = tokens
    else:
        others = [o for o in overrides if not o.startswith(("model=", "model.", PREFIX))]
        reader_cfg = compose([*others, f"model={choice}"], tokens)
        reader_model = instantiate(reader_cfg.model)
    reader_asker = make_asker(reader_cfg, reader_model, settings)
    reader_asker.usage = asker.usage  # one count of calls and cost for the run
    reader_asker.max_cost_usd, reader_asker.spent = asker.max_cost_usd, asker.spent
    scoring = cfg.get("scoring") or {}
    phrases = tuple(abstain_phrase(p) for p in scoring.get("extra_abstain_phrases") or [])
    rules = ScoringRules(phrases, scoring.get("max_answer_words"))
    return Reader(reader_asker, rules, settings.reader_prompt)


def resolved_reader(settings: GenerateSettings) -> str:
    """`generate.reader` with `auto` made concrete: no reader in template mode, whose question
    is its answer's own sentence (read by people: the packaged reader there rejects four good
    questions for each bad one, docs/documents.md), the generating model in answer_first, whose
    model-written question may ask for another fact; none in fact_first."""
    if settings.mode == "fact_first":
        return "none"
    if settings.reader == "auto":
        return "none" if settings.mode == "template" else "same"
    return settings.reader


def compose(overrides: list[str], settings: GenerateSettings | int) -> DictConfig:
    """The harness config for these overrides, checked as `python -m harness` checks them;
    `model.max_new_tokens` from the settings (or the number given)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from harness.config import CONF_DIR, check_group_choices, check_overrides, register_configs

    register_configs()
    tokens = settings if isinstance(settings, int) else settings.max_new_tokens
    given = [*overrides, f"model.max_new_tokens={tokens}"]
    check_group_choices(given)
    check_overrides(given)
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=given)


def load_parts(cfg: DictConfig, settings: GenerateSettings) -> tuple[Any, Any, Any]:
    """The chat model, the price table and the embedder the run uses."""
    from harness.config import instantiate
    from harness.retrieval.embedders import load_embedder

    if "transformers" in str(cfg.model.get("_target_", "")):  # torch runs the model here
        from harness.run.threads import set_torch_threads

        log.info("torch threads: %d", set_torch_threads(cfg.run.threads))
    return instantiate(cfg.model), instantiate(cfg.pricing), load_embedder(settings.embedder)


def make_asker(cfg: DictConfig, model: Any, settings: GenerateSettings, pricing: Any = None) -> Any:
    """The cached, budgeted asker for `model`: its cache key is the model's settings without
    where it is served (a server moved to another port keeps its replies); with `pricing`, it
    stops once the calls cost more than `generate.max_cost_usd`."""
    from harness.generate.replies import Asker
    from harness.models import SERVING_SETTINGS

    plain = OmegaConf.to_container(cfg.model, resolve=True)
    assert isinstance(plain, dict)
    identity = {
        k: v for k, v in plain.items() if k not in (*SERVING_SETTINGS, "batch_size", "cache_dir")
    }

    def spent(usage: Any) -> float:
        return float(pricing.query_cost(model.name, usage.seconds, usage.prompt_tokens,
                                        usage.completion_tokens))  # fmt: skip

    return Asker(model, identity, Path(cfg.paths.cache_dir).expanduser(), settings.retry_prompt,
                 settings.max_retries, settings.max_calls, int(cfg.model.batch_size),
                 settings.max_cost_usd, spent if pricing is not None else None)  # fmt: skip


if __name__ == "__main__":
    main()
