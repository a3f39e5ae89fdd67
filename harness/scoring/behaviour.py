"""Behaviour checks: does an answer keep the format, policy and voice it was asked for?

The other axis beside knowledge. A question carries its checks in the dataset, as a list under
`checks`, each `{"type": ..., "value": ...}`; every check is deterministic:

- `contains`: each phrase of `value` (a string or a list of them) appears as whole words, any case
- `not_contains`: no phrase of `value` appears (the same matching): e.g. a competitor's name
- `regex`: the regular expression `value` matches somewhere in the answer (Python's syntax, run
  by the `regex` package, which can stop a search: see below)
- `max_words` / `max_sentences`: at most `value` words / sentences (a sentence ends at . ! or ?,
  or with its line: each list item is one; code fence lines are none)
- `starts_with` / `ends_with`: the stripped answer starts / ends with `value`, in any case
  (`ends_with` ignores one final full stop)
- `fallback`: the answer is the phrase `value` and nothing else (case, surrounding space and final
  punctuation aside): the policy's "Let me connect you with our team"
- `json_schema`: the answer is JSON (inside a ```json fence or bare) valid under the JSON Schema
  `value` (checked with the `jsonschema` library); an answer nested too deeply to parse or to
  check (100,000 `[`) is not valid JSON for it

A bad check stops the dataset's load with one line naming the file, the line and the check: a
value of the wrong kind, a regular expression that does not compile, or an `ends_with` or
`fallback` phrase that the comparison reduces to nothing (`ends_with "."`, `fallback "?!"`: every
answer, or only a blank one, would keep it).

A `json_schema` check is judged offline (no URL fetched, no file read, even for a check stored in
an old run folder): see `harness/scoring/json_schema.py`.

Judging must also end: every search by a check's regular expression (a `regex` check, a schema's
`pattern` and `patternProperties`, and `additionalProperties` beside them) stops after
`patterns.REGEX_TIMEOUT_SECONDS`. Nested repeats such as `(a+)+$` take exponential time on an
answer like `"aaa…a!"`; when a search is stopped, the answer counts as not keeping that check
(it cannot be shown to keep it), one warning line names the check and the pattern, and evaluation
goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from harness.errors import HarnessError
from harness.registry import Registry, did_you_mean
from harness.scoring.patterns import GaveUp, gave_up, search, shown

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


@dataclass(frozen=True)
class Check:
    """One behaviour check of a question: its type and its argument."""

    type: str
    value: Any

    def passes(self, answer: str) -> bool:
        """Whether `answer` keeps this check."""
        return CHECKS.get(self.type).passes(answer, self.value)


def parse_checks(raw: Any, where: str) -> tuple[Check, ...]:
    """A row's `checks` field as checks; a bad one is one HarnessError naming it and the fix."""
    if not isinstance(raw, list):
        raise HarnessError(f"{where}: field 'checks' must be a list of {{type, value}} objects")
    return tuple(
        _parse_check(item, f"{where}: field 'checks' item {number}")
        for number, item in enumerate(raw, start=1)
    )


def compliance(checks: tuple[Check, ...] | list[Check], answer: str) -> dict[str, bool]:
    """Per check type, whether the answer keeps every check of that type."""
    kept: dict[str, bool] = {}
    for check in checks:
        kept[check.type] = kept.get(check.type, True) and check.passes(answer)
    return kept


def _parse_check(item: Any, where: str) -> Check:
    if not isinstance(item, dict) or set(item) != {"type", "value"}:
        raise HarnessError(f'{where}: write it as {{"type": ..., "value": ...}}')
    kind, value = item["type"], item["value"]
    if not isinstance(kind, str):  # a list or an object is not even hashable
        raise HarnessError(
            f"{where}: type must be a check's name as a string, got {type(kind).__name__} "
            f"{shown(kind)}; use one of {', '.join(CHECKS.names())}"
        )
    if kind not in CHECKS:
        raise HarnessError(
            f"{where}: unknown type {shown(kind)};{did_you_mean(kind, CHECKS.names())} use one "
            f"of {', '.join(CHECKS.names())}"
        )
    problem = CHECKS.get(kind).argument_problem(value)
    if problem:
        raise HarnessError(f"{where} ({kind}): {problem}")
    return Check(kind, value)


def _phrases(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _says(answer: str, phrase: str) -> bool:
    """`phrase` as whole words of `answer`, in any case ("Acme" is not in "Acmex")."""
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"
    return re.search(pattern, answer, re.IGNORECASE) is not None


def _matches(answer: str, pattern: str) -> bool:
    try:
        return search(pattern, answer)
    except GaveUp as stopped:
        return gave_up("regex", stopped)


def _sentences(answer: str) -> int:
    """Sentences in `answer`, line by line: one per . ! or ? run, plus one for a line left
    unpunctuated (a list item, an intro line, a cut-off end); code fence lines are no sentence."""
    lines = [line.strip() for line in answer.splitlines()]
    return sum(_line_sentences(line) for line in lines if not line.startswith("```"))


def _line_sentences(line: str) -> int:
    ends = _SENTENCE_END.findall(line)
    return len(ends) + (1 if line and not re.search(r"[.!?]$", line) else 0)


def _bare(text: str) -> str:
    """Lower case, single spaces, no final punctuation: how a fallback phrase is compared."""
    return " ".join(text.lower().split()).rstrip(" .!?")


def _ending(text: str) -> str:
    """Lower case, unspaced, one final full stop dropped: how an `ends_with` phrase is compared."""
    return text.strip().removesuffix(".").lower()


def _valid_json(answer: str, schema: dict[str, Any]) -> bool:
    # Imported where used: jsonschema is heavy, and json_schema builds on search above.
    from harness.scoring.json_schema import valid_json

    return valid_json(answer, schema)


def _validator(schema: dict[str, Any]) -> Any:
    """The json_schema check's validator of `schema`: it retrieves nothing (see json_schema)."""
    from harness.scoring.json_schema import validator

    return validator(schema)


def _phrase_problem(value: Any) -> str | None:
    phrases = [value] if isinstance(value, str) else value
    if not isinstance(phrases, list) or not phrases:
        return "value must be a phrase or a non-empty list of phrases"
    if not all(isinstance(p, str) and p.strip() for p in phrases):
        return "every phrase must be non-empty text"
    return None


def _regex_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "value must be a regular expression"
    try:
        regex.compile(value)
    except regex.error as error:
        return f"value {shown(value)} is not a valid regular expression ({error})"
    return None


def _count_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"value must be a positive whole number, got {value!r}"
    return None


def _text_problem(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "value must be non-empty text"


def _ending_problem(value: Any) -> str | None:
    if _text_problem(value) or _ending(value):
        return _text_problem(value)
    return (
        f"value {shown(value)} reduces to nothing once surrounding space and a final full stop "
        "are dropped, so every answer would keep it; give the words the answer must end with"
    )


def _fallback_problem(value: Any) -> str | None:
    if _text_problem(value) or _bare(value):
        return _text_problem(value)
    return (
        f"value {shown(value)} reduces to nothing once case, spacing and final punctuation are "
        "dropped, so only a blank answer would match it; give the fallback phrase's words"
    )


def _schema_problem(value: Any) -> str | None:
    from harness.scoring.json_schema import schema_problem

    return schema_problem(value)


@dataclass(frozen=True)
class Rule:
    """A check type: whether an answer keeps it, and what is wrong with its argument (or None)."""

    passes: Callable[[str, Any], bool]
    argument_problem: Callable[[Any], str | None]


CHECKS: Registry[Rule] = Registry("behaviour check type")
for _name, _passes, _problem in (
    ("contains", lambda a, v: all(_says(a, p) for p in _phrases(v)), _phrase_problem),
    ("not_contains", lambda a, v: not any(_says(a, p) for p in _phrases(v)), _phrase_problem),
    ("regex", _matches, _regex_problem),
    ("max_words", lambda a, v: len(a.split()) <= v, _count_problem),
    ("max_sentences", lambda a, v: _sentences(a) <= v, _count_problem),
    ("starts_with", lambda a, v: a.strip().lower().startswith(v.strip().lower()), _text_problem),
    ("ends_with", lambda a, v: _ending(a).endswith(_ending(v)), _ending_problem),
    ("fallback", lambda a, v: _bare(a) == _bare(v), _fallback_problem),
    ("json_schema", _valid_json, _schema_problem),
):
    CHECKS.add(_name, Rule(_passes, _problem))
CHECK_TYPES = tuple(CHECKS.names())
