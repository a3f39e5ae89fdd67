"""An optional model judge (`scoring.judge=<a conf/model name>`): a chat model grades answers.

The rules (`harness.scoring.judge`) still decide what is empty, an abstention, too long or an
answer to an unanswerable question; the judge is asked only about an answerable question's
`correct` / `wrong` outcome, with a fixed rubric, and its one-word reply replaces that outcome.
By default (`scoring.judge_asks=uncertain`) only the rows whose verdict the rules mark uncertain
are asked about (a negation, a list, a longer name, a second value read as another event's);
`scoring.judge_asks=all` asks about every correct / wrong row.
A reply other than `correct` / `wrong` is `unparsed` (counted) and the rules' outcome stands. A
backend that constrains its output (`harness.models.constrained`) replies `{"verdict": ...}`
under `VERDICT_SCHEMA`, so its every reply parses.
Verdicts are cached on disk under `<cache_dir>/judge/`, keyed by the rubric version, the question,
the gold answers, the prediction and the judge's name and deciding settings, so a report or a
rerun asks only about predictions it has not seen.

The judge is built from `conf/model/<name>.yaml` by the caller (`harness.run.judge`) and passed
in with the rules, so scoring never composes a config or loads a model itself.

`python -m harness.scoring.agreement --judge <judge> [overrides...]` measures the judge's
agreement with the hand labels (`data/acme/labels/`, `data/realqa/*/labels/`), beside the rules'.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from harness.files import write_json_atomic
from harness.models import SERVING_SETTINGS, Conversation
from harness.models.constrained import supports_schema
from harness.registry import Registry

log = logging.getLogger(__name__)

RUBRIC_VERSION = 1  # bump on any change of the rubric below: it is part of every cache key
JUDGE_SYSTEM = (
    "You grade answers to questions against the gold answer. Reply with exactly one word: "
    "correct or wrong."
)
JUDGE_TEMPLATE = """Question: {question}
Gold answer (any one of them is enough): {answers}
Prediction: {prediction}

Does the prediction state the fact of the gold answer?
- Compare numbers as values: 1,000 and 1000 and one thousand are the same number.
- Units, format and wording do not matter; extra detail that does not contradict it is fine.
- A prediction that asserts two or more different candidate values is wrong, even if one of them \
is the gold answer.
- A refusal, or saying the answer is unknown, is not correct.
Reply with exactly one word: correct or wrong."""
JUDGE_MAX_NEW_TOKENS = 3  # the reply is one word; set unless the overrides give max_new_tokens
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["correct", "wrong"]}},
    "required": ["verdict"],
    "additionalProperties": False,
}
VERDICT_MAX_NEW_TOKENS = 32  # `{"verdict":"correct"}` is 21 bytes: room for a byte a token
ASKED_OUTCOMES = ("correct", "wrong")  # rules outcomes the judge may overturn
# Model settings that do not decide the judge's reply stay out of its cache key.
NOT_DECIDING = (*SERVING_SETTINGS, "batch_size", "cache_dir", "tokenizer", "tokenizer_package")
_CHUNK = 32  # cached after every chunk of requests, so a failure late in a long run loses little

Item = tuple[str, Sequence[str], str]  # question, gold answers, prediction


def judge_prompt(question: str, answers: Sequence[str], prediction: str) -> Conversation:
    """The rubric conversation for one prediction."""
    user = JUDGE_TEMPLATE.format(
        question=question.strip(),
        answers=json.dumps(list(answers), ensure_ascii=False),
        prediction=prediction.strip(),
    )
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


def parse_verdict(reply: str) -> str | None:
    """`correct` or `wrong`: the verdict of a `{"verdict": ...}` reply, else the first word,
    lower case, punctuation removed; else None."""
    with contextlib.suppress(ValueError):
        value = json.loads(reply)
        if isinstance(value, dict) and value.get("verdict") in ("correct", "wrong"):
            return str(value["verdict"])
    words = re.sub(r"[^\w\s]", "", reply.lower()).split()
    return words[0] if words and words[0] in ("correct", "wrong") else None


# scoring.judge_asks: which of the rules' correct / wrong rows the judge is asked about
JUDGE_ASKS: Registry[Callable[[dict[str, Any]], bool]] = Registry(
    "judge mode", setting="scoring.judge_asks"
)
JUDGE_ASKS.add("uncertain", lambda row: bool(row.get("uncertain")))
JUDGE_ASKS.add("all", lambda row: True)


def asks(row: dict[str, Any], which: str = "uncertain") -> bool:
    """Whether the judge is asked about a rules-judged row: answerable, not empty/abstained, and
    one the mode `which` picks (`uncertain`: the rules mark its verdict uncertain; `all`)."""
    if not row["answers"] or row["outcome"] not in ASKED_OUTCOMES:
        return False
    return JUDGE_ASKS.get(which)(row)


@dataclass
class ModelJudge:
    """A chat model grading predictions with the rubric, its verdicts cached on disk."""

    model: Any  # a harness.models.ChatModel
    name: str  # the model's `name`: what reports say scored
    config: str  # the conf/model file it was composed from
    cache_dir: Path  # verdicts go to <cache_dir>/<key[:2]>/<key>.json
    settings: dict[str, Any] = field(default_factory=dict)  # the model settings in the key
    sent: int = 0  # requests sent so far (cache misses)
    unparsed: int = 0  # unparsed verdicts returned so far (cached ones included)

    def key(self, question: str, answers: Sequence[str], prediction: str) -> str:
        """The sha256 a verdict is cached under."""
        decisive = [
            RUBRIC_VERSION,
            question.strip(),
            list(answers),
            prediction.strip(),
            self.name,
            self.settings,
        ]
        if supports_schema(self.model):  # a constrained reply is another reply
            decisive.append(VERDICT_SCHEMA)
        text = json.dumps(decisive, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def grade(self, items: list[Item]) -> list[bool | None]:
        """True (correct), False (wrong) or None (unparsed reply) per (question, answers, pred)."""
        keys = [self.key(*item) for item in items]
        found = {key: self._read(key) for key in set(keys)}
        missing = [key for key in dict.fromkeys(keys) if found[key] is None]
        item_of = dict(zip(keys, items, strict=True))
        progress = tqdm(total=len(missing), desc=f"judge {self.name}", unit="answer",
                        disable=not missing)  # fmt: skip
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            asked = [judge_prompt(*item_of[key]) for key in chunk]
            # the default one-word budget is too short for the JSON; a given one is kept
            default = getattr(self.model, "max_new_tokens", None) == JUDGE_MAX_NEW_TOKENS
            replies = (
                self.model.generate_json(
                    asked, VERDICT_SCHEMA, VERDICT_MAX_NEW_TOKENS if default else None
                )
                if supports_schema(self.model)
                else self.model.generate(asked)
            )
            self.sent += len(chunk)
            progress.update(len(chunk))
            for key, reply in zip(chunk, replies, strict=True):
                found[key] = {
                    "verdict": parse_verdict(reply.text) or "unparsed",
                    "reply": reply.text,
                    "judge": self.name,
                    "rubric_version": RUBRIC_VERSION,
                }
                write_json_atomic(self._path(key), found[key])
        progress.close()
        verdicts = [{"correct": True, "wrong": False}.get(found[key]["verdict"]) for key in keys]
        unparsed = verdicts.count(None)
        self.unparsed += unparsed
        if unparsed:
            log.warning(
                "judge %s: %d of %d replies unparsed; the rules' verdicts stand for them",
                self.name,
                unparsed,
                len(items),
            )
        return verdicts

    def _path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _read(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            return json.loads(path.read_text()) if path.is_file() else None
        except (OSError, ValueError):  # unreadable: ask again, the new verdict replaces it
            return None
