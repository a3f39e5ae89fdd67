"""The `json_schema` behaviour check: the answer is JSON valid under a JSON Schema, judged offline.

An answer is JSON inside a ```json fence or bare; an answer nested too deeply to parse or to check
(100,000 `[`) is not valid JSON for it. Validation is the `jsonschema` library's.

Checks come from dataset files a user may not have written, and judging one must stay offline: a
schema's `$ref` / `$dynamicRef` / `$recursiveRef` must point inside it (`#...`, e.g.
`#/$defs/item`) and its `$schema` must name a dialect jsonschema knows; any other
(`http://...`, `file:///...`, a relative path) is refused at load. The validator is also built on
a registry that retrieves nothing, so even a check stored in an older run folder (judged again
without loading its dataset) cannot fetch a URL or read a file: such a check, or a reference to
a part of the schema that is not there, counts as not kept, with a warning.

Judging must also end: a schema's `pattern` and `patternProperties` (and `additionalProperties`
beside them) search with `behaviour`'s bounded search, which stops after
`patterns.REGEX_TIMEOUT_SECONDS`; a stopped search means the check is not kept. jsonschema
searches `patternProperties` with `re`, which cannot be stopped, where it looks
for the properties `unevaluatedProperties` has not seen, so a schema with both is refused at load.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import regex

from harness.scoring.patterns import GaveUp, gave_up, search, shown

log = logging.getLogger(__name__)

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def valid_json(answer: str, schema: dict[str, Any]) -> bool:
    """Whether `answer` holds JSON valid under `schema`; what cannot be judged is not kept."""
    from referencing.exceptions import Unresolvable

    problem = unsafe(schema)  # checked at load, but a stored row's checks are judged again
    if problem:
        log.warning("behaviour check json_schema: %s; the answer counts as not keeping it", problem)
        return False
    try:
        return validator(schema).is_valid(json_value(answer))
    except (ValueError, RecursionError):  # not JSON (json's errors are ValueErrors), too deep
        return False
    except GaveUp as stopped:
        return gave_up("json_schema", stopped)
    except Unresolvable as error:  # a local reference to nothing: nothing is ever fetched
        log.warning(
            "behaviour check json_schema: reference %s is not in the schema; the answer counts "
            "as not keeping it",
            shown(f"#{error.ref}" if error.ref.startswith("/") else error.ref),  # a pointer
        )
        return False


def schema_problem(value: Any) -> str | None:
    """Why `value` cannot be a json_schema check's schema (for the load's one line), or None."""
    import jsonschema

    if not isinstance(value, dict):
        return "value must be a JSON Schema object"
    problem = unsafe(value)
    if problem:
        return problem
    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as error:
        return f"value is not a valid JSON Schema ({error.message})"
    except RecursionError:
        return "value is nested too deeply to check; flatten the schema (use $defs and $ref)"
    return None


def json_value(answer: str) -> Any:
    """The JSON an answer holds, bare or in a ```json fence; ValueError when it holds none."""
    text = answer.strip()
    fenced = _FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


def validator(schema: dict[str, Any]) -> Any:
    """A validator of `schema` on a registry that retrieves nothing: a reference to anything but
    the schema itself (and the metaschemas jsonschema ships) is Unresolvable, never fetched."""
    import jsonschema
    import referencing

    kind = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    if kind not in _BOUNDED:  # the keywords that search with a pattern, searching with search
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

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"the string does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Any:
    """jsonschema's own, but matching `patternProperties` with search."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    named, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in named and not any(search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        yield ValidationError(f"additional properties are not allowed ({extras!r} unexpected)")


# The keywords that point at a schema: only a fragment of this one (#...) may be looked up.
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")


def unsafe(schema: dict[str, Any]) -> str | None:
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
                        f"{key} {shown(value)} points outside the schema, and a check fetches no "
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
            return f"{key} {shown(pattern)} is not a valid regular expression ({error})"
    return None


def _unknown_dialect(uri: Any) -> str:
    return (
        f"$schema {shown(uri)} is not a JSON Schema dialect jsonschema ships; write e.g. "
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
