"""Searching an answer with a check's regular expression, bounded in time.

A behaviour check's pattern comes from a dataset row, so it may take exponential time on some
answers; every search stops after REGEX_TIMEOUT_SECONDS and a stopped search counts as not kept
(`behaviour` and `json_schema` both search this way).
"""

from __future__ import annotations

import logging
from typing import Any

import regex

log = logging.getLogger("harness.scoring.behaviour")  # the checks' warnings, as before

# How long one search by a check's regular expression may take. A sane pattern needs well under a
# millisecond on any answer; one with nested repeats can need longer than anyone would wait.
REGEX_TIMEOUT_SECONDS = 1.0


def shown(value: Any, limit: int = 80) -> str:
    """`value` as repr for a one-line message, cut short: a check may hold anything."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class GaveUp(Exception):
    """A check's pattern could not be searched: it ran past REGEX_TIMEOUT_SECONDS (or, in a check
    stored by an older run, does not compile with the `regex` package)."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(pattern, reason)
        self.pattern, self.reason = pattern, reason


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text`, in at most REGEX_TIMEOUT_SECONDS."""
    try:
        return regex.search(pattern, text, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise GaveUp(
            pattern,
            f"was stopped after {REGEX_TIMEOUT_SECONDS:g} s on a text of {len(text):,} characters "
            "(nested repeats such as (a+)+ take exponential time: simplify the pattern)",
        ) from None
    except regex.error as error:
        raise GaveUp(pattern, f"does not compile ({error})") from None


def gave_up(kind: str, gave_up: GaveUp) -> bool:
    """Warn that a check could not be judged; the answer counts as not keeping it."""
    log.warning(
        "behaviour check %s: pattern %s %s; the answer counts as not keeping it",
        kind, shown(gave_up.pattern), gave_up.reason,
    )  # fmt: skip
    return False
