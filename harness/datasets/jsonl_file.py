"""Reading JSONL rows strictly: every line a JSON object and every field of the type and size
expected, or one line naming the file, the line, the field and the fix."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

log = logging.getLogger(__name__)

# Longest string accepted in any field but a document's text (which is chunked): about 5,000
# tokens, more than a small model's prompt can hold next to its instructions.
MAX_CHARS = 20_000


def read_jsonl(path: Path, config_key: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; any unreadable line is a one-line error."""
    if not path.is_file():
        raise HarnessError(f"{config_key}: file not found: {path} (set {config_key}=<path>)")
    rows = []
    try:
        handle = path.open("rb")
    except OSError as error:
        raise HarnessError(f"{config_key}: cannot read {path} ({error.strerror})") from None
    with handle:
        for line_number, raw in enumerate(handle, start=1):
            where = f"{path} line {line_number}"
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as error:
                raise HarnessError(
                    f"{where}: not UTF-8 ({error.reason} at byte {error.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            if line_number == 1:
                text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
            if not text:
                continue
            try:
                row = json.loads(text, object_pairs_hook=_unique_keys)
            except _RepeatedKey as error:
                raise HarnessError(f"{where}: field {error.key!r} appears twice") from None
            except json.JSONDecodeError as error:
                raise HarnessError(f"{where}: invalid JSON ({error.msg})") from None
            except (ValueError, RecursionError) as error:  # e.g. nesting or integers too large
                reason = "nested too deeply" if isinstance(error, RecursionError) else error
                raise HarnessError(f"{where}: invalid JSON ({reason})") from None
            if not isinstance(row, dict):
                raise HarnessError(f"{where}: expected a JSON object, got {type(row).__name__}")
            rows.append((line_number, row))
    if not rows:
        raise HarnessError(f"{config_key}: {path} holds no rows")
    return rows


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json keeps the last one silently)."""
    row: dict[str, Any] = {}
    for key, value in pairs:
        if key in row:
            raise _RepeatedKey(key)
        row[key] = value
    return row


def field(
    row: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    required: bool = True,
    max_chars: int | None = MAX_CHARS,
) -> Any:
    """A row's field checked for type, encoding and length; None when optional and absent."""
    if key not in row:
        if required:
            raise HarnessError(f"{where}: missing field {key!r}")
        return None
    value = row[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise HarnessError(f"{where}: field {key!r} must be {expected}, got {type(value).__name__}")
    if isinstance(value, str):
        _check_encodable(value, key, where)
        if max_chars is not None:
            _check_length(value, key, where, max_chars)
    return value


def text_field(row: dict[str, Any], key: str, where: str, fix: str) -> str:
    """A required, non-blank string field."""
    value = str(field(row, key, (str, int) if key == "id" else str, where))
    if not value.strip():
        raise HarnessError(f"{where}: field {key!r} is empty; {fix}")
    return value


def _check_encodable(value: str, key: str, where: str) -> None:
    """A lone surrogate ("\\ud800") reads from JSON but cannot be written back out as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise HarnessError(
            f"{where}: field {key!r} holds {value[error.start]!r}, half of a surrogate pair, which "
            "is not text; fix the string's escape sequences"
        ) from None


def _check_length(value: str, key: str, where: str, max_chars: int = MAX_CHARS) -> None:
    if len(value) > max_chars:
        raise HarnessError(
            f"{where}: field {key!r} is {len(value):,} characters long; the limit is "
            f"{max_chars:,} (shorten it, split it into several rows, or drop the row)"
        )


def string_list(row: dict[str, Any], key: str, where: str, required: bool) -> tuple[str, ...]:
    """A list-of-strings field (doc ids, answers), each string non-empty and checked."""
    values = field(row, key, list, where, required) or []
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise HarnessError(f"{where}: field {key!r} must be a list of non-empty strings")
    for value in values:
        _check_encodable(value, key, where)
        _check_length(value, key, where)
    return tuple(values)


def warn_unknown_fields(
    rows: list[tuple[int, dict[str, Any]]], known: tuple[str, ...], path: str
) -> None:
    """One warning per file for fields the format ignores: a misspelling would go unnoticed."""
    unknown = Counter(key for _, row in rows for key in row if key not in known)
    if unknown:
        first = next(line for line, row in rows if any(key not in known for key in row))
        names = ", ".join(f"{key!r} ({count} rows)" for key, count in sorted(unknown.items()))
        log.warning(
            "%s: ignored unknown fields %s, first on line %d; the format's fields are %s",
            path, names, first, ", ".join(known),
        )  # fmt: skip
