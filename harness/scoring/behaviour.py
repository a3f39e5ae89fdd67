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

Checks come from dataset files a user may not have written, and judging one must stay offline: a
schema's `$ref` / `$dynamicRef` / `$recursiveRef` must point inside it (`#...`, e.g.
`#/$defs/item`) and its `$schema` must name a dialect jsonschema knows; any other
(`http://...`, `file:///...`, a relative path) is refused at load. The validator is also built on
a registry that retrieves nothing, so even a check stored in an older run folder (judged again
without loading its dataset) cannot fetch a URL or read a file: such a check, or a reference to
a part of the schema that is not there, counts as not kept, with a warning.

Judging must also end: every search by a check's regular expression (a `regex` check, a schema's
`pattern` and `patternProperties`, and `additionalProperties` beside them) stops after
`REGEX_TIMEOUT_SECONDS`. Nested repeats such as `(a+)+$` take exponential time on an answer like
`"aaa…a!"`; when a search is stopped, the answer counts as not keeping that check (it cannot be
shown to keep it), one warning line names the check and the pattern, and evaluation goes on.
jsonschema searches `patternProperties` with `re`, which cannot be stopped, where it looks for
the properties `unevaluatedProperties` has not seen, so a schema with both is refused at load.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from harness.errors import HarnessError

log = logging.getLogger(__name__)

# How long one search by a check's regular expression may take. A sane pattern needs well under a
# millisecond on any answer; one with nested repeats can need longer than anyone would wait.
REGEX_TIMEOUT_SECONDS = 1.0

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


@dataclass(frozen=True)
class Check:
    """One behaviour check of a question: its type and its argument."""

    type: str
    value: Any

    def passes(self, answer: str) -> bool:
        """Whether `answer` keeps this check."""
        return _RULES[self.type](answer, self.value)


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
            f"{_shown(kind)}; use one of {', '.join(CHECK_TYPES)}"
        )
    if kind not in _RULES:
        raise HarnessError(
            f"{where}: unknown type {_shown(kind)}; use one of {', '.join(CHECK_TYPES)}"
        )
    problem = _ARGUMENTS[kind](value)
    if problem:
        raise HarnessError(f"{where} ({kind}): {problem}")
    return Check(kind, value)


def _shown(value: Any, limit: int = 80) -> str:
    """`value` as repr for a one-line message, cut short: a check may hold anything."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _phrases(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _says(answer: str, phrase: str) -> bool:
    """`phrase` as whole words of `answer`, in any case ("Acme" is not in "Acmex")."""
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"
    return re.search(pattern, answer, re.IGNORECASE) is not None


class _GaveUp(Exception):
    """A check's pattern could not be searched: it ran past REGEX_TIMEOUT_SECONDS (or, in a check
    stored by an older run, does not compile with the `regex` package)."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(pattern, reason)
        self.pattern, self.reason = pattern, reason


def _search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text`, in at most REGEX_TIMEOUT_SECONDS."""
    try:
        return regex.search(pattern, text, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise _GaveUp(
            pattern,
            f"was stopped after {REGEX_TIMEOUT_SECONDS:g} s on a text of {len(text):,} characters "
            "(nested repeats such as (a+)+ take exponential time: simplify the pattern)",
        ) from None
    except regex.error as error:
        raise _GaveUp(pattern, f"does not compile ({error})") from None


def _gave_up(kind: str, gave_up: _GaveUp) -> bool:
    """Warn that a check could not be judged; the answer counts as not keeping it."""
    log.warning(
        "behaviour check %s: pattern %s %s; the answer counts as not keeping it",
        kind, _shown(gave_up.pattern), gave_up.reason,
    )  # fmt: skip
    return False


def _matches(answer: str, pattern: str) -> bool:
    try:
        return _search(pattern, answer)
    except _GaveUp as gave_up:
        return _gave_up("regex", gave_up)


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


def _json_value(answer: str) -> Any:
    text = answer.strip()
    fenced = _FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


def _valid_json(answer: str, schema: dict[str, Any]) -> bool:
    from referencing.exceptions import Unresolvable

    problem = _unsafe(schema)  # checked at load, but a stored row's checks are judged again
    if problem:
        log.warning("behaviour check json_schema: %s; the answer counts as not keeping it", problem)
        return False
    try:
        return _validator(schema).is_valid(_json_value(answer))
    except (ValueError, RecursionError):  # not JSON (json's errors are ValueErrors), too deep
        return False
    except _GaveUp as gave_up:
        return _gave_up("json_schema", gave_up)
    except Unresolvable as error:  # a local reference to nothing: nothing is ever fetched
        log.warning(
            "behaviour check json_schema: reference %s is not in the schema; the answer counts "
            "as not keeping it",
            _shown(f"#{error.ref}" if error.ref.startswith("/") else error.ref),  # a pointer
        )
        return False


def _validator(schema: dict[str, Any]) -> Any:
    """A validator of `schema` on a registry that retrieves nothing: a reference to anything but
    the schema itself (and the metaschemas jsonschema ships) is Unresolvable, never fetched."""
    import jsonschema
    import referencing

    kind = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    if kind not in _BOUNDED:  # the keywords that search with a pattern, searching with _search
        _BOUNDED[kind] = jsonschema.validators.extend(
            kind,
            {
                "pattern": _pattern,
                "patternProperties": _pattern_properties,
                "additionalProperties": _additional_properties,
            },
        )
    return _BOUNDED[kind](schema, registry=referencing.Registry())


_BOUNDED: dict[type, type] = {}


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"the string does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Any:
    """jsonschema's own, but matching `patternProperties` with _search."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    named, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in named and not any(_search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        yield ValidationError(f"additional properties are not allowed ({extras!r} unexpected)")


# The keywords that point at a schema: only a fragment of this one (#...) may be looked up.
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")


def _unsafe(schema: dict[str, Any]) -> str | None:
    """Why `schema` would reach outside itself (a URL, a file, a dialect jsonschema does not
    ship) or could not be judged in bounded time, or None. Every object in it is looked at, data
    under `const` or `enum` too: a refusal there costs a rewrite, a miss would fetch. (A
    property may be named `$ref` or `$schema`: its value is then a schema, walked like the rest.)
    """
    if "$schema" in schema and not _known_dialect(schema["$schema"]):
        return _unknown_dialect(schema["$schema"])
    stack: list[Any] = [schema]
    seen: set[str] = set()  # the keywords among unevaluatedProperties and patternProperties
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in _REFERENCES and isinstance(value, str) and not value.startswith("#"):
                    return (
                        f"{key} {_shown(value)} points outside the schema, and a check fetches no "
                        f"URL and reads no file; copy what it refers to under $defs and write "
                        f'"{key}": "#/$defs/<name>"'
                    )
                if key == "$schema" and isinstance(value, str) and not _known_dialect(value):
                    return _unknown_dialect(value)
                problem = _patterns_problem(key, value)
                if problem:
                    return problem
                if key in ("unevaluatedProperties", "patternProperties"):
                    seen.add(key)
                stack.append(value)
    if len(seen) == 2:
        return (
            "unevaluatedProperties beside patternProperties cannot be judged in bounded time "
            "(jsonschema matches those patterns with re, which cannot be stopped); name the "
            "properties under properties, or use additionalProperties"
        )
    return None


def _patterns_problem(key: str, value: Any) -> str | None:
    """A `pattern` or `patternProperties` that the `regex` package cannot compile."""
    patterns = [value] if key == "pattern" and isinstance(value, str) else []
    if key == "patternProperties" and isinstance(value, dict):
        patterns = list(value)
    for pattern in patterns:
        try:
            regex.compile(pattern)
        except regex.error as error:
            return f"{key} {_shown(pattern)} is not a valid regular expression ({error})"
    return None


def _unknown_dialect(uri: Any) -> str:
    return (
        f"$schema {_shown(uri)} is not a JSON Schema dialect jsonschema ships; write e.g. "
        '"https://json-schema.org/draft/2020-12/schema" or drop it'
    )


def _known_dialect(uri: Any) -> bool:
    import jsonschema

    try:
        return isinstance(uri, str) and bool(
            jsonschema.validators.validator_for({"$schema": uri}, default=None)
        )
    except ValueError:  # not even a URI ("http://[")
        return False


_RULES: dict[str, Callable[[str, Any], bool]] = {
    "contains": lambda a, v: all(_says(a, p) for p in _phrases(v)),
    "not_contains": lambda a, v: not any(_says(a, p) for p in _phrases(v)),
    "regex": _matches,
    "max_words": lambda a, v: len(a.split()) <= v,
    "max_sentences": lambda a, v: _sentences(a) <= v,
    "starts_with": lambda a, v: a.strip().lower().startswith(v.strip().lower()),
    "ends_with": lambda a, v: _ending(a).endswith(_ending(v)),
    "fallback": lambda a, v: _bare(a) == _bare(v),
    "json_schema": _valid_json,
}
CHECK_TYPES = tuple(_RULES)


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
        return f"value {_shown(value)} is not a valid regular expression ({error})"
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
        f"value {_shown(value)} reduces to nothing once surrounding space and a final full stop "
        "are dropped, so every answer would keep it; give the words the answer must end with"
    )


def _fallback_problem(value: Any) -> str | None:
    if _text_problem(value) or _bare(value):
        return _text_problem(value)
    return (
        f"value {_shown(value)} reduces to nothing once case, spacing and final punctuation are "
        "dropped, so only a blank answer would match it; give the fallback phrase's words"
    )


def _schema_problem(value: Any) -> str | None:
    import jsonschema

    if not isinstance(value, dict):
        return "value must be a JSON Schema object"
    unsafe = _unsafe(value)
    if unsafe:
        return unsafe
    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as error:
        return f"value is not a valid JSON Schema ({error.message})"
    except RecursionError:
        return "value is nested too deeply to check; flatten the schema (use $defs and $ref)"
    return None


_ARGUMENTS: dict[str, Callable[[Any], str | None]] = {
    "contains": _phrase_problem,
    "not_contains": _phrase_problem,
    "regex": _regex_problem,
    "max_words": _count_problem,
    "max_sentences": _count_problem,
    "starts_with": _text_problem,
    "ends_with": _ending_problem,
    "fallback": _fallback_problem,
    "json_schema": _schema_problem,
}
