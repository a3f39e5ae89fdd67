"""Every config in conf/ composes, resolves and (where no network is needed) instantiates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import ConfigCompositionException
from hydra.utils import get_method, instantiate
from omegaconf import OmegaConf

from harness.config import CONF_DIR, available
from harness.costs import Pricing
from harness.datasets import NEUTRAL_SYSTEM_PROMPT
from harness.errors import HarnessError
from harness.models import Generation
from tests.helpers import compose_config, write_jsonl

NEEDS_VALUE = {
    ("dataset", "jsonl"): ["dataset.questions=q.jsonl"],
    ("dataset", "hf"): ["dataset.path=rajpurkar/squad"],
    ("model", "hf"): ["model.pretrained=some/model"],
    ("model", "openai_compatible"): ["model.model=m", "model.base_url=http://127.0.0.1:1/v1"],
}
GROUP_CHOICES = [(g, c) for g in ("strategy", "model", "dataset", "pricing") for c in available(g)]


class FakeModel:
    """Stands in for a ChatModel where only the wiring is under test."""

    name, context_window, max_new_tokens = "fake", 2048, 8

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, conversation: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(turn["content"]) for turn in conversation)

    def generate(self, conversations: list[list[dict[str, str]]]) -> list[Generation]:
        return [Generation("I don't know", self.prompt_tokens(c), 3) for c in conversations]


@pytest.mark.parametrize(("group", "choice"), GROUP_CHOICES)
def test_every_config_composes_and_resolves(group: str, choice: str) -> None:
    cfg = compose_config([f"{group}={choice}", *NEEDS_VALUE.get((group, choice), [])])
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert plain[group]["_target_"]
    assert callable(get_method(cfg[group]["_target_"]))


@pytest.mark.parametrize("choice", available("pricing"))
def test_pricing_instantiates(choice: str) -> None:
    pricing = instantiate(compose_config([f"pricing={choice}"]).pricing)
    assert isinstance(pricing, Pricing) and pricing.hardware_usd_per_hour > 0


@pytest.mark.parametrize("choice", available("strategy"))
def test_strategy_instantiates_and_answers(
    choice: str, tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    questions, corpus = tiny_dataset
    extra, expected = [], "I don't know"  # what FakeModel says
    if choice == "external":  # answers made elsewhere: read from the file, no model asked
        rows = [json.loads(line) for line in questions.read_text().splitlines()]
        expected = "from the answers file"
        answers = [{**row, "prediction": expected} for row in rows if row["split"] == "test"]
        extra = [f"strategy.answers_file={write_jsonl(tmp_path / 'answers.jsonl', answers)}"]
    if choice.endswith("_policy"):  # it shows the dataset's policy, so the dataset needs one
        extra = ["dataset.policy='Answer about the product only.'"]
    cfg = compose_config(
        [f"strategy={choice}", "dataset=jsonl", f"dataset.questions={questions}",
         f"dataset.corpus={corpus}", f"paths.cache_dir={tmp_path / 'cache'}", *extra]
    )  # fmt: skip
    dataset = instantiate(cfg.dataset)
    strategy = instantiate(cfg.strategy, model=FakeModel())
    assert strategy.name == choice
    if choice.startswith("finetune"):  # training needs real weights; the tiny-model tests cover it
        with pytest.raises(HarnessError, match="fine-tuning is not supported"):
            strategy.prepare(dataset.split("train"), dataset.corpus)
        return
    strategy.prepare(dataset.split("train"), dataset.corpus)
    answers = strategy.answer(dataset.split("test"))
    assert [a.prediction for a in answers] == [expected] * 4


def test_typo_in_an_override_fails_naming_the_field() -> None:
    with pytest.raises(ConfigCompositionException, match=r"strategy\.few_shots"):
        compose_config(["strategy.few_shots=2"])
    with pytest.raises(ConfigCompositionException, match=r"strategy\.few_shot=many"):
        compose_config(["strategy.few_shot=many"])


@pytest.mark.parametrize("sweep", available("sweep"))
def test_every_sweep_cell_composes(sweep: str) -> None:
    """Each value of each swept parameter composes, resolves and lands in the config as given
    (typos and values the schema coerces or drops fail here, not mid-sweep)."""
    grid = OmegaConf.load(CONF_DIR / "sweep" / f"{sweep}.yaml")["hydra"]["sweeper"]["params"]
    assert grid
    parser = OverridesParser.create()  # how the sweeper reads the grid: "a,b" is two values
    swept = {key: _sweep_values(parser, f"{key}={values}") for key, values in grid.items()}
    base = [f"strategy={swept['strategy'][0]}"] if "strategy" in swept else []
    cells = [key for key in swept if key.startswith("+")]
    if not base and cells:  # a setting of the strategy the swept cells choose (strategy.cite)
        base = [f"{cells[0]}={swept[cells[0]][0]}"]
    for key, values in swept.items():
        for value in values:
            own = [] if key.startswith("+") else base  # a cell is composed on its own
            cfg = compose_config([*own, f"{key}={value}", f"+sweep={sweep}"])
            OmegaConf.to_container(cfg, resolve=True)  # as the runner does first
            expected = parser.parse_override(f"{key}={value}").value()
            if "." in key:  # a setting
                assert OmegaConf.select(cfg, key.removeprefix("+")) == expected, (key, value)
            elif key.startswith("+"):  # a group of global cells, each choosing a strategy
                own = compose_config([f"strategy={_cell_strategy(key[1:], value)}"])
                assert cfg.strategy._target_ == own.strategy._target_, (key, value)
            else:  # a config group: the chosen file, named after itself
                assert cfg[key].name == expected, (key, value)


def _cell_strategy(group: str, cell: str) -> str:
    """The strategy a global cell config overrides, following cells it builds on."""
    (entry,) = OmegaConf.load(CONF_DIR / group / f"{cell}.yaml").defaults
    if isinstance(entry, str):  # another cell of the group: "/behaviour/finetune"
        return _cell_strategy(group, entry.rsplit("/", 1)[-1])
    return entry["override /strategy"]


def _sweep_values(parser: OverridesParser, override: str) -> list[str]:
    """The values of one line of a sweep's grid, each as an override would spell it."""
    parsed = parser.parse_override(override)
    return list(parsed.sweep_string_iterator()) if parsed.is_sweep_override() else [parsed.value()]


def test_each_dataset_brings_its_prompt() -> None:
    acme = compose_config([])
    assert "support assistant" in acme.strategy.system_prompt
    mine = compose_config(["dataset=jsonl", "dataset.questions=q.jsonl", "strategy=rag"])
    assert mine.strategy.system_prompt == NEUTRAL_SYSTEM_PROMPT  # not acme's
    assert mine.strategy.abstain_answer == "I don't know."
    hub = compose_config(["dataset=hf", "dataset.path=x", "strategy=finetune"])
    assert hub.strategy.system_prompt == NEUTRAL_SYSTEM_PROMPT
    own = compose_config(["dataset=jsonl", "dataset.questions=q.jsonl", "dataset.system_prompt=Hi"])
    assert own.strategy.system_prompt == "Hi"


def test_the_behaviour_sweeps_student_names_the_folder_its_teacher_writes_to() -> None:
    # composed in a job's order: the swept cell, then the sweep file, merged after it
    teacher = compose_config(["+behaviour=teacher", "+sweep=behaviour"])
    student = compose_config(["+behaviour=distilled", "+sweep=behaviour"])
    cells = ("prompt", "prompt_policy", "rag", "finetune", "finetune_rag")
    others = [compose_config([f"+behaviour={c}", "+sweep=behaviour"]).paths.runs_dir for c in cells]
    assert teacher.run.split == "train" and student.run.split == "test"
    assert student.strategy.teacher_run == teacher.paths.runs_dir  # a folder of its own
    assert teacher.paths.runs_dir not in others and len(set(others)) == 1
    assert student.paths.runs_dir == others[0]
